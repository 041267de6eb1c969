// Section 5: per-event cost in a warm container, split into the responder's own work and SDK + network.
import { renderAlerts } from "../../src/alert/render";
import { type Outcome, Status } from "../../src/contain/outcome";
import { parseEvent } from "../../src/findings";
import { planContainment } from "../../src/plan/plan";
import { loadConfig } from "../../src/shared/config";
import * as fx from "./fixtures";
import { blocks, containerMethod, type Section, table } from "./report";
import { mean, ms, percentile } from "./stats";

/** Times `work` `runs` times after `warmup` untimed runs (awaited only when it returns a promise). */
const timed = async (warmup: number, runs: number, work: (i: number) => Promise<void> | void) => {
  const samples: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = performance.now();
    const pending = work(i);
    if (pending) await pending;
    if (i >= warmup) samples.push(performance.now() - start);
  }
  return samples;
};

export const section: Section = {
  title: "Warm per-event cost",
  run: async ({ double, n }) => {
    const events = n.warmEvents;
    const warmup = Math.max(5, Math.round(events / 50));
    const keys = fx.seedUsers(double, "warm", "WARM", warmup + events);
    const work = keys.map(({ user, key }) => ({
      event: fx.guardDutyEventFor(user, key),
      context: fx.lambdaContext(),
    }));
    // One container for the whole run: its clients and connections stay warm, as on Lambda.
    const handler = fx.containerOn(double, "guardduty");
    let threw = 0;
    const totals = await timed(warmup, events, async (i) => {
      const { event, context } = work[i] as (typeof work)[number];
      await handler(event, context).catch(() => threw++);
    });
    const failures = threw + keys.filter(({ key }) => double.keyStatus(key) !== "Inactive").length;
    if (failures > 0)
      throw new Error(`${failures} of ${work.length} warm invocations did not disable their key`);
    const callsPerEvent = double.calls.length / work.length;
    const sequence = double.calls.slice(-Math.round(callsPerEvent)).map((c) => c.action);

    // The pure part, on the fixture itself: parse, plan and render, as respond() does them.
    const fixture = fx.loadEvent("guardduty-iam-user");
    const config = loadConfig(fx.handlerEnv(double));
    const identity = { account: fx.ACCOUNT, partition: "aws" };
    const ownOnce = (): void => {
      const parsed = parseEvent(fixture, "bench-request");
      if (parsed.kind !== "findings") throw new Error(`fixture parsed as ${parsed.kind}`);
      const now = new Date();
      const outcomes: Outcome[] = parsed.findings.map((finding) => {
        const plan = planContainment(finding, config, identity);
        const { userName, account } = plan;
        const detail = `${finding.accessKeyId} of ${userName} is now Inactive`;
        const more = { siblings: [], notes: [], containedAt: now.toISOString() };
        return { plan, status: Status.Disabled, detail, userName, account, ...more };
      });
      renderAlerts(outcomes, { dryRun: false, now });
    };
    const ownRuns = n.ownRuns;
    const ownWarmup = Math.max(50, Math.round(ownRuns / 10));
    const own = await timed(ownWarmup, ownRuns, ownOnce);
    const stat = (values: number[]) => [percentile(values, 50), percentile(values, 99), mean(values)];
    const t = stat(totals);
    const o = stat(own);
    const cells = (values: number[]) => values.map((v) => ms(v, 3));
    const share = (100 * (o[2] as number)) / (t[2] as number);

    return {
      method:
        `One guardduty handler, ${containerMethod("guardduty")}, stays warm and is invoked ${events} times in ` +
        `sequence, after ${warmup} untimed warm-up invocations. Each invocation is a copy of ` +
        "events/guardduty-iam-user.json with its own user, key, envelope id and finding id, all seeded in the double " +
        "beforehand, so none is a repeat. Each is timed with `performance.now()` around `await handler(event, " +
        `context)\` and must leave its key Inactive. Each made ${callsPerEvent.toFixed(1)} calls: ${sequence.join(" → ")}. The ` +
        `responder's own work is timed separately: parseEvent, planContainment and renderAlerts on the fixture, ${ownRuns} ` +
        `times after ${ownWarmup} warm-up runs, the alert rendered from a synthesized "disabled" outcome. "SDK + ` +
        'network" is the difference: exact for the means, only indicative for p50 and p99 (percentiles do not ' +
        "subtract). It also holds everything else in-process: the middy and Powertools Logger wrappers (log level " +
        "SILENT), carryOut, the SNS message JSON, and the double's own request handling on the same event loop.",
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
