import { createHash } from "node:crypto";
import { Status } from "../contain/outcome";
import { clip, isAccessKeyId, isAccountId, isUserName, KeyKind, keyKind } from "../shared/identifiers";
import { isCommand } from "./commands";
import { type Alert, type AlertDocument, type AlertKey, Verdict } from "./document";
import { LIMITS } from "./untrusted";

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
const DISABLE_CANDIDATES: readonly string[] = [Status.DryRun, Status.ApprovalNeeded];

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
const threadIdOf = (document: AlertDocument, keys: AlertKey[]): string | undefined => {
  const first = keys[0];
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
const buttonTarget = (verdict: Verdict, keys: AlertKey[]): Record<string, string> => {
  const candidates = keys.filter((k) =>
    verdict === Verdict.Contained ? k.status === Status.Disabled : DISABLE_CANDIDATES.includes(k.status),
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
const cardDescription = (document: AlertDocument, keys: AlertKey[]): string => {
  if (!keys.length) {
    return document.problem !== undefined
      ? within(`Could not act on the event: ${markdown(document.problem)}`, CHAT_CARD_LIMITS.description)
      : "";
  }
  const more = (n: number) => `...and ${n} more keys: see the email or the alert document.`;
  const lines: string[] = [];
  let used = 0;
  for (const k of keys.slice(0, LIMITS.cardKeys)) {
    const line = cardLine(k);
    // Room is kept for the count line and the line breaks.
    if (used + line.length + 1 > CHAT_CARD_LIMITS.description - more(keys.length).length - 1) break;
    lines.push(line);
    used += line.length + 1;
  }
  const hidden = keys.length - lines.length;
  return [...lines, ...(hidden > 0 ? [more(hidden)] : [])].join("\n");
};

/**
 * An Amazon Q Developer in chat applications (formerly AWS Chatbot) custom notification, so the alert reads well in
 * Slack, Teams or Chime. `additionalContext` holds only our own values and validated identifiers: the chat buttons
 * (serverless.yml, `chatActions`) pass them to the manual function.
 */
export const chatCard = (alert: Alert): object => {
  const { document } = alert;
  const keys = alert.keys ?? document.keys;
  const threadId = threadIdOf(document, keys);
  return {
    version: "1.0",
    source: "custom",
    id: cardIdOf(document),
    content: {
      textType: "client-markdown",
      title: within(alert.subject, CHAT_CARD_LIMITS.title),
      description: cardDescription(document, keys),
      nextSteps: cardSteps(keys).slice(0, CHAT_CARD_LIMITS.nextSteps),
      keywords: [document.verdict, document.source ?? "unknown"]
        .slice(0, CHAT_CARD_LIMITS.keywords)
        .map((keyword) => within(keyword, CHAT_CARD_LIMITS.keyword)),
    },
    metadata: {
      ...(threadId ? { threadId } : {}),
      summary: within(alert.subject, CHAT_CARD_LIMITS.summary),
      eventType: "access-key-responder",
      // The keys the description shows, so that a large event's card stays small.
      relatedResources: keys
        .slice(0, LIMITS.cardKeys)
        .map((k) => k.accessKeyId)
        .filter((id) => id !== ""),
      additionalContext: {
        [CHAT_CONTEXT.outcome]: document.verdict,
        severity: alert.attributes.severity ?? "none",
        source: alert.attributes.source ?? "unknown",
        ...buttonTarget(document.verdict, keys),
      },
    },
  };
};
