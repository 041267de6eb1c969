// Section 2: time to require() each handler bundle in a fresh node process, against an SDK-only baseline.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { type BuildOptions, build, version as esbuildVersion, type Metafile, type Plugin } from "esbuild";
import type { SectionResult, Verdict } from "./report";
import { type FunctionEntry, ROOT, type ServerlessSettings } from "./serverless-config";
import { kb, median, ms, pct, table } from "./stats";

const RATIO_TARGET = 1.1;

/** The clients src/runtime.ts builds, with the settings of clientConfig(), constructed at load time. */
const BASELINE_SOURCE = `
import { IAMClient } from "@aws-sdk/client-iam";
import { SNSClient } from "@aws-sdk/client-sns";
import { STSClient } from "@aws-sdk/client-sts";
const config = {
  region: process.env.AWS_REGION ?? "us-east-1",
  maxAttempts: 6,
  retryMode: "standard",
  requestHandler: { connectionTimeout: 3000, requestTimeout: 5000, throwOnRequestTimeout: true },
};
export const clients = {
  iam: new IAMClient(config),
  sns: new SNSClient({ ...config, maxAttempts: 4 }),
  sts: new STSClient(config),
};
`;

/** Runs in the child: times require() alone, after node itself has started. */
const RUNNER_SOURCE = `
const target = process.argv[2];
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
const loaded = require(target);
const elapsed = process.hrtime.bigint() - start;
const used = process.cpuUsage(cpu);
const ok = typeof loaded.handler === "function" || typeof loaded.clients === "object";
process.stdout.write(JSON.stringify({ ms: Number(elapsed) / 1e6, cpuMs: (used.user + used.system) / 1e3, ok }) + "\\n");
`;

/** esbuild options equivalent to serverless.yml's custom.esbuild (serverless-esbuild passes them through). */
export const esbuildOptionsFrom = (settings: ServerlessSettings): BuildOptions => {
  const o = settings.esbuild;
  return {
    bundle: o.bundle === true,
    minify: o.minify === true,
    sourcemap: o.sourcemap === true,
    platform: (o.platform as BuildOptions["platform"]) ?? "node",
    target: typeof o.target === "string" ? o.target : "node18",
    format: (o.format as BuildOptions["format"]) ?? "cjs",
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: "error",
    write: true,
  };
};

/** node_modules/<pkg> or node_modules/@scope/pkg (innermost node_modules wins); project files as they are. */
export const inputGroup = (input: string): string => {
  const at = input.lastIndexOf("node_modules/");
  if (at < 0) return input;
  const [first = "", second = ""] = input.slice(at + "node_modules/".length).split("/");
  return first.startsWith("@") ? `${first}/${second}` : first;
};

export const groupInputs = (meta: Metafile): { total: number; groups: Map<string, number> } => {
  const output = Object.values(meta.outputs)[0];
  const groups = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const group = inputGroup(input);
    groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
  }
  return { total: output?.bytes ?? 0, groups };
};

interface Target {
  label: string;
  file: string;
  bytes: number;
  meta: Metafile;
  samples: number[];
  cpu: number[];
}

/** Rewrites `import { z } from "zod"` to `import * as z from "zod"` at build time (src is not touched). */
const zodNamespacePlugin = (rewritten: Set<string>): Plugin => ({
  name: "bench-zod-namespace-import",
  setup(pluginBuild) {
    // Only this repository's src/*.ts, never a dependency's sources.
    const srcDir = join(ROOT, "src").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    pluginBuild.onLoad({ filter: new RegExp(`^${srcDir}[\\\\/].*\\.ts$`) }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const contents = text.replace(/import \{ z \} from "zod";/g, 'import * as z from "zod";');
      if (contents !== text) rewritten.add(args.path.slice(ROOT.length + 1));
      return { contents, loader: "ts" };
    });
  },
});

/**
 * Replaces the named packages with an empty module: what loading costs when they are not evaluated at start-up, as
 * with an `await import()` at the point of use (esbuild keeps that code in a cjs bundle but runs it on first use).
 */
