import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { clip } from "../identifiers";
import { type ParsedEvent, PrincipalType, type Source } from "./finding";

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

/** GuardDuty fills generated sample findings with `GeneratedFinding…` placeholders. */
export const looksGenerated = (...values: (string | undefined)[]): boolean =>
  values.some((value) => value?.startsWith("GeneratedFinding"));

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
