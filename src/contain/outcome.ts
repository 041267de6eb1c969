import type { KeyActivity } from "../enrich/cloudtrail";
import type { Plan } from "../plan/plan";

/** What happened to one key. Plain data, rendered into the alert and the handler's summary. */
export const Status = {
  Disabled: "disabled",
  Reactivated: "reactivated",
  /** The key already had the requested status: a repeat, no second write. */
  AlreadyDone: "already-done",
  KeyGone: "key-gone",
  /** IAM refused the write with an explicit deny (the protected-principal tag, or an SCP). */
  Protected: "protected",
  SessionsRevoked: "sessions-revoked",
  /** The plan made no write (sample, root, temporary key, other account, threshold, protected list, bad input). */
  Skipped: "skipped",
  DryRun: "dry-run",
  /** Approval mode: no write was made, and the key may still be Active until a person approves. */
  ApprovalNeeded: "approval-needed",
  Failed: "failed",
  /**
   * Not attempted: the invocation ran out of time before this key was started, so no call was made for it and it
   * may still be Active. The invocation fails, so that Lambda's retry continues with it.
   */
  NotAttempted: "not-attempted",
  /**
   * Started, but not finished when the invocation ran out of time: its write may or may not have happened, so it
   * may still be Active. The invocation fails; Lambda's retry reads the key before writing.
   */
  Interrupted: "interrupted",
} as const;
export type Status = (typeof Status)[keyof typeof Status];

export interface SiblingKey {
  accessKeyId: string;
  status: string;
  created?: string;
  /** Created after the finding was first seen: possibly the attacker's. */
  suspicious: boolean;
  disabled: boolean;
}

export interface Outcome {
  plan: Plan;
  status: Status;
  /** One sentence for people. */
  detail: string;
  userName?: string;
  /** The owner the event named, when the key turned out to belong to someone else (a renamed user, a typo). */
  namedUser?: string;
  account?: string;
  siblings: SiblingKey[];
  /** Opt-in steps that failed or were skipped after containment; never a reason to fail the run. */
  notes: string[];
  /** When the key was confirmed in its new state (ISO-8601). */
  containedAt?: string;
  error?: string;
  /**
   * Already in the requested state, and this is the responder's doing or a first sighting: an earlier attempt of this
   * event made the write (its alert may never have gone out), or the finding is new and the key was found Inactive.
   * People read it as contained, never as "no action needed".
   */
  countsAsContained?: boolean;
  /** What a person must still do although the key itself is settled (an IAM user's long-term keys, say). */
  openForPerson?: string;
  /** Optional enrichment after containment: what the key did recently. */
  activity?: KeyActivity;
}

/** An outcome for the plan: its user and account as planned, no siblings or notes unless `extra` says otherwise. */
export const outcomeOf = (
  plan: Plan,
  status: Status,
  detail: string,
  extra: Partial<Outcome> = {},
): Outcome => ({
  plan,
  status,
  detail,
  userName: plan.userName,
  account: plan.account,
  siblings: [],
  notes: [],
  ...extra,
});

/** What a status means for people: one list, read by the alert, the metrics and the run's result. */
export interface StatusMeaning {
  /** How the alert labels a key with this status. */
  label: string;
  /** The key is in the state asked for after this run (or an earlier attempt of it). */
  done: boolean;
  /** This run's write contained the key: it counts as disabled, and the event reads "contained". */
  contained: boolean;
  /** Nothing is left for a person: the key is in the state asked for, gone, or it was only a dry run. */
  settled: boolean;
  /** Left when the invocation ran out of time: it may still be Active, and Lambda's retry continues with it. */
  outOfTime: boolean;
  /** No write was made, by design or by IAM's refusal: counted as a skipped action with the status as its reason. */
  noWrite: boolean;
}

const meaning = (label: string, flags: Partial<Omit<StatusMeaning, "label">> = {}): StatusMeaning => ({
  label,
  done: false,
  contained: false,
  settled: false,
  outOfTime: false,
  noWrite: false,
  ...flags,
});

/** A skipped key's meaning depends on why it was skipped (the plan's skip); the alert reads that too. */
export const STATUS_MEANINGS: Readonly<Record<Status, StatusMeaning>> = {
  [Status.Disabled]: meaning("DISABLED", { done: true, contained: true, settled: true }),
  [Status.Reactivated]: meaning("REACTIVATED", { done: true, settled: true }),
  [Status.AlreadyDone]: meaning("ALREADY DONE (repeat)", { done: true, settled: true, noWrite: true }),
  [Status.KeyGone]: meaning("KEY GONE", { settled: true, noWrite: true }),
  [Status.Protected]: meaning("PROTECTED - NOT CHANGED", { noWrite: true }),
  [Status.SessionsRevoked]: meaning("SESSIONS REVOKED", { done: true, contained: true, settled: true }),
  [Status.Skipped]: meaning("NOT CHANGED"),
  [Status.DryRun]: meaning("DRY RUN", { settled: true, noWrite: true }),
  [Status.ApprovalNeeded]: meaning("APPROVAL NEEDED - NOT CHANGED"),
  [Status.Failed]: meaning("FAILED"),
  [Status.NotAttempted]: meaning("NOT ATTEMPTED - MAY STILL BE ACTIVE", { outOfTime: true }),
  [Status.Interrupted]: meaning("INTERRUPTED - MAY STILL BE ACTIVE", { outOfTime: true }),
};

/** The statuses whose meaning has `flag` set. */
export const statusesWhere = (flag: Exclude<keyof StatusMeaning, "label">): readonly Status[] =>
  Object.values(Status).filter((status) => STATUS_MEANINGS[status][flag]);

/** A checkpoint: the invocation ran out of time with these keys left for Lambda's retry. */
export const OUT_OF_TIME_STATUSES: readonly Status[] = statusesWhere("outOfTime");

/**
 * How an invocation that ran out of time stands: the keys in the state asked for, and the keys left for Lambda's retry
 * (cut off, or failed). The failure-queue error and the alert's headline both read it.
 */
export const checkpointTally = (outcomes: readonly Outcome[]) => {
  const where = (statuses: readonly Status[]) => outcomes.filter((o) => statuses.includes(o.status));
  const outOfTime = where(OUT_OF_TIME_STATUSES);
  const failed = where([Status.Failed]);
  return {
    keys: outcomes.length,
    done: where(statusesWhere("done")).length,
    outOfTime: outOfTime.length,
    interrupted: where([Status.Interrupted]).length,
    notAttempted: where([Status.NotAttempted]).length,
    failed: failed.length,
    /** Every key not contained, in the event's order. */
    left: outcomes.filter((o) => outOfTime.includes(o) || failed.includes(o)),
  };
};
