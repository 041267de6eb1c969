import type * as v from "valibot";
import { isAccessKeyId } from "../shared/identifiers";
import { type Finding, type ParsedEvent, PrincipalType, type Source } from "./finding";

// What a parser returns when an event's schema fails: findings for a person, if it still names a key, else a reason.

/** The keys from the root of what was validated to where an issue is: `["resource", "accessKeyDetails"]`. */
export const pathOf = (issue: v.GenericIssue): string[] => issue.path?.map((item) => String(item.key)) ?? [];

/** A short, single-line account of why a schema failed, with the path of each problem. */
export const describeIssues = (issues: v.GenericIssue[], prefix = ""): string =>
  issues
    .slice(0, 5)
    .map((issue) => {
      const path = [prefix, ...pathOf(issue)].filter(Boolean).join(".");
      return `${path || "(root)"}: ${issue.message}`;
    })
    .join("; ");

/** The result for an event of a known source whose fields do not have the documented shape. No write follows. */
export const mismatch = (
  source: Source,
  eventId: string | undefined,
  what: string,
  issues: v.GenericIssue[],
  path = "detail",
): ParsedEvent => ({
  kind: "invalid",
  source,
  eventId,
  reason: `${what} does not match the expected format: ${describeIssues(issues, path)}`,
});

/** What a salvaged finding says besides its key: whatever of the event could still be read. */
export type SalvagedBase = Omit<
  Finding,
  "accessKeyId" | "doubt" | "details" | "principalType" | "update" | "requestedStatus"
>;

/**
 * One finding per valid key ID an event names although its essential fields could not all be read, each with the
 * `doubt` that makes the plan refuse to write and ask a person.
 */
export const salvagedFindings = (keys: unknown[], base: SalvagedBase, doubt: string): Finding[] =>
  [...new Set(keys.filter(isAccessKeyId))].map(
    (accessKeyId): Finding => ({
      ...base,
      accessKeyId,
      principalType: PrincipalType.Unknown,
      update: false,
      requestedStatus: "Inactive",
      doubt,
      details: {},
    }),
  );

/** The event's result when it names valid keys (`salvagedFindings`); never "invalid" with no key named. */
export const salvaged = (keys: unknown[], base: SalvagedBase, doubt: string): ParsedEvent | undefined => {
  const findings = salvagedFindings(keys, base, doubt);
  if (findings.length === 0) return undefined;
  return { kind: "findings", source: base.source, eventId: base.eventId, findings };
};
