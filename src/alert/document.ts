import { type Outcome, STATUS_MEANINGS, Status } from "../contain/outcome";
import { type Source, Source as Sources } from "../findings";
import { Skip } from "../plan/plan";
import { type CommandTarget, nextSteps } from "./commands";
import { LIMITS, maybe, untrusted } from "./untrusted";

export const ALERT_SCHEMA = "access-key-responder/alert";
export const ALERT_VERSION = 1;

/** The overall verdict, also a message attribute so that subscribers can filter on it. */
export const Verdict = {
  Contained: "contained",
  ActionRequired: "action-required",
  Failed: "failed",
  NoAction: "no-action",
  DryRun: "dry-run",
  Invalid: "invalid",
  /** A person's request to undo a containment was carried out. */
  Reactivated: "reactivated",
  /** Approve mode: no write was made; a key may still be Active until a person approves. Chat buttons key on it. */
  ApprovalNeeded: "approval-needed",
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export interface AlertKey {
  accessKeyId: string;
  userName?: string;
  /** The owner the event named, when the key belongs to someone else (then `userName` is the real owner). */
  namedUser?: string;
  account?: string;
  status: Outcome["status"];
  action: string;
  skip?: string;
  why: string;
  detail: string;
  urgent: boolean;
  finding: {
    id: string;
    type: string;
    title: string;
    severity?: number;
    region?: string;
    /** Whose key it is: `AssumedRole` means `userName` names a role. */
    principalType?: string;
    firstSeen?: string;
    observedAt?: string;
    occurrences?: number;
    reason?: string;
    requestedBy?: string;
    provenance?: { product: string; aws: boolean };
    closed?: string;
    details: Record<string, string>;
  };
  siblings: Outcome["siblings"];
  notes: string[];
  error?: string;
  containedAt?: string;
  activity?: Outcome["activity"];
  /** Prose steps, each followed by the bare command it names (an entry that starts with `aws `), if any. */
  nextSteps: string[];
}

/** The versioned document programs receive (SQS, Lambda subscribers). */
export interface AlertDocument {
  schema: typeof ALERT_SCHEMA;
  version: typeof ALERT_VERSION;
  /** The verdict of the whole event, in every part. */
  verdict: Verdict;
  dryRun: boolean;
  source?: Source;
  eventId?: string;
  generatedAt: string;
  /** Set when the event's keys did not fit in one SNS message: which part this is, and how many keys in all. */
  part?: { number: number; of: number; keys: number };
  /**
   * Set on the message for people of an event too large for one message: it names every key in its text, and lists
   * none here; the keys' documents come in `parts` parts (each with `part`).
   */
  summary?: { keys: number; parts: number };
  keys: AlertKey[];
  problem?: string;
}

export interface Alert {
  subject: string;
  text: string;
  document: AlertDocument;
  /** The message attributes, every one a String: outcome, severity, account, source and audience. */
  attributes: Record<string, string>;
  /** The keys the text and the chat card speak of, when the document lists none (`summary`): every key. */
  keys?: AlertKey[];
}

export interface AlertContext {
  dryRun: boolean;
  now: Date;
  /** Where the commands in an alert send a person's request; unknown values print as placeholders. */
  commands?: CommandTarget;
}

/** Skips that leave nothing for a person: a generated sample, or a finding a person already closed. */
const SETTLED_SKIPS: readonly string[] = [Skip.Sample, Skip.Closed];

/**
 * An outcome needs no person: the key is in the state asked for, gone, or never was a real case. Anything else may
 * leave a named key Active, so the alert must say a person has to act.
 */
export const isSettled = (o: Outcome): boolean =>
  (o.openForPerson === undefined && STATUS_MEANINGS[o.status].settled) ||
  (o.status === Status.Skipped && o.plan.skip !== undefined && SETTLED_SKIPS.includes(o.plan.skip));

const awaitsApproval = (o: Outcome): boolean => o.status === Status.ApprovalNeeded;

/**
 * The worst first: failed > action-required > approval-needed > the rest. A key awaiting approval is not settled (it
 * may still be Active), so the event never reads no-action or contained; a refusal a person must act on outranks it.
 */
export const verdictOf = (outcomes: Outcome[], dryRun: boolean): Verdict => {
  // A key left when the invocation ran out of time fails the invocation, like a failed write.
  if (outcomes.some((o) => o.status === Status.Failed || STATUS_MEANINGS[o.status].outOfTime)) {
    return Verdict.Failed;
  }
  if (outcomes.some((o) => !isSettled(o) && !awaitsApproval(o))) return Verdict.ActionRequired;
  if (outcomes.some(awaitsApproval)) return Verdict.ApprovalNeeded;
  if (dryRun) return Verdict.DryRun;
  if (outcomes.some((o) => STATUS_MEANINGS[o.status].contained || o.countsAsContained === true)) {
    return Verdict.Contained;
  }
  if (outcomes.some((o) => o.status === Status.Reactivated)) return Verdict.Reactivated;
  return Verdict.NoAction;
};

/**
 * Why, as the outcome turned out: the plan's reason says what it set out to do, which a key found gone or already in
 * the state asked for did not need; saying "the key is set Inactive" there would contradict what was done.
 */
const whyOf = (o: Outcome): string => {
  const wanted = o.plan.finding.requestedStatus;
  const asked = `the ${o.plan.finding.source === Sources.Manual ? "request" : "finding"} called for setting the key ${wanted}`;
  if (o.status === Status.KeyGone) {
    return `${asked}, but it no longer exists in the account that owns it: there is nothing left to change`;
  }
  if (o.status === Status.AlreadyDone) {
    return `${asked}, and it already was ${wanted}${o.countsAsContained ? "" : " (a repeat)"}: no second write`;
  }
  return o.plan.why;
};

const detailsOf = (details: Record<string, string>): Record<string, string> => {
  const entries = Object.entries(details);
  const shown = entries
    .slice(0, LIMITS.details)
    .map(([name, value]) => [untrusted(name, LIMITS.detailName), untrusted(value, LIMITS.detailValue)]);
  const hidden = entries.length - shown.length;
  return Object.fromEntries(hidden > 0 ? [...shown, ["More", `${hidden} more facts not shown`]] : shown);
};

const activityOf = (a: NonNullable<Outcome["activity"]>): NonNullable<Outcome["activity"]> => ({
  ...a,
  since: untrusted(a.since, LIMITS.time),
  topActions: a.topActions
    .slice(0, LIMITS.activityItems)
    .map((x) => ({ ...x, name: untrusted(x.name, LIMITS.activityItem) })),
  sourceIps: a.sourceIps
    .slice(0, LIMITS.activityItems)
    .map((x) => ({ ...x, ip: untrusted(x.ip, LIMITS.activityItem) })),
});

/** One key's entry: every value from the event made safe to show, and the steps a person takes next. */
export const alertKey = (o: Outcome, target: CommandTarget = {}): AlertKey => {
  const f = o.plan.finding;
  const key: Omit<AlertKey, "nextSteps"> = {
    accessKeyId: untrusted(f.accessKeyId, LIMITS.keyId),
    userName: maybe(o.userName ?? o.plan.userName ?? f.userName, LIMITS.user),
    namedUser: maybe(o.namedUser, LIMITS.user),
    account: maybe(o.account, LIMITS.account),
    status: o.status,
    action: o.plan.action,
    skip: o.plan.skip,
    why: untrusted(whyOf(o), LIMITS.sentence),
    detail: untrusted(o.detail, LIMITS.sentence),
    // A failure is never settled, so it is urgent too.
    urgent: !isSettled(o),
    finding: {
      id: untrusted(f.findingId, LIMITS.id),
      type: untrusted(f.type, LIMITS.type),
      title: untrusted(f.title, LIMITS.title),
      severity: f.severity,
      region: maybe(f.region, LIMITS.region),
      principalType: f.principalType,
      firstSeen: maybe(f.firstSeen, LIMITS.time),
      observedAt: maybe(f.observedAt, LIMITS.time),
      occurrences: f.occurrences,
      reason: maybe(f.reason, LIMITS.sentence),
      requestedBy: maybe(f.requestedBy, LIMITS.requestedBy),
      provenance: f.provenance && {
        product: untrusted(f.provenance.product, LIMITS.product),
        aws: f.provenance.aws,
      },
      closed: maybe(f.closed, LIMITS.closed),
      details: detailsOf(f.details),
    },
    siblings: o.siblings.slice(0, LIMITS.siblings).map((s) => ({
      ...s,
      accessKeyId: untrusted(s.accessKeyId, LIMITS.keyId),
      status: untrusted(s.status, LIMITS.time),
      created: maybe(s.created, LIMITS.time),
    })),
    notes: o.notes.slice(0, LIMITS.notes).map((note) => untrusted(note, LIMITS.note)),
    error: maybe(o.error, LIMITS.sentence),
    containedAt: maybe(o.containedAt, LIMITS.time),
    activity: o.activity && activityOf(o.activity),
  };
  return {
    ...key,
    nextSteps: nextSteps(o, { account: key.account, product: key.finding.provenance?.product }, target),
  };
};

/** What every document of one event shares: everything but its keys and part. */
export type DocumentHead = Pick<
  AlertDocument,
  "schema" | "version" | "verdict" | "dryRun" | "source" | "eventId" | "generatedAt"
>;

export const documentHead = (
  verdict: Verdict,
  ctx: AlertContext,
  source: Source | undefined,
  eventId: string | undefined,
): DocumentHead => ({
  schema: ALERT_SCHEMA,
  version: ALERT_VERSION,
  verdict,
  dryRun: ctx.dryRun,
  source,
  eventId: maybe(eventId, LIMITS.id),
  generatedAt: ctx.now.toISOString(),
});
