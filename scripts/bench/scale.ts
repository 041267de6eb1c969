// Section 7: one AWS Health event naming many keys, with IAM throttling a fifth of its calls, against the function's
// timeout. What one invocation cannot finish is checkpointed and finished by Lambda's retries, in the same container.
import { OUT_OF_TIME_STATUSES, Status } from "../../src/contain/outcome";
import { KEY_CONCURRENCY } from "../../src/entry/concurrency";
import { ALERT_RESERVE_MS, KEY_RESERVE_MS } from "../../src/entry/deadline";
import { type AwsDouble, publishedBytes, SNS_MAX_BYTES } from "../../test/support/aws-double";
import { containerOn, healthEventFor, lambdaContext, seedUsers } from "./fixtures";
import { containerMethod, type Section, table } from "./report";
import { int, kb, pct, seconds } from "./stats";

/** The bench stops retrying here whatever Lambda would do, so a regression cannot loop for ever. */
const ATTEMPT_LIMIT = 10;

/** Share of IAM calls throttled (seeded: the same calls on every run), latency added to IAM replies, the timeout. */
type Scenario = { label: string; keys: number; throttle: number; latencyMs: number; timeoutMs: number };
type Outcomes = { outcomes: { accessKeyId: string; status: string }[] };

/** What the responder's checkpoint names as left for Lambda's retry (src/entry/respond.ts). */
const LEFT: readonly string[] = [...OUT_OF_TIME_STATUSES, Status.Failed];
const keysLeft = (statuses: Map<string, string>) =>
  [...statuses].filter(([, s]) => LEFT.includes(s)).map(([k]) => k);
const count = (statuses: Map<string, string>, wanted: string) =>
  [...statuses.values()].filter((s) => s === wanted).length;

/** The keys of an alert's document for programs. */
const documentKeys = (message: { message: string }): string[] =>
  JSON.parse(JSON.parse(message.message).sqs).keys.map((k: { accessKeyId: string }) => k.accessKeyId);

const runScenario = async (double: AwsDouble, scenario: Scenario) => {
  const keys = seedUsers(double, "scale", "SCAL", scenario.keys).map(({ key }) => key);
  if (scenario.throttle > 0) double.throttle({ service: "iam", fraction: scenario.throttle, seed: 1 });
  if (scenario.latencyMs > 0) double.latency("iam", scenario.latencyMs);
  const event = healthEventFor(keys);
  // One container for every attempt: Lambda usually hands a retry to the warm container that failed it.
  const handler = containerOn(double, "leakedCredentials");
  const startedAt = performance.timeOrigin + performance.now();
  const invocations = [];
  for (let attempt = 0; attempt < ATTEMPT_LIMIT; attempt++) {
    const alertsFrom = double.published.length;
    const end = Date.now() + scenario.timeoutMs;
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => end - Date.now() };
    const started = performance.now();
    let error: (Error & { summary?: Outcomes }) | undefined;
    let outcomes: Outcomes["outcomes"] = [];
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
      // The keys the error names as not contained.
      listed: /continues with: (.*)$/.exec(error?.message ?? "")?.[1]?.split(", ") ?? [],
      alerts: double.published.length - alertsFrom,
      // Every key of the event appears exactly once in this invocation's alerts.
      mentionsAll: mentions.length === keys.length && new Set(mentions).size === keys.length,
    });
    if (!error) break;
  }
  const totalMs = performance.timeOrigin + performance.now() - startedAt;
  const calls = (service: string, action?: string) =>
    double.calls.filter((c) => c.service === service && (action === undefined || c.action === action));
  const lastWrite = Math.max(
    ...calls("iam", "UpdateAccessKey").flatMap((c) => (c.status === 200 ? [c.at] : [])),
  );
  return {
    scenario,
    invocations,
    inactive: keys.filter((key) => double.keyStatus(key) === "Inactive").length,
    /** From the first invocation's start to the arrival of the last successful UpdateAccessKey. */
    lastInactiveMs: lastWrite - startedAt,
    totalMs,
    peakIam: double.peakInFlight.iam,
    iamCalls: calls("iam").length,
    throttled: double.throttled("iam").length,
    largestAlert: Math.max(...double.published.map((m) => publishedBytes(m.message, m.attributes))),
    publishRefused: calls("sns", "Publish").filter((c) => c.status !== 200).length,
  };
};
type Run = Awaited<ReturnType<typeof runScenario>>;

