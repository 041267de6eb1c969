// Section 6: a burst of distinct findings at the function's concurrency, with IAM throttling every 5th write.
import { resourceUsage } from "node:process";
import { containerOn, guardDutyEventFor, lambdaContext, seedUsers } from "./fixtures";
import { containerMethod, type Section, table } from "./report";
import { int, mb, ms, pct, percentile } from "./stats";

const CONCURRENCY = 10;
const THROTTLE_EVERY = 5;

export const section: Section = {
  title: "Burst: many findings under IAM throttling",
  run: async ({ double, n }) => {
    const findings = n.burst;
    const keys = seedUsers(double, "burst", "BRST", findings);
    const work = keys.map(({ user, key }) => ({ key, event: guardDutyEventFor(user, key) }));
    // The double's faults are a FIFO per action, and a fault without `error` or `delayMs` lets its call through: every
    // 5th UpdateAccessKey throttled is 4 pass-through uses then 1 Throttling, repeated for every write plus retries
    // twice over (what is left is cleared by the next reset).
    for (let i = 0; i < Math.ceil((findings * 2) / THROTTLE_EVERY); i++) {
      double.inject({ action: "UpdateAccessKey", times: THROTTLE_EVERY - 1 });
      const error = { code: "Throttling", status: 400, message: "Rate exceeded" };
      double.inject({ action: "UpdateAccessKey", times: 1, error });
    }

    // Reserved concurrency 10 means 10 containers, each with its own clients (and SDK retry quota), one event at a time.
    const containers = Array.from({ length: CONCURRENCY }, () => containerOn(double, "guardduty"));
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 10);
    const latencies: number[] = [];
    const errors: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      containers.map(async (handler) => {
        for (let i = next++; i < work.length; i = next++) {
          const item = work[i] as (typeof work)[number];
          const start = performance.now();
          try {
            await handler(item.event, lambdaContext());
          } catch (error) {
            errors.push(`${item.key}: ${error instanceof Error ? error.message : String(error)}`);
          }
          latencies.push(performance.now() - start);
        }
      }),
    );
    const wall = performance.now() - started;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const disabled = work.filter(({ key }) => double.keyStatus(key) === "Inactive").length;
    const updates = double.calls.filter((c) => c.action === "UpdateAccessKey");
    const throttled = updates.filter((c) => c.status === 400).length;
    const ofAll = `${int(disabled)} of ${int(findings)}`;
    const p = (rank: number) => ms(percentile(latencies, rank), 1);

    return {
      method:
        `${int(findings)} GuardDuty findings (copies of events/guardduty-iam-user.json, each with its own user, key ` +
        `and ids) are handled with concurrency ${CONCURRENCY}, the intended reserved concurrency (serverless.yml sets ` +
        `none yet): ${CONCURRENCY} containers, each ${containerMethod("guardduty")}, pull findings one at a time from ` +
        "a shared queue. The double throttles every 5th `UpdateAccessKey` call (20%), retries included, through its " +
        "fault API, unmodified: alternating `{ times: 4 }` pass-through and `{ times: 1, error: Throttling/400 }` " +
        "faults, consumed in order. Disabled keys are counted with `double.keyStatus`, and calls from the double's " +
        "call log. Peak RSS is `process.memoryUsage().rss` sampled every 10 ms; it covers the double and all ten " +
        "containers in this one process, not the memory of one Lambda container. `resourceUsage().maxRSS` is the " +
        "high-water mark of the whole benchmark process. Wall time is dominated by SDK back-off: after a throttling " +
        "error the standard strategy waits a random 0–1 s before retrying (base 1,000 ms in @smithy/core's retry config).",
      body: table("Measure | Value", [
        ["Findings (distinct users and keys)", int(findings)],
        ["Concurrency (containers)", CONCURRENCY],
        ["Keys disabled (double.keyStatus = Inactive)", ofAll],
        ["UpdateAccessKey calls", int(updates.length)],
        ["of which throttled (400 Throttling)", `${int(throttled)} (${pct(throttled, updates.length)})`],
        ["Retries (UpdateAccessKey calls − keys)", int(updates.length - findings)],
        ["Alerts published", int(double.published.length)],
        ["Failed invocations", int(errors.length)],
        ["Wall time", `${(wall / 1000).toFixed(2)} s (${int((findings / wall) * 1000)} findings/s)`],
        ["Per-event time p50 / p99", `${p(50)} / ${p(99)} ms`],
        ["RSS before the burst", `${mb(rssBefore)} MiB`],
        [
          "Peak RSS during the burst (sampled every 10 ms)",
          `${mb(peakRss)} MiB (+${mb(peakRss - rssBefore)} MiB)`,
        ],
        ["Process maxRSS (resourceUsage, whole bench run)", `${mb(resourceUsage().maxRSS * 1024)} MiB`],
      ]),
      verdicts: [
        {
          target: "every key disabled",
          met: disabled === findings && errors.length === 0,
          text:
            disabled === findings
              ? `${ofAll}. Every throttled write was retried by the SDK's standard retry mode (maxAttempts 6 in src/entry/runtime.ts) and succeeded.`
              : `${ofAll}; failures: ${errors.slice(0, 5).join("; ")}`,
        },
      ],
    };
  },
};
