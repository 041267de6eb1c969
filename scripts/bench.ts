// `npm run bench` measures the responder and writes BENCHMARKS.md; `npm run bench -- --smoke` is a small, fast run
// (used by `npm test` so the benchmark does not rot) that prints only and leaves BENCHMARKS.md alone.
// Only modules without project imports are loaded statically: the environment must be set before any handler loads.
import { type Bench, NO_MACHINE_CREDENTIALS, type Section, type Sizes, startReport } from "./bench/report";
import { readServerless } from "./bench/serverless-config";

/** The sections in report order: each module in scripts/bench/ exports its `section`. */
const SECTIONS = [
  "critical-path",
  "cold-start",
  "cold-path",
  "bundle-size",
  "warm",
  "burst",
  "scale",
  "messages",
];

const smoke = process.argv.includes("--smoke");
// `--only cold-path,warm`: those sections at full size, printed; BENCHMARKS.md is written only by a whole run.
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt > 0 ? (process.argv[onlyAt + 1] ?? "").split(",") : undefined;
const unknown = only?.filter((name) => !SECTIONS.includes(name)) ?? [];
if (unknown.length > 0) {
  console.error(
    `--only takes section names among ${SECTIONS.join(", ")}; not: ${unknown.join(", ") || "(none)"}`,
  );
  process.exit(2);
}
const n: Sizes = smoke
  ? { coldRuns: 3, warmEvents: 50, ownRuns: 1_000, burst: 50, scale: 50 }
  : { coldRuns: 41, warmEvents: 1_000, ownRuns: 5_000, burst: 1_000, scale: 1_000 };

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
  ...NO_MACHINE_CREDENTIALS,
});
delete process.env.AWS_PROFILE;

const main = async (): Promise<number> => {
  const report = startReport(smoke, (line) => process.stdout.write(`${line}\n`), only === undefined);
  const settings = readServerless();
  const { AwsDouble } = await import("../test/support/aws-double");
  const sections: Section[] = [];
  for (const name of SECTIONS.filter((name) => only?.includes(name) ?? true))
    sections.push((await import(`./bench/${name}`)).section);
  const double = await AwsDouble.start();
  // The process's SDK default chain (endpoint, credentials, region) points at the double.
  Object.assign(process.env, double.env());
  const bench: Bench = { double, settings, smoke, n, callerEnv };
  try {
    for (const section of sections) await report.section(section.title, () => section.run(bench));
  } finally {
    await double.close();
  }
  return report.finish(
    `Sizes: ${n.coldRuns} cold-start rounds, ${n.warmEvents} warm events, ${n.ownRuns} own-work runs, ` +
      `${n.burst} burst findings, ${n.scale} keys in the scale event.`,
  );
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
