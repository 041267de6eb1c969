// `npm run bench` measures the responder and writes BENCHMARKS.md; `npm run bench -- --smoke` is a small, fast run
// (used by `npm test` so the benchmark does not rot) that prints only and leaves BENCHMARKS.md alone.
// Only modules without project imports are loaded statically: the environment must be set before any handler loads.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  machine,
  renderFailure,
  renderSection,
  type SectionResult,
  shortLine,
  verdictLines,
} from "./bench/report";
import { ROOT, readServerless } from "./bench/serverless-config";
import { table } from "./bench/stats";

const smoke = process.argv.includes("--smoke");
const N = smoke
  ? { coldRuns: 3, warmEvents: 50, ownRuns: 1_000, burst: 50, scale: 50 }
  : { coldRuns: 21, warmEvents: 1_000, ownRuns: 5_000, burst: 1_000, scale: 1_000 };

// The environment of child tools (sls) is the caller's, untouched by what follows.
const callerEnv: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
Object.assign(process.env, {
  POWERTOOLS_LOG_LEVEL: "SILENT",
  // Metrics are written to stdout as EMF; they would bury the report.
  POWERTOOLS_METRICS_DISABLED: "true",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  // The SDK must never find real credentials, profiles or instance metadata on this machine.
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
});
delete process.env.AWS_PROFILE;

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const main = async (): Promise<number> => {
  const startedAt = new Date();
  const atStart = machine();
  const settings = readServerless();
  const { AwsDouble } = await import("../test/support/aws-double");
  const { pointSdkAt } = await import("./bench/fixtures");
  const { runCriticalPath } = await import("./bench/critical-path");
  const { runColdStart } = await import("./bench/cold-start");
  const { runColdPath } = await import("./bench/cold-path");
  const { runBundleSize } = await import("./bench/bundle-size");
  const { runWarm } = await import("./bench/warm");
  const { runBurst } = await import("./bench/burst");
  const { runScale, SCALE_TITLE } = await import("./bench/scale");

  const double = await AwsDouble.start();
  pointSdkAt(double);
  const rendered: string[] = [];
  const results: SectionResult[] = [];
  let failed = 0;
  let bundleBytes: Map<string, number> | undefined;

  const sections: [string, () => Promise<SectionResult> | SectionResult][] = [
    ["Critical path: AWS calls before the write", () => runCriticalPath(double)],
    [
      "Cold start: time to load the bundle",
      async () => {
        const out = await runColdStart(settings, N.coldRuns, !smoke);
        bundleBytes = out.bundleBytes;
        return out.section;
      },
    ],
    ["Cold start to containment", () => runColdPath(double, settings, N.coldRuns, !smoke)],
    ["Bundle: deployment package size", () => runBundleSize(settings, callerEnv, bundleBytes, smoke)],
    ["Warm per-event cost", () => runWarm(double, N.warmEvents, N.ownRuns)],
    ["Burst: many findings under IAM throttling", () => runBurst(double, N.burst)],
    [
      SCALE_TITLE,
      () =>
        runScale(
          double,
          N.scale,
          settings.functions.find((fn) => fn.name === "leakedCredentials"),
          smoke,
        ),
    ],
  ];
  try {
    for (const [index, [title, run]] of sections.entries()) {
      const started = performance.now();
      if (!smoke) log(`\n… ${index + 1}. ${title}`);
      let text: string;
      try {
        const result = await run();
        results.push(result);
        text = renderSection(index + 1, result);
      } catch (error) {
        failed++;
        text = renderFailure(index + 1, title, error);
      }
      rendered.push(text);
      // The smoke run prints one line per section; the full report goes to BENCHMARKS.md (`npm run bench`).
      if (smoke) log(`${index + 1}. ${title}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      else log(`${text}\n\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await double.close();
  }

  const m = machine();
  const loadText = `${atStart.load} at start, ${m.load} at end (${m.cores} cores)`;
  const all = results.flatMap((r) => r.verdicts);
  const unjudged = all.filter((v) => v.notJudged);
  const verdicts = all.filter((v) => !v.notJudged);
  const notMet = verdicts.filter((v) => !v.met);
  const tradeOffs = notMet.filter((v) => v.tradeOff);
  const missed = notMet.filter((v) => !v.tradeOff);
  const oneLine =
    `${verdicts.length - notMet.length} of ${verdicts.length} targets met, ${tradeOffs.length} design trade-off(s), ` +
    `${missed.length} missed${unjudged.length ? `, ${unjudged.length} timing ratio(s) measured but judged only by the full run` : ""}` +
    `${failed ? `; ${failed} section(s) failed to run` : ""}.`;
  const summary = [
    oneLine,
    tradeOffs.length ? `Design trade-offs:\n\n${verdictLines(tradeOffs)}` : "",
    missed.length ? `Missed:\n\n${verdictLines(missed)}` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
  const document = [
    "# Benchmarks",
    `Generated by \`npm run bench\` (scripts/bench.ts) on ${startedAt.toISOString()}. Do not edit by hand: run the ` +
      "benchmark again. `npm run bench -- --smoke` is a small-N run that only prints and leaves this file alone.",
    table(
      ["Machine", ""],
      [
        ["Node", m.node],
        ["CPU", m.cpu],
        ["Cores", m.cores],
        ["Memory", m.memory],
        ["OS", m.os],
        ["Load average (1 min)", loadText],
      ],
    ),
    `Sizes: ${N.coldRuns} cold-start rounds, ${N.warmEvents} warm events, ${N.ownRuns} own-work runs, ${N.burst} burst findings, ${N.scale} keys in the scale event. ` +
      "Times are wall-clock on this shared machine. Compare ratios, not absolute numbers, with Lambda.",
    "## Summary",
    summary,
    ...rendered,
  ].join("\n\n");

  if (smoke) {
    log(`Bench smoke: ${oneLine}`);
    for (const v of [...notMet, ...unjudged]) log(`  ${shortLine(v)}`);
    if (failed) log(rendered.filter((t) => t.includes("failed to run")).join("\n\n"));
    log("Smoke run: BENCHMARKS.md was not written; `npm run bench` writes the full report.");
  } else {
    log(`\n## Summary\n\n${summary}`);
    writeFileSync(join(ROOT, "BENCHMARKS.md"), `${document}\n`);
    log("\nWrote BENCHMARKS.md.");
  }
  return failed > 0 ? 1 : 0;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