const deferPlugin = (packages: string[]): Plugin => ({
  name: "bench-defer-packages",
  setup(pluginBuild) {
    const filter = new RegExp(
      `^(${packages.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`,
    );
    pluginBuild.onResolve({ filter }, (args) => ({ path: args.path, namespace: "bench-deferred" }));
    pluginBuild.onLoad({ filter: /.*/, namespace: "bench-deferred" }, () => ({
      contents: "module.exports = {};",
      loader: "js",
    }));
  },
});

const measureOnce = (runner: string, file: string): { ms: number; cpuMs: number } => {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  };
  const child = spawnSync(process.execPath, [runner, file], { env, encoding: "utf8", timeout: 60_000 });
  const line = child.stdout?.trim().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !line) {
    throw new Error(`loading ${file} failed (exit ${child.status}): ${child.stderr?.slice(0, 2000)}`);
  }
  const result = JSON.parse(line) as { ms: number; cpuMs: number; ok: boolean };
  if (!result.ok) throw new Error(`${file} loaded but exports neither a handler nor the clients`);
  return result;
};

export interface Deflated {
  shipped: number[];
  whatIf?: number[];
}

const LEVELS = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
const deflatedSizes = (file: string): number[] => {
  const data = readFileSync(file);
  return LEVELS.map((level) => deflateRawSync(data, { level }).length);
};

export interface ColdStartOutput {
  section: SectionResult;
  /** Bundle sizes from this build, to compare with what `sls package` zipped. */
  bundleBytes: Map<string, number>;
  /** Deflated sizes of the first handler and its what-if at zlib levels 1–9 (index 0 is level 1). */
  deflated: Deflated;
}

const outputOf = (meta: Metafile, entry: string) =>
  Object.entries(meta.outputs).find(([, output]) => output.entryPoint === entry);

/** Inputs of one output of a (possibly multi-entry) build, as a single-output metafile. */
const singleOutput = (meta: Metafile, entry: string): Metafile => {
  const found = outputOf(meta, entry);
  if (!found) throw new Error(`esbuild produced no output for ${entry}`);
  return { inputs: meta.inputs, outputs: { [found[0]]: found[1] } };
};

