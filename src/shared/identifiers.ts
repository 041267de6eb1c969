/**
 * The identifiers the responder passes to IAM. Every value sent in a write goes through these checks first
 * (UpdateAccessKey's documented patterns: user names `[\w+=,.@-]`, key IDs word characters, 16–128).
 */
export const ACCESS_KEY_ID_PATTERN = /^\w{16,128}$/;
export const USER_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/**
 * What an access key ID's prefix says: `AKIA…` a long-term key of an IAM user or of the root user; `ASIA…` STS
 * temporary credentials, which UpdateAccessKey cannot act on; any other (valid characters but neither prefix: AWS has
 * used others, e.g. for test keys) unknown, and treated as not ours to touch.
 */
export const KeyKind = { LongTerm: "long-term", Temporary: "temporary", Unknown: "unknown" } as const;
export type KeyKind = (typeof KeyKind)[keyof typeof KeyKind];

export const isAccessKeyId = (value: unknown): value is string =>
  typeof value === "string" && ACCESS_KEY_ID_PATTERN.test(value);

export const isUserName = (value: unknown): value is string =>
  typeof value === "string" && USER_NAME_PATTERN.test(value);

export const isAccountId = (value: unknown): value is string =>
  typeof value === "string" && ACCOUNT_ID_PATTERN.test(value);

export const keyKind = (accessKeyId: string): KeyKind => {
  if (accessKeyId.startsWith("AKIA")) return KeyKind.LongTerm;
  if (accessKeyId.startsWith("ASIA")) return KeyKind.Temporary;
  return KeyKind.Unknown;
};

/** Shortens untrusted text before it is echoed in an alert or a log line. */
export const clip = (value: string, max = 200): string =>
  value.length > max ? `${value.slice(0, max)}… (${value.length} characters)` : value;
