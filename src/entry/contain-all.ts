import { type ContainContext, carryOut, doneEarlier, interrupted, notAttempted } from "../contain/carry-out";
import { OUT_OF_TIME_STATUSES, type Outcome, Status } from "../contain/outcome";
import { Action, type Identity, type Plan } from "../plan/plan";
import type { Log } from "../shared/log";
import { KEY_CONCURRENCY, mapWithin } from "./concurrency";
import { deadlineFrom } from "./deadline";
import { enrich } from "./enrich-outcomes";
import { deliveryKey, earlierResult, remember } from "./recent-events";
import type { Responder } from "./responder";

/**
 * Where a large event's keys start. A retry in a fresh container remembers nothing of the attempt before it; starting
 * from the same key, it would spend its time on the keys that attempt already contained and never reach the rest.
 * Lambda retries an event about one and then two minutes after a failure, so the start moves with the minute, by a
 * golden-ratio step that puts consecutive minutes far apart: each such retry begins where the one before probably did
 * not get to. An event that fits in one batch keeps its order (nothing to gain, and its calls stay predictable).
 */
const startOf = (count: number, now: Date): number => {
  if (count <= KEY_CONCURRENCY) return 0;
  const minute = Math.floor(now.getTime() / 60_000);
  return Math.floor(((minute * 0.6180339887498949) % 1) * count);
};

const rotate = <T>(items: T[], start: number): T[] => [...items.slice(start), ...items.slice(0, start)];

/**
 * Contains every planned key within the invocation's time, then adds enrichment if there is time for it. Returns one
 * outcome per plan, in the plans' order: a key that could not be finished in time is reported as not attempted or
 * interrupted, never left out.
 */
export const containAll = async (
  plans: Plan[],
  responder: Responder,
  identity: Identity,
  log: Log,
): Promise<Outcome[]> => {
  const { config } = responder;
  const contextFor = (plan: Plan): ContainContext => {
    const { findingId, accessKeyId, userName } = plan.finding;
    return {
      config,
      identity,
      iamFor: responder.iamFor,
      keyAccount: responder.keyAccount,
      now: responder.now,
      log: log.withKeys({ findingId, accessKeyId, userName, account: plan.account }),
    };
  };
  // Keys this container confirmed in an earlier attempt of this event that ran out of time: not called again.
  const earlier = new Map(
    plans.flatMap((plan) => {
      const result = earlierResult(plan, responder.seen);
      return result ? [[plan, doneEarlier(plan, result)] as const] : [];
    }),
  );
  // A plan that makes no IAM call (nothing to do, a dry run, awaiting approval) is reported at once: it takes no
  // time, so it must neither use up the first batch nor be reported as not attempted when time runs short.
  const callsIam = (plan: Plan): boolean =>
    plan.action !== Action.None && !plan.dryRun && !plan.awaitsApproval;
  const noCall = new Map(
    await Promise.all(
      plans
        .filter((plan) => !earlier.has(plan) && !callsIam(plan))
        .map(async (plan) => [plan, await carryOut(plan, contextFor(plan))] as const),
    ),
  );
  // Keys never attempted go first: they are certainly still Active, while an interrupted key's write may have landed.
  const rest = plans.filter((plan) => !earlier.has(plan) && callsIam(plan));
  const rotated = rotate(rest, startOf(rest.length, responder.now()));
  const isNew = (plan: Plan) => !responder.seen.has(deliveryKey(plan.finding));
  const work = [...rotated.filter(isNew), ...rotated.filter((plan) => !isNew(plan))];

  const deadline = deadlineFrom(responder.timeLeft, KEY_CONCURRENCY);
  try {
    const attempts = await mapWithin(
      work,
      KEY_CONCURRENCY,
      (plan) => carryOut(plan, contextFor(plan)),
      deadline?.keys,
    );
    const attempted = new Map(
      work.map((plan, i) => {
        const attempt = attempts[i];
        if (attempt?.state === "done") return [plan, attempt.value];
        return [plan, attempt?.state === "interrupted" ? interrupted(plan) : notAttempted(plan)];
      }),
    );
    // Only keys whose calls were started count as seen: one never started is written at once on the retry.
    for (const plan of [...noCall.keys(), ...work]) {
      if (attempted.get(plan)?.status !== Status.NotAttempted) responder.seen.add(deliveryKey(plan.finding));
    }
    const contained = plans.map(
      (plan) => (earlier.get(plan) ?? noCall.get(plan) ?? attempted.get(plan)) as Outcome,
    );
    remember(plans, contained, responder.seen);
    const outOfTime = contained.filter((o) => OUT_OF_TIME_STATUSES.includes(o.status));
    if (outOfTime.length > 0) {
      log.warn("out of time: the keys left are reported, and the invocation fails so that Lambda retries", {
        notContained: outOfTime.length,
        keys: contained.length,
      });
    }
    return config.enrichWithCloudTrail && !config.dryRun
      ? await enrich(contained, responder, identity, log, deadline?.extras)
      : contained;
  } finally {
    deadline?.release();
  }
};
