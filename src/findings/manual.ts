import * as v from "valibot";
import {
  ACCESS_KEY_ID_PATTERN,
  ACCOUNT_ID_PATTERN,
  isAccessKeyId,
  USER_NAME_PATTERN,
} from "../shared/identifiers";
import { closestName } from "./closest-name";
import { type ParsedEvent, PrincipalType, Source } from "./finding";
import { lazily } from "./schema";
import { pathOf } from "./schema-failure";
import { isObject } from "./values";

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

/** Access key IDs are upper case; a lower-case one is a copy gone wrong, and IAM would not find it. */
const UPPER_CASE = "access key IDs are upper case";

/** The statuses a person may ask for. */
const STATUSES = ["Inactive", "Active"] as const;

const schemas = lazily(() => {
  const accessKeyId = v.pipe(
    v.string(),
    v.regex(ACCESS_KEY_ID_PATTERN, "must be 16–128 letters, digits or underscores (an access key ID)"),
    v.check((id) => id === id.toUpperCase(), UPPER_CASE),
  );
  /** Text a person writes: trimmed first, so a value of only spaces fails the length check. */
  const text = (most: number) =>
    v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, "must not be empty"),
      v.maxLength(most, `must be at most ${most} characters`),
    );
  /** A button's request: exactly one field, so a key, user or reason added to it is an error too. */
  const ChatButtonRequest = {
    disable: v.strictObject({ disable: accessKeyId }),
    reactivate: v.strictObject({ reactivate: accessKeyId }),
  } satisfies Record<ChatButton, unknown>;
  const fields = {
    accessKeyId,
    userName: v.optional(
      v.pipe(
        v.string(),
        v.regex(USER_NAME_PATTERN, "must be 1–64 characters of letters, digits and + = , . @ _ -"),
      ),
    ),
    account: v.optional(v.pipe(v.string(), v.regex(ACCOUNT_ID_PATTERN, "must be a 12-digit account ID"))),
    reason: v.optional(text(1000)),
    status: v.optional(v.picklist(STATUSES, `must be ${STATUSES.map((s) => `"${s}"`).join(" or ")}`)),
    // Who asks, as the requester states it (a name, a ticket, a chat user); shown in the alert, never trusted.
    requestedBy: v.optional(text(200)),
  };
  /** A person's request. Strict: an unknown or misspelt field is an error, not something silently ignored. */
  const ManualRequest = v.pipe(
    v.strictObject(fields),
    v.forward(
      v.check(
        (request) => request.status !== "Active" || request.reason !== undefined,
        "a reason is required to reactivate a key",
      ),
      ["reason"],
    ),
  );
  return { ManualRequest, ManualFields: Object.keys(fields), ChatButtonRequest };
});
export type ManualRequest = v.InferOutput<ReturnType<typeof schemas>["ManualRequest"]>;

/** The button a request comes from, by its one field; a request with accessKeyId is a person's, never a button's. */
const chatButtonOf = (event: Record<string, unknown>): ChatButton | undefined =>
  "accessKeyId" in event ? undefined : CHAT_BUTTONS.find((button) => button in event);

/** A manual request has no envelope: it is recognised by its accessKeyId field, or a chat button's field. */
export const isManualRequest = (event: unknown): boolean =>
  isObject(event) && ("accessKeyId" in event || chatButtonOf(event) !== undefined);

/** A button's request as the full form would state it: the key, the status and the fixed reason and asker. */
const fromChatButton = (button: ChatButton, event: unknown) => {
  const parsed = v.safeParse(schemas().ChatButtonRequest[button], event);
  if (!parsed.success) return parsed;
  const { status, reason } = CHAT_BUTTON_REQUESTS[button];
  const data: ManualRequest = {
    accessKeyId: (parsed.output as Record<ChatButton, string>)[button],
    status,
    reason,
    requestedBy: CHAT_BUTTON_REQUESTED_BY,
  };
  return { success: true as const, output: data };
};

