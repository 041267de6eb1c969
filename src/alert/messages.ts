import { type Outcome, Status } from "../contain/outcome";
import { Source } from "../findings";
import { chatCard } from "./chat-card";
import type { Alert, AlertDocument, AlertKey } from "./document";
import { type EventFacts, eventText, keyRange, type Part, subjectFor } from "./text";

// Packing into SNS messages: one for everyone when the event fits; otherwise one for people, naming every key in a
// line, and parts for programs with every key's whole entry.

/** SNS refuses a message over 262,144 bytes, its attributes included (Publish, MessageAttributeValue). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** What one alert may take: room is left for bytes SNS might count that `messageBytes` does not. */
export const ALERT_MAX_BYTES = SNS_MAX_MESSAGE_BYTES - 8_192;

/**
 * Who a message is for, as the `audience` attribute says it: subscriptions for people (e-mail, chat) filter on
 * `all` and `people`, programs on `all` and `machines`.
 */
export const Audience = {
  /** The whole event in one message: people and programs. */
  All: "all",
  /** A large event's one message for people: a line per key. */
  People: "people",
  /** A large event's parts with every key's whole entry, and repeats that changed nothing. */
  Machines: "machines",
} as const;
export type Audience = (typeof Audience)[keyof typeof Audience];

/** The subscription filter policy that lets people's subscriptions (e-mail, chat) skip what is only for programs. */
export const PEOPLE_FILTER_POLICY = { audience: [Audience.All, Audience.People] } as const;

/**
 * A Security Hub copy of a finding already delivered (by GuardDuty's own rule, or an earlier import) that found the
 * key already in the state asked for: nothing changed, and people heard of it the first time. Programs still get it.
 * A key found so on a first sighting, or set by an earlier attempt of this event, counts as contained: people hear.
 */
export const isQuietRepeat = (o: Outcome): boolean =>
  o.status === Status.AlreadyDone &&
  o.countsAsContained !== true &&
  o.plan.finding.source === Source.SecurityHub &&
  o.plan.finding.update;

/** One key as every message shows it: its entry, its whole block of text and its line. */
export interface RenderedKey {
  key: AlertKey;
  text: string;
  line: string;
}

const maxSeverity = (keys: AlertKey[]): string => {
  const values = keys.map((k) => k.finding.severity).filter((s): s is number => s !== undefined);
  return values.length ? String(Math.max(...values)) : "none";
};

/** The outcome is the whole event's verdict in every message; severity and accounts are those of its keys. */
export const attributesOf = (
  keys: AlertKey[],
  document: AlertDocument,
  audience: Audience,
): Record<string, string> => ({
  outcome: document.verdict,
  severity: maxSeverity(keys),
  account: [...new Set(keys.map((k) => k.account).filter(Boolean))].join(",") || "unknown",
  source: document.source ?? "unknown",
  audience,
});

/**
 * One message per protocol: readable text for people (e-mail gets `default`), the versioned document for programs,
 * a card for chat. Each variant counts against SNS's limit, so none is repeated without need.
 */
