// Section 5: per-event cost in a warm container, split into the responder's own work and SDK + network.
import { renderAlerts } from "../../src/alert/render";
import { type Outcome, Status } from "../../src/contain/outcome";
import { parseEvent } from "../../src/findings";
import { planContainment } from "../../src/plan/plan";
import { loadConfig } from "../../src/shared/config";
import {
  ACCOUNT,
  containerOn,
  guardDutyEventFor,
  handlerEnv,
  lambdaContext,
  loadEvent,
  seedUsers,
} from "./fixtures";
import { blocks, type Section, table } from "./report";
import { mean, ms, percentile } from "./stats";

export const warm: Section = {
  title: "Warm per-event cost",
  run: async ({ double, n }) => {
    const events = n.warmEvents;
    const warmup = Math.max(5, Math.round(events / 50));
    const total = warmup + events;
    const work = seedUsers(double, "warm", "WARM", total).map(({ user, key }) => ({
      key,
      event: guardDutyEventFor(user, key),
    }));

    // One container for the whole run: its clients and connections stay warm, as on Lambda.
    const handler = containerOn(double, "guardduty");
    const totals: number[] = [];
    let failures = 0;
    for (const [i, { key, event }] of work.entries()) {
      const context = lambdaContext();
      const start = performance.now();
      let threw = false;
      try {
        await handler(event, context);
      } catch {
        threw = true;
      }
      const elapsed = performance.now() - start;
      if (i >= warmup) totals.push(elapsed);
      if (threw || double.keyStatus(key) !== "Inactive") failures++;
    }
    const callsPerEvent = double.calls.length / total;
    const sequence = double.calls
      .slice(-Math.round(callsPerEvent))
      .map((c) => c.action)
      .join(" → ");
    if (failures > 0) throw new Error(`${failures} of ${total} warm invocations did not disable their key`);

    // The pure part, on the fixture itself: parse, plan and render, as respond() does them.
    const fixture = loadEvent("guardduty-iam-user");
    const config = loadConfig(handlerEnv(double));
    const identity = { account: ACCOUNT, partition: "aws" };
    const ownOnce = (): void => {
      const parsed = parseEvent(fixture, "bench-request");
      if (parsed.kind !== "findings") throw new Error(`fixture parsed as ${parsed.kind}`);
      const now = new Date();
      const outcomes: Outcome[] = parsed.findings.map((finding) => {
        const plan = planContainment(finding, config, identity);
        return {
          plan,
          status: Status.Disabled,
          detail: `${finding.accessKeyId} of ${plan.userName} is now Inactive`,
          userName: plan.userName,
          account: plan.account,
          siblings: [],
          notes: [],
          containedAt: now.toISOString(),
        };
      });
      renderAlerts(outcomes, { dryRun: false, now });
    };
    const ownRuns = n.ownRuns;
    const ownWarmup = Math.max(50, Math.round(ownRuns / 10));
    for (let i = 0; i < ownWarmup; i++) ownOnce();
    const own: number[] = [];
    for (let i = 0; i < ownRuns; i++) {
      const start = performance.now();
      ownOnce();
      own.push(performance.now() - start);
    }
    const stat = (values: number[]) => [percentile(values, 50), percentile(values, 99), mean(values)];
    const t = stat(totals);
    const o = stat(own);
    const cells = (values: number[]) => values.map((v) => ms(v, 3));
    const share = (100 * (o[2] as number)) / (t[2] as number);

    return {
      method:
        `One guardduty handler (\`createHandler("guardduty", env)\`, a single warm container) is invoked ${events} times ` +
        `in sequence, after ${warmup} untimed warm-up invocations. Each invocation is a copy of events/guardduty-iam-user.json ` +
        "with its own user, key, envelope id and finding id. All users are seeded in the double beforehand, so no invocation " +
        "is treated as a repeat and none needs a status reset. Each invocation is timed with `performance.now()` around " +
        `\`await handler(event, context)\`, and must leave its key Inactive. Each made ${callsPerEvent.toFixed(1)} calls: ${sequence}. ` +
        `The responder's own work is timed separately: parseEvent, planContainment and renderAlerts on the fixture, ${ownRuns} times ` +
        `after ${ownWarmup} warm-up runs. The alert is rendered from a synthesized "disabled" outcome. "SDK + network" is the ` +
        "difference. Subtracting means is exact, while the p50 and p99 differences are only indicative (percentiles do not " +
        "subtract). The remainder also holds everything else in-process that is not parse/plan/render: the middy and " +
        "Powertools Logger wrappers (log level SILENT), carryOut, the SNS message JSON, and the double's own request " +
        "handling. The double runs on the same event loop, so it is counted too.",
      body: blocks(
        table("Part | p50 ms | p99 ms | Mean ms | Samples", [
          ["Total handler time", ...cells(t), totals.length],
          ["Own work: parseEvent + planContainment + renderAlerts", ...cells(o), own.length],
          ["SDK + network = total − own", ...cells(t.map((v, i) => v - (o[i] as number))), "derived"],
        ]),
        `The responder's own work is ${share.toFixed(1)}% of the mean per-event time. The rest is three signed HTTP round trips ` +
          "(UpdateAccessKey, ListAccessKeys read-back, SNS Publish) through the SDK to a loopback server.",
      ),
      verdicts: [],
    };
  },
};
