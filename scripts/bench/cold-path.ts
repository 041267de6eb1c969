// Section 3: from a fresh process to the moment the double receives UpdateAccessKey, ours against the floor.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ACCOUNT, guardDutyEventFor, handlerEnv, syntheticKey } from "./fixtures";
import { type Built, freshProcesses, type Timed } from "./harness";
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

/** The same code as ES modules. CommonJS dependencies inside still call require(), which the banner provides. */
const ESM = {
  format: "esm",
  outExtension: { ".js": ".mjs" },
  banner: {
    js: 'import{createRequire as __akrRequire}from"node:module";const require=__akrRequire(import.meta.url);',
  },
} as const;

interface Target extends Timed<"total" | "boot" | "load" | "invoke"> {
  arn?: string;
  /** Calls the double saw before the write (STS for the no-ARN row). */
  before: string[];
}
const target = (label: string, built: Built, arn?: string): Target => {
  const samples = { total: [], boot: [], load: [], invoke: [] };
  return { label, built, arn, before: [], samples };
};

export const section: Section = {
  title: "Cold start to containment",
  run: (bench) =>
    freshProcesses(bench, async ({ dir, options, bundle, sample, rounds, ...text }) => {
      const { double, settings, smoke } = bench;
      const fn = settings.functions.find((f) => f.name === "guardduty") ?? settings.functions[0];
      if (!fn) throw new Error("serverless.yml names no function");
      const ours = await bundle("ours", fn.entry);
      const floorCjs = await bundle("floor", { source: FLOOR }, FLOOR_OPTIONS);
      const floor = target("floor (bare IAMClient + UpdateAccessKey)", floorCjs);
      const floorEsm = target(
        "floor as an ES module",
        await bundle("floor-esm", { source: FLOOR }, { ...FLOOR_OPTIONS, ...ESM }),
      );
      const lambdaLike = target(`${fn.name}, Lambda-like context (invokedFunctionArn)`, ours, FUNCTION_ARN);
      const noArn = target(`${fn.name}, context without invokedFunctionArn`, ours);
      // Split into ES module chunks read on first import(), code needed only after the write (SNS, STS, CloudTrail,
      // Metrics) is neither read nor parsed before it. Measured here unless serverless.yml deploys it.
      const split =
        options.format === "esm" && options.splitting
          ? undefined
          : target(
              `${fn.name} as ES modules with code splitting, Lambda-like (not deployed)`,
              await bundle("ours-esm", fn.entry, { ...ESM, splitting: true }),
              FUNCTION_ARN,
            );
      const targets = [lambdaLike, noArn, floor, ...(split ? [split] : []), floorEsm];

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

      const med = (t: Target, part: keyof Target["samples"] = "total") => median(t.samples[part]);
      // The floor is the faster of its two builds: the best that code can do.
      const base = med(floorEsm) < med(floor) ? floorEsm : floor;
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
      const splitText = split
        ? ` Built as ES modules with code splitting, the same code reaches the write in ${ms(med(split), 1)} ms ` +
          `(${times(ratio(split))}; ${kb(split.built.bytes)} KB read before the handler runs, against ` +
          `${kb(ours.bytes)} KB): in one CommonJS file, code that runs only after the write (SNS, STS, CloudTrail, ` +
          "Metrics, the alert) is still read and parsed at load, split chunks are not. It is measured here, not " +
          "deployed (see the section's notes)."
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
          `an ES module${split ? " (ours too, with code splitting)" : ""}; the faster floor build is the floor. Each ` +
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
          split &&
            "**Why the split build is not deployed.** Deploying it needs what this project does not have yet: " +
              "`sls invoke local` (osls) does not load `.mjs` handlers, so the README's first command would fail; " +
              "serverless-esbuild puts every function's chunks in every zip (about 300 KB each here, the drill's " +
              "GuardDuty client included); and CommonJS dependencies need a `require` banner. Until then, what runs " +
              "before the write was made smaller instead: module-first resolution, the IAM client built at load, " +
              "SNS, STS, CloudTrail and Metrics behind `import()`, and zod schemas built for the event's source only.",
        ),
        verdicts: [
          verdictOf(lambdaLike, "Lambda-like context", splitText),
          verdictOf(noArn, "context without invokedFunctionArn", noArnText),
        ],
      };
    }),
};
