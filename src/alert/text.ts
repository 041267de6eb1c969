import { checkpointTally, type Outcome, STATUS_MEANINGS, Status } from "../contain/outcome";
import { Skip } from "../plan/plan";
import { isUserName } from "../shared/identifiers";
import { isCommand } from "./commands";
import type { AlertContext, AlertKey, DocumentHead } from "./document";
import { Verdict } from "./document";
import { LIMITS, untrusted } from "./untrusted";

// The people's text: the key blocks of an e-mail, the compact line per key of a large event, and the subject.

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

/** How the text labels a key. A key found already in the state asked for says which state, never "now". */
export const labelOf = (o: Outcome): string => {
  if (o.status === Status.Skipped && o.plan.skip !== undefined) return SKIP_LABELS[o.plan.skip];
  const wanted = o.plan.finding.requestedStatus;
  if (o.countsAsContained) return `CONTAINED (already ${wanted})`;
  if (o.status === Status.AlreadyDone) return `ALREADY ${wanted.toUpperCase()} (repeat)`;
  return STATUS_MEANINGS[o.status].label;
};

/** "role" for an assumed role's (temporary) key, whose `userName` is the role's name. */
const principalWord = (k: AlertKey): string => (k.finding.principalType === "AssumedRole" ? "role" : "user");

const whose = (k: AlertKey, user = k.userName, account = k.account): string =>
  `${user ? ` - ${principalWord(k)} ${user}` : ""}${account ? ` - account ${account}` : ""}`;

/** The key's first line, which names it: the whole of its compact form. */
const headLine = (k: AlertKey, keyLabel: string): string =>
  `[${keyLabel}] ${k.accessKeyId || "(no key named)"}${whose(k)}`;

/** One short line per key, for an event too large to show every key whole: identifiers clipped harder. */
export const compactLine = (k: AlertKey, keyLabel: string): string =>
  `[${keyLabel}] ${k.accessKeyId ? untrusted(k.accessKeyId, LIMITS.compactKeyId) : "(no key named)"}` +
  whose(k, k.userName, k.account === undefined ? undefined : untrusted(k.account, LIMITS.compactAccount));

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
export const keyText = (k: AlertKey, keyLabel: string): string => {
  const f = k.finding;
  const lines = [
    headLine(k, keyLabel),
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

export const VERDICT_HEADLINES: Record<Verdict, string> = {
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
export const subjectLine = (text: string): string => {
  const ascii = text.replace(/[^\x20-\x7e]/g, "?");
  return ascii.length > 99 ? `${ascii.slice(0, 98)}~` : ascii;
};

export interface Part {
  number: number;
  of: number;
}

/**
 * The subject (and so the chat card's title, which is not escaped) names the user only when the name is a valid IAM
 * name and no untrusted product wrote it: anything else is shown, neutralised and escaped, in the body only.
 */
const nameForSubject = (k: AlertKey): boolean =>
  isUserName(k.userName) && k.finding.provenance?.aws !== false;

export const subjectFor = (headline: string, keys: AlertKey[], part?: Part): string => {
  const first = keys[0];
  const who = first
    ? ` ${first.accessKeyId || "no key named"}${nameForSubject(first) ? ` (${first.userName})` : ""}`
    : "";
  const more = keys.length > 1 ? ` +${keys.length - 1} more` : "";
  const what = first ? ` - ${first.finding.type}` : "";
  return subjectLine(`${headline}${part ? ` (part ${part.number} of ${part.of})` : ""}:${who}${more}${what}`);
};

/** What every message of one event shares. */
export interface EventFacts {
  head: DocumentHead;
  headline: string;
  /** Said at the top of every message when the invocation ran out of time with keys left. */
  outOfTime?: string;
  ctx: AlertContext;
  /** One line counting the event's keys by label, when there is more than one key. */
  tally?: string;
  keys: number;
}

export const tallyOf = (labels: string[]): string | undefined => {
  if (labels.length < 2) return undefined;
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return `Keys: ${labels.length} - ${[...counts].map(([l, n]) => `${n} ${l}`).join(", ")}`;
};

/**
 * An event too large for one invocation: the keys left are named in the alert, and nobody may read it as settled.
 * Only when nothing failed outright does the headline say why; a failure keeps "CONTAINMENT FAILED".
 */
export const outOfTimeFacts = (
  outcomes: Outcome[],
  verdict: Verdict,
): Pick<EventFacts, "headline" | "outOfTime"> => {
  const t = checkpointTally(outcomes);
  if (t.outOfTime === 0) return { headline: VERDICT_HEADLINES[verdict] };
  return {
    headline: t.failed > 0 ? VERDICT_HEADLINES[verdict] : "CONTAINMENT INCOMPLETE (out of time)",
    outOfTime:
      `OUT OF TIME: ${t.outOfTime} of ${t.keys} keys were not contained by this invocation and may still be ` +
      "Active (marked NOT ATTEMPTED or INTERRUPTED). The invocation fails, so Lambda's retry continues with them.",
  };
};

/** A message's text: the event's lines, `intro` lines, then `body` blocks. */
export const eventText = (event: EventFacts, intro: string[], body: string[]): string =>
  [
    `access-key-responder: ${event.headline}${event.ctx.dryRun ? " (DRY RUN: no change was made)" : ""}`,
    ...intro,
    `Source: ${event.head.source ?? "unknown"}${event.head.eventId ? `, event ${event.head.eventId}` : ""}`,
    ...(event.tally ? [event.tally] : []),
    ...(event.outOfTime ? [event.outOfTime] : []),
    "",
    ...body,
    "",
    `Generated at ${event.head.generatedAt}.`,
  ].join("\n");

/** Keys `from`..`from + count` of the event, numbered from one. */
export const keyRange = (from: number, count: number, of: number): string =>
  `keys ${from + 1}-${from + count} of ${of}`;

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

/** The subject and text of an alert about an event no write was made for. */
export const problemText = (
  kind: ProblemKind,
  head: Pick<DocumentHead, "source" | "eventId">,
  problem: string,
): { subject: string; text: string } => {
  const wording = PROBLEM_WORDING[kind];
  const event = head.eventId ? ` ${head.eventId}` : "";
  return {
    subject: subjectLine(`${wording.subject} ${head.source ?? "an"} event${event}`),
    text: [
      `access-key-responder: ${wording.headline}`,
      `Source: ${head.source ?? "unknown"}${head.eventId ? `, event ${head.eventId}` : ""}`,
      `Problem: ${problem}`,
      "Next steps:",
      ...wording.steps.map((step) => `  - ${step}`),
    ].join("\n"),
  };
};
