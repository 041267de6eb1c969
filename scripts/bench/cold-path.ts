// Section 3: from a fresh process to the moment the double receives UpdateAccessKey, ours against the floor.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BuildOptions } from "esbuild";
import { ACCOUNT, guardDutyEventFor, handlerEnv, syntheticKey } from "./fixtures";
import { type Built, freshProcesses, type Timed } from "./harness";
import { groupOf, profileUntil } from "./profile";
import { blocks, NO_MACHINE_CREDENTIALS, type Section, table, times } from "./report";
import { kb, median, ms, percentile } from "./stats";

const RATIO_TARGET = 1.15;
const USER = "cold-path-user";
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:access-key-responder-bench`;

/**
 * The floor: the least a responder can do. It reads the key and user from the event, builds an IAM client and sends
 * one UpdateAccessKey: no parsing rules, no plan, no safety check, no log, no alert.
 */
const FLOOR = `
import { IAMClient, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
export const handler = async (event) => {
  const { accessKeyId, userName } = event.detail.resource.accessKeyDetails;
  const iam = new IAMClient({});
  await iam.send(new UpdateAccessKeyCommand({ AccessKeyId: accessKeyId, UserName: userName, Status: "Inactive" }));
};
`;
/** The best floor esbuild makes: no kept names, and module-first resolution, which tree-shakes the SDK's ES modules. */
const FLOOR_OPTIONS = { keepNames: false, mainFields: ["module", "main"] };

/** One CommonJS file, as the functions were built before they shipped as split ES modules. */
const ONE_CJS_FILE: BuildOptions = {
  format: "cjs",
  splitting: false,
  plugins: [],
  outExtension: { ".js": ".js" },
};

/** CPU profiles per build: enough for a median per group; each takes one fresh process. */
const PROFILES = { full: 7, smoke: 1 };

interface Target extends Timed<"total" | "boot" | "load" | "invoke"> {
  arn?: string;
  /** Calls the double saw before the write (STS for the no-ARN row). */
  before: string[];
}
const target = (label: string, built: Built, arn?: string): Target => {
  const samples = { total: [], boot: [], load: [], invoke: [] };
  return { label, built, arn, before: [], samples };
};

/** Bytes of a build read before its handler runs, per group of inputs (valibot, the SDK, own code, …). */
const eagerBytesByGroup = (built: Built): Map<string, number> => {
  const totals = new Map<string, number>();
  for (const out of built.eager)
    for (const [input, { bytesInOutput }] of Object.entries(built.meta.outputs[out]?.inputs ?? {}))
      totals.set(groupOf(input), (totals.get(groupOf(input)) ?? 0) + bytesInOutput);
  return totals;
};

export const section: Section = {
  title: "Cold start to containment",
  run: (bench) =>
    freshProcesses(bench, async ({ dir, options, bundle, sample, rounds, ...text }) => {
      const { double, settings, smoke } = bench;
      const fn = settings.functions.find((f) => f.name === "guardduty") ?? settings.functions[0];
      if (!fn) throw new Error("serverless.yml names no function");
      const ours = await bundle("ours", fn.entry);
      const shipped = options.format === "esm" && options.splitting ? "split ES modules" : "one file";
      const floorShipped = await bundle("floor", { source: FLOOR }, FLOOR_OPTIONS);
      const floor = target(`floor, built as the functions are (${shipped})`, floorShipped);
      const floorCjs = target(
        "floor as one CommonJS file",
        await bundle("floor-cjs", { source: FLOOR }, { ...FLOOR_OPTIONS, ...ONE_CJS_FILE }),
      );
      const lambdaLike = target(`${fn.name}, Lambda-like context (invokedFunctionArn)`, ours, FUNCTION_ARN);
      const noArn = target(`${fn.name}, context without invokedFunctionArn`, ours);
      // The same code in one CommonJS file: code needed only after the write is read and parsed at load.
      const oneFile =
        options.format === "esm" && options.splitting
          ? target(
              `${fn.name} as one CommonJS file, Lambda-like (not deployed)`,
              await bundle("ours-cjs", fn.entry, ONE_CJS_FILE),
              FUNCTION_ARN,
            )
          : undefined;
      const targets = [lambdaLike, noArn, ...(oneFile ? [oneFile] : []), floor, floorCjs];

      // What Lambda gives a function: the double's endpoint and credentials, the topic; Powertools at its defaults
      // (INFO logs, metrics on), since that is what runs before the write in production.
      const env = { PATH: process.env.PATH, ...handlerEnv(double), ...NO_MACHINE_CREDENTIALS };
      // Each sample contains a fresh key in a freshly seeded double; the timer stops at the double's receipt of the write.
      let round = 0;
      await rounds(targets, async (t) => {
        const key = syntheticKey("COLD", round);
        double.reset();
        double.addUser({ name: USER, keys: [{ id: key }] });
        const eventFile = join(dir, `event-${round++}.json`);
        writeFileSync(eventFile, JSON.stringify(guardDutyEventFor(USER, key)));
        const { origin = 0, runnerAt = 0, loadedAt = 0 } = await sample(t, env, [eventFile, t.arn ?? ""]);
        const writeAt = double.calls.findIndex(
          (c) => c.action === "UpdateAccessKey" && c.params.AccessKeyId === key,
        );
        const write = double.calls[writeAt];
        if (write?.status !== 200 || double.keyStatus(key) !== "Inactive") {
          throw new Error(`${t.label}: the double saw no successful UpdateAccessKey for ${key}`);
        }
        t.before = double.calls.slice(0, writeAt).map((c) => `${c.service}:${c.action}`);
        const total = write.at - origin;
        return { total, boot: runnerAt, load: loadedAt - runnerAt, invoke: total - loadedAt };
      });
      double.reset();

      // Where the time before the write goes: ours and the floor built unminified (so each sample can be charged to
      // its source), profiled in fresh processes and cut at the double's receipt of the write.
      const profiles = smoke ? PROFILES.smoke : PROFILES.full;
      const profileOf = async (label: string, built: Built) => {
        const t = target(label, built, FUNCTION_ARN);
        const runs: Map<string, number>[] = [];
        for (let i = 0; i < profiles; i++) {
          const key = syntheticKey("PROF", round);
          double.reset();
          double.addUser({ name: USER, keys: [{ id: key }] });
          const eventFile = join(dir, `event-${round++}.json`);
          writeFileSync(eventFile, JSON.stringify(guardDutyEventFor(USER, key)));
          const profileDir = join(dir, `profile-${label}-${i}`);
          t.nodeArgs = ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--cpu-prof-interval=100"];
          const { clock } = await sample(t, env, [eventFile, FUNCTION_ARN]);
          const write = double.calls.find(
            (c) => c.action === "UpdateAccessKey" && c.params.AccessKeyId === key,
          );
          if (!clock || !write) throw new Error(`${label}: no clock or no write to cut the profile at`);
          runs.push(profileUntil(profileDir, clock, write.at));
        }
        double.reset();
        const groups = new Set(runs.flatMap((run) => [...run.keys()]));
        return new Map([...groups].map((g) => [g, median(runs.map((run) => run.get(g) ?? 0))]));
      };
      const unminified = { minify: false };
      const oursCpu = await profileOf("ours", await bundle("ours-profiled", fn.entry, unminified));
      const floorCpu = await profileOf(
        "floor",
        await bundle("floor-profiled", { source: FLOOR }, { ...FLOOR_OPTIONS, ...unminified }),
      );
      const [oursKb, floorKb] = [eagerBytesByGroup(ours), eagerBytesByGroup(floorShipped)];
      const groups = [...new Set([...oursCpu.keys(), ...floorCpu.keys(), ...oursKb.keys()])];
      const cpuGap = (g: string) => (oursCpu.get(g) ?? 0) - (floorCpu.get(g) ?? 0);
      groups.sort((a, b) => cpuGap(b) - cpuGap(a));
      const breakdown = groups.map((g) => [
        g,
        ms(oursCpu.get(g) ?? 0, 1),
        ms(floorCpu.get(g) ?? 0, 1),
        `${cpuGap(g) >= 0 ? "+" : ""}${ms(cpuGap(g), 1)}`,
        oursKb.has(g) || floorKb.has(g) ? kb(oursKb.get(g) ?? 0) : "—",
        oursKb.has(g) || floorKb.has(g) ? kb(floorKb.get(g) ?? 0) : "—",
      ]);
      const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      const largest = groups
        .filter((g) => cpuGap(g) >= 0.5)
        .slice(0, 5)
        .map((g) => `${g} +${ms(cpuGap(g), 1)} ms`);
      const breakdownText =
        ` Under the profiler, ours spends ${ms(sum(oursCpu), 1)} ms before the write against the floor's ` +
        `${ms(sum(floorCpu), 1)} ms; the largest differences: ${largest.join(", ")} (table "What runs before the write").`;

      const med = (t: Target, part: keyof Target["samples"] = "total") => median(t.samples[part]);
      // The floor is the faster of its two builds: the best that code can do.
      const base = med(floorCjs) < med(floor) ? floorCjs : floor;
      const ratio = (t: Target) => med(t) / med(base);
      const p90 = (t: Target) => ms(percentile(t.samples.total, 90), 1);
      const rows = targets.map((t) => {
        const parts = (["boot", "load", "invoke"] as const).map((part) => ms(med(t, part), 1));
        const vs = t === base ? "— (the floor)" : times(ratio(t));
        return [
          t.label,
          kb(t.built.bytes),
          ms(med(t), 1),
          p90(t),
          vs,
          ...parts,
          t.before.join(" → ") || "none",
        ];
      });
      const gap = (t: Target) =>
        (["load", "invoke"] as const).map((part) => {
          const d = med(t, part) - med(base, part);
          return `${part === "load" ? "loading the bundle" : "the invocation up to the write"} ${d >= 0 ? "+" : ""}${ms(d, 1)} ms`;
        });
      const oneFileText = oneFile
        ? ` Built as one CommonJS file instead, the same code reaches the write in ${ms(med(oneFile), 1)} ms ` +
          `(${times(ratio(oneFile))}; ${kb(oneFile.built.bytes)} KB read at load, against ${kb(ours.bytes)} KB): ` +
          "there, code that runs only after the write (SNS, STS, CloudTrail, Metrics, the alert) is read and parsed " +
          "at load; split chunks are read on first use."
        : "";
      const noArnText =
        " On top of the Lambda-like row's gap: without a function ARN the responder must ask STS for its own " +
        "account before it can tell a finding about this account from one about another (GetCallerIdentity " +
        "before the write). That check is never skipped; Lambda always passes the ARN, so only local and " +
        "hand-made invocations pay it.";
      const verdictOf = (t: Target, context: string, whyMissed: string) => ({
        target: `cold start to containment ≤ ${RATIO_TARGET}× the floor, ${context}${smoke ? " (smoke)" : ""}`,
        met: ratio(t) <= RATIO_TARGET,
        notJudged: smoke,
        text:
          `${ms(med(t), 1)} ms median (p90 ${p90(t)} ms) against the floor's ${ms(med(base), 1)} ms ` +
          `(p90 ${p90(base)} ms) = ${times(ratio(t))}; against the floor: ${gap(t).join(", ")}.` +
          (ratio(t) <= RATIO_TARGET ? "" : whyMissed),
      });

      return {
        method:
          `*Ours* is the ${fn.name} handler ${text.builtText}. The *floor* only reads the key and user from the ` +
          "event, runs `new IAMClient({})` and sends `UpdateAccessKeyCommand`; it is built with the same options but " +
          '`mainFields: ["module", "main"]` and no kept names, the smallest, fastest bundle of that code, and also as ' +
          `one CommonJS file${oneFile ? " (ours too, for comparison)" : ""}; the faster floor build is the floor. Each ` +
          `sample is a fresh \`node\` process (${process.version}) whose runner loads the bundle (\`require()\`, or ` +
          "`import()` for ES modules), reads a GuardDuty IAM-user finding for a fresh key and invokes the handler, " +
          "with a Lambda-like context (`invokedFunctionArn` set, so the account comes from the ARN) or, in the second " +
          "row, without it (the responder then asks STS GetCallerIdentity first). The environment is the double's " +
          "endpoint and credentials, the alert topic, and Powertools at its defaults (INFO logs and metrics, as in " +
          "Lambda). The timer runs from process start (`performance.timeOrigin` in the child) to the double's receipt " +
          `of the UpdateAccessKey request (its call log, on the same clock). ${text.roundsText} The ratio is the ` +
          "median against the floor's median.",
        body: blocks(
          table(
            "Handler | Bundle KB | Median ms | p90 ms | Ratio to floor | Node start ms | Load ms | Invocation to write ms | Calls before the write",
            rows,
          ),
          "Columns: *Bundle* is what is read before the handler runs. *Node start* runs to the runner's first line, " +
            "*Load* is loading the bundle, *Invocation to write* is the rest (event, handler, client, credentials, " +
            "signing, the request); as medians, the three need not add up to the median total.",
          "**What runs before the write.** Ours and the floor are built again unminified (esbuild then marks each " +
            "input's code with its path) and run with a Lambda-like context under V8's CPU profiler (`--cpu-prof`, " +
            `one sample each 0.1 ms), ${profiles} fresh process${profiles === 1 ? "" : "es"} each. Each profile runs from ` +
            "the runner's first line (Node's own start-up, the same for every build, is left out) to the double's " +
            "receipt of UpdateAccessKey, and every sample is charged to the code that was running: a " +
            "package, the project's own code, Node itself (its module loader reading, compiling and linking files, " +
            "and the runtime), garbage collection, or idle time (waiting on file reads and the network). The table " +
            "gives the median per group and, from the minified build's metafile, the bytes each group adds to what " +
            "is read before the handler runs. The profiler slows everything down, so compare the groups, not the " +
            "totals, with the timings above.",
          table(
            "Group | Ours CPU ms | Floor CPU ms | Difference ms | Ours KB at load | Floor KB at load",
            breakdown,
          ),
        ),
        verdicts: [
          verdictOf(lambdaLike, "Lambda-like context", `${breakdownText}${oneFileText}`),
          verdictOf(noArn, "context without invokedFunctionArn", noArnText),
        ],
      };
    }),
};
