import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { clip, isAccessKeyId } from "../shared/identifiers";
import { type Finding, type ParsedEvent, PrincipalType, type Source } from "./finding";

// zod/mini loads no locale, so every issue would read "Invalid input". English alone keeps the messages that
// reach alerts and logs as full zod wrote them, without bundling every other locale. Every parser imports this
// module, so the locale is set before anything is parsed.
z.config(en());

/**
 * Builds a value on first use, once. Parsers wrap their schemas in it: building zod schemas is most of what loading
 * a parser costs, and a cold start should pay only for the source its event comes from, and only after it arrived.
 */
export const lazily = <T>(build: () => T): (() => T) => {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
};

/** The EventBridge envelope fields every source shares. `detail` is validated by each parser. */
export const Envelope = lazily(() =>
  z.looseObject({
    id: z.optional(z.string()),
    "detail-type": z.string(),
    source: z.string(),
    account: z.optional(z.string()),
    region: z.optional(z.string()),
    time: z.optional(z.string()),
    resources: z.optional(z.array(z.unknown())),
    detail: z.optional(z.unknown()),
  }),
);
export type Envelope = z.infer<ReturnType<typeof Envelope>>;

/** A short, single-line account of why a schema failed, with the path of each problem. */
export const describeIssues = (error: z.core.$ZodError, prefix = ""): string =>
  error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
      return `${path || "(root)"}: ${issue.message}`;
    })
    .join("; ");

/** The result for an event of a known source whose fields do not have the documented shape. No write follows. */
export const mismatch = (
  source: Source,
  eventId: string | undefined,
  what: string,
  error: z.core.$ZodError,
  path = "detail",
): ParsedEvent => ({
  kind: "invalid",
  source,
  eventId,
  reason: `${what} does not match the expected format: ${describeIssues(error, path)}`,
});

/** Normalizes the time formats the sources use (ISO-8601, RFC-1123, epoch ms as a string) to ISO-8601. */
export const toIsoTime = (value: unknown): string | undefined => {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const asNumber = typeof value === "number" ? value : /^\d{10,13}$/.test(value) ? Number(value) : Number.NaN;
  const date = Number.isFinite(asNumber)
    ? new Date(asNumber < 1e12 ? asNumber * 1000 : asNumber)
    : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

/** Keeps only string-valued, non-empty facts, clipped: they end up in alerts and are untrusted. */
export const facts = (entries: Record<string, unknown>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (typeof value === "string" && value.length > 0) out[key] = clip(value);
    else if (typeof value === "number" && Number.isFinite(value)) out[key] = String(value);
  }
  return out;
};

/** The shape AWS gives every access key ID it issues: `AKIA` (long-term) or `ASIA` (temporary) and 16 more. */
const REAL_KEY_ID = /^A[KS]IA[A-Z0-9]{16}$/;

/**
 * A key ID no AWS credential can have, in a field that otherwise looks like one (GuardDuty's sample findings say
 * `GeneratedFindingAccessKeyId`). AWS assigns key IDs, nobody chooses one, so a key of another shape can only be a
 * placeholder: the finding is a sample, whatever its names say. A value that is not even made of key characters
 * (`AKIA'; DROP--`) is not a placeholder but bad input, which the plan refuses as such, urgently.
 */
export const isPlaceholderKey = (accessKeyId: string): boolean =>
  isAccessKeyId(accessKeyId) && !REAL_KEY_ID.test(accessKeyId);

// ---------- reading leniently ----------
// A finding that names a valid key is never dropped because a descriptive field has an unexpected type (a `null`
// description, a count sent as a string): those are read leniently, and a value that cannot be read is left out.

/** Optional text, read leniently: anything but a string (null, a number, an object) reads as absent. */
export const lenientText = () => z.catch(z.optional(z.string()), undefined);

/** Any value, to be read by `numberOf` or `textOf`. */
export const anything = () => z.optional(z.unknown());

/** A finite number, or a string that is one ("8", "8.0"); undefined for anything else. */
export const numberOf = (value: unknown): number | undefined => {
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : NaN;
  return Number.isFinite(number) ? number : undefined;
};

/** A string as is; anything else reads as absent. */
export const textOf = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** What a value is, for a reason shown to people: `a string ("high")`, `null`, `an object`. */
export const described = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "an array"
      : typeof value === "string"
        ? `a string (${JSON.stringify(clip(value, 40))})`
        : typeof value === "object"
          ? "an object"
          : `${typeof value === "number" ? "the number" : `a ${typeof value}`} ${String(value)}`;

/**
 * An event whose essential fields could not all be read, but which names valid key IDs: one finding per key,
 * each with the `doubt` that makes the plan refuse to write and ask a person. Never "invalid" with no key named.
 */
export const salvaged = (
  keys: unknown[],
  base: Omit<Finding, "accessKeyId" | "doubt" | "details" | "principalType" | "update" | "requestedStatus">,
  doubt: string,
): ParsedEvent | undefined => {
  const valid = [...new Set(keys.filter(isAccessKeyId))];
  if (valid.length === 0) return undefined;
  return {
    kind: "findings",
    source: base.source,
    eventId: base.eventId,
    findings: valid.map(
      (accessKeyId): Finding => ({
        ...base,
        accessKeyId,
        principalType: PrincipalType.Unknown,
        update: false,
        requestedStatus: "Inactive",
        doubt,
        details: {},
      }),
    ),
  };
};

/** `value` when it is an object (not an array): the salvaging reads go through it, never assuming a shape. */
export const objectAt = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** `value` when it is an array, else none. */
export const arrayAt = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * The principal type a source reports (GuardDuty `userType`, ASFF `PrincipalType`, OCSF `user_type`), which follow
 * CloudTrail's `userIdentity.type`. A role is never an IAM user; anything unknown stays Unknown.
 */
export const principalTypeOf = (type: string | undefined): PrincipalType => {
  switch (type) {
    case "IAMUser":
      return PrincipalType.IAMUser;
    case "AssumedRole":
    case "Role":
      return PrincipalType.AssumedRole;
    case "Root":
      return PrincipalType.Root;
    default:
      return PrincipalType.Unknown;
  }
};
