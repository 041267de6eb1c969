import { KeyStatus } from "../findings";
import type { Plan } from "../plan/plan";
import { type Outcome, outcomeOf, Status } from "./outcome";

// Outcomes of keys this invocation made no call for: time ran out, or an earlier attempt already confirmed them.

/** Time ran out before the key was started: no call was made for it. */
export const notAttempted = (plan: Plan): Outcome =>
  outcomeOf(
    plan,
    Status.NotAttempted,
    `not attempted: the invocation ran out of time before ${plan.finding.accessKeyId} was started, so no call was ` +
      "made and the key may still be Active; Lambda's retry continues with it",
  );

/** Time ran out while the key's calls were in flight: IAM may or may not have made the write. */
export const interrupted = (plan: Plan): Outcome =>
  outcomeOf(
    plan,
    Status.Interrupted,
    `interrupted: the invocation ran out of time while ${plan.finding.accessKeyId} was being contained; its write ` +
      "may or may not have happened, so the key may still be Active; Lambda's retry reads it first and continues",
  );

/** What an earlier attempt of the same event, in this container, confirmed for a key (UpdateAccessKey + read-back). */
export interface EarlierResult {
  /** When the read-back confirmed it (ISO-8601). */
  at: string;
  status: KeyStatus;
  userName?: string;
  /** The envelope of the attempt: only a retry of the same event may rely on it. */
  eventId?: string;
}

/**
 * The key was contained by an earlier attempt of this event, with no call made again. That attempt's alert may never
 * have gone out, so people are told it was contained, never "no action needed".
 */
export const doneEarlier = (plan: Plan, earlier: EarlierResult): Outcome => {
  const userName = earlier.userName ?? plan.userName;
  return outcomeOf(
    plan,
    Status.AlreadyDone,
    `${plan.finding.accessKeyId}${userName ? ` of ${userName}` : ""} was set ${earlier.status} and read back by an ` +
      `earlier attempt of this event at ${earlier.at}: not called again`,
    {
      userName,
      containedAt: earlier.at,
      ...(earlier.status === KeyStatus.Inactive ? { countsAsContained: true } : {}),
    },
  );
};