/** Each checkpointed invocation names exactly the keys it left, and no invocation ran into the timeout. */
const checkpointsHonest = (run: Run): boolean =>
  run.invocations.every((inv) => {
    const left = keysLeft(inv.statuses);
    const named = [...inv.listed].sort().join() === left.sort().join();
    return inv.ms < run.scenario.timeoutMs && named && (inv.error === undefined) === (left.length === 0);
  });

const firstInvocation = ({ invocations: [first], scenario }: Run): string => {
  if (!first) return "n/a";
  const left = keysLeft(first.statuses).length;
  if (left === 0) return `all ${int(scenario.keys)} handled`;
  const c = (status: string) => int(count(first.statuses, status));
  const failed = count(first.statuses, "failed") ? `, ${c("failed")} failed` : "";
  return `${c("disabled")} contained; ${int(left)} left (${c("interrupted")} interrupted, ${c("not-attempted")} not attempted${failed})`;
};

export const section: Section = {
  title: "Scale: 1,000 keys in one event",
  run: async ({ double, settings, smoke, n }) => {
    const keys = n.scale;
    const fn = settings.functions.find((f) => f.name === "leakedCredentials");
    const timeoutMs = (fn?.timeoutSeconds ?? 60) * 1000;
    // Lambda's default is 2 retries of a failed asynchronous invocation; serverless.yml says so too.
    const retries = fn?.maximumRetryAttempts ?? 2;
    // The smoke run throttles less: one call throttled four times running waits up to 15 s in the SDK's back-off,
    // and its second column is a tiny checkpoint: keys may start for 0.3 s, then the time left is below the reserve.
    const share = smoke ? 0.1 : 0.2;
    const runs: Run[] = [];
    for (const scenario of [
      { label: `${share * 100}% throttled`, keys, throttle: share, latencyMs: 0, timeoutMs },
      smoke
        ? { label: "checkpoint demo", keys, throttle: 0, latencyMs: 20, timeoutMs: KEY_RESERVE_MS + 300 }
        : { label: "20% throttled, 100 ms per IAM reply", keys, throttle: 0.2, latencyMs: 100, timeoutMs },
    ]) {
      runs.push(await runScenario(double, scenario));
    }

    const allowed = 1 + retries;
    const throttled = (r: Run) => `${int(r.iamCalls)}, ${int(r.throttled)} (${pct(r.throttled, r.iamCalls)})`;
    const largest = (r: Run) => `${int(r.largestAlert)} bytes (${kb(r.largestAlert)} KiB)`;
    const all = (r: Run) => `${int(r.inactive)} of ${int(r.scenario.keys)}`;
    const mentionsAll = (r: Run) => r.invocations.every((i) => i.mentionsAll);
    const measures: [string, (r: Run) => string | number][] = [
      ["Keys in the event (AWS Health, one user each)", (r) => int(r.scenario.keys)],
      ["IAM: share of calls throttled", (r) => `${Math.round(r.scenario.throttle * 100)}%`],
      ["IAM: added latency per reply", (r) => `${r.scenario.latencyMs} ms`],
      ["Function timeout (getRemainingTimeInMillis at start)", (r) => seconds(r.scenario.timeoutMs)],
      [
        "Invocations, same container (Lambda allows 1 + retries)",
        (r) => `${r.invocations.length} (allowed ${allowed})`,
      ],
      ["First invocation", firstInvocation],
      ["Each invocation's duration", (r) => r.invocations.map((i) => seconds(i.ms)).join(", ")],
      ["Last key Inactive (last successful UpdateAccessKey)", (r) => seconds(r.lastInactiveMs)],
      ["Total time, retries back to back", (r) => seconds(r.totalMs)],
      ["Keys Inactive at the end", all],
      [`Peak concurrent IAM calls (limit ${KEY_CONCURRENCY})`, (r) => r.peakIam],
      ["IAM calls, of which throttled", throttled],
      ["Alerts published per invocation", (r) => r.invocations.map((i) => i.alerts).join(", ")],
      ["Largest alert as SNS counts it (limit 262,144 bytes)", largest],
      ["Every key in every invocation's alerts, once", (r) => (mentionsAll(r) ? "yes" : "NO")],
    ];
    const each = (cell: (r: Run) => string) => runs.map((r) => `${cell(r)} (${r.scenario.label})`).join(", ");
    const describe = (r: Run) =>
      `${r.scenario.label}: ${all(r)} Inactive after ${r.invocations.length} invocation(s), the last key ` +
      `${seconds(r.lastInactiveMs)} after the first started (${firstInvocation(r)} in the first)`;
    const honest = runs.every(checkpointsHonest);

    return {
      method:
        `One AWS Health event (events/health-credentials-exposed-two-keys.json with ${int(keys)} affected entities, ` +
        "each key of its own user, so each costs GetAccessKeyLastUsed, UpdateAccessKey and the read-back " +
        `\`ListAccessKeys\`) is handled by ${containerMethod("leakedCredentials")}, with a context whose ` +
        `\`getRemainingTimeInMillis\` counts down from the function's timeout (${seconds(timeoutMs)}, serverless.yml). ` +
        `The double throttles a seeded ${share * 100}% of all IAM calls, retries included (HTTP 400 \`Throttling\`); ` +
        "the second column also adds 100 ms to every IAM reply, as IAM's round trip. The SDK retries in its standard " +
        `mode (up to 6 attempts, random back-off up to 1 s, then 2 s, …). No key starts with less than ` +
        `${seconds(KEY_RESERVE_MS)} left (except the first batch of ${KEY_CONCURRENCY}), and keys in flight are given ` +
        `up with ${seconds(ALERT_RESERVE_MS)} left, so the alerts go out and the invocation fails before its timeout. ` +
        "It is then invoked again at once, in the same container with a fresh clock, as Lambda's asynchronous retry " +
        `would (Lambda's wait of about 1 minute, then 2, is not counted), at most ${ATTEMPT_LIMIT} times in all. ` +
        '"Last key Inactive" is when the last successful `UpdateAccessKey` reached the double, from the first ' +
        "invocation's start. Alert sizes are what SNS counts (message plus attributes); peak concurrency is the " +
        "double's `peakInFlight`, which reaches the limit only when replies are slow enough to overlap." +
        (smoke
          ? ` Smoke run: ${int(keys)} keys, 10% throttled to keep the back-off short; the second column is a small ` +
            `checkpoint demonstration (20 ms per IAM reply, no throttling, a timeout of ${seconds(KEY_RESERVE_MS + 300)}).`
          : ""),
      body: table(
        ["Measure", ...runs.map((r) => r.scenario.label)].join(" | "),
        measures.map(([measure, cell]) => [measure, ...runs.map(cell)]),
      ),
      verdicts: [
        {
          target: `every key Inactive within the timeout, or by checkpoint within Lambda's ${retries} retries, none dropped`,
          met:
            runs.every((r) => r.inactive === r.scenario.keys && r.invocations.length <= 1 + retries) &&
            honest,
          text:
            `${runs.map(describe).join("; ")}. Every invocation ended before its timeout, and each that ran out of ` +
            "time named exactly the keys it left in its error and its alerts." +
            (honest ? "" : " NOT SO: an invocation overran or misnamed the keys it left."),
        },
        {
          target: `IAM concurrency ≤ ${KEY_CONCURRENCY}`,
          met: runs.every((r) => r.peakIam <= KEY_CONCURRENCY),
          text: `Peak ${each((r) => String(r.peakIam))}, the double's count of IAM requests being answered at once.`,
        },
        {
          target: "every alert ≤ 256 KiB as SNS counts it",
          met: runs.every((r) => r.largestAlert <= SNS_MAX_BYTES && r.publishRefused === 0),
          text:
            `Largest ${each((r) => `${int(r.largestAlert)} bytes`)}; ` +
            `the double refused ${runs.reduce((sum, r) => sum + r.publishRefused, 0)} Publish calls.`,
        },
        {
          target: "every key mentioned",
          met: runs.every(mentionsAll),
          text:
            "Each invocation's alerts name every key of the event exactly once, the keys left marked NOT ATTEMPTED or " +
            "INTERRUPTED.",
        },
      ],
    };
  },
};
