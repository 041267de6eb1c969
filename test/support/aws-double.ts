// A loopback stand-in for IAM, SNS and STS that speaks the AWS Query protocol, and for Security Hub's finding
// updates (REST-JSON), so integration tests can drive the real SDK v3 clients (serialization, signing, retries,
// error parsing) through AWS_ENDPOINT_URL.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MEMBER_ACCOUNT, SELF_ACCOUNT } from "./world";

export { MEMBER_ACCOUNT, SELF_ACCOUNT };
/** The responder's own credentials; they belong to SELF_ACCOUNT. */
export const BASE_ACCESS_KEY_ID = "AKIARESPONDER0000001";
export const BASE_SECRET = "responder-test-secret";

export interface DoubleKey {
  id: string;
  status?: "Active" | "Inactive";
  /** ISO timestamp, default 2026-01-01T00:00:00Z */
  created?: string;
}

export interface DoubleUser {
  name: string;
  /** default SELF_ACCOUNT */
  account?: string;
  keys: DoubleKey[];
  tags?: Record<string, string>;
  /** The key(s) belong to the account's root user. */
  root?: boolean;
}

export interface RecordedCall {
  service: "iam" | "sns" | "sts" | "securityhub";
  action: string;
  /** The raw decoded form fields except Action and Version (empty for Security Hub, whose body is JSON). */
  params: Record<string, string>;
  /** The parsed JSON body of a REST-JSON call (Security Hub). */
  body?: unknown;
  /** The account whose credentials signed the request ("" when unknown). */
  account: string;
  /** HTTP status returned (0 while the reply is still pending). */
  status: number;
  /** When the request arrived, whole, in epoch milliseconds with sub-millisecond precision (comparable across processes). */
  at: number;
}

export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  attributes: Record<string, { DataType: string; StringValue?: string }>;
}

export interface Fault {
  action: string;
  /** default 1; Infinity allowed */
  times?: number;
  error?: {
    code: string;
    status: number;
    message?: string;
    type?: "Sender" | "Receiver";
  };
  /** Delay the reply (to provoke client timeouts). */
  delayMs?: number;
}

/**
 * A share of one service's calls answered as throttled, as that service answers when its request rate is exceeded
 * (IAM and STS: HTTP 400, code Throttling, "Rate exceeded"; SNS: HTTP 429, code Throttled). Which calls is fixed by
 * the seed and each call's arrival number since `throttle` was called: the same order of arrival throttles the same
 * calls (concurrent callers may arrive in another order from run to run).
 */
export interface Throttle {
  service: Service;
  /** 0 to 1: the expected share of calls throttled. */
  fraction: number;
  /** default 1 */
  seed?: number;
}

type Service = RecordedCall["service"];
type KeyStatus = "Active" | "Inactive";

const NAMESPACES: Record<QueryService, string> = {
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
  sns: "http://sns.amazonaws.com/doc/2010-03-31/",
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
};

const SERVICES = ["iam", "sns", "sts", "securityhub"] as const;
type QueryService = Exclude<Service, "securityhub">;

const WRITE_ACTIONS: ReadonlySet<string> = new Set([
  "UpdateAccessKey",
  "PutUserPolicy",
  "PutRolePolicy",
  "TagUser",
  "AttachUserPolicy",
  "DeleteAccessKey",
]);

/** Emulates the project's IAM policy: users with this tag are off limits. */
export const PROTECTED_TAG = "access-key-responder-protected";
const DEFAULT_CREATED = "2026-01-01T00:00:00Z";
/** The responder's own identity: its Lambda execution role. */
const BASE_ROLE = { name: "responder", session: "fn" } as const;
/** Publish: "Subjects must be ... less than 100 characters long" (the API reference). */
const SNS_MAX_SUBJECT = 99;
/** SNS refuses a Publish whose message and attributes together exceed 256 KiB. */
export const SNS_MAX_BYTES = 262_144;

interface Identity {
  account: string;
  roleName: string;
  sessionName: string;
}

interface StoredKey {
  id: string;
  status: KeyStatus;
  created: string;
}

interface StoredUser {
  name: string;
  root: boolean;
  keys: StoredKey[];
  tags: Record<string, string>;
  policies: Record<string, string>;
  attached: string[];
}

interface StoredRole {
  policies: Record<string, string>;
}

interface AccountState {
  users: Map<string, StoredUser>;
  roles: Map<string, StoredRole>;
}

interface State {
  accounts: Map<string, AccountState>;
  /** Credentials issued by AssumeRole, by access key id. */
  sessions: Map<string, Identity>;
  /**
   * The account that issued each access key ID the double has seen, kept after the key is deleted: STS
   * GetAccessKeyInfo reads the account from the key ID itself, whatever the key's state.
   */
  keyAccounts: Map<string, string>;
  published: PublishedMessage[];
  securityHub: SecurityHubState;
}

interface Request {
  state: State;
  identity: Identity;
  action: string;
  params: Record<string, string>;
}

/** Returns the inner XML of <ActionResult>, or undefined for an empty reply. */
type Handler = (req: Request) => string | undefined;

/** A failure that is sent to the client in the Query error format. */
class QueryError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
  }
}

// ---------- XML ----------

