import type { Outcome } from "../contain/outcome";
import type { Source } from "../findings";
import {
  type Alert,
  type AlertContext,
  type AlertDocument,
  alertKey,
  documentHead,
  Verdict,
  verdictOf,
} from "./document";
import { Audience, attributesOf, isQuietRepeat, packAlerts, type RenderedKey } from "./messages";
import {
  compactLine,
  type EventFacts,
  keyText,
  labelOf,
  outOfTimeFacts,
  type ProblemKind,
  problemText,
  tallyOf,
} from "./text";
import { LIMITS, maybe, untrusted } from "./untrusted";

// The alert, composed: each key's entry (document.ts) with its steps and commands (commands.ts), shown to people as
// text (text.ts) and a chat card (chat-card.ts), packed into SNS messages (messages.ts).

export { CHAT_CARD_LIMITS, CHAT_CONTEXT, chatCard } from "./chat-card";
export type { CommandTarget } from "./commands";
export {
  ALERT_SCHEMA,
  ALERT_VERSION,
  type Alert,
  type AlertContext,
  type AlertDocument,
  type AlertKey,
  isSettled,
  Verdict,
  verdictOf,
} from "./document";
export {
  ALERT_MAX_BYTES,
  Audience,
  isQuietRepeat,
  messageAttributes,
  messageBytes,
  PEOPLE_FILTER_POLICY,
  SNS_MAX_MESSAGE_BYTES,
  snsMessage,
} from "./messages";
export type { ProblemKind } from "./text";
export { untrusted } from "./untrusted";

/**
 * Renders what happened to every key of one event. Pure. One alert when it fits in an SNS message; otherwise one
 * message for people naming every key, and the keys' whole entries in parts for programs, each measured as sent.
 */
export const renderAlerts = (outcomes: Outcome[], ctx: AlertContext): Alert[] => {
  const first = outcomes[0]?.plan.finding;
  const verdict = verdictOf(outcomes, ctx.dryRun);
  const labels = outcomes.map(labelOf);
  const rendered = outcomes.map((o, i): RenderedKey => {
    const key = alertKey(o, ctx.commands);
    const label = labels[i] as string;
    return { key, text: keyText(key, label), line: compactLine(key, label) };
  });
  const event: EventFacts = {
    head: documentHead(verdict, ctx, first?.source, first?.eventId),
    ...outOfTimeFacts(outcomes, verdict),
    ctx,
    tally: tallyOf(labels),
    keys: outcomes.length,
  };
  return packAlerts(event, rendered, outcomes.length > 0 && outcomes.every(isQuietRepeat));
};

/** No write was made for an event (it could not be read, or AWS could not be reached), and a person is told. */
export const renderProblemAlert = (
  problem: { source?: Source; eventId?: string; reason: string; kind?: ProblemKind },
  ctx: AlertContext,
): Alert => {
  const kind = problem.kind ?? "unreadable";
  const source = maybe(problem.source, LIMITS.type) as Source | undefined;
  const verdict = kind === "unreachable" ? Verdict.Failed : Verdict.Invalid;
  const document: AlertDocument = {
    ...documentHead(verdict, ctx, source, problem.eventId),
    keys: [],
    problem: untrusted(problem.reason, 1000),
  };
  return {
    ...problemText(kind, document, document.problem as string),
    document,
    attributes: attributesOf([], document, Audience.All),
  };
};
