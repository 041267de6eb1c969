import type { Finding, Source } from "../findings";
import { clip, isAccessKeyId, isUserName } from "../identifiers";
import { type Outcome, Status } from "../outcome";
import { Skip } from "../plan/plan";

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
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export interface AlertKey {
  accessKeyId: string;
  userName?: string;
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
    details: Record<string, string>;
  };
  siblings: Outcome["siblings"];
  notes: string[];
  error?: string;
  containedAt?: string;
  activity?: Outcome["activity"];
  nextSteps: string[];
}

/** The versioned document programs receive (SQS, Lambda subscribers). */
export interface AlertDocument {
  schema: typeof ALERT_SCHEMA;
  version: typeof ALERT_VERSION;
  verdict: Verdict;
  dryRun: boolean;
  source?: Source;
  eventId?: string;
  generatedAt: string;
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

/** SNS subjects are at most 100 printable ASCII characters, with no line breaks. */
const subjectLine = (text: string): string => {
  const ascii = text.replace(/[^\x20-\x7e]/g, "?");
  return ascii.length > 100 ? `${ascii.slice(0, 99)}~` : ascii;
};

/** Identifiers from the event are echoed into shell commands only when they are valid, so nothing is injected. */
const shellSafe = (value: string | undefined, valid: (v: unknown) => boolean, placeholder: string): string =>
  value !== undefined && valid(value) ? value : placeholder;

const cliCommand = (finding: Finding, userName: string | undefined, status: "Active" | "Inactive"): string =>
  `aws iam update-access-key --user-name ${shellSafe(userName, isUserName, "<user-name>")} ` +
  `--access-key-id ${shellSafe(finding.accessKeyId, isAccessKeyId, "<access-key-id>")} --status ${status}`;

const cloudTrailCommand = (finding: Finding): string =>
  "aws cloudtrail lookup-events --lookup-attributes " +
  `AttributeKey=AccessKeyId,AttributeValue=${shellSafe(finding.accessKeyId, isAccessKeyId, "<access-key-id>")}`;

const inAccount = (account: string | undefined): string => (account ? ` (in account ${account})` : "");

/** What a person should do next, for each outcome. */
const nextSteps = (o: Outcome): string[] => {
  const f = o.plan.finding;
  const user = o.userName ?? o.plan.userName;
  const review = `Review what the key did: ${cloudTrailCommand(f)}${inAccount(o.account)}`;
  switch (o.status) {
    case Status.Disabled:
      return [
        review,
        "Rotate: give the owner a new key, update whatever used the old one, then delete the old key once reviewed.",
        ...(o.siblings.some((s) => s.suspicious && !s.disabled)
          ? [
              "Check the keys flagged as possibly created by the attacker and disable them if they are not known.",
            ]
          : []),
        `If this was a false positive, reactivate it: ${cliCommand(f, user, "Active")}${inAccount(o.account)}`,
      ];
    case Status.Reactivated:
      return [`To disable it again: ${cliCommand(f, user, "Inactive")}${inAccount(o.account)}`];
    case Status.AlreadyDone:
      return f.requestedStatus === "Inactive" ? [review] : [];
    case Status.SessionsRevoked:
      return [
        review,
        "Find where the temporary credentials leaked (instance, container, CI job) and fix it; " +
          "workloads pick up new credentials automatically.",
      ];
    case Status.Protected:
      return [
        `A person must decide. To disable by hand: ${cliCommand(f, user, "Inactive")}${inAccount(o.account)}`,
        review,
      ];
    case Status.Failed:
      return [
        `Disable the key by hand now: ${cliCommand(f, user, "Inactive")}${inAccount(o.account)}`,
        "Then look at the responder's logs and failure queue for the cause.",
      ];
    case Status.DryRun:
      return ["Dry run: nothing was changed. Set DRY_RUN=false to act on findings like this one."];
    case Status.Skipped:
      return skippedSteps(o, user, review);
    default:
      return [];
  }
};

const skippedSteps = (o: Outcome, user: string | undefined, review: string): string[] => {
  const f = o.plan.finding;
  switch (o.plan.skip) {
    case Skip.Root:
      return [
        "URGENT: sign in as the root user, delete the root access key, change the root password and check MFA.",
        review,
      ];
    case Skip.TemporaryKey:
      return [
        o.plan.finding.principalType === "AssumedRole"
          ? `Revoke the role's active sessions (IAM console: Roles > ${f.userName ?? "<role>"} > Revoke active sessions), ` +
            "or deploy with REVOKE_SESSIONS=true to have it done automatically."
          : "Revoke the user's sessions and disable the long-term key that issued them, " +
            "or deploy with REVOKE_SESSIONS=true to have sessions revoked automatically.",
        "Find where the temporary credentials leaked (instance, container, CI job) and fix it.",
        review,
      ];
    case Skip.Protected:
      return [`A person must decide. To disable by hand: ${cliCommand(f, user, "Inactive")}`, review];
    case Skip.OtherAccount:
      return [
        `Disable it in account ${o.account ?? "<account>"}: ${cliCommand(f, user, "Inactive")}`,
        "Or deploy the member role to that account and set MEMBER_ROLE_NAME.",
      ];
    case Skip.BelowThreshold:
      return [`Review the finding. To disable the key now: ${cliCommand(f, user, "Inactive")}`];
    case Skip.InvalidInput:
      return ["The event did not name a valid key: check the finding in its console. Nothing was changed."];
    default:
      return [];
  }
};

const STATUS_LABELS: Record<Outcome["status"], string> = {
  [Status.Disabled]: "DISABLED",
  [Status.Reactivated]: "REACTIVATED",
  [Status.AlreadyDone]: "ALREADY DONE (repeat)",
  [Status.KeyGone]: "KEY GONE",
  [Status.Protected]: "PROTECTED - NOT CHANGED",
  [Status.SessionsRevoked]: "SESSIONS REVOKED",
  [Status.Skipped]: "NO ACTION",
  [Status.DryRun]: "DRY RUN",
  [Status.Failed]: "FAILED",
};

const label = (o: Outcome): string => {
  if (o.status !== Status.Skipped) return STATUS_LABELS[o.status];
  switch (o.plan.skip) {
    case Skip.Root:
      return "ROOT CREDENTIALS - ACT NOW";
    case Skip.Sample:
      return "SAMPLE";
    case Skip.OtherAccount:
      return "OTHER ACCOUNT - NOT CHANGED";
    case Skip.Protected:
      return "PROTECTED - NOT CHANGED";
    case Skip.TemporaryKey:
      return "TEMPORARY KEY - ACT NOW";
    case Skip.BelowThreshold:
      return "NOTED";
    default:
      return "NO ACTION";
  }
};

const needsPerson = (o: Outcome): boolean =>
  o.status === Status.Protected || (o.status === Status.Skipped && o.plan.urgent);

export const verdictOf = (outcomes: Outcome[], dryRun: boolean): Verdict => {
  if (outcomes.some((o) => o.status === Status.Failed)) return Verdict.Failed;
  if (outcomes.some(needsPerson)) return Verdict.ActionRequired;
  if (dryRun) return Verdict.DryRun;
  if (outcomes.some((o) => o.status === Status.Disabled || o.status === Status.SessionsRevoked)) {
    return Verdict.Contained;
  }
  if (outcomes.some((o) => o.status === Status.Reactivated)) return Verdict.Reactivated;
  return Verdict.NoAction;
};

const alertKey = (o: Outcome): AlertKey => {
  const f = o.plan.finding;
  return {
    accessKeyId: clip(f.accessKeyId, 128),
    userName: o.userName ?? o.plan.userName ?? (f.userName === undefined ? undefined : clip(f.userName, 64)),
    account: o.account,
    status: o.status,
    action: o.plan.action,
    skip: o.plan.skip,
    why: clip(o.plan.why, 500),
    detail: o.detail,
    urgent: needsPerson(o) || o.status === Status.Failed,
    finding: {
      id: clip(f.findingId),
      type: clip(f.type),
      title: clip(f.title),
      severity: f.severity,
      region: f.region === undefined ? undefined : clip(f.region, 64),
      firstSeen: f.firstSeen,
      observedAt: f.observedAt,
      occurrences: f.occurrences,
      details: f.details,
    },
    siblings: o.siblings,
    notes: o.notes,
    error: o.error,
    containedAt: o.containedAt,
    activity: o.activity,
    nextSteps: nextSteps(o),
  };
};

const activityLine = (a: NonNullable<AlertKey["activity"]>): string =>
  `  Activity: ${a.events} CloudTrail events since ${a.since}` +
  (a.topActions.length
    ? `; top actions ${a.topActions.map((x) => `${x.name} x${x.count}`).join(", ")}`
    : "") +
  (a.sourceIps.length ? `; from ${a.sourceIps.map((x) => `${x.ip} x${x.count}`).join(", ")}` : "");

const keyText = (k: AlertKey, o: Outcome): string => {
  const lines = [
    `[${label(o)}] ${k.accessKeyId}${k.userName ? ` - user ${k.userName}` : ""}${k.account ? ` - account ${k.account}` : ""}`,
    `  Finding:  ${k.finding.type}${k.finding.severity !== undefined ? ` (severity ${k.finding.severity})` : ""}`,
    `  Title:    ${k.finding.title}`,
    `  Id:       ${k.finding.id}`,
    ...(k.finding.region ? [`  Region:   ${k.finding.region}`] : []),
    ...(k.finding.occurrences && k.finding.occurrences > 1
      ? [`  Seen:     ${k.finding.occurrences} times`]
      : []),
    ...Object.entries(k.finding.details).map(([name, value]) => `  ${`${name}:`.padEnd(9)} ${value}`),
    `  Done:     ${k.detail}`,
    `  Why:      ${k.why}`,
    ...(o.plan.finding.reason ? [`  Reason:   ${clip(o.plan.finding.reason, 500)}`] : []),
    ...k.siblings.map(
      (s) =>
        `  Other key ${s.accessKeyId} (${s.status}, created ${s.created ?? "unknown"})` +
        (s.suspicious
          ? " - created after the finding was first seen: possibly created by the attacker"
          : "") +
        (s.disabled ? " - disabled" : ""),
    ),
    ...(k.activity ? [activityLine(k.activity)] : []),
    ...k.notes.map((note) => `  Note:     ${note}`),
    ...(k.nextSteps.length ? ["  Next steps:", ...k.nextSteps.map((step) => `    - ${step}`)] : []),
  ];
  return lines.join("\n");
};

const VERDICT_HEADLINES: Record<Verdict, string> = {
  [Verdict.Contained]: "Contained",
  [Verdict.ActionRequired]: "ACTION REQUIRED",
  [Verdict.Failed]: "CONTAINMENT FAILED",
  [Verdict.NoAction]: "No action needed",
  [Verdict.DryRun]: "Dry run",
  [Verdict.Invalid]: "Could not act on event",
  [Verdict.Reactivated]: "Key REACTIVATED",
};

const subjectFor = (verdict: Verdict, keys: AlertKey[]): string => {
  const first = keys[0];
  const who = first ? ` ${first.accessKeyId}${first.userName ? ` (${first.userName})` : ""}` : "";
  const more = keys.length > 1 ? ` +${keys.length - 1} more` : "";
  const what = first ? ` - ${first.finding.type}` : "";
  return subjectLine(`${VERDICT_HEADLINES[verdict]}:${who}${more}${what}`);
};

const maxSeverity = (keys: AlertKey[]): string => {
  const values = keys.map((k) => k.finding.severity).filter((s): s is number => s !== undefined);
  return values.length ? String(Math.max(...values)) : "none";
};

/** Renders what happened to every key of one event into one alert. Pure. */
export const renderAlert = (outcomes: Outcome[], ctx: AlertContext): Alert => {
  const verdict = verdictOf(outcomes, ctx.dryRun);
  const keys = outcomes.map(alertKey);
  const first = outcomes[0]?.plan.finding;
  const document: AlertDocument = {
    schema: ALERT_SCHEMA,
    version: ALERT_VERSION,
    verdict,
    dryRun: ctx.dryRun,
    source: first?.source,
    eventId: first?.eventId === undefined ? undefined : clip(first.eventId),
    generatedAt: ctx.now.toISOString(),
    keys,
  };
  const text = [
    `access-key-responder: ${VERDICT_HEADLINES[verdict]}${ctx.dryRun ? " (DRY RUN: no change was made)" : ""}`,
    `Source: ${first?.source ?? "unknown"}${document.eventId ? `, event ${document.eventId}` : ""}`,
    "",
    ...outcomes.map((o, i) => keyText(keys[i] as AlertKey, o)),
    "",
    `Generated at ${document.generatedAt}.`,
  ].join("\n");
  return { subject: subjectFor(verdict, keys), text, document, attributes: attributesOf(document, keys) };
};

/** An event that looked relevant but could not be read: no write was made, and a person is told. */
export const renderProblemAlert = (
  problem: { source?: Source; eventId?: string; reason: string },
  ctx: AlertContext,
): Alert => {
  const document: AlertDocument = {
    schema: ALERT_SCHEMA,
    version: ALERT_VERSION,
    verdict: Verdict.Invalid,
    dryRun: ctx.dryRun,
    source: problem.source,
    eventId: problem.eventId === undefined ? undefined : clip(problem.eventId),
    generatedAt: ctx.now.toISOString(),
    keys: [],
    problem: clip(problem.reason, 1000),
  };
  const text = [
    "access-key-responder: Could not act on event - no change was made",
    `Source: ${problem.source ?? "unknown"}${document.eventId ? `, event ${document.eventId}` : ""}`,
    `Problem: ${document.problem}`,
    "Next steps:",
    "  - Look the finding up in its console and contain any key it names by hand.",
    "  - Keep the event (see the responder's logs) so the parser can be fixed.",
  ].join("\n");
  return {
    subject: subjectLine(
      `Could not act on ${problem.source ?? "an"} event${problem.eventId ? ` ${problem.eventId}` : ""}`,
    ),
    text,
    document,
    attributes: attributesOf(document, []),
  };
};

const attributesOf = (document: AlertDocument, keys: AlertKey[]): Record<string, string> => ({
  outcome: document.verdict,
  severity: maxSeverity(keys),
  account: [...new Set(keys.map((k) => k.account).filter(Boolean))].join(",") || "unknown",
  source: document.source ?? "unknown",
});
