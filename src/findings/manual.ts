import * as z from "zod";
import { ACCESS_KEY_ID_PATTERN, ACCOUNT_ID_PATTERN, USER_NAME_PATTERN } from "../identifiers";
import { describeIssues } from "./common";
import { type ParsedEvent, PrincipalType, Source } from "./finding";

/** A person's request. Strict: an unknown or misspelt field is an error, not something silently ignored. */
export const ManualRequest = z
  .strictObject({
    accessKeyId: z
      .string()
      .regex(ACCESS_KEY_ID_PATTERN, "must be 16–128 letters, digits or underscores (an access key ID)"),
    userName: z
      .string()
      .regex(USER_NAME_PATTERN, "must be 1–64 characters of letters, digits and + = , . @ _ -")
      .optional(),
    account: z.string().regex(ACCOUNT_ID_PATTERN, "must be a 12-digit account ID").optional(),
    reason: z.string().trim().min(1, "must not be empty").max(1000).optional(),
    status: z.enum(["Inactive", "Active"]).optional(),
  })
  .refine((request) => request.status !== "Active" || request.reason !== undefined, {
    message: "a reason is required to reactivate a key",
    path: ["reason"],
  });
export type ManualRequest = z.infer<typeof ManualRequest>;

/** A manual request has no envelope: it is recognised by its accessKeyId field. */
export const isManualRequest = (event: unknown): boolean =>
  typeof event === "object" && event !== null && !Array.isArray(event) && "accessKeyId" in event;

export const parseManualRequest = (event: unknown, requestId?: string): ParsedEvent => {
  const parsed = ManualRequest.safeParse(event);
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
        details: {},
      },
    ],
  };
};
