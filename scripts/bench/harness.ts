// The harness for fresh-process timing (sections 2 and 3): bundles built with serverless.yml's esbuild options in a
// temporary directory, a runner in a fresh `node` per sample that reports on one `BENCH {json}` line, and rounds
// that rotate the order of the targets.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { ROOT, type ServerlessSettings } from "./serverless-config";

/** A YAML flow list of plain or quoted words (`["module", "main"]`), as serverless.yml writes mainFields. */
const wordList = (value: string | boolean | undefined): string[] | undefined =>
  typeof value === "string" && value.startsWith("[")
    ? value
        .slice(1, -1)
        .split(",")
        .map((word) => word.trim().replace(/^["']|["']$/g, ""))
        .filter(Boolean)
    : undefined;

/** esbuild options equivalent to serverless.yml's custom.esbuild (serverless-esbuild passes them through). */
const esbuildOptionsFrom = (settings: ServerlessSettings): BuildOptions => {
  const o = settings.esbuild;
  const mainFields = wordList(o.mainFields);
  return {
    ...(mainFields ? { mainFields } : {}),
    bundle: o.bundle === true,
    minify: o.minify === true,
    sourcemap: o.sourcemap === true,
    keepNames: o.keepNames === true,
    platform: (o.platform as BuildOptions["platform"]) ?? "node",
    target: typeof o.target === "string" ? o.target : "node18",
    format: (o.format as BuildOptions["format"]) ?? "cjs",
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: "error",
    write: true,
  };
};

/** serverless.yml's esbuild options, and a build with them (`extra` added or overriding) that returns the metafile. */
export const bundler = (settings: ServerlessSettings) => {
  const options = esbuildOptionsFrom(settings);
  const bundle = async (extra: BuildOptions): Promise<Metafile> =>
    (await build({ ...options, ...extra })).metafile as Metafile;
  return { options, bundle };
};

/** An entry given as source text (the baseline, the floor), resolved from the project as if it lived there. */
export const sourceEntry = (contents: string, sourcefile: string) =>
  ({ contents, resolveDir: ROOT, sourcefile, loader: "ts" }) as const;

/** Runs `work` in a fresh temporary directory, removed afterwards whatever happens. */
export const inTempDir = async <T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/**
 * Runs `node [nodeArgs] runner args…` in a fresh process and returns what the runner wrote on its `BENCH {json}`
 * line (stderr; stdout, where handlers log, is discarded). Asynchronous on purpose: the double answers from this
 * process's event loop while the child runs.
 */
export const freshProcess = async (
  label: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
): Promise<Record<string, number | boolean | string>> => {
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 60_000,
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const line = stderr.split("\n").find((l) => l.startsWith("BENCH "));
  const result = line ? (JSON.parse(line.slice(6)) as Record<string, number | boolean | string>) : undefined;
  if (code !== 0 || !result?.ok) {
    throw new Error(`${label} failed (exit ${code}): ${String(result?.error ?? stderr.slice(0, 2000))}`);
  }
  return result;
};

/** Something timed in fresh processes: its samples per measure (`ms`, `cpu`, …), in the order taken. */
export interface Timed<M extends string> {
  label: string;
  samples: Record<M, number[]>;
}

/**
 * One untimed sample of each target warms the page cache; then `runs` rounds take one sample of every target, in an
 * order rotated each round, so drift on this shared machine hits all targets alike.
 */
export const timeInRounds = async <M extends string, T extends Timed<M>>(
  targets: readonly T[],
  runs: number,
  sample: (target: T) => Promise<Record<M, number>>,
): Promise<void> => {
  for (const target of targets) await sample(target);
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length] as T;
      const values = await sample(target);
      for (const measure of Object.keys(values) as M[]) target.samples[measure].push(values[measure]);
    }
  }
};
