import { createHash } from "node:crypto";
import type { Finding, Source } from "../findings";
import { clip, isAccessKeyId, isAccountId, isUserName, KeyKind, keyKind } from "../identifiers";
import { OUT_OF_TIME_STATUSES, type Outcome, Status } from "../outcome";
import { Action, Skip } from "../plan/plan";

export const ALERT_SCHEMA = "access-key-responder/alert";
export const ALERT_VERSION = 1;

/** SNS refuses a message over 262,144 bytes, its attributes included (Publish, MessageAttributeValue). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** What one alert may take: room is left for bytes SNS might count that `messageBytes` does not. */
export const ALERT_MAX_BYTES = SNS_MAX_MESSAGE_BYTES - 8_192;

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
  keys: AlertKey[];
  problem?: string;
}

export interface Alert {
  subject: string;
  text: string;
  document: AlertDocument;
  attributes: Record<string, string>;
}

export interface AlertContext {
  dryRun: boolean;
  now: Date;
}

// ---------- untrusted text ----------

/** Ends a line in some reader: LF, VT, FF, CR, NEL and the Unicode line and paragraph separators. */
const LINE_BREAK = /[\n\v\f\r\u0085\u2028\u2029]/g;
/** Hides or reorders text: C0 and C1 controls, DEL, bidi marks, embeddings, overrides and isolates, lone surrogates. */
const HIDDEN = /[\p{Cc}\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
/**
 * Invisible: zero-width spaces and joiners, word joiner and invisible operators, the byte-order mark, the soft hyphen,
 * tag characters (which spell hidden text), and the non-characters U+FFFE and U+FFFF. Removed, not marked: they
 * let `alice` and `al\u200bice` look the same, or smuggle words past a reader.
 */
const INVISIBLE = /[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\ufffe\uffff\u{e0000}-\u{e007f}]/gu;

/**
 * Makes event text safe to show: clipped, and on one line with nothing hidden, so that a title, a reason or a user
 * name cannot start a line of its own ("ALL CLEAR") or reorder what follows it. Clipping comes first, so that a cut
 * surrogate pair is caught too.
 */
export const untrusted = (value: string, max = 200): string =>
  clip(value.replace(INVISIBLE, ""), max).replace(LINE_BREAK, "␤").replace(/\t/g, " ").replace(HIDDEN, "?");

const maybe = (value: string | undefined, max?: number): string | undefined =>
  value === undefined ? undefined : untrusted(value, max);

/** How much of each untrusted value an alert shows, so that one key with huge fields still fits in a message. */
const LIMITS = {
  keyId: 128,
  user: 64,
  account: 64,
  region: 64,
  time: 64,
  id: 200,
  type: 200,
  title: 200,
  sentence: 500,
  requestedBy: 200,
  product: 300,
  closed: 200,
  detailName: 40,
  // Parsers clip facts to 200 characters and add the full length; this keeps that note.
  detailValue: 240,
  details: 12,
  note: 300,
  notes: 5,
  // IAM allows two keys per user, so a key has at most one sibling; enrichment keeps the top five of each.
  siblings: 2,
  activityItem: 100,
  activityItems: 5,
  cardDetail: 300,
  cardKeys: 20,
  cardSteps: 6,
} as const;

// ---------- commands ----------

/** Identifiers from the event are echoed into shell commands only when they are valid, so nothing is injected. */
const shellSafe = (value: string | undefined, valid: (v: unknown) => boolean, placeholder: string): string =>
  value !== undefined && valid(value) ? value : placeholder;

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const isRegion = (value: unknown): boolean => typeof value === "string" && REGION_PATTERN.test(value);

const keyCommand = (user: string | undefined, accessKeyId: string, status: "Active" | "Inactive"): string =>
  `aws iam update-access-key --user-name ${shellSafe(user, isUserName, "<user-name>")} ` +
  `--access-key-id ${shellSafe(accessKeyId, isAccessKeyId, "<access-key-id>")} --status ${status}`;

const ownerCommand = (finding: Finding): string =>
  `aws iam get-access-key-last-used --access-key-id ${shellSafe(finding.accessKeyId, isAccessKeyId, "<access-key-id>")}`;

/** CloudTrail's event history is regional: the finding's region is where the key was seen. */
const cloudTrailCommand = (finding: Finding): string =>
  "aws cloudtrail lookup-events --lookup-attributes " +
  `AttributeKey=AccessKeyId,AttributeValue=${shellSafe(finding.accessKeyId, isAccessKeyId, "<access-key-id>")}` +
  (isRegion(finding.region) ? ` --region ${finding.region}` : "");

/** The key a manual request names, with only the identifiers that pass their checks. */
const keyRequest = (finding: Finding, user: string | undefined) => ({
  accessKeyId: shellSafe(finding.accessKeyId, isAccessKeyId, "<access-key-id>"),
  ...(isUserName(user) ? { userName: user } : {}),
  ...(isAccountId(finding.account) ? { account: finding.account } : {}),
});

/** A request sent straight to the manual function: the only way it reactivates a key, or approves a write. */
const manualCommand = (request: Record<string, string>): string =>
  "aws lambda invoke --function-name access-key-responder-<stage>-manual " +
  `--cli-binary-format raw-in-base64-out --payload '${JSON.stringify(request)}' response.json`;

const manualReactivationCommand = (finding: Finding, user: string | undefined): string =>
  manualCommand({
    ...keyRequest(finding, user),
    status: "Active",
    reason: "<why the key is safe to use again>",
  });

/** A finding id echoed into a command only when nothing in it can end the quotes or the JSON string. */
const SAFE_ID = /^[\w.:/@+=-]{1,200}$/;

/**
 * Approve mode: the request that approves the write. The manual function carries out a person's request at once; it
 * looks the owner up when the request does not name one, and refuses a root or protected owner as usual.
 */
const manualApprovalCommand = (finding: Finding, user: string | undefined): string =>
  manualCommand({
    ...keyRequest(finding, user),
    reason: `approved: ${SAFE_ID.test(finding.findingId) ? `finding ${finding.findingId}` : "<why the key must be disabled>"}`,
    requestedBy: "<you>",
  });

const isCommand = (step: string): boolean => step.startsWith("aws ");

// ---------- next steps ----------

/** A step for a person, and the bare command it names: commands stay alone so that they paste and run as is. */
interface Step {
  say: string;
  run?: string;
}

/** Said before a command: the account it must run in. */
const inAccount = (account: string | undefined): string =>
  account ? ` in account ${account} (use credentials or a --profile for that account)` : "";

/** What a person should do next, for each outcome. `k` holds the outcome's values already made safe to show. */
const nextSteps = (o: Outcome, k: Omit<AlertKey, "nextSteps">): Step[] => {
  const f = o.plan.finding;
  const user = o.userName ?? o.plan.userName;
  const where = inAccount(k.account);
  const review: Step = { say: `Review what the key did${where}:`, run: cloudTrailCommand(f) };
  const disableByHand = (say: string): Step => ({
    say: `${say}${where}:`,
    run: keyCommand(user, f.accessKeyId, "Inactive"),
  });
  const siblings = o.siblings
    .filter((s) => s.suspicious && !s.disabled)
    .slice(0, LIMITS.siblings)
    .map(
      (s): Step => ({
        say:
          `Key ${untrusted(s.accessKeyId, LIMITS.keyId)} was created after the finding was first seen and may be ` +
          `the attacker's. Unless its owner knows it, disable it${where}:`,
        run: keyCommand(user, s.accessKeyId, "Inactive"),
      }),
    );
  switch (o.status) {
    case Status.Disabled:
      return [
        review,
        ...siblings,
        {
          say: "Rotate: give the owner a new key, update whatever used the old one, then delete the old key once reviewed.",
        },
        {
          say: `If this was a false positive, reactivate it${where}:`,
          run: keyCommand(user, f.accessKeyId, "Active"),
        },
      ];
    case Status.Reactivated:
      return [
        { say: `To disable it again${where}:`, run: keyCommand(user, f.accessKeyId, "Inactive") },
        ...siblings,
      ];
    case Status.AlreadyDone:
      return [...(f.requestedStatus === "Inactive" ? [review] : []), ...siblings];
    case Status.SessionsRevoked:
      return [
        review,
        {
          say:
            "Find where the temporary credentials leaked (instance, container, CI job) and fix it; " +
            "workloads pick up new credentials automatically.",
        },
      ];
    case Status.Protected:
      return [disableByHand("A person must decide. To disable the key by hand"), review];
    case Status.Failed:
      return [
        disableByHand("Disable the key by hand now"),
        { say: "Then look at the responder's logs and failure queue for the cause." },
        ...siblings,
      ];
    case Status.DryRun:
      return [
        {
          say:
            "Dry run (observe mode): nothing was changed. Deploy with mode=contain (RESPONDER_MODE) and dryRun=false " +
            "to act on findings like this one, or mode=approve to be asked first.",
        },
      ];
    case Status.ApprovalNeeded:
      return approvalSteps(o, user, where, review);
    case Status.NotAttempted:
    case Status.Interrupted:
      return [
        {
          say:
            "Lambda retries the event and continues with this key. If the retry does not contain it too (see the " +
            `failure queue), disable it by hand${where}:`,
          run: keyCommand(user, f.accessKeyId, "Inactive"),
        },
        ...(isUserName(user)
          ? []
          : [{ say: `The event does not name the key's owner; to find it${where}:`, run: ownerCommand(f) }]),
      ];
    case Status.Skipped:
      // A finding that names no key lists its user's keys itself, each with its command.
      return o.plan.skip === Skip.NoCredential
        ? noCredentialSteps(o, where)
        : [...skippedSteps(o, k, review, disableByHand), ...siblings];
    default:
      return [];
  }
};

/**
 * A credential finding that names no key, only a principal in its text: what to look at, and for an IAM user the
 * keys the responder listed (each Active one with the command that disables it) or the command that lists them.
 */
const noCredentialSteps = (o: Outcome, where: string): Step[] => {
  const f = o.plan.finding;
  const user = o.plan.userName;
  const named = f.noCredential?.principals.map((p) => untrusted(p, LIMITS.user)) ?? [];
  const region = isRegion(f.region) ? ` --region ${f.region}` : "";
  const steps: Step[] = [
    {
      say:
        `URGENT: the finding names no access key${named.length ? `, only ${named.join(", ")}` : ""}. Find the ` +
        "credentials it used (the finding in the GuardDuty console, CloudTrail) and contain them now.",
    },
  ];
  if (isUserName(user) && f.principalType !== "AssumedRole") {
    steps.push({
      say: `Review what ${user} did${where}:`,
      run: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=${user}${region}`,
    });
    const active = o.siblings.filter((key) => key.status === "Active").slice(0, LIMITS.siblings);
    if (o.siblings.length === 0) {
      steps.push({
        say: `List the access keys of ${user}${where}:`,
        run: `aws iam list-access-keys --user-name ${user}`,
      });
    }
    for (const key of active) {
      steps.push({
        say:
          `Key ${untrusted(key.accessKeyId, LIMITS.keyId)} of ${user} is Active` +
          `${key.suspicious ? " and was created after the attack was first seen" : ""}. Unless its owner vouches ` +
          `for it, disable it${where}:`,
        run: keyCommand(user, key.accessKeyId, "Inactive"),
      });
    }
  } else if (f.principalType === "AssumedRole" && isUserName(f.userName)) {
    steps.push({
      say: `Revoke the role's active sessions (IAM console: Roles > ${f.userName} > Revoke active sessions), and find where its credentials leaked.`,
    });
  }
  return steps;
};

/** Approve mode: how a person approves the write (or makes it by hand), after looking at what the key did. */
const approvalSteps = (o: Outcome, user: string | undefined, where: string, review: Step): Step[] => {
  const f = o.plan.finding;
  if (o.plan.action === Action.RevokeSessions) {
    return [
      review,
      {
        say:
          "Approval needed: nothing was changed. To approve, revoke the sessions by hand (IAM console: the role or " +
          "user > Revoke active sessions), or deploy with mode=contain (RESPONDER_MODE) to have it done automatically.",
      },
    ];
  }
  return [
    {
      say: `Approval needed: nothing was changed and the key may still be Active. Review what it did${where}:`,
      run: review.run,
    },
    {
      say: "To approve, invoke the manual function directly, in the responder's account: it sets the key Inactive.",
      run: manualApprovalCommand(f, user),
    },
    ...(isUserName(user)
      ? []
      : [{ say: `The event does not name the key's owner; to find it${where}:`, run: ownerCommand(f) }]),
    { say: `Or set it Inactive by hand${where}:`, run: keyCommand(user, f.accessKeyId, "Inactive") },
  ];
};

const skippedSteps = (
  o: Outcome,
  k: Omit<AlertKey, "nextSteps">,
  review: Step,
  disableByHand: (say: string) => Step,
): Step[] => {
  const f = o.plan.finding;
  const name = maybe(f.userName, LIMITS.user);
  const roleSessions = `the role's active sessions (IAM console: Roles > ${name ?? "<role>"} > Revoke active sessions)`;
  switch (o.plan.skip) {
    case Skip.Root:
      return [
        {
          say: "URGENT: sign in as the root user, delete the root access key, change the root password and check MFA.",
        },
        review,
      ];
    case Skip.TemporaryKey:
      return [
        {
          say:
            f.principalType === "AssumedRole"
              ? `Revoke ${roleSessions}, or deploy with REVOKE_SESSIONS=true to have it done automatically.`
              : "Revoke the user's sessions and disable the long-term key that issued them, " +
                "or deploy with REVOKE_SESSIONS=true to have sessions revoked automatically.",
        },
        { say: "Find where the temporary credentials leaked (instance, container, CI job) and fix it." },
        review,
      ];
    case Skip.Protected:
      return [disableByHand("A person must decide. To disable the key by hand"), review];
    case Skip.OtherAccount:
      return [
        // A temporary key cannot be set Inactive: its sessions are revoked where the role or user lives.
        keyKind(f.accessKeyId) === KeyKind.Temporary
          ? { say: `Revoke ${roleSessions}${inAccount(o.account ?? o.plan.account)}.` }
          : disableByHand("Disable it"),
        { say: "Or deploy the member role to that account and set MEMBER_ROLE_NAME." },
      ];
    case Skip.BelowThreshold:
      return [disableByHand("Review the finding. The key is still Active; to disable it now")];
    case Skip.InvalidInput:
      return [
        { say: "The event did not name a valid key: check the finding in its console. Nothing was changed." },
      ];
    case Skip.UntrustedProduct:
      return [
        {
          say:
            `The finding was imported by ${k.finding.provenance?.product ?? "an unknown product"}, not made by AWS: ` +
            "anyone allowed to import findings into Security Hub can write one, so nothing was changed. " +
            "Check who imported it (BatchImportFindings in CloudTrail).",
        },
        disableByHand("If the key did leak, disable it by hand"),
      ];
    case Skip.UntrustedWrapper:
      return [
        {
          say:
            `The event came inside an SNS notification from ${untrusted(f.snsTopicArn ?? "a topic it does not name", LIMITS.detailValue)}: ` +
            "anyone allowed to publish there could have written it, so nothing was changed. Check the finding in " +
            "its own console; if the topic is yours and only AWS events reach it, list it in trustedTopicArns.",
        },
        disableByHand("If the key did leak, disable it by hand"),
      ];
    case Skip.ReactivationRefused:
      return [
        {
          say:
            "Nothing was changed: only a request sent directly to the manual function may set a key Active, " +
            "not one relayed through SNS, EventBridge or another source.",
        },
        {
          say: "If nobody you know sent it, treat it as an attempt to re-enable a contained key and find its sender.",
        },
        {
          say: "To reactivate the key properly, invoke the manual function directly, in the responder's account, with a reason:",
          run: manualReactivationCommand(f, o.userName ?? o.plan.userName),
        },
      ];
    case Skip.Responder:
      return [
        {
          say:
            "URGENT: the finding is about the responder's own role or user, which it never acts on. " +
            "A person must check what these credentials did and replace them now.",
        },
        review,
        keyKind(f.accessKeyId) === KeyKind.Temporary
          ? { say: `For the role's temporary key, revoke ${roleSessions}, then redeploy the responder.` }
          : disableByHand("If the key leaked, disable it by hand"),
      ];
    default:
      return [];
  }
};

// ---------- verdict ----------

const STATUS_LABELS: Record<Outcome["status"], string> = {
  [Status.Disabled]: "DISABLED",
  [Status.Reactivated]: "REACTIVATED",
  [Status.AlreadyDone]: "ALREADY DONE (repeat)",
  [Status.KeyGone]: "KEY GONE",
  [Status.Protected]: "PROTECTED - NOT CHANGED",
  [Status.SessionsRevoked]: "SESSIONS REVOKED",
  [Status.Skipped]: "NOT CHANGED",
  [Status.DryRun]: "DRY RUN",
  [Status.ApprovalNeeded]: "APPROVAL NEEDED - NOT CHANGED",
  [Status.Failed]: "FAILED",
  [Status.NotAttempted]: "NOT ATTEMPTED - MAY STILL BE ACTIVE",
  [Status.Interrupted]: "INTERRUPTED - MAY STILL BE ACTIVE",
};

const SKIP_LABELS: Record<Skip, string> = {
  [Skip.Sample]: "SAMPLE",
  [Skip.InvalidInput]: "INVALID INPUT - NOT CHANGED",
  [Skip.Root]: "ROOT CREDENTIALS - ACT NOW",
  [Skip.Protected]: "PROTECTED - NOT CHANGED",
  [Skip.TemporaryKey]: "TEMPORARY KEY - ACT NOW",
  [Skip.OtherAccount]: "OTHER ACCOUNT - NOT CHANGED",
  [Skip.BelowThreshold]: "BELOW THRESHOLD - NOT CHANGED",
  [Skip.UntrustedProduct]: "UNTRUSTED SOURCE - NOT CHANGED",
  [Skip.UntrustedWrapper]: "UNTRUSTED SNS TOPIC - NOT CHANGED",
  [Skip.Closed]: "CLOSED",
  [Skip.ReactivationRefused]: "REACTIVATION REFUSED",
  [Skip.Responder]: "RESPONDER ITSELF - ACT NOW",
  [Skip.NoCredential]: "NO KEY NAMED - ACT NOW",
};

const label = (o: Outcome): string => {
  if (o.status === Status.Skipped && o.plan.skip !== undefined) return SKIP_LABELS[o.plan.skip];
  if (o.countsAsContained) return `CONTAINED (already ${o.plan.finding.requestedStatus})`;
  return STATUS_LABELS[o.status];
};

const SETTLED_STATUSES: readonly Status[] = [
  Status.Disabled,
  Status.Reactivated,
  Status.AlreadyDone,
  Status.KeyGone,
  Status.SessionsRevoked,
  Status.DryRun,
];
/** Skips that leave nothing for a person: a generated sample, or a finding a person already closed. */
const SETTLED_SKIPS: readonly string[] = [Skip.Sample, Skip.Closed];

/**
 * An outcome needs no person: the key is in the state asked for, gone, or never was a real case. Anything else may
 * leave a named key Active, so the alert must say a person has to act.
 */
export const isSettled = (o: Outcome): boolean =>
  (o.openForPerson === undefined && SETTLED_STATUSES.includes(o.status)) ||
  (o.status === Status.Skipped && o.plan.skip !== undefined && SETTLED_SKIPS.includes(o.plan.skip));

const awaitsApproval = (o: Outcome): boolean => o.status === Status.ApprovalNeeded;

/**
 * The worst first: failed > action-required > approval-needed > the rest. A key awaiting approval is not settled (it
 * may still be Active), so the event never reads no-action or contained; a refusal a person must act on outranks it.
 */
export const verdictOf = (outcomes: Outcome[], dryRun: boolean): Verdict => {
  // A key left when the invocation ran out of time fails the invocation, like a failed write.
  if (outcomes.some((o) => o.status === Status.Failed || OUT_OF_TIME_STATUSES.includes(o.status))) {
    return Verdict.Failed;
  }
  if (outcomes.some((o) => !isSettled(o) && !awaitsApproval(o))) return Verdict.ActionRequired;
  if (outcomes.some(awaitsApproval)) return Verdict.ApprovalNeeded;
  if (dryRun) return Verdict.DryRun;
  if (
    outcomes.some(
      (o) =>
        o.status === Status.Disabled || o.status === Status.SessionsRevoked || o.countsAsContained === true,
    )
  ) {
    return Verdict.Contained;
  }
  if (outcomes.some((o) => o.status === Status.Reactivated)) return Verdict.Reactivated;
  return Verdict.NoAction;
};

// ---------- one key ----------

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

const alertKey = (o: Outcome): AlertKey => {
  const f = o.plan.finding;
  const key: Omit<AlertKey, "nextSteps"> = {
    accessKeyId: untrusted(f.accessKeyId, LIMITS.keyId),
    userName: maybe(o.userName ?? o.plan.userName ?? f.userName, LIMITS.user),
    namedUser: maybe(o.namedUser, LIMITS.user),
    account: maybe(o.account, LIMITS.account),
    status: o.status,
    action: o.plan.action,
    skip: o.plan.skip,
    why: untrusted(o.plan.why, LIMITS.sentence),
    detail: untrusted(o.detail, LIMITS.sentence),
    // A failure is never settled, so it is urgent too.
    urgent: !isSettled(o),
    finding: {
      id: untrusted(f.findingId, LIMITS.id),
      type: untrusted(f.type, LIMITS.type),
      title: untrusted(f.title, LIMITS.title),
      severity: f.severity,
      region: maybe(f.region, LIMITS.region),
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
  return { ...key, nextSteps: nextSteps(o, key).flatMap((s) => (s.run ? [s.say, s.run] : [s.say])) };
};

const activityLine = (a: NonNullable<AlertKey["activity"]>): string =>
  `  Activity: ${a.events} CloudTrail events since ${a.since}` +
  (a.topActions.length
    ? `; top actions ${a.topActions.map((x) => `${x.name} x${x.count}`).join(", ")}`
    : "") +
  (a.sourceIps.length ? `; from ${a.sourceIps.map((x) => `${x.ip} x${x.count}`).join(", ")}` : "");

/**
 * The key's block of the text. Every value in it was made safe by `alertKey` and follows a label of ours; only the
 * parsers' own fact names (`facts(...)` keys) start a line.
 */
const keyText = (k: AlertKey, keyLabel: string): string => {
  const f = k.finding;
  const lines = [
    `[${keyLabel}] ${k.accessKeyId || "(no key named)"}${k.userName ? ` - user ${k.userName}` : ""}${k.account ? ` - account ${k.account}` : ""}`,
    ...(k.namedUser
      ? [`  Owner:    the event named ${k.namedUser}; the key belongs to ${k.userName ?? "another user"}`]
      : []),
    `  Finding:  ${f.type}${f.severity !== undefined ? ` (severity ${f.severity})` : ""}`,
    `  Title:    ${f.title}`,
    `  Id:       ${f.id}`,
    ...(f.region ? [`  Region:   ${f.region}`] : []),
    ...(f.provenance
      ? [`  Product:  ${f.provenance.product}${f.provenance.aws ? "" : " (not made by AWS)"}`]
      : []),
    ...(f.closed ? [`  Closed:   ${f.closed}`] : []),
    ...(f.occurrences && f.occurrences > 1 ? [`  Seen:     ${f.occurrences} times`] : []),
    ...Object.entries(f.details).map(([name, value]) => `  ${`${name}:`.padEnd(9)} ${value}`),
    `  Done:     ${k.detail}`,
    `  Why:      ${k.why}`,
    ...(f.reason ? [`  Reason:   ${f.reason}`] : []),
    ...(f.requestedBy ? [`  Asked by: ${f.requestedBy}`] : []),
    ...(k.error ? [`  Error:    ${k.error}`] : []),
    ...k.siblings.map(
      (s) =>
        `  ${k.accessKeyId ? "Other key" : "User's key"} ${s.accessKeyId} (${s.status}, created ${s.created ?? "unknown"})` +
        (s.suspicious
          ? " - created after the finding was first seen: possibly created by the attacker"
          : "") +
        (s.disabled ? " - disabled" : ""),
    ),
    ...(k.activity ? [activityLine(k.activity)] : []),
    ...k.notes.map((note) => `  Note:     ${note}`),
    // A command has a line of its own, so that it pastes and runs as is.
    ...(k.nextSteps.length
      ? [
          "  Next steps:",
          ...k.nextSteps.map((step) => (isCommand(step) ? `        ${step}` : `    - ${step}`)),
        ]
      : []),
  ];
  return lines.join("\n");
};

// ---------- one alert ----------

const VERDICT_HEADLINES: Record<Verdict, string> = {
  [Verdict.Contained]: "Contained",
  [Verdict.ActionRequired]: "ACTION REQUIRED",
  [Verdict.Failed]: "CONTAINMENT FAILED",
  [Verdict.NoAction]: "No action needed",
  [Verdict.DryRun]: "Dry run",
  [Verdict.Invalid]: "Could not act on event",
  [Verdict.Reactivated]: "Key REACTIVATED",
  [Verdict.ApprovalNeeded]: "APPROVAL NEEDED",
};

/** SNS subjects must be fewer than 100 characters (the Publish reference): printable ASCII, no line breaks. */
const subjectLine = (text: string): string => {
  const ascii = text.replace(/[^\x20-\x7e]/g, "?");
  return ascii.length > 99 ? `${ascii.slice(0, 98)}~` : ascii;
};

interface Part {
  number: number;
  of: number;
}

const partName = (part: Part | undefined): string => (part ? ` (part ${part.number} of ${part.of})` : "");

/**
 * The subject (and so the chat card's title, which is not escaped) names the user only when the name is a valid IAM
 * name and no untrusted product wrote it: anything else is shown, neutralised and escaped, in the body only.
 */
const nameForSubject = (k: AlertKey): boolean =>
  isUserName(k.userName) && k.finding.provenance?.aws !== false;

const subjectFor = (headline: string, keys: AlertKey[], part: Part | undefined): string => {
  const first = keys[0];
  const who = first
    ? ` ${first.accessKeyId || "no key named"}${nameForSubject(first) ? ` (${first.userName})` : ""}`
    : "";
  const more = keys.length > 1 ? ` +${keys.length - 1} more` : "";
  const what = first ? ` - ${first.finding.type}` : "";
  return subjectLine(`${headline}${partName(part)}:${who}${more}${what}`);
};

const maxSeverity = (keys: AlertKey[]): string => {
  const values = keys.map((k) => k.finding.severity).filter((s): s is number => s !== undefined);
  return values.length ? String(Math.max(...values)) : "none";
};

/** The outcome is the whole event's verdict in every part; severity and accounts are those of the part's keys. */
const attributesOf = (document: AlertDocument): Record<string, string> => ({
  outcome: document.verdict,
  severity: maxSeverity(document.keys),
  account: [...new Set(document.keys.map((k) => k.account).filter(Boolean))].join(",") || "unknown",
  source: document.source ?? "unknown",
});

/** What every part of one event shares. */
interface EventFacts {
  verdict: Verdict;
  headline: string;
  /** Said at the top of every part when the invocation ran out of time with keys left. */
  outOfTime?: string;
  ctx: AlertContext;
  source?: Source;
  eventId?: string;
  /** One line counting the event's keys by label, when there is more than one key. */
  tally?: string;
  keys: number;
}

interface RenderedKey {
  key: AlertKey;
  text: string;
}

const tallyOf = (labels: string[]): string | undefined => {
  if (labels.length < 2) return undefined;
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return `Keys: ${labels.length} - ${[...counts].map(([l, n]) => `${n} ${l}`).join(", ")}`;
};

/** One alert for the keys `from`..`from + keys.length` of the event; `part` is set when the event is split. */
const assemble = (event: EventFacts, keys: RenderedKey[], from: number, part?: Part): Alert => {
  const document: AlertDocument = {
    schema: ALERT_SCHEMA,
    version: ALERT_VERSION,
    verdict: event.verdict,
    dryRun: event.ctx.dryRun,
    source: event.source,
    eventId: event.eventId,
    generatedAt: event.ctx.now.toISOString(),
    ...(part ? { part: { number: part.number, of: part.of, keys: event.keys } } : {}),
    keys: keys.map((r) => r.key),
  };
  const text = [
    `access-key-responder: ${event.headline}${event.ctx.dryRun ? " (DRY RUN: no change was made)" : ""}`,
    ...(part
      ? [
          `Part ${part.number} of ${part.of}: keys ${from + 1}-${from + keys.length} of ${event.keys}. ` +
            "The verdict is that of the whole event.",
        ]
      : []),
    `Source: ${event.source ?? "unknown"}${event.eventId ? `, event ${event.eventId}` : ""}`,
    ...(event.tally ? [event.tally] : []),
    ...(event.outOfTime ? [event.outOfTime] : []),
    "",
    ...keys.map((r) => r.text),
    "",
    `Generated at ${document.generatedAt}.`,
  ].join("\n");
  return {
    subject: subjectFor(event.headline, document.keys, part),
    text,
    document,
    attributes: attributesOf(document),
  };
};

/** Consecutive runs of keys whose estimated sizes fit the budget; a key too big alone still gets its own part. */
const pack = (costs: number[], budget: number): { from: number; to: number }[] => {
  const runs: { from: number; to: number }[] = [];
  let from = 0;
  let used = 0;
  costs.forEach((cost, i) => {
    if (i > from && used + cost > budget) {
      runs.push({ from, to: i });
      from = i;
      used = 0;
    }
    used += cost;
  });
  if (costs.length > from) runs.push({ from, to: costs.length });
  return runs;
};

/**
 * An event too large for one invocation: the keys left are named in the alert, and nobody may read it as settled.
 * Only when nothing failed outright does the headline say why; a failure keeps "CONTAINMENT FAILED".
 */
const outOfTimeFacts = (
  outcomes: Outcome[],
  verdict: Verdict,
): Pick<EventFacts, "headline" | "outOfTime"> => {
  const left = outcomes.filter((o) => OUT_OF_TIME_STATUSES.includes(o.status)).length;
  if (left === 0) return { headline: VERDICT_HEADLINES[verdict] };
  const failed = outcomes.some((o) => o.status === Status.Failed);
  return {
    headline: failed ? VERDICT_HEADLINES[verdict] : "CONTAINMENT INCOMPLETE (out of time)",
    outOfTime:
      `OUT OF TIME: ${left} of ${outcomes.length} keys were not contained by this invocation and may still be ` +
      "Active (marked NOT ATTEMPTED or INTERRUPTED). The invocation fails, so Lambda's retry continues with them.",
  };
};

/** Per-key bytes a part's estimate adds for what a one-key measure misses (separators, joined accounts). */
const SEPARATOR_BYTES = 64;

/**
 * Renders what happened to every key of one event. Pure. One alert when it fits in an SNS message; otherwise the
 * keys are split over several parts, each with the whole event's verdict, each measured as it will be sent.
 */
export const renderAlerts = (outcomes: Outcome[], ctx: AlertContext): Alert[] => {
  const first = outcomes[0]?.plan.finding;
  const rendered = outcomes.map((o): RenderedKey => {
    const key = alertKey(o);
    return { key, text: keyText(key, label(o)) };
  });
  const verdict = verdictOf(outcomes, ctx.dryRun);
  const event: EventFacts = {
    verdict,
    ...outOfTimeFacts(outcomes, verdict),
    ctx,
    source: first?.source,
    eventId: maybe(first?.eventId, LIMITS.id),
    tally: tallyOf(outcomes.map(label)),
    keys: outcomes.length,
  };
  if (rendered.length <= 1) return [assemble(event, rendered, 0)];

  // Each key's share, measured alone with the widest part numbers; it overstates a little (the card's steps).
  const widest = { number: outcomes.length, of: outcomes.length };
  const empty = messageBytes(assemble(event, [], 0, widest));
  const costs = rendered.map(
    (r) => messageBytes(assemble(event, [r], outcomes.length - 1, widest)) - empty + SEPARATOR_BYTES,
  );
  // Worth measuring whole only when it may fit: a thousand keys need not be serialized at once.
  if (costs.reduce((sum, cost) => sum + cost, empty) <= 2 * ALERT_MAX_BYTES) {
    const whole = assemble(event, rendered, 0);
    if (messageBytes(whole) <= ALERT_MAX_BYTES) return [whole];
  }
  // Pack by the estimates, then measure every part exactly as it is sent, halving any that is still too big.
  const runs = pack(costs, ALERT_MAX_BYTES - empty);
  for (;;) {
    const alerts = runs.map((run, i) =>
      assemble(event, rendered.slice(run.from, run.to), run.from, { number: i + 1, of: runs.length }),
    );
    const over = runs.findIndex(
      (run, i) => run.to - run.from > 1 && messageBytes(alerts[i] as Alert) > ALERT_MAX_BYTES,
    );
    if (over === -1) return alerts;
    const { from, to } = runs[over] as { from: number; to: number };
    const middle = from + Math.ceil((to - from) / 2);
    runs.splice(over, 1, { from, to: middle }, { from: middle, to });
  }
};

/**
 * Why no write was made for a whole event: it could not be read (`unreadable`: the parser must be fixed, retrying
 * gives the same answer), or AWS could not be reached (`unreachable`: credentials, network or STS; the run fails and
 * Lambda retries it). The event is never called invalid for the second.
 */
export type ProblemKind = "unreadable" | "unreachable";

/** The hint for a run without AWS: locally, the usual cause is that no credentials are set. */
const OFFLINE_HINT = "set DRY_RUN=true to run offline, or provide credentials";

const PROBLEM_WORDING: Record<ProblemKind, { headline: string; subject: string; steps: string[] }> = {
  unreadable: {
    headline: "Could not act on event - no change was made",
    subject: "Could not act on",
    steps: [
      "Look the finding up in its console and contain any key it names by hand.",
      "Keep the event (see the responder's logs) so the parser can be fixed.",
    ],
  },
  unreachable: {
    headline: "Could not reach AWS - no change was made",
    subject: "Could not reach AWS for",
    steps: [
      "The event was read; AWS could not be reached, so no key was touched. The invocation failed and Lambda retries it.",
      "If it keeps failing, look the finding up in its console and contain any key it names by hand.",
      "In Lambda, check the execution role and the network path to STS and IAM.",
      `Running locally: ${OFFLINE_HINT}.`,
    ],
  },
};

/** No write was made for an event (it could not be read, or AWS could not be reached), and a person is told. */
export const renderProblemAlert = (
  problem: { source?: Source; eventId?: string; reason: string; kind?: ProblemKind },
  ctx: AlertContext,
): Alert => {
  const kind = problem.kind ?? "unreadable";
  const wording = PROBLEM_WORDING[kind];
  const source = maybe(problem.source, LIMITS.type) as Source | undefined;
  const document: AlertDocument = {
    schema: ALERT_SCHEMA,
    version: ALERT_VERSION,
    verdict: kind === "unreachable" ? Verdict.Failed : Verdict.Invalid,
    dryRun: ctx.dryRun,
    source,
    eventId: maybe(problem.eventId, LIMITS.id),
    generatedAt: ctx.now.toISOString(),
    keys: [],
    problem: untrusted(problem.reason, 1000),
  };
  const text = [
    `access-key-responder: ${wording.headline}`,
    `Source: ${source ?? "unknown"}${document.eventId ? `, event ${document.eventId}` : ""}`,
    `Problem: ${document.problem}`,
    "Next steps:",
    ...wording.steps.map((step) => `  - ${step}`),
  ].join("\n");
  return {
    subject: subjectLine(
      `${wording.subject} ${source ?? "an"} event${document.eventId ? ` ${document.eventId}` : ""}`,
    ),
    text,
    document,
    attributes: attributesOf(document),
  };
};

// ---------- the message as SNS receives it ----------

/** Backslash-escapes what client-markdown would read as markup (emphasis, code, links, quotes, headings, tables). */
const markdown = (value: string): string => value.replace(/[\\`*_~<>[\]()#|!]/g, "\\$&");

/** A valid key ID is only word characters, so a code span cannot be broken out of; anything else is escaped. */
const codeOrText = (value: string): string => (isAccessKeyId(value) ? `\`${value}\`` : markdown(value));

const cardLine = (k: AlertKey): string =>
  `*${k.status}${k.skip ? ` (${k.skip})` : ""}* ${codeOrText(k.accessKeyId)}` +
  (k.userName ? ` (${markdown(k.userName)})` : "") +
  `: ${markdown(clip(k.detail, LIMITS.cardDetail))}` +
  (k.namedUser ? `; the event named ${markdown(k.namedUser)}` : "") +
  (k.finding.provenance && !k.finding.provenance.aws
    ? `; from product ${markdown(k.finding.provenance.product)}, not made by AWS`
    : "") +
  (k.finding.requestedBy ? `; asked by ${markdown(k.finding.requestedBy)}` : "");

/** The first steps, urgent keys first, never cutting a step from its command. */
const cardSteps = (keys: AlertKey[]): string[] => {
  const groups: string[][] = [];
  for (const k of [...keys].sort((a, b) => Number(b.urgent) - Number(a.urgent))) {
    for (const step of k.nextSteps) {
      const last = groups.at(-1);
      if (isCommand(step) && last) last.push(step);
      else groups.push([step]);
    }
  }
  const steps: string[] = [];
  for (const group of groups) {
    if (steps.length + group.length > LIMITS.cardSteps) break;
    steps.push(
      ...group.map((step) => (isCommand(step) && !step.includes("`") ? `\`${step}\`` : markdown(step))),
    );
  }
  return steps;
};

/**
 * The custom-notification schema of Amazon Q Developer in chat applications (formerly AWS Chatbot): `version` must be
 * "1.0" and `source` "custom"; `content.textType` "client-markdown" is the only one supported. The documentation gives
 * no length limits for the fields, so these caps are ours, chosen to stay well inside what Slack and Teams show in one
 * message: the title is the SNS subject (fewer than 100 characters already).
 */
export const CHAT_CARD_LIMITS = {
  title: 100,
  summary: 100,
  description: 8_000,
  nextSteps: LIMITS.cardSteps,
  keywords: 5,
  keyword: 40,
  threadId: 160,
} as const;

/** Where the card keeps what the chat buttons read (`metadata.additionalContext`); serverless.yml reads the same names. */
export const CHAT_CONTEXT = {
  outcome: "outcome",
  accessKeyId: "accessKeyId",
  userName: "userName",
  account: "account",
} as const;

/** Key statuses a "Disable key" button may act on: a dry run, or a key waiting for a person's approval. */
const DISABLE_CANDIDATES: readonly string[] = [Status.DryRun, "approval-needed"];

/** At most `max` characters, cut on a code point (never halving a surrogate pair), marked with an ellipsis. */
const within = (value: string, max: number): string => {
  const points = Array.from(value);
  return points.length > max ? `${points.slice(0, max - 1).join("")}…` : value;
};

const shortHash = (value: string): string => createHash("sha256").update(value).digest("hex").slice(0, 24);

/**
 * One thread per access key, so that a key's disable, repeat and reactivate alerts sit together. A part of a
 * multi-key event threads under its first key: a card has one thread, and the first key is the one its title names.
 * A key ID that fails the identifier check is hashed, so the thread is still per key but shows nothing forged.
 */
const threadIdOf = (document: AlertDocument): string | undefined => {
  const first = document.keys[0];
  // A finding that names no key threads on its own event, not with every other such finding.
  if (!first || first.accessKeyId === "")
    return document.eventId === undefined
      ? undefined
      : `access-key-responder-event-${shortHash(document.eventId)}`;
  const key = isAccessKeyId(first.accessKeyId) ? first.accessKeyId : `h${shortHash(first.accessKeyId)}`;
  return `access-key-responder-key-${key}`.slice(0, CHAT_CARD_LIMITS.threadId);
};

/** Unique per alert: the same event's parts differ by number; an event without an id by its time. */
const cardIdOf = (document: AlertDocument): string =>
  `akr-${shortHash(JSON.stringify([document.eventId ?? document.generatedAt, document.part?.number ?? 1, document.verdict]))}`;

/**
 * The one key the chat buttons may act on, with the identifiers the manual function needs, each given only when it
 * passes the same checks IAM writes go through; otherwise nothing, and the buttons (which require all three) stay
 * hidden rather than act on a forged or ambiguous value. Exactly one candidate key per card, long-term keys only.
 */
const buttonTarget = (document: AlertDocument): Record<string, string> => {
  const candidates = document.keys.filter((k) =>
    document.verdict === Verdict.Contained
      ? k.status === Status.Disabled
      : DISABLE_CANDIDATES.includes(k.status),
  );
  const k = candidates.length === 1 ? candidates[0] : undefined;
  if (!k || !isAccessKeyId(k.accessKeyId) || keyKind(k.accessKeyId) !== KeyKind.LongTerm) return {};
  return {
    [CHAT_CONTEXT.accessKeyId]: k.accessKeyId,
    ...(isUserName(k.userName) ? { [CHAT_CONTEXT.userName]: k.userName } : {}),
    ...(isAccountId(k.account) ? { [CHAT_CONTEXT.account]: k.account } : {}),
  };
};

/** Whole key lines up to the description's cap, then a count of the rest. */
const cardDescription = (document: AlertDocument): string => {
  if (!document.keys.length) {
    return document.problem !== undefined
      ? within(`Could not act on the event: ${markdown(document.problem)}`, CHAT_CARD_LIMITS.description)
      : "";
  }
  const more = (n: number) => `...and ${n} more keys: see the email or the alert document.`;
  const lines: string[] = [];
  let used = 0;
  for (const k of document.keys.slice(0, LIMITS.cardKeys)) {
    const line = cardLine(k);
    // Room is kept for the count line and the line breaks.
    if (used + line.length + 1 > CHAT_CARD_LIMITS.description - more(document.keys.length).length - 1) break;
    lines.push(line);
    used += line.length + 1;
  }
  const hidden = document.keys.length - lines.length;
  return [...lines, ...(hidden > 0 ? [more(hidden)] : [])].join("\n");
};

/**
 * An Amazon Q Developer in chat applications (formerly AWS Chatbot) custom notification, so the alert reads well in
 * Slack, Teams or Chime. `additionalContext` holds only our own values and validated identifiers: the chat buttons
 * (serverless.yml, `chatActions`) pass them to the manual function.
 */
export const chatCard = (alert: Alert): object => {
  const { document } = alert;
  const threadId = threadIdOf(document);
  return {
    version: "1.0",
    source: "custom",
    id: cardIdOf(document),
    content: {
      textType: "client-markdown",
      title: within(alert.subject, CHAT_CARD_LIMITS.title),
      description: cardDescription(document),
      nextSteps: cardSteps(document.keys).slice(0, CHAT_CARD_LIMITS.nextSteps),
      keywords: [document.verdict, document.source ?? "unknown"]
        .slice(0, CHAT_CARD_LIMITS.keywords)
        .map((keyword) => within(keyword, CHAT_CARD_LIMITS.keyword)),
    },
    metadata: {
      ...(threadId ? { threadId } : {}),
      summary: within(alert.subject, CHAT_CARD_LIMITS.summary),
      eventType: "access-key-responder",
      relatedResources: document.keys.map((k) => k.accessKeyId).filter((id) => id !== ""),
      additionalContext: {
        [CHAT_CONTEXT.outcome]: document.verdict,
        severity: alert.attributes.severity ?? "none",
        source: alert.attributes.source ?? "unknown",
        ...buttonTarget(document),
      },
    },
  };
};

/** One message per protocol: readable text for people, the versioned document for programs, a card for chat. */
export const snsMessage = (alert: Alert): string => {
  const document = JSON.stringify(alert.document);
  return JSON.stringify({
    default: alert.text,
    email: alert.text,
    "email-json": document,
    sqs: document,
    lambda: document,
    https: JSON.stringify(chatCard(alert)),
  });
};

/** The alert's attributes as Publish sends them. */
export const messageAttributes = (
  alert: Alert,
): Record<string, { DataType: "String"; StringValue: string }> =>
  Object.fromEntries(
    Object.entries(alert.attributes).map(([name, value]) => [
      name,
      { DataType: "String", StringValue: value },
    ]),
  );

/**
 * The bytes SNS counts against its limit for this alert: the message, and each attribute's name, data type and
 * value (MessageAttributeValue). The subject is added too; not every account of the limit leaves it out.
 */
export const messageBytes = (alert: Alert): number =>
  Buffer.byteLength(snsMessage(alert)) +
  Buffer.byteLength(alert.subject) +
  Object.entries(messageAttributes(alert)).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      Buffer.byteLength(value.StringValue),
    0,
  );