const XML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/** A leaf element; the value is escaped. */
function leaf(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

/** An element around children that are already XML. */
function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join("")}</${name}>`;
}

function successXml(
  service: QueryService,
  action: string,
  result: string | undefined,
  requestId: string,
): string {
  const body = result === undefined ? "" : node(`${action}Result`, result);
  return `<${action}Response xmlns="${NAMESPACES[service]}">${body}${node("ResponseMetadata", leaf("RequestId", requestId))}</${action}Response>`;
}

function errorXml(service: QueryService, error: QueryError, requestId: string): string {
  const detail = node(
    "Error",
    leaf("Type", error.type),
    leaf("Code", error.code),
    leaf("Message", error.message),
  );
  return `<ErrorResponse xmlns="${NAMESPACES[service]}">${detail}${leaf("RequestId", requestId)}</ErrorResponse>`;
}

// ---------- request parsing ----------

interface Credential {
  accessKeyId: string;
  service: string;
}

/** Reads `Credential=<AKID>/<date>/<region>/<service>/aws4_request`; the signature itself is not checked. */
function parseCredential(authorization: string | undefined): Credential | undefined {
  const match = /Credential=([^/,\s]+)\/[^/]*\/[^/]*\/([^/,\s]+)\//.exec(authorization ?? "");
  if (!match?.[1] || !match[2]) return undefined;
  return { accessKeyId: match[1], service: match[2] };
}

function isService(value: string | undefined): value is Service {
  return (SERVICES as readonly string[]).includes(value ?? "");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** `Prefix.1.Sub=...&Prefix.2.Sub=...` -> [{Sub}, {Sub}], stopping at the first gap like AWS does. */
function indexedList(params: Record<string, string>, prefix: string): Record<string, string>[] {
  const items: Record<string, string>[] = [];
  for (let n = 1; ; n++) {
    const head = `${prefix}.${n}.`;
    const item: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) {
      if (key.startsWith(head)) item[key.slice(head.length)] = value;
    }
    if (Object.keys(item).length === 0) return items;
    items.push(item);
  }
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** IAM/STS style required-parameter check. */
function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined) {
    throw new QueryError(
      "ValidationError",
      400,
      `1 validation error detected: Value null at '${lowerFirst(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

// ---------- identities ----------

function roleId(account: string, roleName: string): string {
  const digest = createHash("sha256").update(`${account}/${roleName}`).digest("hex");
  return `AROA${digest.slice(0, 17).toUpperCase()}`;
}

function callerArn(identity: Identity): string {
  return `arn:aws:sts::${identity.account}:assumed-role/${identity.roleName}/${identity.sessionName}`;
}

