// `npm run package`: packages the stack offline once per configuration in PACKAGED_CONFIGS, for the template
// tests. `sls package --package <dir>` builds in .serverless and then moves the result (emptying .serverless), so
// the other configurations go first and the default one, which stays in .serverless, last.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import {
  PACKAGE_REGION,
  PACKAGE_STAGE,
  PACKAGED_CONFIGS,
  type PackagedConfig,
  PROJECT_ROOT,
} from "../test/support/template";

const SLS = join(PROJECT_ROOT, "node_modules", ".bin", "sls");
/** A build error can leave `sls` waiting on esbuild's service forever; fail instead. */
const TIMEOUT_MS = 10 * 60_000;

const packageConfig = (name: string, { dir, params }: PackagedConfig): void => {
  const args = ["package", "--stage", PACKAGE_STAGE, "--region", PACKAGE_REGION];
  if (dir !== ".serverless") args.push("--package", dir);
  for (const [key, value] of Object.entries(params)) args.push(`--param=${key}=${value}`);
  console.log(`\n${name}: sls ${args.join(" ")}`);
  const started = Date.now();
  const result = spawnSync(SLS, args, { cwd: PROJECT_ROOT, stdio: "inherit", timeout: TIMEOUT_MS });
  if (result.status !== 0) {
    const why =
      result.error?.message ?? (result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`);
    throw new Error(`packaging ${name} failed (${why})`);
  }
  console.log(`${name}: packaged into ${dir}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
};

const { default: defaultConfig, ...others } = PACKAGED_CONFIGS;
for (const [name, config] of Object.entries(others)) packageConfig(name, config);
packageConfig("default", defaultConfig);
