import { clip } from "../shared/identifiers";

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

export const maybe = (value: string | undefined, max?: number): string | undefined =>
  value === undefined ? undefined : untrusted(value, max);

/** How much of each untrusted value an alert shows, so that one key with huge fields still fits in a message. */
export const LIMITS = {
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
  // A valid key ID is 20 characters and a valid account 12: a compact line clips anything longer harder.
  compactKeyId: 40,
  compactAccount: 20,
} as const;