function resolveIdentity(state: State, accessKeyId: string): Identity | undefined {
  if (accessKeyId === BASE_ACCESS_KEY_ID) {
    return { account: SELF_ACCOUNT, roleName: BASE_ROLE.name, sessionName: BASE_ROLE.session };
  }
  return state.sessions.get(accessKeyId);
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomAlphanumeric(length: number): string {
  return [...randomBytes(length)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("");
}

// ---------- state helpers ----------

function emptyState(): State {
  return {
    accounts: new Map(),
    sessions: new Map(),
    keyAccounts: new Map(),
    published: [],
    securityHub: { enabled: true, asff: new Map(), ocsf: new Map() },
  };
}

function accountState(state: State, account: string): AccountState {
  let found = state.accounts.get(account);
  if (!found) {
    found = { users: new Map(), roles: new Map() };
    state.accounts.set(account, found);
  }
  return found;
}

/** Root users cannot be named in IAM user APIs, just as in real IAM. */
function findUser(state: State, account: string, name: string): StoredUser | undefined {
  const user = state.accounts.get(account)?.users.get(name);
  return user && !user.root ? user : undefined;
}

function findKeyOwner(state: State, account: string, keyId: string): StoredUser | undefined {
  const users = state.accounts.get(account)?.users.values() ?? [];
  return [...users].find((user) => user.keys.some((key) => key.id === keyId));
}

function noSuchUser(name: string): QueryError {
  return new QueryError("NoSuchEntity", 404, `The user with name ${name} cannot be found.`);
}

function noSuchKey(keyId: string): QueryError {
  return new QueryError("NoSuchEntity", 404, `The Access Key with id ${keyId} cannot be found.`);
}

/** The caller is always a role, so IAM cannot default UserName to "the caller". */
function requireUserName(params: Record<string, string>): string {
  const userName = params.UserName;
  if (userName === undefined) {
    throw new QueryError(
      "ValidationError",
      400,
      "Must specify userName when calling with non-User credentials",
    );
  }
  return userName;
}

/** Emulates the explicit deny on tagged users in the project's IAM policy. */
function denyIfProtected(req: Request, user: StoredUser): void {
  if (!(PROTECTED_TAG in user.tags)) return;
  throw new QueryError(
    "AccessDenied",
    403,
    `User: ${callerArn(req.identity)} is not authorized to perform: iam:${req.action} on resource: user ${user.name} with an explicit deny in an identity-based policy`,
  );
}

/** Looks up a user for a write, applying the tag deny. */
function writableUser(req: Request, userName: string): StoredUser {
  const user = findUser(req.state, req.identity.account, userName);
  if (!user) throw noSuchUser(userName);
  denyIfProtected(req, user);
  return user;
}

/** Looks up a key that the named user owns; both missing cases read as a missing key. */
function ownedKey(req: Request, keyId: string): { user: StoredUser; key: StoredKey } {
  const userName = requireUserName(req.params);
  const user = findUser(req.state, req.identity.account, userName);
  if (!user) throw noSuchKey(keyId);
  denyIfProtected(req, user);
  const key = user.keys.find((k) => k.id === keyId);
  if (!key) throw noSuchKey(keyId);
  return { user, key };
}

function parsePolicy(document: string): string {
  try {
    JSON.parse(document);
  } catch {
    throw new QueryError("MalformedPolicyDocument", 400, "Syntax errors in policy.");
  }
  return document;
}

// ---------- IAM ----------

const updateAccessKey: Handler = (req) => {
  requireUserName(req.params);
  const keyId = required(req.params, "AccessKeyId");
  const status = required(req.params, "Status");
  if (status !== "Active" && status !== "Inactive") {
    throw new QueryError(
      "ValidationError",
      400,
      `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
    );
  }
  ownedKey(req, keyId).key.status = status;
  return undefined;
};

const deleteAccessKey: Handler = (req) => {
  const keyId = required(req.params, "AccessKeyId");
  const { user } = ownedKey(req, keyId);
  user.keys = user.keys.filter((key) => key.id !== keyId);
  return undefined;
};

// CreateUser, CreateAccessKey and DeleteUser let the endpoint suite seed and clean up the same way against the
// double as against LocalStack, moto or a sandbox account.
const createUser: Handler = (req) => {
  const userName = requireUserName(req.params);
  const users = accountState(req.state, req.identity.account).users;
  if (users.has(userName))
    throw new QueryError("EntityAlreadyExists", 409, `User with name ${userName} already exists.`);
  users.set(userName, { name: userName, root: false, keys: [], tags: {}, policies: {}, attached: [] });
  return node(
    "User",
    leaf("UserName", userName),
    leaf("UserId", `AIDA${randomAlphanumeric(17)}`),
    leaf("Path", "/"),
  );
};

const createAccessKey: Handler = (req) => {
  const userName = requireUserName(req.params);
  const user = findUser(req.state, req.identity.account, userName);
  if (!user) throw noSuchUser(userName);
  const key = {
    id: `AKIA${randomAlphanumeric(16)}`,
    status: "Active" as KeyStatus,
    created: new Date().toISOString(),
  };
  user.keys.push(key);
  req.state.keyAccounts.set(key.id, req.identity.account);
  return node(
    "AccessKey",
    leaf("UserName", userName),
    leaf("AccessKeyId", key.id),
    leaf("Status", key.status),
    leaf("SecretAccessKey", randomBytes(20).toString("base64")),
    leaf("CreateDate", key.created),
  );
};

const deleteUser: Handler = (req) => {
  const userName = requireUserName(req.params);
  const users = accountState(req.state, req.identity.account).users;
  const user = findUser(req.state, req.identity.account, userName);
  if (!user) throw noSuchUser(userName);
  if (user.keys.length > 0)
    throw new QueryError("DeleteConflict", 409, "Cannot delete entity, must delete access keys first.");
  users.delete(userName);
  return undefined;
};

const listAccessKeys: Handler = (req) => {
  const userName = requireUserName(req.params);
  const user = findUser(req.state, req.identity.account, userName);
  if (!user) throw noSuchUser(userName);
  const members = user.keys.map((key) =>
    node(
      "member",
      leaf("UserName", user.name),
      leaf("AccessKeyId", key.id),
      leaf("Status", key.status),
      leaf("CreateDate", key.created),
    ),
  );
  return leaf("IsTruncated", "false") + node("AccessKeyMetadata", ...members);
};

const getAccessKeyLastUsed: Handler = (req) => {
  const keyId = required(req.params, "AccessKeyId");
  const owner = findKeyOwner(req.state, req.identity.account, keyId);
  if (!owner) throw noSuchKey(keyId);
  const lastUsed = node("AccessKeyLastUsed", leaf("Region", "N/A"), leaf("ServiceName", "N/A"));
  return leaf("UserName", owner.root ? "root" : owner.name) + lastUsed;
};

// IAM's limits on the writes the responder makes, from its service model and its quotas page.
/** TagUser: a tag key of 1-128 characters, a value of at most 256, both of these characters. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const IAM_MAX_TAG_KEY = 128;
export const IAM_MAX_TAG_VALUE = 256;
/** PutUserPolicy/PutRolePolicy: a PolicyName of 1-128 of these characters. */
const POLICY_NAME = /^[\w+=,.@-]+$/;
export const IAM_MAX_POLICY_NAME = 128;
/** All inline policies of one principal together, whitespace not counted (IAM quotas: user 2,048, role 10,240). */
export const IAM_MAX_INLINE_POLICY_CHARACTERS = { user: 2_048, role: 10_240 } as const;

/** The length IAM's model checks: characters (code points), not UTF-16 units. */
const characters = (value: string): number => Array.from(value).length;

/** The model's constraint check, worded as IAM's ValidationError words it. */
function constraint(field: string, value: string, rule: string): QueryError {
  return new QueryError(
    "ValidationError",
    400,
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`,
  );
}

function checkLength(field: string, value: string, min: number, max: number): void {
  const length = characters(value);
  if (length < min) {
    throw constraint(field, value, `Member must have length greater than or equal to ${min}`);
  }
  if (length > max) throw constraint(field, value, `Member must have length less than or equal to ${max}`);
}

function checkTag(tag: Record<string, string>, index: number): { key: string; value: string } {
  const { Key: key, Value: value } = tag;
  if (key === undefined || value === undefined) {
    throw new QueryError("ValidationError", 400, "Every tag needs a Key and a Value");
  }
  const field = `tags.${index + 1}.member`;
  checkLength(`${field}.key`, key, 1, IAM_MAX_TAG_KEY);
  checkLength(`${field}.value`, value, 0, IAM_MAX_TAG_VALUE);
  for (const [name, text] of [
    ["key", key],
    ["value", value],
  ] as const) {
    if (!TAG_CHARACTERS.test(text)) {
      throw constraint(
        `${field}.${name}`,
        text,
        "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
      );
    }
  }
  return { key, value };
}

const tagUser: Handler = (req) => {
  const userName = required(req.params, "UserName");
  const tags = indexedList(req.params, "Tags.member").map(checkTag);
  const user = writableUser(req, userName);
  for (const { key, value } of tags) user.tags[key] = value;
  return undefined;
};

function checkPolicyName(name: string): string {
  checkLength("policyName", name, 1, IAM_MAX_POLICY_NAME);
  if (!POLICY_NAME.test(name)) {
    throw constraint("policyName", name, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  }
  return name;
}

/**
 * Stores an inline policy unless the principal's inline policies, this one in place of any of the same name, would
 * exceed the quota, as IAM refuses it (LimitExceeded).
 */
function putInlinePolicy(
  principal: { kind: "user" | "role"; name: string; policies: Record<string, string> },
  policyName: string,
  document: string,
): void {
  const limit = IAM_MAX_INLINE_POLICY_CHARACTERS[principal.kind];
  const size = Object.entries({ ...principal.policies, [policyName]: document }).reduce(
    (total, [, text]) => total + characters(text.replace(/\s/g, "")),
    0,
  );
  if (size > limit) {
    throw new QueryError(
      "LimitExceeded",
      409,
      `Maximum policy size of ${limit} bytes exceeded for ${principal.kind} ${principal.name}`,
    );
  }
  principal.policies[policyName] = document;
}

const putUserPolicy: Handler = (req) => {
  const userName = required(req.params, "UserName");
  const name = checkPolicyName(required(req.params, "PolicyName"));
  const user = writableUser(req, userName);
  const document = parsePolicy(required(req.params, "PolicyDocument"));
  putInlinePolicy({ kind: "user", name: user.name, policies: user.policies }, name, document);
  return undefined;
};

const attachUserPolicy: Handler = (req) => {
  const user = writableUser(req, required(req.params, "UserName"));
  const arn = required(req.params, "PolicyArn");
  if (!user.attached.includes(arn)) user.attached.push(arn);
  return undefined;
};

const putRolePolicy: Handler = (req) => {
  const roleName = required(req.params, "RoleName");
  const name = checkPolicyName(required(req.params, "PolicyName"));
  const role = req.state.accounts.get(req.identity.account)?.roles.get(roleName);
  if (!role) {
    throw new QueryError("NoSuchEntity", 404, `The role with name ${roleName} cannot be found.`);
  }
  const document = parsePolicy(required(req.params, "PolicyDocument"));
  putInlinePolicy({ kind: "role", name: roleName, policies: role.policies }, name, document);
  return undefined;
};

// ---------- STS ----------

/**
 * GetAccessKeyInfo: the account that owns any access key ID (AKIA or ASIA), active, inactive or deleted, whoever
 * asks. A key ID the double never saw is taken for one this account issued and deleted before the test began.
 */
const getAccessKeyInfo: Handler = (req) => {
  const keyId = required(req.params, "AccessKeyId");
  if (!/^\w{16,128}$/.test(keyId)) {
    throw new QueryError(
      "ValidationError",
      400,
      `1 validation error detected: Value '${keyId}' at 'accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]*`,
    );
  }
  return leaf("Account", req.state.keyAccounts.get(keyId) ?? SELF_ACCOUNT);
};

const getCallerIdentity: Handler = (req) => {
  const { account, roleName, sessionName } = req.identity;
  return (
    leaf("Arn", callerArn(req.identity)) +
    leaf("UserId", `${roleId(account, roleName)}:${sessionName}`) +
    leaf("Account", account)
  );
};

/** arn:aws:iam::<account>:role/<path/>name */
function parseRoleArn(arn: string): { account: string; roleName: string } {
  const fields = arn.split(":");
  const resource = fields[5] ?? "";
  const roleName = resource.split("/").at(-1) ?? "";
  const account = fields[4] ?? "";
  if (fields[0] !== "arn" || !/^\d{12}$/.test(account) || !resource.startsWith("role/") || !roleName) {
    throw new QueryError("ValidationError", 400, `${arn} is invalid`);
  }
  return { account, roleName };
}

function issueAccessKeyId(state: State): string {
  for (;;) {
    const id = `ASIA${randomAlphanumeric(16)}`;
    if (!state.sessions.has(id)) return id;
  }
}

const assumeRole: Handler = (req) => {
  const arn = required(req.params, "RoleArn");
  const sessionName = required(req.params, "RoleSessionName");
  const { account, roleName } = parseRoleArn(arn);
  if (!req.state.accounts.get(account)?.roles.has(roleName)) {
    throw new QueryError(
      "AccessDenied",
      403,
      `User: ${callerArn(req.identity)} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    );
  }
  const seconds = Number(req.params.DurationSeconds ?? 3600);
  if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43_200) {
    throw new QueryError("ValidationError", 400, "The requested DurationSeconds is out of range.");
  }
  // Credentials exist only for a request STS accepted.
  const accessKeyId = issueAccessKeyId(req.state);
  const identity: Identity = { account, roleName, sessionName };
  req.state.sessions.set(accessKeyId, identity);
  req.state.keyAccounts.set(accessKeyId, account);
  const expiration = new Date(Date.now() + seconds * 1000).toISOString();
  const credentials = node(
    "Credentials",
    leaf("AccessKeyId", accessKeyId),
    leaf("SecretAccessKey", randomBytes(30).toString("base64")),
    leaf("SessionToken", randomBytes(48).toString("base64")),
    leaf("Expiration", expiration),
  );
  const assumedUser = node(
    "AssumedRoleUser",
    leaf("Arn", callerArn(identity)),
    leaf("AssumedRoleId", `${roleId(account, roleName)}:${sessionName}`),
  );
  return credentials + assumedUser;
};

// ---------- SNS ----------

function invalidParameter(reason: string): QueryError {
  return new QueryError("InvalidParameter", 400, `Invalid parameter: ${reason}`);
}

function checkSubject(subject: string | undefined): void {
  if (subject === undefined) return;
  // The documented limits: "ASCII text that begins with a letter, number, or punctuation mark; must not include line
  // breaks or control characters; and must be less than 100 characters long".
  if (subject.length > SNS_MAX_SUBJECT || !/^[\x21-\x7e][\x20-\x7e]*$/.test(subject)) {
    throw invalidParameter("Subject");
  }
}

function checkStructure(structure: string | undefined, message: string): void {
  if (structure === undefined) return;
  if (structure !== "json") throw invalidParameter("MessageStructure");
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter("Message Structure - JSON message body failed to parse");
  }
  const isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  if (!isObject || typeof (parsed as Record<string, unknown>).default !== "string") {
    throw invalidParameter("Message Structure - No default entry in JSON message body");
  }
}

function parseAttributes(params: Record<string, string>): PublishedMessage["attributes"] {
  const attributes: PublishedMessage["attributes"] = {};
  for (const entry of indexedList(params, "MessageAttributes.entry")) {
    const name = entry.Name ?? "";
    const dataType = entry["Value.DataType"];
    const stringValue = entry["Value.StringValue"];
    if (!dataType) {
      throw new QueryError(
        "ParameterValueInvalid",
        400,
        `The message attribute '${name}' must contain non-empty message attribute type.`,
      );
    }
    if (/^(String|Number)/.test(dataType) && !stringValue) {
      throw new QueryError(
        "ParameterValueInvalid",
        400,
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    attributes[name] =
      stringValue === undefined ? { DataType: dataType } : { DataType: dataType, StringValue: stringValue };
  }
  return attributes;
}

/**
 * What SNS counts against its limit: the message's UTF-8 bytes plus, for each attribute, the bytes of its name, data
 * type and value, as the MessageAttributeValue reference documents it. The subject is not counted.
 */
export function publishedBytes(message: string, attributes: PublishedMessage["attributes"]): number {
  let bytes = Buffer.byteLength(message);
  for (const [name, value] of Object.entries(attributes)) {
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      Buffer.byteLength(value.StringValue ?? "");
  }
  return bytes;
}

const publish: Handler = (req) => {
  const topicArn = req.params.TopicArn ?? req.params.TargetArn;
  if (!topicArn) throw invalidParameter("TopicArn or TargetArn Reason: no value for required parameter");
  const message = req.params.Message;
  if (!message) throw invalidParameter("Empty message");
  const { Subject: subject, MessageStructure: messageStructure } = req.params;
  checkSubject(subject);
  checkStructure(messageStructure, message);
  const attributes = parseAttributes(req.params);
  if (publishedBytes(message, attributes) > SNS_MAX_BYTES) throw invalidParameter("Message too long");
  req.state.published.push({
    topicArn,
    message,
    attributes,
    ...(subject === undefined ? {} : { subject }),
    ...(messageStructure === undefined ? {} : { messageStructure }),
  });
  return leaf("MessageId", randomUUID());
};

// ---------- Security Hub (REST-JSON) ----------

/** A finding's fields a customer updates, as the double keeps them (ASFF Note and Workflow; OCSF comment, status_id). */
export interface SecurityHubFindingState {
  note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
  workflowStatus?: string;
  comment?: string;
  statusId?: number;
  /** How many accepted updates named this finding. */
  updates: number;
}

interface SecurityHubState {
  /** Off: every call is answered InvalidAccessException, as in an account or Region without Security Hub. */
  enabled: boolean;
  /** ASFF findings by `${ProductArn}|${Id}`. */
  asff: Map<string, SecurityHubFindingState>;
  /** OCSF findings by `${MetadataProductUid}|${CloudAccountUid}|${FindingInfoUid}`. */
  ocsf: Map<string, SecurityHubFindingState>;
}

/** The service models' limits (BatchUpdateFindings, BatchUpdateFindingsV2). */
export const SECURITY_HUB_MAX_FINDINGS = 100;
export const SECURITY_HUB_MAX_NOTE = 512;
export const SECURITY_HUB_MAX_UPDATED_BY = 128;
const WORKFLOW_STATUSES = ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"];
const OCSF_STATUS_IDS = [0, 1, 2, 3, 4, 5, 99];

/** The REST-JSON routes the SDK serializes each call to (its schemas' http traits). */
const SECURITY_HUB_ROUTES: Record<string, string> = {
  "PATCH /findings/batchupdate": "BatchUpdateFindings",
  "PATCH /findingsv2/batchupdatev2": "BatchUpdateFindingsV2",
};

export const asffKey = (productArn: string, id: string): string => `${productArn}|${id}`;
export const ocsfKey = (productUid: string, accountUid: string, findingInfoUid: string): string =>
  `${productUid}|${accountUid}|${findingInfoUid}`;

type JsonObject = Record<string, unknown>;
const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function checkText(code: string, field: string, value: unknown, max: number): string {
  if (typeof value !== "string" || characters(value) < 1 || characters(value) > max) {
    throw new QueryError(
      code,
      400,
      `Invalid parameter '${field}': must be a string of 1 to ${max} characters`,
    );
  }
  return value;
}

function identifiersOf(code: string, body: JsonObject): JsonObject[] {
  const identifiers = body.FindingIdentifiers;
  if (!Array.isArray(identifiers) || identifiers.length === 0) {
    throw new QueryError(
      code,
      400,
      "Invalid parameter 'FindingIdentifiers': at least one finding is required",
    );
  }
  if (identifiers.length > SECURITY_HUB_MAX_FINDINGS) {
    throw new QueryError(
      code,
      400,
      `Invalid parameter 'FindingIdentifiers': at most ${SECURITY_HUB_MAX_FINDINGS} findings per request`,
    );
  }
  return identifiers.map((identifier) => (isJsonObject(identifier) ? identifier : {}));
}

/**
 * Updates each finding named and counts the update; one the double does not hold is unprocessed, with `notFound` as
 * its error code, as Security Hub reports it. `processed` gives the reply's entry for a finding updated.
 */
function updateEach<F extends { updates: number }>(
  identifiers: JsonObject[],
  find: (identifier: JsonObject) => F | undefined,
  notFound: string,
  update: (finding: F) => void,
  processed: (identifier: JsonObject) => JsonObject,
): JsonObject {
  const ProcessedFindings: JsonObject[] = [];
  const UnprocessedFindings: JsonObject[] = [];
  for (const identifier of identifiers) {
    const finding = find(identifier);
    if (!finding) {
      UnprocessedFindings.push({
        FindingIdentifier: identifier,
        ErrorCode: notFound,
        ErrorMessage: "Finding not found",
      });
      continue;
    }
    update(finding);
    finding.updates++;
    ProcessedFindings.push(processed(identifier));
  }
  return { ProcessedFindings, UnprocessedFindings };
}

/** BatchUpdateFindings: the Note and Workflow of every finding named; an unknown one is unprocessed. */
function batchUpdateFindings(state: SecurityHubState, body: JsonObject): JsonObject {
  const code = "InvalidInputException";
  const identifiers = identifiersOf(code, body);
  const note = body.Note;
  if (note !== undefined) {
    if (!isJsonObject(note)) throw new QueryError(code, 400, "Invalid parameter 'Note'");
    checkText(code, "Note.Text", note.Text, SECURITY_HUB_MAX_NOTE);
    checkText(code, "Note.UpdatedBy", note.UpdatedBy, SECURITY_HUB_MAX_UPDATED_BY);
  }
  const workflow = body.Workflow;
  const status = isJsonObject(workflow) ? workflow.Status : undefined;
  if (workflow !== undefined && !WORKFLOW_STATUSES.includes(String(status))) {
    throw new QueryError(code, 400, `Invalid parameter 'Workflow.Status': ${String(status)}`);
  }
  return updateEach(
    identifiers,
    (identifier) => state.asff.get(asffKey(String(identifier.ProductArn), String(identifier.Id))),
    "FindingNotFound",
    (finding) => {
      if (isJsonObject(note)) {
        finding.note = {
          Text: String(note.Text),
          UpdatedBy: String(note.UpdatedBy),
          UpdatedAt: new Date().toISOString(),
        };
      }
      if (status !== undefined) finding.workflowStatus = String(status);
    },
    (identifier) => identifier,
  );
}

/** BatchUpdateFindingsV2: the comment and status_id of every OCSF finding named. */
function batchUpdateFindingsV2(state: SecurityHubState, body: JsonObject): JsonObject {
  const code = "ValidationException";
  if (body.MetadataUids !== undefined && body.FindingIdentifiers !== undefined) {
    throw new QueryError(code, 400, "MetadataUids and FindingIdentifiers cannot be used together");
  }
  const identifiers = identifiersOf(code, body);
  if (body.Comment !== undefined) checkText(code, "Comment", body.Comment, SECURITY_HUB_MAX_NOTE);
  if (body.StatusId !== undefined && !OCSF_STATUS_IDS.includes(Number(body.StatusId))) {
    throw new QueryError(code, 400, `Invalid parameter 'StatusId': ${String(body.StatusId)}`);
  }
  return updateEach(
    identifiers,
    (identifier) =>
      state.ocsf.get(
        ocsfKey(
          String(identifier.MetadataProductUid),
          String(identifier.CloudAccountUid),
          String(identifier.FindingInfoUid),
        ),
      ),
    "ResourceNotFoundException",
    (finding) => {
      if (body.Comment !== undefined) finding.comment = String(body.Comment);
      if (body.StatusId !== undefined) finding.statusId = Number(body.StatusId);
    },
    (identifier) => ({ FindingIdentifier: identifier }),
  );
}

const SECURITY_HUB_HANDLERS: Record<string, (state: SecurityHubState, body: JsonObject) => JsonObject> = {
  BatchUpdateFindings: batchUpdateFindings,
  BatchUpdateFindingsV2: batchUpdateFindingsV2,
};

const HANDLERS: Record<QueryService, Record<string, Handler>> = {
  iam: {
    UpdateAccessKey: updateAccessKey,
    DeleteAccessKey: deleteAccessKey,
    CreateUser: createUser,
    CreateAccessKey: createAccessKey,
    DeleteUser: deleteUser,
    ListAccessKeys: listAccessKeys,
    GetAccessKeyLastUsed: getAccessKeyLastUsed,
    TagUser: tagUser,
    PutUserPolicy: putUserPolicy,
    AttachUserPolicy: attachUserPolicy,
    PutRolePolicy: putRolePolicy,
  },
  sts: { GetCallerIdentity: getCallerIdentity, AssumeRole: assumeRole, GetAccessKeyInfo: getAccessKeyInfo },
  sns: { Publish: publish },
};

/** Used only when the credential scope does not name one of our services. */
function serviceOfAction(action: string): QueryService {
  return (["iam", "sns", "sts"] as const).find((service) => action in HANDLERS[service]) ?? "iam";
}

// ---------- the server ----------

interface PendingDelay {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

export class AwsDouble {
  readonly calls: RecordedCall[] = [];
  readonly published: PublishedMessage[];
  private state: State = emptyState();
  private faults = new Map<string, Fault[]>();
  private delays = new Set<PendingDelay>();
  private inFlight: Record<Service, number> = { iam: 0, sns: 0, sts: 0, securityhub: 0 };
  private throttles = new Map<Service, Required<Throttle> & { arrived: number }>();
  private throttledCalls = new Set<RecordedCall>();
  private latencies = new Map<Service, number>();
  /** The most requests of each service that were ever being answered at once (since the last reset). */
  readonly peakInFlight: Record<Service, number> = { iam: 0, sns: 0, sts: 0, securityhub: 0 };
  /** Counts resets, so that a reply from before one does not count itself out of the count after it. */
  private generation = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    // One array for the life of the double so callers may hold on to it.
    this.published = this.state.published;
  }

  /** Listens on 127.0.0.1 on a free port. */
  static async start(): Promise<AwsDouble> {
    let double: AwsDouble | undefined;
    const server = createServer((req, res) => {
      double
        ?.handle(req, res)
        .catch((error: unknown) => send(res, ...failureReply("iam", error, randomUUID())));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.address() as AddressInfo;
    double = new AwsDouble(server, `http://127.0.0.1:${port}`);
    return double;
  }

  addUser(user: DoubleUser): void {
    const account = accountState(this.state, user.account ?? SELF_ACCOUNT);
    for (const key of user.keys) this.state.keyAccounts.set(key.id, user.account ?? SELF_ACCOUNT);
    account.users.set(user.name, {
      name: user.name,
      root: user.root ?? false,
      keys: user.keys.map((key) => ({
        id: key.id,
        status: key.status ?? "Active",
        created: key.created ?? DEFAULT_CREATED,
      })),
      tags: { ...user.tags },
      policies: {},
      attached: [],
    });
  }

  addRole(roleName: string, account: string = SELF_ACCOUNT): void {
    const roles = accountState(this.state, account).roles;
    if (!roles.has(roleName)) roles.set(roleName, { policies: {} });
  }

  /**
   * Records the account that issued a key ID the double holds no user for: a deleted key, or a temporary (ASIA) key
   * of a role session, as STS GetAccessKeyInfo will report it.
   */
  setKeyAccount(accessKeyId: string, account: string): void {
    this.state.keyAccounts.set(accessKeyId, account);
  }

  /** undefined when the key does not exist in any account. */
  keyStatus(accessKeyId: string): KeyStatus | undefined {
    for (const account of this.state.accounts.values()) {
      for (const user of account.users.values()) {
        const key = user.keys.find((k) => k.id === accessKeyId);
        if (key) return key.status;
      }
    }
    return undefined;
  }

  userTags(userName: string, account: string = SELF_ACCOUNT): Record<string, string> {
    return { ...this.user(userName, account).tags };
  }

  /** Inline policy name -> JSON document (decoded). */
  userPolicies(userName: string, account: string = SELF_ACCOUNT): Record<string, string> {
    return { ...this.user(userName, account).policies };
  }

  rolePolicies(roleName: string, account: string = SELF_ACCOUNT): Record<string, string> {
    const role = this.state.accounts.get(account)?.roles.get(roleName);
    if (!role) throw new Error(`AwsDouble: no role ${roleName} in account ${account}`);
    return { ...role.policies };
  }

  /** Attached managed policy ARNs. */
  attachedUserPolicies(userName: string, account: string = SELF_ACCOUNT): string[] {
    return [...this.user(userName, account).attached];
  }

  /** A Security Hub (CSPM) finding that BatchUpdateFindings can update, as it is now. */
  addSecurityHubFinding(finding: { id: string; productArn: string }): void {
    this.state.securityHub.asff.set(asffKey(finding.productArn, finding.id), { updates: 0 });
  }

  /** A Security Hub V2 (OCSF) finding that BatchUpdateFindingsV2 can update. */
  addSecurityHubFindingV2(finding: { findingInfoUid: string; productUid: string; accountUid: string }): void {
    this.state.securityHub.ocsf.set(ocsfKey(finding.productUid, finding.accountUid, finding.findingInfoUid), {
      updates: 0,
    });
  }

  /** What the ASFF finding holds now (undefined when the double has no such finding). */
  securityHubFinding(productArn: string, id: string): SecurityHubFindingState | undefined {
    const found = this.state.securityHub.asff.get(asffKey(productArn, id));
    return found && structuredClone(found);
  }

  securityHubFindingV2(productUid: string, accountUid: string, findingInfoUid: string) {
    const found = this.state.securityHub.ocsf.get(ocsfKey(productUid, accountUid, findingInfoUid));
    return found && structuredClone(found);
  }

  /** Security Hub not enabled in this account and Region: every call is refused (InvalidAccessException). */
  setSecurityHubEnabled(enabled: boolean): void {
    this.state.securityHub.enabled = enabled;
  }

  /** Faults for one action are consumed in the order they were injected. */
  inject(fault: Fault): void {
    const queue = this.faults.get(fault.action) ?? [];
    queue.push({ ...fault, times: fault.times ?? 1 });
    this.faults.set(fault.action, queue);
  }

  /** Throttles a share of the service's calls from now on, retries included, until `reset`. */
  throttle(throttle: Throttle): void {
    if (!(throttle.fraction >= 0 && throttle.fraction <= 1)) {
      throw new Error(`AwsDouble: throttle fraction ${throttle.fraction} is not between 0 and 1`);
    }
    this.throttles.set(throttle.service, { seed: 1, ...throttle, arrived: 0 });
  }

  /** Every reply of the service takes this long, as a real endpoint's round trip does, until `reset`. */
  latency(service: Service, ms: number): void {
    this.latencies.set(service, ms);
  }

  /** The calls answered as throttled by `throttle` (not those of injected faults), in arrival order. */
  throttled(service?: Service): RecordedCall[] {
    return [...this.throttledCalls].filter((call) => !service || call.service === service);
  }

  actions(service?: Service): string[] {
    return this.calls.filter((call) => !service || call.service === service).map((call) => call.action);
  }

  /** Successful IAM calls that change state. */
  writes(): RecordedCall[] {
    return this.calls.filter(
      (call) =>
        call.service === "iam" && WRITE_ACTIONS.has(call.action) && call.status >= 200 && call.status < 300,
    );
  }

  reset(): void {
    this.state.accounts.clear();
    this.state.sessions.clear();
    this.state.keyAccounts.clear();
    this.state.published.length = 0;
    this.state.securityHub = { enabled: true, asff: new Map(), ocsf: new Map() };
    this.calls.length = 0;
    this.faults.clear();
    this.throttles.clear();
    this.throttledCalls.clear();
    this.latencies.clear();
    // Replies still held back (latency, delays) from before the reset belong to the old count: they do not count
    // themselves out of the new one (see handle).
    this.generation++;
    for (const service of SERVICES) {
      this.inFlight[service] = 0;
      this.peakInFlight[service] = 0;
    }
  }

  async close(): Promise<void> {
    // Release replies held back by delay faults so no handler lingers.
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.resolve();
    }
    this.delays.clear();
    const closed = new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
    this.server.closeAllConnections();
    await closed;
  }

  /** Environment for code that builds its own clients from the default chain. */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: this.url,
      AWS_ACCESS_KEY_ID: BASE_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: BASE_SECRET,
      AWS_REGION: "us-east-1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
  }

  private user(userName: string, account: string): StoredUser {
    const user = this.state.accounts.get(account)?.users.get(userName);
    // Throwing beats returning {} here: a typo in a test should not pass silently.
    if (!user) throw new Error(`AwsDouble: no user ${userName} in account ${account}`);
    return user;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = `${req.method ?? ""} ${(req.url ?? "").split("?")[0]}`;
    if (
      route in SECURITY_HUB_ROUTES ||
      parseCredential(req.headers.authorization)?.service === "securityhub"
    ) {
      return this.handleRestJson(req, res, SECURITY_HUB_ROUTES[route] ?? route);
    }
    const form = new URLSearchParams(await readBody(req));
    const { Action: action = "", Version: version, ...params } = Object.fromEntries(form);
    const credential = parseCredential(req.headers.authorization);
    const service: QueryService =
      isService(credential?.service) && credential.service !== "securityhub"
        ? credential.service
        : serviceOfAction(action);
    const identity = credential && resolveIdentity(this.state, credential.accessKeyId);
    const at = performance.timeOrigin + performance.now();
    const call: RecordedCall = { service, action, params, account: identity?.account ?? "", status: 0, at };
    const answered = this.arrive(call);

    const requestId = randomUUID();
    const reply = (status: number, body: string, id: string): void => {
      answered(status);
      send(res, status, body, id);
    };
    const throttled = this.drawThrottle(service);
    try {
      await this.delayOrRefuse(call, throttled, () =>
        service === "sns"
          ? new QueryError("Throttled", 429, "Rate exceeded")
          : new QueryError("Throttling", 400, "Rate exceeded"),
      );
      if (!credential) {
        throw new QueryError("MissingAuthenticationToken", 403, "Request is missing Authentication Token");
      }
      if (!identity) {
        throw new QueryError(
          "InvalidClientTokenId",
          403,
          "The security token included in the request is invalid.",
        );
      }
      const handler = HANDLERS[service][action];
      if (!handler) {
        throw new QueryError(
          "InvalidAction",
          400,
          `Could not find operation ${action} for version ${version ?? "(none)"}`,
        );
      }
      const result = handler({ state: this.state, identity, action, params });
      reply(200, successXml(service, action, result, requestId), requestId);
    } catch (error) {
      reply(...failureReply(service, error, requestId));
    }
  }

  /** Security Hub's REST-JSON calls: recorded, faulted, throttled and authenticated like the Query ones. */
  private async handleRestJson(req: IncomingMessage, res: ServerResponse, action: string): Promise<void> {
    const service = "securityhub";
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = undefined;
    }
    const credential = parseCredential(req.headers.authorization);
    const identity = credential && resolveIdentity(this.state, credential.accessKeyId);
    const at = performance.timeOrigin + performance.now();
    const call: RecordedCall = {
      service,
      action,
      params: {},
      body,
      account: identity?.account ?? "",
      status: 0,
      at,
    };
    const answered = this.arrive(call);
    const requestId = randomUUID();
    const reply = (status: number, json: unknown, errorType?: string): void => {
      answered(status);
      if (res.destroyed || res.writableEnded) return;
      const payload = JSON.stringify(json);
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
        "x-amzn-requestid": requestId,
        ...(errorType ? { "x-amzn-errortype": errorType } : {}),
      });
      res.end(payload);
    };
    const throttled = this.drawThrottle(service);
    try {
      await this.delayOrRefuse(
        call,
        throttled,
        () => new QueryError("TooManyRequestsException", 429, "Rate exceeded"),
      );
      if (!credential)
        throw new QueryError("MissingAuthenticationTokenException", 403, "Missing Authentication Token");
      if (!identity) {
        throw new QueryError(
          "UnrecognizedClientException",
          403,
          "The security token included in the request is invalid.",
        );
      }
      const handler = SECURITY_HUB_HANDLERS[action];
      if (!handler) throw new QueryError("UnknownOperationException", 404, `No route for ${action}`);
      if (!this.state.securityHub.enabled) {
        throw new QueryError(
          "InvalidAccessException",
          401,
          `Account ${identity.account} is not subscribed to AWS Security Hub`,
        );
      }
      if (!isJsonObject(body))
        throw new QueryError("InvalidInputException", 400, "The request body is not JSON");
      reply(200, handler(this.state.securityHub, body));
    } catch (error) {
      const failure =
        error instanceof QueryError
          ? error
          : new QueryError("InternalException", 500, `AwsDouble bug: ${String(error)}`);
      reply(
        failure.status,
        { __type: failure.code, Code: failure.code, Message: failure.message },
        failure.code,
      );
    }
  }

  /** Records a call on arrival and counts it in flight; the function returned records its reply's status. */
  private arrive(call: RecordedCall): (status: number) => void {
    const { service } = call;
    const generation = this.generation;
    this.inFlight[service]++;
    this.peakInFlight[service] = Math.max(this.peakInFlight[service], this.inFlight[service]);
    this.calls.push(call);
    return (status) => {
      if (generation === this.generation) this.inFlight[service]--;
      call.status = status;
    };
  }

  /**
   * What a call meets before it is served: the service's latency, a fault injected for its action, then the throttle
   * drawn on its arrival (drawn then, so that which calls are throttled does not depend on how long any reply takes).
   */
  private async delayOrRefuse(
    call: RecordedCall,
    throttled: boolean,
    throttling: () => QueryError,
  ): Promise<void> {
    const latency = this.latencies.get(call.service);
    if (latency) await this.sleep(latency);
    await this.applyFault(call.action);
    if (throttled) {
      this.throttledCalls.add(call);
      throw throttling();
    }
  }

  /** Whether the service's next call is throttled: a hash of the seed and the call's number, below the fraction. */
  private drawThrottle(service: Service): boolean {
    const throttle = this.throttles.get(service);
    if (!throttle) return false;
    const n = throttle.arrived++;
    const draw = createHash("sha256").update(`${throttle.seed}/${n}`).digest().readUInt32BE(0) / 2 ** 32;
    return draw < throttle.fraction;
  }

  /** Consumes one use of the next fault for this action: delay, then maybe fail. */
  private async applyFault(action: string): Promise<void> {
    const queue = this.faults.get(action);
    const fault = queue?.[0];
    if (!queue || !fault) return;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) queue.shift();
    if (fault.delayMs) await this.sleep(fault.delayMs);
    const { error } = fault;
    if (error) throw new QueryError(error.code, error.status, error.message ?? error.code, error.type);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const delay: PendingDelay = {
        timer: setTimeout(() => {
          this.delays.delete(delay);
          resolve();
        }, ms),
        resolve,
      };
      this.delays.add(delay);
    });
  }
}

function send(res: ServerResponse, status: number, body: string, requestId: string): void {
  // The client may have given up already (timeouts); there is no one to answer.
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, {
    "content-type": "text/xml",
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": requestId,
  });
  res.end(body);
}

/** A bug in the double still answers in the Query error format, as a 500. */
function failureReply(service: QueryService, error: unknown, requestId: string): [number, string, string] {
  const failure =
    error instanceof QueryError
      ? error
      : new QueryError("InternalFailure", 500, `AwsDouble bug: ${String(error)}`);
  return [failure.status, errorXml(service, failure, requestId), requestId];
}
