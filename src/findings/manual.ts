import * as z from "zod/mini";
import { ACCESS_KEY_ID_PATTERN, ACCOUNT_ID_PATTERN, USER_NAME_PATTERN } from "../identifiers";
import { describeIssues, lazily } from "./common";
import { type ParsedEvent, PrincipalType, Source } from "./finding";

const schemas = lazily(() => {
  /** A person's request. Strict: an unknown or misspelt field is an error, not something silently ignored. */
  const ManualRequest = z
    .strictObject({
      accessKeyId: z
        .string()
        .check(
          z.regex(ACCESS_KEY_ID_PATTERN, "must be 16–128 letters, digits or underscores (an access key ID)"),
        ),
      userName: z.optional(
        z
          .string()
          .check(z.regex(USER_NAME_PATTERN, "must be 1–64 characters of letters, digits and + = , . @ _ -")),
      ),
      account: z.optional(z.string().check(z.regex(ACCOUNT_ID_PATTERN, "must be a 12-digit account ID"))),
      // Checks run in order: trim rewrites the value first, so a reason of only spaces fails the length check.
      reason: z.optional(z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(1000))),
      status: z.optional(z.enum(["Inactive", "Active"])),
      // Who asks, as the requester states it (a name, a ticket, a chat user); shown in the alert, never trusted.
      requestedBy: z.optional(
        z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(200)),
      ),
    })
    .check(
      z.refine((request) => request.status !== "Active" || request.reason !== undefined, {
        message: "a reason is required to reactivate a key",
        path: ["reason"],
      }),
    );
  return { ManualRequest };
});
export type ManualRequest = z.infer<ReturnType<typeof schemas>["ManualRequest"]>;

/** A manual request has no envelope: it is recognised by its accessKeyId field. */
export const isManualRequest = (event: unknown): boolean =>
  typeof event === "object" && event !== null && !Array.isArray(event) && "accessKeyId" in event;

export const parseManualRequest = (event: unknown, requestId?: string): ParsedEvent => {
  const parsed = schemas().ManualRequest.safeParse(event);
  if (!parsed.success) {
    return {
      kind: "invalid",
      source: Source.Manual,
      eventId: requestId,
      reason: `invalid manual request: ${describeIssues(parsed.error)}`,
    };
  }
  const r = parsed.data;
  const status = r.status ?? "Inactive";
  return {
    kind: "findings",
    source: Source.Manual,
    eventId: requestId,
    findings: [
      {
        source: Source.Manual,
        findingId: `manual/${requestId ?? r.accessKeyId}`,
        eventId: requestId,
        type: status === "Active" ? "ManualReactivation" : "ManualRequest",
        title: status === "Active" ? "Manual request to reactivate a key" : "Manual request to disable a key",
        accessKeyId: r.accessKeyId,
        userName: r.userName,
        principalType: r.userName ? PrincipalType.IAMUser : PrincipalType.Unknown,
        account: r.account,
        sample: false,
        update: false,
        requestedStatus: status,
        reason: r.reason,
        requestedBy: r.requestedBy,
        details: {},
      },
    ],
  };
};