export const runColdStart = async (
  settings: ServerlessSettings,
  runs: number,
  /** Smoke runs time only the first handler (the bundles are the same code) against the baseline. */
  timeAllHandlers: boolean,
): Promise<ColdStartOutput> => {
  const dir = mkdtempSync(join(tmpdir(), "akr-bench-"));
  try {
    const options = esbuildOptionsFrom(settings);
    const runner = join(dir, "measure.cjs");
    writeFileSync(runner, RUNNER_SOURCE);
    const first = settings.functions[0];
    if (!first) throw new Error("serverless.yml names no function");

    // All handlers in one build: without code splitting each output is exactly what a build of its own gives.
    const handlerBuild = await build({
      ...options,
      entryPoints: Object.fromEntries(settings.functions.map((fn) => [fn.name, fn.entry])),
      outdir: dir,
    });
    const handlers = settings.functions.map((fn) => {
      const meta = singleOutput(handlerBuild.metafile as Metafile, fn.entry);
      return {
        label: fn.name,
        file: join(dir, `${fn.name}.js`),
        bytes: groupInputs(meta).total,
        meta,
        samples: [],
        cpu: [],
        fn,
      };
    });
    const buildOne = async (label: string, extra: BuildOptions, fileName: string): Promise<Target> => {
      const file = join(dir, fileName);
      const result = await build({ ...options, ...extra, outfile: file });
      const meta = result.metafile as Metafile;
      return { label, file, bytes: groupInputs(meta).total, meta, samples: [], cpu: [] };
    };
    const baseline = await buildOne(
      "baseline (SDK clients only)",
      {
        stdin: { contents: BASELINE_SOURCE, resolveDir: ROOT, sourcefile: "bench-baseline.ts", loader: "ts" },
      },
      "baseline.js",
    );
    const rewritten = new Set<string>();
    const whatIf = await buildOne(
      `${first.name}, what-if: \`import * as z\``,
      { entryPoints: [first.entry], plugins: [zodNamespacePlugin(rewritten)] },
      `${first.name}-zod-namespace.js`,
    );
    const main = handlers[0] as Target & { fn: FunctionEntry };
    // SDK clients the handler bundles beyond the baseline's three: candidates for loading on first use.
    const baseGroupNames = groupInputs(baseline.meta).groups;
    const extraClients = [...groupInputs(main.meta).groups.keys()].filter(
      (g) => g.startsWith("@aws-sdk/client-") && !baseGroupNames.has(g),
    );
    let deferred: Target | undefined;
    let deferredNote = "";
    if (rewritten.size > 0 && extraClients.length > 0) {
      const candidate = await buildOne(
        `${first.name}, what-if: \`import * as z\` + ${extraClients.join(", ")} loaded on first use`,
        { entryPoints: [first.entry], plugins: [deferPlugin(extraClients), zodNamespacePlugin(new Set())] },
        `${first.name}-deferred.js`,
      );
      try {
        measureOnce(runner, candidate.file);
        deferred = candidate;
      } catch (error) {
        deferredNote = `The second what-if (${extraClients.join(", ")} deferred) could not be loaded with the package stubbed out, so it was dropped: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`;
      }
    }
    const whatIfs = [...(rewritten.size > 0 ? [whatIf] : []), ...(deferred ? [deferred] : [])];
    const timedHandlers = timeAllHandlers ? handlers : [main];
    const targets: Target[] = [...timedHandlers, baseline, ...whatIfs];

    // One untimed round warms the page cache; then rounds interleave the targets so drift hits all alike.
    for (const target of targets) measureOnce(runner, target.file);
    for (let round = 0; round < runs; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
      for (const target of order) {
        const sample = measureOnce(runner, target.file);
        target.samples.push(sample.ms);
        target.cpu.push(sample.cpuMs);
      }
    }

    const baseMedian = median(baseline.samples);
    const baseCpu = median(baseline.cpu);
    const loadRows = [...handlers, baseline, ...whatIfs].map((t) => {
      if (t.samples.length === 0) return [t.label, kb(t.bytes), "not timed (smoke)", "", "", "", "", ""];
      const m = median(t.samples);
      const c = median(t.cpu);
      return [
        t.label,
        kb(t.bytes),
        ms(m, 1),
        ms(baseMedian, 1),
        t === baseline ? "—" : `${(m / baseMedian).toFixed(2)}×`,
        `${ms(Math.min(...t.samples), 1)}–${ms(Math.max(...t.samples), 1)}`,
        ms(c, 1),
        t === baseline ? "—" : `${(c / baseCpu).toFixed(2)}×`,
      ];
    });

    // Top inputs of the first handler's bundle, next to the same package in the baseline.
    const handlerGroups = groupInputs(main.meta);
    const baseGroups = groupInputs(baseline.meta).groups;
    const top = [...handlerGroups.groups.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
    const topRows = top.map(([group, bytes], i) => {
      const inBase = baseGroups.get(group) ?? 0;
      return [i + 1, group, kb(bytes), pct(bytes, handlerGroups.total), kb(inBase), kb(bytes - inBase)];
    });
    // Entry files differ by name (handlers/<name>.ts); everything else should be the same code.
    const shared = (groups: Map<string, number>) => [...groups].filter(([k]) => !k.startsWith("handlers/"));
    const sameInputs = handlers.every((h) => {
      const g = groupInputs(h.meta).groups;
      const mine = shared(g);
      const theirs = shared(handlerGroups.groups);
      return mine.length === theirs.length && theirs.every(([k, v]) => Math.abs((g.get(k) ?? 0) - v) <= 64);
    });

    // What the handler bundle has that the baseline does not, and the zod details behind it.
    const extra = [...handlerGroups.groups.entries()]
      .map(([group, bytes]) => [group, bytes - (baseGroups.get(group) ?? 0)] as const)
      .filter(([, bytes]) => bytes > 0)
      .sort((a, b) => b[1] - a[1]);
    const extraTotal = extra.reduce((sum, [, bytes]) => sum + bytes, 0);
    const zodInputs = Object.entries(Object.values(main.meta.outputs)[0]?.inputs ?? {}).filter(
      ([input]) => inputGroup(input) === "zod",
    );
    const localeInputs = zodInputs.filter(([input]) => input.includes("/locales/"));
    const localeBytes = localeInputs.reduce((sum, [, v]) => sum + v.bytesInOutput, 0);
    const jsonSchemaBytes = zodInputs
      .filter(([input]) => /json-schema/.test(input))
      .reduce((sum, [, v]) => sum + v.bytesInOutput, 0);
    const zodBytes = handlerGroups.groups.get("zod") ?? 0;
    const whatIfZod = groupInputs(whatIf.meta).groups.get("zod") ?? 0;
    const whatIfMedian = median(whatIf.samples);
    const whatIfRatio = whatIfMedian / baseMedian;
    const whatIfCpuRatio = median(whatIf.cpu) / baseCpu;

    const whatIfGroups = groupInputs(whatIf.meta).groups;
    const whatIfExtra = [...whatIfGroups.entries()]
      .map(([group, bytes]) => [group, bytes - (baseGroups.get(group) ?? 0)] as const)
      .filter(([, bytes]) => bytes > 0)
      .sort((a, b) => b[1] - a[1]);
    const whatIfExtraTotal = whatIfExtra.reduce((sum, [, bytes]) => sum + bytes, 0);
    const listGroups = (groups: readonly (readonly [string, number])[], n: number) =>
      `${groups
        .slice(0, n)
        .map(([g, b]) => `${g} ${kb(b)} KB`)
        .join(", ")}${groups.length > n ? ", …" : ""}`;

    const ratios = timedHandlers.map((h) => ({
      name: h.fn.name,
      median: median(h.samples),
      ratio: median(h.samples) / baseMedian,
      cpuRatio: median(h.cpu) / baseCpu,
    }));
    const met = ratios.every((r) => r.ratio <= RATIO_TARGET);
    let verdictText = `${ratios
      .map((r) => `${r.name} ${ms(r.median, 1)} ms = ${r.ratio.toFixed(2)}× (CPU ${r.cpuRatio.toFixed(2)}×)`)
      .join("; ")}, against the baseline's ${ms(baseMedian, 1)} ms.`;
    if (!met) {
      verdictText +=
        ` Why: each handler bundle is ${kb(main.bytes)} KB against the baseline's ${kb(baseline.bytes)} KB, and ` +
        `${kb(zodBytes - (baseGroups.get("zod") ?? 0))} KB of the ${kb(extraTotal)} KB the baseline lacks is zod. ` +
        `${kb(localeBytes)} KB of that zod code is locales the responder never uses.` +
        (rewritten.size > 0
          ? ' What would close the gap: import zod as a namespace (`import * as z from "zod"` in src/findings/*.ts). The what-if ' +
            `build that does so is ${kb(whatIf.bytes)} KB and loads in ${whatIfRatio.toFixed(2)}× the baseline (CPU ` +
            `${whatIfCpuRatio.toFixed(2)}×).${whatIfRatio > RATIO_TARGET || whatIfCpuRatio > RATIO_TARGET ? ` The ${kb(whatIfExtraTotal)} KB still left over (${listGroups(whatIfExtra, 4)}) is the rest.` : ""}` +
            (deferred
              ? ` Also loading ${extraClients.join(", ")} only when it is used (an opt-in enrichment) measured ` +
                `${(median(deferred.samples) / baseMedian).toFixed(2)}× (CPU ${(median(deferred.cpu) / baseCpu).toFixed(2)}×) in the second what-if` +
                (median(deferred.samples) < whatIfMedian && median(deferred.cpu) < median(whatIf.cpu)
                  ? "."
                  : ", no better than the first within this machine's noise.") +
                ` Reaching ${RATIO_TARGET}× needs the rest of the extra code gone as well.`
              : "") +
            " See section 2's analysis."
          : " See section 2's metafile analysis.");
    }
    const verdicts: Verdict[] = [
      {
        target: `require() ≤ ${RATIO_TARGET}× the SDK-only baseline, per handler${timeAllHandlers ? "" : " (smoke: first handler only)"}`,
        met,
        text: verdictText,
      },
    ];

    const analysis: string[] = [];
    if (timeAllHandlers && sameInputs) {
      const medians = handlers.map((h) => median(h.samples));
      analysis.push(
        `**Noise.** The four handler bundles contain the same code (only the function-name string differs), so the spread ` +
          `of their medians (${ms(Math.min(...medians), 1)}–${ms(Math.max(...medians), 1)} ms) shows how much of the noise ` +
          "on this machine the medians did not absorb. CPU time (`process.cpuUsage()` around the same `require`) " +
          "is less sensitive to other processes competing for the cores, so it is given as a cross-check.",
      );
    }
    analysis.push(
      `**What the handler loads on top of the SDK.** The handler bundle has ${kb(extraTotal)} KB more input than the ` +
        `baseline: ${extra
          .slice(0, 6)
          .map(([g, b]) => `${g} ${kb(b)} KB`)
          .join(
            ", ",
          )}${extra.length > 6 ? ", …" : ""}. zod alone is ${kb(zodBytes)} KB (${pct(zodBytes, handlerGroups.total)} of the bundle, ` +
        `${zodInputs.length} files). ${localeInputs.length} of those files are \`zod/v4/locales/*\` (${kb(localeBytes)} KB of error messages ` +
        `in other languages), and the JSON-Schema converters add another ${kb(jsonSchemaBytes)} KB. The responder uses neither. They are ` +
        'bundled because src/findings/*.ts does `import { z } from "zod"`. zod\'s index.js makes `z` a namespace object ' +
        'and re-exports it as a value (`import * as z from "./v4/classic/external.js"; export { z }`). esbuild then keeps ' +
        "every export of that namespace, including `export * as locales` and `toJSONSchema`/`fromJSONSchema`. zod's own " +
        "comment there says Rollup and webpack can shake this pattern. esbuild does not, as the what-if below shows.",
    );
    if (rewritten.size > 0) {
      analysis.push(
        `**What-if (built here, not shipped).** The "what-if: \`import * as z\`" row is the ${first.name} handler built with a plugin that rewrites ` +
          `that line to \`import * as z from "zod"\` in ${rewritten.size} files (${[...rewritten].join(", ")}). Nothing else ` +
          `changes. With it, zod shrinks from ${kb(zodBytes)} KB to ${kb(whatIfZod)} KB and the bundle from ${kb(main.bytes)} KB ` +
          `to ${kb(whatIf.bytes)} KB. require() takes ${ms(whatIfMedian, 1)} ms (${whatIfRatio.toFixed(2)}× the baseline), against ` +
          `${ms(median(main.samples), 1)} ms as shipped. esbuild can drop unused members of a namespace import, but not of a namespace re-exported as a value. ` +
          "The change is one line in each of those files and needs no other code change: `z.looseObject`, `z.infer` and `z.ZodError` work the same on the namespace. " +
          `After it, the bundle still has ${kb(whatIfExtraTotal)} KB the baseline lacks: ${listGroups(whatIfExtra, 8)}. ` +
          "The next steps, if more is needed, are zod's smaller `zod/mini` build (a functional API, so a real code change) " +
          "and dropping Powertools Logger and Metrics for plain JSON `console.log` lines and hand-written EMF.",
      );
      if (deferred) {
        analysis.push(
          `**Second what-if (built here, not shipped).** The same rewrite, and ${extraClients.join(", ")} replaced by an empty ` +
            `module. ${extraClients.length === 1 ? "It is" : "They are"} bundled (${listGroups(
              extraClients.map((g) => [g, groupInputs(main.meta).groups.get(g) ?? 0] as const),
              extraClients.length,
            )}) although only an opt-in enrichment uses ${extraClients.length === 1 ? "it" : "them"} (src/runtime.ts imports ` +
            "it at the top). This approximates loading it with `await import()` on first use: esbuild keeps that code in a cjs bundle but runs it only when called. " +
            `require() takes ${ms(median(deferred.samples), 1)} ms (${(median(deferred.samples) / baseMedian).toFixed(2)}× the baseline, CPU ` +
            `${(median(deferred.cpu) / baseCpu).toFixed(2)}×). It is an upper bound on the gain, since a lazy import still ships and pre-parses the bytes.`,
        );
      } else if (deferredNote) {
        analysis.push(deferredNote);
      }
    } else {
      analysis.push(
        '**What-if.** src/ no longer has `import { z } from "zod"`, so the namespace-import what-if had nothing to rewrite and was skipped.',
      );
    }
    analysis.push(
      "**What the baseline includes.** src/runtime.ts builds its clients lazily, on the first call that needs each one. So " +
        "loading a handler bundle evaluates the SDK modules but constructs no client, while the baseline constructs all three. " +
        "A ratio near 1.0 therefore means the responder's own imports cost about as much as constructing three clients.",
    );

    const body = [
      table(
        [
          "Bundle",
          "Size KB",
          "Median ms",
          "Baseline median ms",
          "Ratio",
          "Range ms",
          "CPU median ms",
          "CPU ratio",
        ],
        loadRows,
      ),
      `Top 10 inputs of the ${first.name} bundle by bytes in the output (esbuild metafile \`bytesInOutput\`, grouped by package; project files by path). ` +
        (sameInputs
          ? "The other handlers' bundles have the same inputs (they differ only in the function-name string)."
          : "The other handlers' bundles differ; each is sized in the table above."),
      table(["#", "Input", "KB in handler", "Share", "KB in baseline", "Extra KB"], topRows),
      ...analysis,
    ].join("\n\n");

    const optionText = Object.entries(settings.esbuild)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(", ");
    return {
      bundleBytes: new Map(handlers.map((h) => [h.fn.name, h.bytes])),
      deflated: {
        shipped: deflatedSizes(main.file),
        whatIf: rewritten.size > 0 ? deflatedSizes(whatIf.file) : undefined,
      },
      section: {
        title: "Cold start: time to load the bundle",
        method:
          `Each handler in serverless.yml is built with esbuild's JS API (esbuild ${esbuildVersion}) ` +
          `using the options in serverless.yml's \`custom.esbuild\` (${optionText}). These are read from the file on every run. ` +
          "The build goes into a temporary directory with one self-contained bundle per handler and no code splitting, as " +
          "`package.individually` produces. The baseline is built with the same options from an entry that only imports " +
          "`IAMClient`, `SNSClient` and `STSClient` and constructs one of each with the settings of `clientConfig()`. Each bundle " +
          `is then loaded in a fresh \`node\` process (${process.version}, no flags, environment reduced to PATH, AWS_REGION, ` +
          "POWERTOOLS_LOG_LEVEL=SILENT and the SDK warning switch). A small runner times `require(bundle)` alone with " +
          "`process.hrtime.bigint()`, so node's own start-up is not counted. It also records `process.cpuUsage()` over the same span. " +
          `One untimed round warms the page cache. Then come ${runs} timed rounds, each loading every bundle once in rotating order, ` +
          "so drift on this shared machine hits all bundles alike. The table gives the median per bundle, and the target is judged on it. " +
          (timeAllHandlers ? "" : "This smoke run times only the first handler. ") +
          "On Lambda the absolute numbers differ (arm64, 256 MB, cold disk), but the ratio is what the target is about.",
        body,
        verdicts,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
