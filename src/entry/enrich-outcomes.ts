import { errorMessage } from "../contain/errors";
import type { Outcome } from "../contain/outcome";
import { type Identity, Skip } from "../plan/plan";
import { isAccessKeyId } from "../shared/identifiers";
import type { Log } from "../shared/log";
import { type Budget, KEY_CONCURRENCY, mapWithin } from "./concurrency";
import type { Responder } from "./responder";

const lookUp =
  (responder: Responder, identity: Identity, log: Log) =>
  async (o: Outcome): Promise<Outcome> => {
    const ours = o.account === undefined || o.account === identity.account;
    if (!ours || !isAccessKeyId(o.plan.finding.accessKeyId) || o.plan.skip === Skip.Sample) return o;
    try {
      return { ...o, activity: await responder.activity(o.plan.finding.accessKeyId) };
    } catch (error) {
      log.warn("CloudTrail look-up failed", {
        accessKeyId: o.plan.finding.accessKeyId,
        error: errorMessage(error),
      });
      return {
        ...o,
        notes: [...o.notes, `recent activity could not be looked up: ${errorMessage(error)}`],
      };
    }
  };

/**
 * Adds each key's recent CloudTrail activity to its outcome. Runs after every write, is bounded in time by the
 * look-up itself and by the invocation's deadline, and a failure becomes a note: enrichment never delays
 * containment, the alert, or fails the run.
 */
export const enrich = async (
  outcomes: Outcome[],
  responder: Responder,
  identity: Identity,
  log: Log,
  budget?: Budget,
): Promise<Outcome[]> => {
  const attempts = await mapWithin(outcomes, KEY_CONCURRENCY, lookUp(responder, identity, log), budget);
  return attempts.map((attempt, i) => {
    const o = outcomes[i] as Outcome;
    if (attempt.state === "done") return attempt.value;
    return {
      ...o,
      notes: [...o.notes, "recent activity was not looked up: the invocation was running out of time"],
    };
  });
};