const EXAMPLE = '{"accessKeyId": "AKIA…"}';

/** Why a request that is not an object cannot be read, and how to write it. */
const notAnObject = (event: unknown): string => {
  if (typeof event !== "string") {
    const kind = event === null ? "null" : Array.isArray(event) ? "an array" : `a ${typeof event}`;
    return `a request is a JSON object such as ${EXAMPLE}, got ${kind}`;
  }
  try {
    JSON.parse(event);
  } catch (error) {
    const meant = isAccessKeyId(event.trim()) ? `{"accessKeyId": "${event.trim()}"}` : undefined;
    const why = error instanceof Error ? ` (${error.message})` : "";
    return meant
      ? `the request is not JSON: did you mean ${meant}?`
      : `the request is not JSON${why}: write it as ${EXAMPLE}, names and text in double quotes`;
  }
  return "the request is a JSON string, not an object: send the object itself, without quotes around it";
};

type Issue = v.GenericIssue;

/** A value hint: an access key ID in lower case, or a status in the wrong case. */
const valueHint = (issue: Issue, value: unknown): string => {
  if (typeof value !== "string") return "";
  if (issue.type === "check" && issue.message === UPPER_CASE)
    return `: did you mean "${value.toUpperCase()}"?`;
  const options: readonly string[] = issue.type === "picklist" ? STATUSES : [];
  const meant = options.find((option) => option.toLowerCase() === value.toLowerCase());
  return meant ? `: did you mean "${meant}"?` : "";
};

/**
 * A person's account of what is wrong, one problem after another: each unknown field with the name it most likely
 * meant (`AccessKeyId` as `aws iam list-access-keys` prints it, `accessKeyID`), and each bad value with its hint.
 * A field missing because it was misspelt is not reported twice.
 */
const describeRequest = (
  issues: Issue[],
  event: Record<string, unknown>,
  fields: readonly string[],
  meanable: readonly string[] = fields,
): string => {
  const unknown = Object.keys(event).filter((key) => !fields.includes(key));
  const hints = unknown.map((key) => [key, closestName(key, meanable)] as const);
  const problems = hints.map(([key, meant]) =>
    meant ? `unknown field "${key}": did you mean "${meant}"?` : `unknown field "${key}"`,
  );
  for (const issue of issues) {
    const path = pathOf(issue);
    const field = path[0] ?? "";
    const missing = issue.kind === "schema" && path.length === 1 && !(field in event);
    // An unknown field is reported above, with the name it most likely meant.
    const unknownField = issue.expected === "never";
    if (unknownField || (missing && hints.some(([, meant]) => meant))) continue;
    const message = missing ? "missing" : `${issue.message}${valueHint(issue, event[field])}`;
    problems.push(`${path.join(".") || "(root)"}: ${message}`);
  }
  if (hints.some(([, meant]) => !meant)) {
    problems.push(
      fields.length === 1
        ? `a chat button's request has the one field "${fields[0]}"`
        : `the fields are ${fields.join(", ")}`,
    );
  }
  return problems.join("; ");
};

/** Only a person's request (or a chat button's) reaches here; anything else, a typo included, is refused with a hint. */
export const parseManualRequest = (event: unknown, requestId?: string): ParsedEvent => {
  const invalid = (why: string): ParsedEvent => ({
    kind: "invalid",
    source: Source.Manual,
    eventId: requestId,
    reason: `invalid manual request: ${why}`,
  });
  if (!isObject(event)) return invalid(notAnObject(event));
  const button = chatButtonOf(event);
  const parsed = button ? fromChatButton(button, event) : v.safeParse(schemas().ManualRequest, event);
  if (!parsed.success) {
    const fields = button ? [button] : schemas().ManualFields;
    // A person's request may have meant a button's field (`Disable`), never the other way round.
    const meanable = button ? fields : [...fields, ...CHAT_BUTTONS];
    return invalid(describeRequest(parsed.issues, event, fields, meanable));
  }
  const r = parsed.output;
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