export const snsMessage = (alert: Alert): string => {
  const document = JSON.stringify(alert.document);
  return JSON.stringify({
    default: alert.text,
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

const documentOf = (
  event: EventFacts,
  keys: AlertKey[],
  extra: Partial<AlertDocument> = {},
): AlertDocument => ({
  ...event.head,
  ...extra,
  keys,
});

/** The whole event in one message, every key in full. */
const wholeAlert = (event: EventFacts, rendered: RenderedKey[], audience: Audience): Alert => {
  const keys = rendered.map((r) => r.key);
  const document = documentOf(event, keys);
  return {
    subject: subjectFor(event.headline, keys),
    text: eventText(
      event,
      [],
      rendered.map((r) => r.text),
    ),
    document,
    attributes: attributesOf(keys, document, audience),
  };
};

/** Keys `from`..`to` of a large event for programs: their whole entries, and a line each for anyone who reads it. */
const machinePart = (
  event: EventFacts,
  rendered: RenderedKey[],
  from: number,
  to: number,
  part: Part,
): Alert => {
  const keys = rendered.slice(from, to).map((r) => r.key);
  const document = documentOf(event, keys, { part: { number: part.number, of: part.of, keys: event.keys } });
  const intro =
    `Part ${part.number} of ${part.of}: ${keyRange(from, keys.length, event.keys)}. The verdict is that of the ` +
    "whole event. This part is for programs; people get one message naming every key.";
  return {
    subject: subjectFor(event.headline, keys, part),
    text: eventText(
      event,
      [intro],
      rendered.slice(from, to).map((r) => r.line),
    ),
    document,
    attributes: attributesOf(keys, document, Audience.Machines),
  };
};

/** At most this much of the message for people shows keys that need a person in full. */
const DETAILS_BYTES = 32_768;

/**
 * Which keys' whole blocks people see first when not all fit: a failure, then a write that may or may not have
 * happened, then the other refusals, and last the keys no call was made for (their line already says it all).
 */
const DETAIL_ORDER: Partial<Record<Outcome["status"], number>> = {
  [Status.Failed]: 0,
  [Status.Interrupted]: 1,
  [Status.NotAttempted]: 3,
};
const detailRank = (r: RenderedKey): number => DETAIL_ORDER[r.key.status] ?? 2;

/** The whole blocks of the keys that need a person, most uncertain first, within DETAILS_BYTES; then how many are left. */
const detailsOf = (rendered: RenderedKey[]): string[] => {
  const urgent = rendered.filter((r) => r.key.urgent).sort((a, b) => detailRank(a) - detailRank(b));
  if (!urgent.length) return [];
  const shown: string[] = [];
  let used = 0;
  for (const r of urgent) {
    used += Buffer.byteLength(JSON.stringify(r.text));
    if (used > DETAILS_BYTES) break;
    shown.push(r.text);
  }
  const left = urgent.length - shown.length;
  return [
    "",
    "Keys that need a person:",
    ...shown,
    ...(left
      ? [`...and ${left} more keys that need a person: each one's steps are in the alert document.`]
      : []),
  ];
};

/**
 * A large event's message for people: a line for each of keys `from`..`to` (every key unless the lines alone
 * overflow a message), the keys that need a person in full when there is room, and the chat card of the whole event.
 */
const peopleAlert = (
  event: EventFacts,
  rendered: RenderedKey[],
  parts: number,
  range: { from: number; to: number; part?: Part },
  details: boolean,
): Alert => {
  const keys = rendered.map((r) => r.key);
  const document = documentOf(event, [], { summary: { keys: event.keys, parts } });
  const shown = rendered.slice(range.from, range.to);
  const intro = [
    "Too many keys to show each one whole: one line per key below. Programs get every key's whole entry " +
      `(finding, steps, commands) in the alert document, in ${parts} parts.`,
    ...(range.part
      ? [
          `Message ${range.part.number} of ${range.part.of} for people: ${keyRange(range.from, shown.length, event.keys)}.`,
        ]
      : []),
  ];
  return {
    subject: subjectFor(event.headline, keys.slice(range.from, range.to), range.part),
    text: eventText(event, intro, [...shown.map((r) => r.line), ...(details ? detailsOf(shown) : [])]),
    document,
    attributes: attributesOf(keys.slice(range.from, range.to), document, Audience.People),
    keys: keys.slice(range.from, range.to),
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

/** Per-key bytes an estimate adds for what a one-key measure misses (separators, joined accounts). */
const SEPARATOR_BYTES = 64;

/**
 * Splits `count` keys into messages: packed by each key's share (measured alone with the widest part numbers; it
 * overstates a little), then each message measured exactly as it is sent, halving any that is still too big.
 */
const split = (count: number, build: (from: number, to: number, part: Part) => Alert): Alert[] => {
  const widest = { number: count, of: count };
  const empty = messageBytes(build(count - 1, count - 1, widest));
  const costs = Array.from(
    { length: count },
    (_, i) => messageBytes(build(i, i + 1, widest)) - empty + SEPARATOR_BYTES,
  );
  const runs = pack(costs, ALERT_MAX_BYTES - empty);
  for (;;) {
    const alerts = runs.map((run, i) => build(run.from, run.to, { number: i + 1, of: runs.length }));
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
 * The messages for one event. One message for everyone when the whole event fits in it. Otherwise one message for
 * people with a line per key (a thousand keys fit), and parts for programs. An event of repeats only (`quiet`) goes to
 * programs only.
 */
export const packAlerts = (event: EventFacts, rendered: RenderedKey[], quiet: boolean): Alert[] => {
  const whole = (): Alert => wholeAlert(event, rendered, quiet ? Audience.Machines : Audience.All);
  if (rendered.length <= 1) return [whole()];
  // Worth measuring whole only when it may fit: a thousand keys need not be serialized at once.
  const estimate = rendered.reduce(
    (sum, r) =>
      sum + Buffer.byteLength(JSON.stringify(r.text)) + 6 * Buffer.byteLength(JSON.stringify(r.key)),
    0,
  );
  if (estimate <= 2 * ALERT_MAX_BYTES) {
    const alert = whole();
    if (messageBytes(alert) <= ALERT_MAX_BYTES) return [alert];
  }
  const machines = split(rendered.length, (from, to, part) => machinePart(event, rendered, from, to, part));
  if (quiet) return machines;
  const one = (details: boolean) =>
    peopleAlert(event, rendered, machines.length, { from: 0, to: rendered.length }, details);
  const people = [one(true), one(false)].find((alert) => messageBytes(alert) <= ALERT_MAX_BYTES);
  if (people) return [people, ...machines];
  // Only lines far longer than usual (identifiers made of the costliest characters) overflow one message.
  const peopleParts = split(rendered.length, (from, to, part) =>
    peopleAlert(event, rendered, machines.length, { from, to, part }, false),
  );
  return [...peopleParts, ...machines];
};
