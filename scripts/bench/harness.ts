// The harness of the sections that time fresh processes (2 and 3): builds with serverless.yml's esbuild options, a
// runner that loads a build in a fresh `node` per sample and reports on one `BENCH {json}` line, and rounds that
// rotate the order of the targets.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, extname, join, resolve } from "node:path";
import { type BuildOptions, build, type Metafile, version } from "esbuild";
import type { Clock } from "./profile";
import { ROOT, type ServerlessSettings } from "./serverless-config";

/** esbuild options equivalent to serverless.yml's custom.esbuild, as serverless-esbuild passes them through. */
const esbuildOptions = ({ esbuild: o }: ServerlessSettings): BuildOptions => ({
  // A YAML flow list of words, `["module", "main"]`.
  ...(typeof o.mainFields === "string" ? { mainFields: o.mainFields.match(/[^\s,[\]"']+/g) ?? [] } : {}),
  ...(typeof o.outputFileExtension === "string" ? { outExtension: { ".js": o.outputFileExtension } } : {}),
  // A module exporting esbuild plugins, loaded as serverless-esbuild loads it.
  ...(typeof o.plugins === "string" ? { plugins: [require(join(ROOT, o.plugins))].flat() } : {}),
  bundle: o.bundle === true,
  minify: o.minify === true,
  sourcemap: o.sourcemap === true,
  keepNames: o.keepNames === true,
  splitting: o.splitting === true,
  platform: (o.platform as BuildOptions["platform"]) ?? "node",
  target: typeof o.target === "string" ? o.target : "node18",
  format: (o.format as BuildOptions["format"]) ?? "cjs",
  metafile: true,
  absWorkingDir: ROOT,
  logLevel: "error",
});

/** Every node reached from `start` through `next`. */
export const closure = (start: string, next: (node: string) => string[]): Set<string> => {
  const [seen, queue] = [new Set<string>(), [start]];
  for (let node = queue.pop(); node !== undefined; node = queue.pop()) {
    if (!seen.has(node)) queue.push(...next(node));
    seen.add(node);
  }
  return seen;
};

/** One build of one entry: the entry output the runner loads, and the metafile. */
export interface Built {
  file: string;
  format: "esm" | "cjs";
  /** What is read before the handler runs: the entry and the chunks it imports statically. */
  bytes: number;
  /** The outputs read before the handler runs. */
  eager: string[];
  /** The entry output alone (the file the zip holds under the handler's name). */
  entryBytes: number;
  /** Every output the entry reaches, through import() too, and their bytes. */
  outputs: string[];
  total: number;
  meta: Metafile;
  /** The entry's input in the metafile. */
  input: string;
}

/** Something timed in fresh processes: its samples per measure (`ms`, `cpu`, …), in the order taken. */
export interface Timed<M extends string> {
  label: string;
  built: Built;
  nodeArgs?: string[];
  samples: Record<M, number[]>;
}

/**
 * Runs in the child: loads a build (import() for an ES module, require() for CommonJS) and times the load alone;
 * given an event file, it then invokes the handler with a Lambda-like context. node:fs and node:crypto are loaded
 * after the load, so that the bundle loads them itself as a handler would.
 */
const RUNNER = `
const [file, format, eventFile, arn] = process.argv.slice(2);
const runnerAt = performance.now();
// Both clocks at once: epoch ms (the double's call log) and monotonic µs (a CPU profile's timestamps).
const clock = { epoch: performance.timeOrigin + performance.now(), hr: Number(process.hrtime.bigint() / 1000n) };
const url = format === "esm" ? require("node:url").pathToFileURL(file).href : undefined;
const report = (result) => process.stderr.write("\\nBENCH " + JSON.stringify(result) + "\\n");
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
const loaded = (module) => {
  const ms = Number(process.hrtime.bigint() - start) / 1e6, used = process.cpuUsage(cpu);
  return { module, ms, cpu: (used.user + used.system) / 1e3, loadedAt: performance.now() };
};
(url ? import(url).then(loaded) : Promise.resolve(loaded(require(file)))).then(async ({ module, ms, cpu, loadedAt }) => {
  if (!eventFile) {
    const ok = typeof module.handler === "function" || typeof module.clients === "object";
    return report({ ok, ms, cpu, error: ok ? undefined : "exports neither a handler nor the clients" });
  }
  const event = JSON.parse(require("node:fs").readFileSync(eventFile, "utf8"));
  const name = "access-key-responder-bench";
  await module.handler(event, {
    functionName: name, functionVersion: "$LATEST", memoryLimitInMB: "256", awsRequestId: require("node:crypto").randomUUID(),
    logGroupName: "/aws/lambda/" + name, logStreamName: "bench", callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60000, ...(arn ? { invokedFunctionArn: arn } : {}),
  });
  report({ ok: true, origin: performance.timeOrigin, runnerAt, loadedAt, clock });
}).catch((error) => report({ ok: false, error: String(error) }));
`;

/**
 * Gives `work` the harness in a temporary directory, removed afterwards whatever happens: `bundle` builds an entry (a
 * file of the project, or source text resolved from the project) with serverless.yml's esbuild options, `extra`
 * added or overriding, into a directory of its own as `package.individually` does, with a package.json
 * {"type":"module"} beside an ES module build; `sample` runs the runner once in a fresh `node`; `rounds` times every
 * target `coldRuns` times; `builtText` and `roundsText` say how, for the method.
 */
export const freshProcesses = async <T>(
  bench: { settings: ServerlessSettings; n: { coldRuns: number } },
  work: (harness: ReturnType<typeof harnessIn>) => Promise<T>,
): Promise<T> => {
  const dir = mkdtempSync(join(tmpdir(), "akr-bench-"));
  try {
    writeFileSync(join(dir, "runner.cjs"), RUNNER);
    return await work(harnessIn(dir, bench.settings, bench.n.coldRuns));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const harnessIn = (dir: string, settings: ServerlessSettings, runs: number) => {
  const options = esbuildOptions(settings);

  const bundle = async (name: string, entry: string | { source: string }, extra: BuildOptions = {}) => {
    const o = { ...options, ...extra };
    const outdir = join(dir, name);
    // serverless.yml's plugins are for the functions' builds, which serverless-esbuild makes one entry at a time.
    const from: BuildOptions =
      typeof entry === "string"
        ? { entryPoints: [entry] }
        : {
            stdin: { contents: entry.source, resolveDir: ROOT, loader: "ts", sourcefile: `${name}.ts` },
            plugins: [],
          };
    const { metafile: meta } = (await build({ ...o, ...from, outdir })) as { metafile: Metafile };
    if (o.format === "esm") writeFileSync(join(outdir, "package.json"), '{"type":"module"}\n');
    const stem = typeof entry === "string" ? basename(entry, extname(entry)) : "stdin";
    const file = join(outdir, `${stem}${o.outExtension?.[".js"] ?? ".js"}`);
    const out = Object.keys(meta.outputs).find((key) => resolve(ROOT, key) === file);
    if (!out) throw new Error(`esbuild produced no ${file}`);
    // The outputs `out` imports statically, and through import() too when `dynamic` is set.
    const reach = (dynamic: boolean) =>
      closure(out, (output) =>
        (meta.outputs[output]?.imports ?? []).flatMap((i) =>
          !i.external && (i.kind === "import-statement" || (dynamic && i.kind === "dynamic-import"))
            ? [i.path]
            : [],
        ),
      );
    const bytes = (outs: Set<string>) => [...outs].reduce((n, key) => n + (meta.outputs[key]?.bytes ?? 0), 0);
    const outputs = reach(true);
    const format = o.format === "esm" ? ("esm" as const) : ("cjs" as const);
    const input = meta.outputs[out]?.entryPoint ?? "";
    const eager = reach(false);
    const sizes = { bytes: bytes(eager), entryBytes: bytes(new Set([out])), total: bytes(outputs) };
    return { file, format, meta, input, outputs: [...outputs], eager: [...eager], ...sizes } satisfies Built;
  };

  const sample = async (t: Timed<string>, env: NodeJS.ProcessEnv, args: string[] = []) => {
    const argv = [...(t.nodeArgs ?? []), join(dir, "runner.cjs"), t.built.file, t.built.format, ...args];
    // stdout, where handlers log, is discarded. Asynchronous on purpose: the double answers from this process's event
    // loop while the child runs.
    const child = spawn(process.execPath, argv, { env, stdio: ["ignore", "ignore", "pipe"], timeout: 60e3 });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on("close", done));
    const line = stderr.split("\n").find((l) => l.startsWith("BENCH "));
    const result: Record<string, number> & { ok?: boolean; clock?: Clock } = line
      ? JSON.parse(line.slice(6))
      : {};
    if (code !== 0 || !result.ok) {
      throw new Error(`${t.label} failed (exit ${code}): ${String(result.error ?? stderr.slice(0, 2000))}`);
    }
    return result;
  };

  /**
   * One untimed sample of each target warms the page cache; then `runs` rounds take one sample of every target, in
   * an order rotated each round, so drift on this shared machine hits all targets alike.
   */
  const rounds = async <M extends string, T extends Timed<M>>(
    all: T[],
    take: (t: T) => Promise<Record<M, number>>,
  ) => {
    for (const target of all) await take(target);
    for (let round = 0; round < runs; round++) {
      for (let i = 0; i < all.length; i++) {
        const target = all[(i + round) % all.length] as T;
        const values = await take(target);
        for (const measure of Object.keys(values) as M[]) target.samples[measure].push(values[measure]);
      }
    }
  };

  const optionText = Object.entries(settings.esbuild).map(([k, v]) => `${k}: ${String(v)}`);
  const builtText =
    `built with the JS API of esbuild ${version} and the options of serverless.yml's \`custom.esbuild\`, read on ` +
    `every run (${optionText.join(", ")}), each into a temporary directory of its own, as \`package.individually\` does`;
  const roundsText =
    `One untimed round warms the page cache; then ${runs} timed rounds take one sample of every row, in an order ` +
    "rotated each round, so drift on this shared machine hits all rows alike.";
  return { dir, options, bundle, sample, rounds, builtText, roundsText };
};
