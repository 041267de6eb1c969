// Section 7: one AWS Health event naming many keys, with IAM throttling a fifth of its calls, against the function's
// timeout. What one invocation cannot finish is checkpointed and finished by Lambda's retries, in the same container.
import type { Context } from "aws-lambda";
import { OUT_OF_TIME_STATUSES, Status } from "../../src/contain/outcome";
import { KEY_CONCURRENCY } from "../../src/entry/concurrency";
import { ALERT_RESERVE_MS, KEY_RESERVE_MS } from "../../src/entry/deadline";
import { type AwsDouble, publishedBytes, SNS_MAX_BYTES } from "../../test/support/aws-double";
import { containerOn, healthEventFor, lambdaContext, seedUsers } from "./fixtures";
import { type Section, table, type Verdict } from "./report";
import { int, kb, seconds } from "./stats";

/** The bench stops retrying here whatever Lambda would do, so a regression cannot loop for ever. */
const ATTEMPT_LIMIT = 10;
/** The seed of the double's throttling: the same calls are throttled on every run of the same sequence. */
const SEED = 1;

interface Scenario {
  label: string;
  keys: number;
  /** Share of IAM calls answered with Throttling. */
  throttle: number;
  /** Added to every IAM reply. */
  latencyMs: number;
  /** What getRemainingTimeInMillis starts from in each invocation. */
  timeoutMs: number;
}

interface Invocation {
  ms: number;
  error?: string;
  statuses: Map<string, string>;
  /** The keys the error names as not contained, in its order. */
  listed: string[];
  alerts: number;
  /** Every key of the event appears exactly once in this invocation's alerts. */
  mentionsAll: boolean;
}

interface Run {
  scenario: Scenario;
  invocations: Invocation[];
  allInactive: boolean;
  inactive: number;
  /** From the first invocation's start to the arrival of the last successful UpdateAccessKey. */
  lastInactiveMs: number;
  totalMs: number;
  peakIam: number;
  iamCalls: number;
  throttled: number;
  alertSizes: number[];
  publishRefused: number;
}

/** What the responder's checkpoint names as left for Lambda's retry (src/entry/respond.ts). */
const LEFT: readonly string[] = [...OUT_OF_TIME_STATUSES, Status.Failed];

const keysLeft = (statuses: Map<string, string>): string[] =>
  [...statuses].filter(([, status]) => LEFT.includes(status)).map(([key]) => key);

const documentKeys = (message: { message: string }): string[] =>
  (
    JSON.parse(JSON.parse(message.message).sqs as string) as {
      keys: { accessKeyId: string }[];
    }
  ).keys.map((k) => k.accessKeyId);

const runScenario = async (double: AwsDouble, scenario: Scenario): Promise<Run> => {
  const keys = seedUsers(double, "scale", "SCAL", scenario.keys).map(({ key }) => key);
  if (scenario.throttle > 0) double.throttle({ service: "iam", fraction: scenario.throttle, seed: SEED });
  if (scenario.latencyMs > 0) double.latency("iam", scenario.latencyMs);
  const event = healthEventFor(keys);
  // One container for every attempt: Lambda usually hands a retry to the warm container that failed it.
  const handler = containerOn(double, "leakedCredentials");

  const startedAt = performance.timeOrigin + performance.now();
  const invocations: Invocation[] = [];
  for (let n = 0; n < ATTEMPT_LIMIT; n++) {
    const alertsFrom = double.published.length;
    const end = Date.now() + scenario.timeoutMs;
    const context: Context = { ...lambdaContext(), getRemainingTimeInMillis: () => end - Date.now() };
    const started = performance.now();
    let error: (Error & { summary?: { outcomes: { accessKeyId: string; status: string }[] } }) | undefined;
    let outcomes: { accessKeyId: string; status: string }[] = [];
    try {
      outcomes = (await handler(event, context)).outcomes;
    } catch (caught) {
      error = caught as typeof error;
      outcomes = error?.summary?.outcomes ?? [];
    }
    const ms = performance.now() - started;
    const mentions = double.published.slice(alertsFrom).flatMap(documentKeys);
    invocations.push({
      ms,
      error: error?.message,
      statuses: new Map(outcomes.map((o) => [o.accessKeyId, o.status])),
      listed: /continues with: (.*)$/.exec(error?.message ?? "")?.[1]?.split(", ") ?? [],
      alerts: double.published.length - alertsFrom,
      mentionsAll: mentions.length === keys.length && new Set(mentions).size === keys.length,
    });
    if (!error) break;
  }
  const totalMs = performance.timeOrigin + performance.now() - startedAt;

  const inactive = keys.filter((key) => double.keyStatus(key) === "Inactive").length;
  const writes = double.calls.filter((call) => call.action === "UpdateAccessKey" && call.status === 200);
  const lastWrite = Math.max(...writes.map((call) => call.at));
  return {
    scenario,
    invocations,
    allInactive: inactive === keys.length,
    inactive,
    lastInactiveMs: lastWrite - startedAt,
    totalMs,
    peakIam: double.peakInFlight.iam,
    iamCalls: double.calls.filter((call) => call.service === "iam").length,
    throttled: double.throttled("iam").length,
    alertSizes: double.published.map((m) => publishedBytes(m.message, m.attributes)),
    publishRefused: double.calls.filter((call) => call.action === "Publish" && call.status !== 200).length,
  };
};

