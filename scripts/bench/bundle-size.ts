// Section 3: the deployment zips `sls package` produces.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { SectionResult, Verdict } from "./report";
import { ROOT, type ServerlessSettings } from "./serverless-config";
import { int, kb, pct, table } from "./stats";
import { listZip } from "./zip";

const LIMIT_KB = 300;
export const PACKAGE_ARGS = ["sls", "package", "--stage", "bench", "--region", "us-east-1"];

/** Newest modification time of the files a package is built from. */
const newestSource = (): number => {
  const files = [join(ROOT, "serverless.yml"), join(ROOT, "package-lock.json")];
  for (const dir of ["handlers", "src"]) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
    }
  }
  return Math.max(...files.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
};

export const runBundleSize = (
  settings: ServerlessSettings,
  env: NodeJS.ProcessEnv,
  builtBytes: Map<string, number> | undefined,
  /** Smoke runs reuse zips that are newer than every source file (`npm test` packages just before). */
  reuseFreshZips: boolean,
): SectionResult => {
  const zips = settings.functions.map((fn) => join(ROOT, ".serverless", `${fn.name}.zip`));
  const fresh =
    reuseFreshZips &&
    zips.every((zip) => existsSync(zip)) &&
    Math.min(...zips.map((zip) => statSync(zip).mtimeMs)) > newestSource();
  let how: string;
  if (fresh) {
    how =
      "This smoke run reused the zips already in `.serverless/`, because they are newer than serverless.yml, package-lock.json " +
      `and every file in handlers/ and src/ (\`npm test\` packages just before). The full run executes \`npx ${PACKAGE_ARGS.join(" ")}\`.`;
  } else {
    const started = performance.now();
    const child = spawnSync("npx", PACKAGE_ARGS, { cwd: ROOT, env, encoding: "utf8", timeout: 180_000 });
    const seconds = (performance.now() - started) / 1000;
    if (child.status !== 0) {
      throw new Error(
        `npx ${PACKAGE_ARGS.join(" ")} failed (exit ${child.status}, ${child.error?.message ?? ""}):\n${(child.stdout ?? "").slice(-2000)}\n${(child.stderr ?? "").slice(-2000)}`,
      );
    }
    how = `\`npx ${PACKAGE_ARGS.join(" ")}\` (osls with serverless-esbuild, offline; took ${seconds.toFixed(1)} s here).`;
  }

  const verdicts: Verdict[] = [];
  const rows: (string | number)[][] = [];
  const contents: string[] = [];
  let metaTotal = 0;
  for (const fn of settings.functions) {
    const zip = join(ROOT, ".serverless", `${fn.name}.zip`);
    if (!existsSync(zip)) throw new Error(`${zip} was not produced`);
    const size = statSync(zip).size;
    const entries = listZip(zip);
    const meta = entries.filter((e) => e.name.endsWith("-meta.json"));
    const metaCompressed = meta.reduce((sum, e) => sum + e.compressed, 0);
    metaTotal += metaCompressed;
    const bundleName = fn.entry.replace(/\.ts$/, ".js");
    const bundle = entries.find((e) => e.name === bundleName);
    const built = builtBytes?.get(fn.name);
    rows.push([
      fn.name,
      kb(size),
      entries.length,
      bundle ? `${kb(bundle.compressed)} (${kb(bundle.uncompressed)} unzipped)` : "missing",
      meta.length ? `${meta.length} files, ${kb(metaCompressed)} (${pct(metaCompressed, size)})` : "none",
      kb(size - metaCompressed),
      built === undefined || !bundle
        ? "n/a"
        : built === bundle.uncompressed
          ? "identical size"
          : `differs (${int(built)} B)`,
    ]);
    contents.push(
      `- \`${fn.name}.zip\`: ${entries.map((e) => `${e.name} (${kb(e.compressed)} KB)`).join(", ")}`,
    );
    const sizeKb = size / 1024;
    verdicts.push({
      target: `${fn.name}.zip ≤ ${LIMIT_KB} KB`,
      met: sizeKb <= LIMIT_KB,
      text:
        `${kb(size)} KB.` +
        (meta.length
          ? ` ${kb(metaCompressed)} KB of it is ${meta.length} esbuild metafiles that are not code (see this section's note on metafiles).`
          : ""),
    });
  }

  const notes: string[] = [];
  if (metaTotal > 0) {
    notes.push(
      "**Metafiles are shipped.** Every zip contains the esbuild metafile of *every* handler (`handlers/*-meta.json`). " +
        "serverless-esbuild 1.57 keeps them in unless each function's own `package.patterns` negates them: keep " +
        '`metafile` off in `custom.esbuild` (this benchmark builds its own), or add `package: { patterns: ["!handlers/*-meta.json"] }` ' +
        'to each function. Either brings each zip to the "Without metafiles" column.',
    );
  }
  return {
    title: "Bundle: deployment package size",
    method:
      `${how} Each ` +
      "`.serverless/<function>.zip` is measured with `fs.statSync` (1 KB = 1,024 bytes). Its entries are listed from the zip's central " +
      "directory. The last column checks that the packaged bundle has the same size as section 2's build, i.e. that the " +
      "benchmark used the same esbuild options as the deployment.",
    body: [
      table(
        [
          "Function",
          "Zip KB",
          "Entries",
          "Bundle KB in zip",
          "Metafiles in zip KB",
          "Without metafiles KB",
          "vs section 2 build",
        ],
        rows,
      ),
      contents.join("\n"),
      ...notes,
    ].join("\n\n"),
    verdicts,
  };
};
