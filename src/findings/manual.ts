import * as z from "zod/mini";
import { ACCESS_KEY_ID_PATTERN, ACCOUNT_ID_PATTERN, USER_NAME_PATTERN } from "../identifiers";
import { describeIssues, lazily } from "./common";
import { type ParsedEvent, PrincipalType, Source } from "./finding";

/**
 * The chat buttons' form (serverless.yml, DisableKeyChatAction and ReactivateKeyChatAction): the key ID alone, under
 * the name of what is asked, because the chat API takes at most 100 characters of command. The function looks up
 * the owner and account; the reason and who asks are this fixed text, so a reactivation still states one.
 */
export const CHAT_BUTTON_REQUESTS = {
  disable: { status: "Inactive", reason: "Disable key button of the chat alert" },
  reactivate: { status: "Active", reason: "Reactivate key button of the chat alert" },
} as const;
export const CHAT_BUTTON_REQUESTED_BY = "chat button (Amazon Q Developer)";
type ChatButton = keyof typeof CHAT_BUTTON_REQUESTS;
const CHAT_BUTTONS = Object.keys(CHAT_BUTTON_REQUESTS) as ChatButton[];

const schemas = lazily(() => {
  const accessKeyId = z
    .string()
    .check(
      z.regex(ACCESS_KEY_ID_PATTERN, "must be 16–128 letters, digits or underscores (an access key ID)"),
    );
  /** A button's request: exactly one field, so a key, user or reason added to it is an error too. */
  const ChatButtonRequest = {
    disable: z.strictObject({ disable: accessKeyId }),
    reactivate: z.strictObject({ reactivate: accessKeyId }),
  } satisfies Record<ChatButton, unknown>;
  /** A person's request. Strict: an unknown or misspelt field is an error, not something silently ignored. */
  const ManualRequest = z
    .strictObject({
      accessKeyId,
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
  return { ManualRequest, ChatButtonRequest };
});
export type ManualRequest = z.infer<ReturnType<typeof schemas>["ManualRequest"]>;

const isObject = (event: unknown): event is Record<string, unknown> =>
  typeof event === "object" && event !== null && !Array.isArray(event);

/** The button a request comes from, by its one field; a request with accessKeyId is a person's, never a button's. */
const chatButtonOf = (event: Record<string, unknown>): ChatButton | undefined =>
  "accessKeyId" in event ? undefined : CHAT_BUTTONS.find((button) => button in event);

/** A manual request has no envelope: it is recognised by its accessKeyId field, or a chat button's field. */
export const isManualRequest = (event: unknown): boolean =>
  isObject(event) && ("accessKeyId" in event || chatButtonOf(event) !== undefined);

/** A button's request as the full form would state it: the key, the status and the fixed reason and asker. */
const fromChatButton = (button: ChatButton, event: unknown) => {
  const parsed = schemas().ChatButtonRequest[button].safeParse(event);
  if (!parsed.success) return parsed;
  const { status, reason } = CHAT_BUTTON_REQUESTS[button];
  const data: ManualRequest = {
    accessKeyId: (parsed.data as Record<ChatButton, string>)[button],
    status,
    reason,
    requestedBy: CHAT_BUTTON_REQUESTED_BY,
  };
  return { success: true as const, data };
};

export const parseManualRequest = (event: unknown, requestId?: string): ParsedEvent => {
  const button = isObject(event) ? chatButtonOf(event) : undefined;
  const parsed = button ? fromChatButton(button, event) : schemas().ManualRequest.safeParse(event);
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