const count = (statuses: Map<string, string>, ...wanted: string[]): number =>
  [...statuses.values()].filter((status) => wanted.includes(status)).length;

/** Each checkpointed invocation names exactly the keys it left, and no invocation ran into the timeout. */
const checkpointsHonest = (run: Run): boolean =>
  run.invocations.every(
    (inv) =>
      inv.ms < run.scenario.timeoutMs &&
      [...inv.listed].sort().join() === keysLeft(inv.statuses).sort().join() &&
      (inv.error === undefined) === (keysLeft(inv.statuses).length === 0),
  );

const firstInvocation = (run: Run): string => {
  const first = run.invocations[0];
  if (!first) return "n/a";
  const left = keysLeft(first.statuses).length;
  if (left === 0) return `all ${int(run.scenario.keys)} handled`;
  return (
    `${int(count(first.statuses, "disabled"))} contained; ${int(left)} left ` +
    `(${int(count(first.statuses, "interrupted"))} interrupted, ` +
    `${int(count(first.statuses, "not-attempted"))} not attempted` +
    `${count(first.statuses, "failed") ? `, ${int(count(first.statuses, "failed"))} failed` : ""})`
  );
};

export const scale: Section = {
  title: "Scale: 1,000 keys in one event",
  run: async ({ double, settings, smoke, n }) => {
    const keys = n.scale;
    const fn = settings.functions.find((f) => f.name === "leakedCredentials");
    const timeoutMs = (fn?.timeoutSeconds ?? 60) * 1000;
    // Lambda's default is 2 retries of a failed asynchronous invocation; serverless.yml says so too.
    const retries = fn?.maximumRetryAttempts ?? 2;
    // The smoke run throttles less: one call throttled four times running waits up to 15 s in the SDK's back-off.
    const share = smoke ? 0.1 : 0.2;
    const scenarios: Scenario[] = [
      { label: `${share * 100}% throttled`, keys, throttle: share, latencyMs: 0, timeoutMs },
      smoke
        ? // A tiny checkpoint: keys may start for 0.3 s, then the time left is below the reserve.
          { label: "checkpoint demo", keys, throttle: 0, latencyMs: 20, timeoutMs: KEY_RESERVE_MS + 300 }
        : { label: "20% throttled, 100 ms per IAM reply", keys, throttle: 0.2, latencyMs: 100, timeoutMs },
    ];
    const runs: Run[] = [];
    for (const scenario of scenarios) runs.push(await runScenario(double, scenario));

    const largest = (r: Run) => Math.max(...r.alertSizes);
    const measures: [string, (r: Run) => string | number][] = [
      ["Keys in the event (AWS Health, one user each)", (r) => int(r.scenario.keys)],
      ["IAM: share of calls throttled", (r) => `${Math.round(r.scenario.throttle * 100)}%`],
      ["IAM: added latency per reply", (r) => `${r.scenario.latencyMs} ms`],
      ["Function timeout (getRemainingTimeInMillis at start)", (r) => seconds(r.scenario.timeoutMs)],
      [
        "Invocations, same container (Lambda allows 1 + retries)",
        (r) => `${r.invocations.length} (allowed ${1 + retries})`,
      ],
      ["First invocation", firstInvocation],
      ["Each invocation's duration", (r) => r.invocations.map((i) => seconds(i.ms)).join(", ")],
      ["Last key Inactive (last successful UpdateAccessKey)", (r) => seconds(r.lastInactiveMs)],
      ["Total time, retries back to back", (r) => seconds(r.totalMs)],
      ["Keys Inactive at the end", (r) => `${int(r.inactive)} of ${int(r.scenario.keys)}`],
      [`Peak concurrent IAM calls (limit ${KEY_CONCURRENCY})`, (r) => r.peakIam],
      [
        "IAM calls, of which throttled",
        (r) => `${int(r.iamCalls)}, ${int(r.throttled)} (${((100 * r.throttled) / r.iamCalls).toFixed(1)}%)`,
      ],
      ["Alerts published per invocation", (r) => r.invocations.map((i) => i.alerts).join(", ")],
      [
        "Largest alert as SNS counts it (limit 262,144 bytes)",
        (r) => `${int(largest(r))} bytes (${kb(largest(r))} KiB)`,
      ],
      [
        "Every key in every invocation's alerts, once",
        (r) => (r.invocations.every((i) => i.mentionsAll) ? "yes" : "NO"),
      ],
    ];

    const describeRun = (r: Run): string =>
      `${r.scenario.label}: ${int(r.inactive)} of ${int(r.scenario.keys)} Inactive after ${r.invocations.length} ` +
      `invocation(s), the last key ${seconds(r.lastInactiveMs)} after the first started (${firstInvocation(r)} in the first)`;
    const verdicts: Verdict[] = [
      {
        target: `every key Inactive within the timeout, or by checkpoint within Lambda's ${retries} retries, none dropped`,
        met: runs.every((r) => r.allInactive && r.invocations.length <= 1 + retries && checkpointsHonest(r)),
        text:
          `${runs.map(describeRun).join("; ")}. Every invocation ended before its timeout, and each that ran out of ` +
          "time named exactly the keys it left in its error and its alerts." +
          (runs.every(checkpointsHonest)
            ? ""
            : " NOT SO: an invocation overran or misnamed the keys it left."),
      },
      {
        target: `IAM concurrency ≤ ${KEY_CONCURRENCY}`,
        met: runs.every((r) => r.peakIam <= KEY_CONCURRENCY),
        text:
          `Peak ${runs.map((r) => `${r.peakIam} (${r.scenario.label})`).join(", ")}, ` +
          "the double's count of IAM requests being answered at once.",
      },
      {
        target: "every alert ≤ 256 KiB as SNS counts it",
        met: runs.every((r) => largest(r) <= SNS_MAX_BYTES && r.publishRefused === 0),
        text:
          `Largest ${runs.map((r) => `${int(largest(r))} bytes (${r.scenario.label})`).join(", ")}; ` +
          `the double refused ${runs.reduce((n, r) => n + r.publishRefused, 0)} Publish calls.`,
      },
      {
        target: "every key mentioned",
        met: runs.every((r) => r.invocations.every((i) => i.mentionsAll)),
        text:
          "Each invocation's alerts name every key of the event exactly once, the keys left marked NOT ATTEMPTED or " +
          "INTERRUPTED.",
      },
    ];

    return {
      method:
        `One AWS Health event (events/health-credentials-exposed-two-keys.json with ${int(keys)} affected entities, each ` +
        "key owned by its own user, so every key costs GetAccessKeyLastUsed, UpdateAccessKey and the read-back " +
        '`ListAccessKeys`) is handled by `createHandler("leakedCredentials")` with a Lambda-like context whose ' +
        `\`getRemainingTimeInMillis\` counts down from the function's timeout (${seconds(timeoutMs)}, serverless.yml). ` +
        `The double throttles a seeded ${share * 100}% of all IAM calls, retries included (\`throttle\`: a hash ` +
        'of the seed and the call\'s number decides, HTTP 400 `Throttling`, "Rate exceeded"), and in the second column ' +
        "adds 100 ms to every IAM reply to model IAM's round trip. The SDK retries throttled calls with its standard " +
        "mode (up to 6 attempts, random back-off of up to 1 s, then 2 s, …). No key starts with less than " +
        `${seconds(KEY_RESERVE_MS)} left (except the first batch of ${KEY_CONCURRENCY}), and keys still in flight are ` +
        `given up with ${seconds(ALERT_RESERVE_MS)} left, so the alerts go out and the invocation fails before its ` +
        "timeout; the failed invocation is then invoked again at once with a fresh clock, in the same container, as " +
        "Lambda's asynchronous retry would (Lambda waits about 1 minute, then 2, between attempts; that wait is not " +
        `counted here). The bench stops after ${ATTEMPT_LIMIT} invocations whatever happens. "Last key Inactive" is the ` +
        "arrival time, in the double's call log, of the last successful `UpdateAccessKey`, from the first invocation's " +
        "start. Alert sizes are what SNS counts (message plus attributes), measured on what the double received; peak " +
        "concurrency is the double's `peakInFlight`, the most IAM requests it was answering at once. Without added " +
        "latency the double answers in about a millisecond, so calls seldom overlap there; with 100 ms per reply they " +
        "do, and the peak shows the limit." +
        (smoke
          ? ` Smoke run: ${int(keys)} keys, 10% throttled to keep the back-off short, and the second column is a ` +
            "small checkpoint demonstration (20 ms per IAM reply, no throttling, a timeout of " +
            `${seconds(KEY_RESERVE_MS + 300)}, so keys may start for 0.3 s per invocation).`
          : ""),
      body: table(
        ["Measure", ...runs.map((r) => r.scenario.label)].join(" | "),
        measures.map(([measure, cell]) => [measure, ...runs.map(cell)]),
      ),
      verdicts,
    };
  },
};
