// Property-based checks shared by the fast vitest sample (test/fuzz) and the long CLI run (scripts/fuzz.ts).
// Each group pairs an input generator with the properties of the issue "Production hardening", item Fuzzing:
//  (a) parseEvent never throws and returns findings | ignored | invalid
//  (b) respond throws nothing but ResponderError
//  (c) no IAM write carries an identifier that fails validation
//  (d) no UpdateAccessKey for an ASIA key, a sample, a root key or a protected user
//  (e) one alert per event that is not ignored (none for an invalid manual request, by design), and at most one
//      message to people (audience all/people): none only when every key is a repeat that changed nothing
//  (f) the alert subject is at most 99 printable ASCII characters, and every message fits SNS's 256 KiB
//  (g) no line of an alert (text, subject, chat card) starts with text the event wrote: no forged lines
//  (h) no key is set Active except by a reactivation request invoked directly on the manual function
//  (i) approve mode makes no IAM call except for a request sent directly to the manual function or a Health event
//      (the approve configuration's CONTAIN_WITHOUT_APPROVAL)
// and of the issue "Act on the credential's real owner" (its Done-when bullet on the fuzz suite):
//  (j) no IAM write in an account other than the one that owns the event's keys (Scenario.keyAccount, STS's answer)
//  (k) no alert with outcome no-action or contained while a key the event names is still Active in its owning account
// The world has two accounts, ours and a member's, each with its own IAMClient: see "The responder under test".
// The (c) and (d) oracles read the raw event and the IAM calls, never the parsers' output, so a parser bug cannot
// hide itself; (e) takes parseEvent's kind as the contract, as the issue states it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AttachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { snsMessage } from "../../src/alert/publish";
import type { Alert } from "../../src/alert/render";
import { RecentEvents, type Responder, ResponderError, respond, type Summary } from "../../src/entry/respond";
import { type ParsedEvent, parseEvent } from "../../src/findings";
import type { Plan } from "../../src/plan/plan";
import { type Config, loadConfig } from "../../src/shared/config";
import { silentLog } from "../../src/shared/log";
// SNS's limit as the double models AWS (all protocols together, as MessageStructure json sends it): 256 KiB.
import { SNS_MAX_BYTES } from "./aws-double";
import { MEMBER_ACCOUNT, SELF_ACCOUNT } from "./world";

// The oracle's own copies of the documented IAM patterns: a regression in src/shared/identifiers.ts must not hide here.
const USER_NAME = /^[\w+=,.@-]{1,64}$/;
const ACCESS_KEY_ID = /^\w{16,128}$/;
const SUBJECT = /^[\x20-\x7e]{1,99}$/;

export { MEMBER_ACCOUNT, SELF_ACCOUNT };
export const FUZZ_OWNER = "fuzz-user";
const NOW = new Date("2026-11-20T12:00:00.000Z");
const SIBLING_KEY = "AKIASIBLINGFUZZ00001";
const REQUEST_ID = "c0ffee00-0000-4000-8000-00000000f022";

// ---------------------------------------------------------------------------------------------------------------
// Violations

export type ViolationKind = "crash" | "invalid-write" | "alert";

const KIND_OF: Record<string, ViolationKind> = {
  a: "crash",
  b: "crash",
  c: "invalid-write",
  d: "invalid-write",
  e: "alert",
  f: "alert",
  g: "alert",
  h: "invalid-write",
  i: "invalid-write",
  j: "invalid-write",
  k: "alert",
};

/** Thrown by a property: every broken rule of one case, each tagged with its property letter. */
export class FuzzViolation extends Error {
  override name = "FuzzViolation";
  constructor(readonly problems: { property: string; message: string }[]) {
    super(problems.map((p) => `(${p.property}) ${p.message}`).join("\n"));
  }
  get kinds(): Set<ViolationKind> {
    return new Set(this.problems.map((p) => KIND_OF[p.property] ?? "crash"));
  }
}

/** How a failure counts in the CLI summary; anything that is not a FuzzViolation is a crash of the harness. */
export const kindsOf = (error: unknown): Set<ViolationKind> =>
  error instanceof FuzzViolation ? error.kinds : new Set<ViolationKind>(["crash"]);

// ---------------------------------------------------------------------------------------------------------------
// Adversarial strings

const HUGE = 100_000;

export const INJECTION_STRINGS: readonly string[] = [
  "AKIA'; DROP--",
  "../../etc",
  "../../etc/passwd",
  "a b",
  "$(rm -rf /)",
  "`id`",
  "AKIA\u0000",
  "AKIA\u0000AAAAAAAAAAAAAAAA",
  "AKIAAAAAAAAAAAAAAAAA\n",
  " AKIAAAAAAAAAAAAAAAAA",
  "AKIAAAAAAAAAAAAAAAAA;ls",
  "AKIAAAAAAAAAAAAAAAAA--user-name root",
  "ASIA'; DROP--",
  "alice@example.com",
  "judy@example.com",
  "ålice",
  "用户",
  "👩‍💻",
  "\u202eadmin",
  "breakglass-admin",
  "BreakGlass-Admin",
  "BREAKGLASS-ADMIN",
  "breaKglass-admin", // Kelvin sign: lower-cases to ASCII k
  " breakglass-admin",
  "root",
  "Root",
  "<root_account>",
  "GeneratedFindingUserName",
  "GeneratedFindingAccessKeyId",
  "",
  " ",
  "-",
  "null",
  "__proto__",
  "constructor",
  "$" + "{jndi:ldap://x/a}", // Log4Shell-style lookup, split so it is not read as a template
  "<script>alert(1)</script>",
  "%00",
  "\r\nSubject: injected",
  // Forged alert lines: (g) checks that no alert line starts with FORGED_LINE, whatever field carries it.
  "\nALL CLEAR: no action needed",
  "x\r\nALL CLEAR: no action needed",
  "x\rALL CLEAR",
  "x\u2028ALL CLEAR",
  "x\u2029ALL CLEAR",
  "x\u0085ALL CLEAR",
  "x\u000bALL CLEAR",
  "x\u000cALL CLEAR",
  "*bold*\n> ALL CLEAR",
  "\\",
  "a".repeat(64),
  "a".repeat(65),
  "A".repeat(129),
  "AKIA".padEnd(128, "0"),
];

// Built once: generating 100k-character strings on every run would dominate the run time.
const HUGE_STRINGS: readonly string[] = [
  "A".repeat(HUGE),
  `AKIA${"A".repeat(HUGE)}`,
  `ASIA${"0".repeat(HUGE)}`,
  "é".repeat(HUGE),
  "💥".repeat(HUGE / 2),
  "a\n".repeat(HUGE / 2),
  `GeneratedFinding${"x".repeat(HUGE)}`,
];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INJECTION_STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
);

// Mostly the two real prefixes, so that plenty of cases reach UpdateAccessKey or the temporary-key refusal.
const keyPrefix: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("AKIA") },
  { weight: 3, arbitrary: fc.constant("ASIA") },
  { weight: 2, arbitrary: fc.constantFrom("AIDA", "AROA", "ABIA", "akia", "asia", "GeneratedFinding", "") },
);

/** Key IDs: mostly well-formed with every prefix, sometimes any length of word characters, sometimes hostile. */
export const accessKeyIdArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(keyPrefix, fc.stringMatching(/^[A-Z2-7]{16}$/))
      .map(([prefix, body]) => prefix + body),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(keyPrefix, fc.stringMatching(/^\w{0,130}$/)).map(([prefix, body]) => prefix + body),
  },
  { weight: 1, arbitrary: nastyString },
);

/** Names IAM accepts, names on the protected list in other cases, and names that must never reach IAM. */
export const userNameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[\w+=,.@-]{1,64}$/) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "alice",
      "bob",
      FUZZ_OWNER,
      "Fuzz-User",
      "breakglass-admin",
      "BreakGlass-Admin",
      "judy@example.com",
      "JUDY@EXAMPLE.COM",
      "ALICE",
      "root",
      "ROOT",
      "web-instance-role",
    ),
  },
  { weight: 3, arbitrary: nastyString },
);

// ---------------------------------------------------------------------------------------------------------------
// Arbitrary JSON, shaped enough to reach every parser

const SOURCES = [
  "aws.guardduty",
  "aws.health",
  "aws.trustedadvisor",
  "aws.securityhub",
  "aws.ec2",
  "",
] as const;
const DETAIL_TYPES = [
  "GuardDuty Finding",
  "AWS Health Event",
  "Trusted Advisor Check Item Refresh Notification",
  "Security Hub Findings - Imported",
  "AWS API Call via CloudTrail",
  "",
] as const;

const jsonOrNasty: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: nastyString },
);

const envelopeLike = fc.record(
  {
    version: fc.constant("0"),
    id: fc.oneof(fc.uuid(), nastyString),
    "detail-type": fc.oneof(fc.constantFrom(...DETAIL_TYPES), nastyString),
    source: fc.oneof(fc.constantFrom(...SOURCES), nastyString),
    account: fc.oneof(fc.constantFrom(SELF_ACCOUNT, MEMBER_ACCOUNT), nastyString),
    region: fc.oneof(fc.constant("us-east-1"), nastyString),
    time: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      jsonOrNasty,
    ),
    resources: fc.array(fc.oneof(accessKeyIdArb, fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }),
    detail: fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record(
        {
          schemaVersion: fc.constant("2.0"),
          id: jsonOrNasty,
          type: jsonOrNasty,
          resource: fc.record(
            { accessKeyDetails: fc.dictionary(fc.string(), jsonOrNasty, { maxKeys: 4 }) },
            { requiredKeys: [] },
          ),
          service: fc.dictionary(fc.string(), jsonOrNasty, { maxKeys: 3 }),
          eventTypeCode: fc.oneof(fc.constant("AWS_RISK_CREDENTIALS_EXPOSED"), nastyString),
          eventArn: jsonOrNasty,
          affectedEntities: fc.array(fc.record({ entityValue: fc.oneof(accessKeyIdArb, jsonOrNasty) }), {
            maxLength: 3,
          }),
          "check-name": fc.oneof(fc.constant("Exposed Access Keys"), nastyString),
          status: fc.constantFrom("ERROR", "OK", "WARN"),
          "check-item-detail": fc.dictionary(fc.string(), jsonOrNasty, { maxKeys: 3 }),
          findings: fc.array(jsonOrNasty, { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

const manualLike = fc
  .tuple(
    fc.record(
      {
        accessKeyId: fc.oneof(accessKeyIdArb, fc.jsonValue({ maxDepth: 1 })),
        userName: fc.oneof(userNameArb, fc.jsonValue({ maxDepth: 1 })),
        account: fc.oneof(fc.constantFrom(SELF_ACCOUNT, MEMBER_ACCOUNT), nastyString),
        reason: fc.oneof(fc.string(), nastyString),
        status: fc.oneof(
          fc.constantFrom("Inactive", "Active", "active", "Deleted"),
          fc.jsonValue({ maxDepth: 1 }),
        ),
      },
      { requiredKeys: ["accessKeyId"] },
    ),
    fc.option(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 2 })),
  )
  .map(([request, extra]) => ({ ...(extra ?? {}), ...request }));

const snsWrap = (inner: unknown): unknown => ({
  Records: [{ EventSource: "aws:sns", Sns: { Type: "Notification", Message: JSON.stringify(inner) } }],
});

/** Arbitrary JSON, plus envelope-, manual- and SNS-shaped objects so that random values reach every parser. */
export const arbitraryEvent: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue() },
  { weight: 3, arbitrary: envelopeLike },
  { weight: 2, arbitrary: manualLike },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.oneof(envelopeLike, manualLike, fc.jsonValue()).map(snsWrap),
      fc.record({ Records: fc.jsonValue({ maxDepth: 3 }) }),
      fc.record({
        Records: fc.array(fc.record({ Sns: fc.record({ Message: fc.string() }) }), { maxLength: 2 }),
      }),
    ),
  },
);

// ---------------------------------------------------------------------------------------------------------------
// Fixtures and their mutations

const EVENTS_DIR = join(__dirname, "..", "..", "events");

/** The raw text of every fixture: each case parses its own copy, so no case sees another's mutations. */
export const FIXTURES: ReadonlyMap<string, string> = new Map(
  readdirSync(EVENTS_DIR)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => [name, readFileSync(join(EVENTS_DIR, name), "utf8")]),
);

const loadFixture = (name: string): unknown => JSON.parse(FIXTURES.get(name) ?? "null");

type Container = Record<string, unknown> | unknown[];
interface Slot {
  parent: Container;
  key: string | number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Every value below the root, depth first, as a place a mutation can act on. */
const slotsOf = (root: unknown): Slot[] => {
  const slots: Slot[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 32) return;
    if (Array.isArray(value)) {
      value.forEach((child, index) => {
        slots.push({ parent: value, key: index });
        visit(child, depth + 1);
      });
    } else if (isRecord(value)) {
      for (const [key, child] of Object.entries(value)) {
        slots.push({ parent: value, key });
        visit(child, depth + 1);
      }
    }
  };
  visit(root, 0);
  return slots;
};

const read = (slot: Slot): unknown =>
  Array.isArray(slot.parent) ? slot.parent[slot.key as number] : slot.parent[slot.key as string];

const write = (slot: Slot, value: unknown): void => {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else slot.parent[slot.key as string] = value;
};

const remove = (slot: Slot): void => {
  if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
  else delete slot.parent[slot.key as string];
};

export type Retype = "array" | "object" | "string" | "number" | "null" | "boolean" | "wrap";

export type Mutation =
  | { op: "delete"; at: number }
  | { op: "replace"; at: number; value: unknown }
  | { op: "string"; at: number; value: string }
  | { op: "retype"; at: number; to: Retype };

const retype = (value: unknown, to: Retype): unknown => {
  switch (to) {
    case "array":
      return isRecord(value) ? Object.values(value) : [value];
    case "object":
      return Array.isArray(value) ? Object.fromEntries(value.entries()) : { value };
    case "string":
      return typeof value === "string" ? value : JSON.stringify(value);
    case "number":
      return Number(value);
    case "null":
      return null;
    case "boolean":
      return Boolean(value);
    case "wrap":
      return [value];
  }
};

/** Applies one mutation at `at` modulo the number of places, so any generated index lands somewhere. */
export const applyMutation = (root: unknown, mutation: Mutation): void => {
  const slots = slotsOf(root);
  const slot = slots[mutation.at % Math.max(slots.length, 1)];
  if (!slot) return;
  if (mutation.op === "delete") remove(slot);
  else if (mutation.op === "retype") write(slot, retype(read(slot), mutation.to));
  else write(slot, mutation.value);
};

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }),
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("string" as const), at: fc.nat(), value: nastyString }),
  },
  fc.record({
    op: fc.constant("retype" as const),
    at: fc.nat(),
    to: fc.constantFrom<Retype>("array", "object", "string", "number", "null", "boolean", "wrap"),
  }),
);

/** How a mutated fixture is delivered: as is, through SNS, or as the bare detail (an `InputPath: $.detail` rule). */
export type Delivery = "direct" | "sns" | "detail";

const deliver = (event: unknown, delivery: Delivery): unknown => {
  if (delivery === "sns") return snsWrap(event);
  if (delivery === "detail" && isRecord(event) && event.detail !== undefined) return event.detail;
  return event;
};

export interface MutatedFixture {
  fixture: string;
  mutations: Mutation[];
  delivery: Delivery;
}

export const mutatedFixtureArb: fc.Arbitrary<MutatedFixture> = fc.record({
  fixture: fc.constantFrom(...FIXTURES.keys()),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
  delivery: fc.constantFrom<Delivery>("direct", "direct", "direct", "sns", "detail"),
});

export const buildMutatedFixture = (c: MutatedFixture): unknown => {
  const event = loadFixture(c.fixture);
  for (const mutation of c.mutations) applyMutation(event, mutation);
  return deliver(event, c.delivery);
};

// Fields that carry a key ID, a user name or a principal type in some source, so identifiers get targeted.
const IDENTIFIER_FIELDS = new Set([
  "accessKeyId",
  "AccessKeyId",
  "Access Key ID",
  "entityValue",
  "publicKey",
  "userName",
  "UserName",
  "PrincipalName",
  "User Name (IAM or Root)",
  "userType",
  "PrincipalType",
  "principalId",
  "PrincipalId",
  // GuardDuty attack sequences: the actor's credential and name.
  "credentialUid",
  "name",
]);
const KEY_RESOURCE_PREFIX = "AWS::IAM::AccessKey:";

const identifierSlots = (root: unknown): Slot[] =>
  slotsOf(root).filter((slot) => {
    const value = read(slot);
    if (typeof value !== "string") return false;
    return (
      (typeof slot.key === "string" && IDENTIFIER_FIELDS.has(slot.key)) ||
      value.startsWith(KEY_RESOURCE_PREFIX) ||
      /^A[KS]IA\w+$/.test(value)
    );
  });

export interface IdentifierSwap {
  fixture: string;
  swaps: { at: number; value: string }[];
  delivery: Delivery;
}

export const identifierSwapArb: fc.Arbitrary<IdentifierSwap> = fc.record({
  fixture: fc.constantFrom(...FIXTURES.keys()),
  swaps: fc.array(
    fc.record({
      at: fc.nat(),
      value: fc.oneof(
        accessKeyIdArb,
        userNameArb,
        fc.constantFrom("IAMUser", "AssumedRole", "Root", "Role", "root", "FederatedUser"),
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  delivery: fc.constantFrom<Delivery>("direct", "direct", "sns"),
});

/** Replaces key IDs and user names of a fixture with generated ones, keeping the rest of the event valid. */
export const buildIdentifierSwap = (c: IdentifierSwap): unknown => {
  const event = loadFixture(c.fixture);
  for (const swap of c.swaps) {
    const slots = identifierSlots(event);
    const slot = slots[swap.at % Math.max(slots.length, 1)];
    if (!slot) continue;
    const old = read(slot) as string;
    write(slot, old.startsWith(KEY_RESOURCE_PREFIX) ? KEY_RESOURCE_PREFIX + swap.value : swap.value);
  }
  return deliver(event, c.delivery);
};

// ---------------------------------------------------------------------------------------------------------------
// Structurally valid GuardDuty findings

export interface GuardDutyCase {
  accessKeyId: string;
  userName?: string;
  userType?: unknown;
  principalId?: string;
  severity?: unknown;
  /** Set as additionalInfo.sample. */
  sample?: unknown;
  /** Replaces additionalInfo: GuardDuty's current format is {value: "<JSON with sample>", type: "default"}. */
  additionalInfo?: unknown;
  generated: "none" | "accessKeyId" | "userName" | "principalId" | "apiName";
  count?: unknown;
  updated: boolean;
  accountId?: unknown;
  wrap: "envelope" | "detail" | "sns" | "sns-detail";
}

/** A field left out `absent` times for every `present` times it is there. */
const sometimes = <T>(arb: fc.Arbitrary<T>, absent: number, present: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: absent, arbitrary: fc.constant(undefined) }, { weight: present, arbitrary: arb });

export const guardDutyCaseArb: fc.Arbitrary<GuardDutyCase> = fc.record({
  accessKeyId: accessKeyIdArb,
  userName: sometimes(userNameArb, 1, 3),
  userType: sometimes(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("IAMUser", "AssumedRole", "Root", "Role") },
      { weight: 1, arbitrary: fc.constantFrom("root", "ROOT", "FederatedUser", "AWSService", "") },
      { weight: 1, arbitrary: fc.oneof(nastyString, fc.jsonValue({ maxDepth: 1 })) },
    ),
    1,
    4,
  ),
  principalId: sometimes(fc.oneof(fc.stringMatching(/^AIDA[A-Z0-9]{17}$/), nastyString), 1, 2),
  severity: sometimes(
    fc.oneof(
      { weight: 6, arbitrary: fc.double({ min: 0, max: 10, noNaN: true }) },
      { weight: 3, arbitrary: fc.integer({ min: -5, max: 15 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<unknown>(
          "NaN",
          "5",
          "8.0",
          "Infinity",
          "-1",
          "",
          "high",
          null,
          1e308,
          -0,
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.MIN_VALUE,
        ),
      },
    ),
    1,
    7,
  ),
  sample: sometimes(
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(true) },
      {
        weight: 4,
        arbitrary: fc.constantFrom<unknown>(false, "true", 1, null, { value: true, type: "boolean" }),
      },
    ),
    4,
    1,
  ),
  additionalInfo: sometimes(
    fc.constantFrom<unknown>(
      { value: '{"sample":true}', type: "default" },
      { value: '{"sample":false,"unusual":22}', type: "default" },
      { value: "{not json", type: "default" },
      "sample",
      [],
    ),
    6,
    1,
  ),
  generated: fc.oneof(
    { weight: 16, arbitrary: fc.constant("none" as const) },
    { weight: 4, arbitrary: fc.constantFrom("accessKeyId", "userName", "principalId", "apiName") },
  ),
  count: sometimes(
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(1) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 100 }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>("4", -1, 1.5, null) },
    ),
    1,
    2,
  ),
  // Mostly first sightings: an update reads the key first and, already Inactive, is not written again.
  updated: fc.oneof(
    { weight: 3, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  accountId: sometimes(fc.oneof(fc.constantFrom(SELF_ACCOUNT, MEMBER_ACCOUNT), nastyString), 2, 1),
  wrap: fc.constantFrom("envelope", "envelope", "envelope", "detail", "sns", "sns-detail"),
});

/** A placeholder as GuardDuty's sample findings use, in the field the case names. */
const placeholder = (c: GuardDutyCase, field: GuardDutyCase["generated"], value: string | undefined) =>
  c.generated === field ? `GeneratedFinding${field[0]?.toUpperCase()}${field.slice(1)}` : value;

export const buildGuardDutyEvent = (c: GuardDutyCase): unknown => {
  const keyDetails: Record<string, unknown> = { accessKeyId: placeholder(c, "accessKeyId", c.accessKeyId) };
  const userName = placeholder(c, "userName", c.userName);
  const principalId = placeholder(c, "principalId", c.principalId);
  if (userName !== undefined) keyDetails.userName = userName;
  if (principalId !== undefined) keyDetails.principalId = principalId;
  if (c.userType !== undefined) keyDetails.userType = c.userType;
  const createdAt = "2026-11-20T11:59:00.000Z";
  const detail: Record<string, unknown> = {
    schemaVersion: "2.0",
    region: "us-east-1",
    partition: "aws",
    id: "f022f022f022f022f022f022f022f022",
    type: "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
    title: "Fuzzed finding",
    resource: { resourceType: "AccessKey", accessKeyDetails: keyDetails },
    service: {
      serviceName: "guardduty",
      action: {
        actionType: "AWS_API_CALL",
        awsApiCallAction: {
          api: placeholder(c, "apiName", "ListBuckets"),
          serviceName: "s3.amazonaws.com",
          remoteIpDetails: { ipAddressV4: "203.0.113.24", country: { countryName: "Netherlands" } },
        },
      },
      additionalInfo: c.additionalInfo ?? (c.sample === undefined ? {} : { sample: c.sample }),
      eventFirstSeen: "2026-11-20T11:00:00.000Z",
      ...(c.count === undefined ? {} : { count: c.count }),
    },
    createdAt,
    updatedAt: c.updated ? "2026-11-20T11:59:30.000Z" : createdAt,
  };
  if (c.severity !== undefined) detail.severity = c.severity;
  if (c.accountId !== undefined) detail.accountId = c.accountId;
  const envelope = {
    version: "0",
    id: "f0220000-0000-4000-8000-000000000001",
    "detail-type": "GuardDuty Finding",
    source: "aws.guardduty",
    account: SELF_ACCOUNT,
    time: "2026-11-20T11:59:31Z",
    region: "us-east-1",
    resources: [],
    detail,
  };
  switch (c.wrap) {
    case "envelope":
      return envelope;
    case "detail":
      return detail;
    case "sns":
      return snsWrap(envelope);
    case "sns-detail":
      return snsWrap(detail);
  }
};

/**
 * A sample's placeholder key (`GeneratedFindingAccessKeyId`). Only the key counts: a finding is a sample by AWS's flag
 * or a key no credential can have, never by a name (anyone can call a user `GeneratedFindingUserName`).
 */
const generated = (key: unknown): boolean => typeof key === "string" && key.startsWith("GeneratedFinding");

/** What (d) forbids for a generated finding, decided from the case alone, not from the event the parser sees. */
export const guardDutyForbidden = (c: GuardDutyCase): Map<string, string> => {
  const key = placeholder(c, "accessKeyId", c.accessKeyId) as string;
  const reasons: string[] = [];
  if (c.additionalInfo === undefined && c.sample === true) reasons.push("sample flag");
  if (generated(key)) reasons.push("GeneratedFinding placeholder");
  if (c.userType === "Root") reasons.push("userType Root");
  return reasons.length > 0 ? new Map([[key, reasons.join(", ")]]) : new Map();
};

// ---------------------------------------------------------------------------------------------------------------
// Security Hub events with several ASFF findings, drawing keys from a small pool so that they repeat

const KEY_POOL = ["AKIAPOOLKEY000000001", "AKIAPOOLKEY000000002", "ASIAPOOLKEY000000001"] as const;

export interface AsffCase {
  key: string;
  /** Where the key is: the resource Id, the details, both (possibly different), or a null Id with details. */
  placement: "id" | "details" | "both" | "null-id";
  otherKey: string;
  principalType?: unknown;
  principalName?: string;
  legacyUserName?: string;
  principalId?: string;
  sample?: unknown;
  productSample?: unknown;
  label?: unknown;
  normalized?: unknown;
  account?: unknown;
  fromGuardDuty: boolean;
  /** The product when not GuardDuty: another AWS service, or one an account imported itself (never trusted). */
  otherProduct?: "aws" | "custom";
  /** RecordState and Workflow.Status: anything but ACTIVE and NEW/NOTIFIED/none is a closed case. */
  recordState?: unknown;
  workflowStatus?: unknown;
}

export interface SecurityHubCase {
  findings: AsffCase[];
  wrap: "envelope" | "sns";
}

const poolKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KEY_POOL) },
  { weight: 2, arbitrary: accessKeyIdArb },
);

const asffCaseArb: fc.Arbitrary<AsffCase> = fc.record({
  key: poolKey,
  placement: fc.constantFrom("id", "details", "both", "both", "null-id"),
  otherKey: poolKey,
  principalType: sometimes(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("IAMUser", "AssumedRole", "Root", "Role") },
      {
        weight: 1,
        arbitrary: fc.oneof(fc.constantFrom("root", "FederatedUser", ""), fc.jsonValue({ maxDepth: 1 })),
      },
    ),
    1,
    3,
  ),
  principalName: sometimes(userNameArb, 1, 3),
  legacyUserName: sometimes(userNameArb, 3, 1),
  principalId: sometimes(fc.constantFrom("AIDAPOOLEXAMPLE000001", "GeneratedFindingPrincipalId"), 1, 1),
  sample: sometimes(fc.constantFrom<unknown>(true, false, "true", null), 4, 1),
  productSample: sometimes(
    fc.constantFrom<unknown>(
      '{"sample":true}',
      '{"sample":false}',
      "true",
      true,
      "{not json",
      '{"value":true}',
    ),
    4,
    1,
  ),
  label: sometimes(
    fc.constantFrom<unknown>("CRITICAL", "HIGH", "medium", "LOW", "INFORMATIONAL", "nan", 7),
    1,
    3,
  ),
  normalized: sometimes(
    fc.oneof(fc.integer({ min: -10, max: 120 }), fc.constantFrom<unknown>("50", null)),
    1,
    1,
  ),
  account: sometimes(fc.oneof(fc.constantFrom(SELF_ACCOUNT, MEMBER_ACCOUNT), nastyString), 2, 1),
  fromGuardDuty: fc.boolean(),
  otherProduct: fc.constantFrom<"aws" | "custom">("aws", "aws", "custom"),
  recordState: fc.oneof(
    { weight: 6, arbitrary: fc.constant<unknown>("ACTIVE") },
    { weight: 1, arbitrary: fc.constantFrom<unknown>("ARCHIVED", undefined, "active", 1) },
  ),
  workflowStatus: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<unknown>("NEW", "NOTIFIED", undefined) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>("RESOLVED", "SUPPRESSED", "new", null) },
  ),
});

export const securityHubCaseArb: fc.Arbitrary<SecurityHubCase> = fc.record({
  findings: fc.array(asffCaseArb, { minLength: 1, maxLength: 4 }),
  wrap: fc.constantFrom("envelope", "envelope", "sns"),
});

/** Drops undefined fields, as a JSON event would not have them. */
const compact = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));

const asffFinding = (c: AsffCase, index: number): Record<string, unknown> => {
  const id =
    c.placement === "null-id"
      ? `${KEY_RESOURCE_PREFIX}null`
      : c.placement === "details"
        ? "arn:aws:iam::111111111111:user/fuzz"
        : KEY_RESOURCE_PREFIX + c.key;
  const details = compact({
    AccessKeyId: c.placement === "id" ? undefined : c.placement === "both" ? c.otherKey : c.key,
    PrincipalName: c.principalName,
    UserName: c.legacyUserName,
    PrincipalType: c.principalType,
    PrincipalId: c.principalId,
    Status: "Active",
  });
  return compact({
    SchemaVersion: "2018-10-08",
    Id: `arn:aws:securityhub:us-east-1:111111111111:finding/fuzz-${index}`,
    ProductArn: c.fromGuardDuty
      ? "arn:aws:securityhub:us-east-1::product/aws/guardduty"
      : c.otherProduct === "aws"
        ? "arn:aws:securityhub:us-east-1::product/aws/macie"
        : "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default",
    RecordState: "recordState" in c ? c.recordState : "ACTIVE",
    Workflow: c.workflowStatus === undefined ? undefined : { Status: c.workflowStatus },
    AwsAccountId: c.account,
    Types: ["TTPs/Initial Access/UnauthorizedAccess:IAMUser-MaliciousIPCaller"],
    CreatedAt: "2026-11-20T11:05:47.219Z",
    UpdatedAt: "2026-11-20T11:05:47.219Z",
    Severity: compact({ Label: c.label, Normalized: c.normalized }),
    Title: "Fuzzed Security Hub finding",
    Sample: c.sample,
    ProductFields: compact({ "aws/guardduty/service/count": "1", additionalInfo: c.productSample }),
    Resources: [
      {
        Type: "AwsIamAccessKey",
        Id: id,
        Partition: "aws",
        Region: "us-east-1",
        Details: { AwsIamAccessKey: details },
      },
    ],
  });
};

export const buildSecurityHubEvent = (c: SecurityHubCase): unknown => {
  const envelope = {
    version: "0",
    id: "f0220000-0000-4000-8000-000000000002",
    "detail-type": "Security Hub Findings - Imported",
    source: "aws.securityhub",
    account: SELF_ACCOUNT,
    time: "2026-11-20T11:06:33Z",
    region: "us-east-1",
    resources: [],
    detail: { findings: c.findings.map(asffFinding) },
  };
  return c.wrap === "sns" ? snsWrap(envelope) : envelope;
};

// ---------------------------------------------------------------------------------------------------------------
// The (d) oracle for any event: keys that the raw event itself marks as sample or root

const ROOT_NAMES = new Set(["<root_account>", "root"]);

/** GuardDuty's sample flag for a whole finding, in either of its formats; undefined when not a sample. */
const guardDutySampleFlag = (service: Record<string, unknown> | undefined): string | undefined => {
  const info = service?.additionalInfo;
  if (isRecord(info) && info.sample === true) return "GuardDuty sample flag";
  // GuardDuty's current format: additionalInfo {value: "{\"sample\":true}", type: "default"}.
  if (isRecord(info) && productFieldsSample({ additionalInfo: info.value })) {
    return "GuardDuty sample flag inside additionalInfo.value";
  }
  return undefined;
};
const AWS_PRODUCT = /^arn:aws[a-z-]*:securityhub:[a-z0-9-]+::product\/aws\/[a-z0-9-]+$/;

const productFieldsSample = (fields: unknown): boolean => {
  if (!isRecord(fields)) return false;
  const flag = fields["aws/guardduty/service/additionalInfo/sample"];
  if (flag === true || flag === "true") return true;
  const info = fields.additionalInfo;
  if (info === true || info === "true") return true;
  if (typeof info !== "string") return false;
  try {
    const parsed: unknown = JSON.parse(info);
    return isRecord(parsed) && parsed.sample === true;
  } catch {
    return false;
  }
};

/**
 * Walks the raw event (and an SNS message inside it) for GuardDuty details, ASFF findings and Trusted Advisor items
 * that mark a key as a sample or as root's. Independent of the parsers, so a parser bug cannot hide here.
 */
export const forbiddenKeysOf = (event: unknown): Map<string, string> => {
  // Per key: why some finding marks it root or sample, and whether a real (non-sample) finding names it too.
  const marks = new Map<string, { root?: string; sample?: string; real: boolean }>();
  const mark = (key: unknown, sample: string | undefined, root: string | undefined) => {
    if (typeof key !== "string" || key.length === 0) return;
    const m = marks.get(key) ?? { real: false };
    // A sample's claims are placeholders: only a real finding can say that root owns the key.
    if (sample) m.sample ??= sample;
    else {
      m.real = true;
      if (root) m.root ??= root;
    }
    marks.set(key, m);
  };
  const visit = (node: unknown, depth: number): void => {
    if (depth > 40) return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child, depth + 1);
      return;
    }
    if (!isRecord(node)) return;
    const resource = node.resource;
    const service = isRecord(node.service) ? node.service : undefined;
    if (isRecord(resource) && isRecord(resource.accessKeyDetails)) {
      const d = resource.accessKeyDetails;
      const sample =
        guardDutySampleFlag(service) ??
        (generated(d.accessKeyId) ? "GeneratedFinding placeholder" : undefined);
      mark(d.accessKeyId, sample, d.userType === "Root" ? "GuardDuty userType Root" : undefined);
    }
    // An attack sequence names its credentials in the actors and in ACCESS_KEY resources.
    const sequence = isRecord(service?.detection) ? service.detection.sequence : undefined;
    if (isRecord(sequence)) {
      const sample = guardDutySampleFlag(service);
      for (const actor of Array.isArray(sequence.actors) ? sequence.actors : []) {
        const user = isRecord(actor) && isRecord(actor.user) ? actor.user : {};
        const root = user.type === "Root" ? "attack sequence actor of type Root" : undefined;
        mark(
          user.credentialUid,
          sample ?? (generated(user.credentialUid) ? "GeneratedFinding placeholder" : undefined),
          root,
        );
      }
      for (const r of Array.isArray(sequence.resources) ? sequence.resources : []) {
        if (!isRecord(r) || r.resourceType !== "ACCESS_KEY") continue;
        const key = isRecord(r.data) && isRecord(r.data.accessKey) ? r.data.accessKey : {};
        const root =
          key.userType === "Root" ? "attack sequence ACCESS_KEY resource of a Root user" : undefined;
        mark(r.uid, sample ?? (generated(r.uid) ? "GeneratedFinding placeholder" : undefined), root);
      }
    }
    if (Array.isArray(node.Resources)) {
      const flagged = node.Sample === true || productFieldsSample(node.ProductFields);
      // Only AWS's own products are evidence, and only while the finding is open (the oracle's own reading).
      const untrusted =
        typeof node.ProductArn !== "string" || !AWS_PRODUCT.test(node.ProductArn)
          ? "Security Hub finding from a product AWS did not make"
          : node.RecordState !== "ACTIVE" ||
              (isRecord(node.Workflow) &&
                node.Workflow.Status !== undefined &&
                !["NEW", "NOTIFIED"].includes(node.Workflow.Status as string))
            ? "closed Security Hub finding"
            : undefined;
      for (const r of node.Resources) {
        if (!isRecord(r)) continue;
        const details =
          isRecord(r.Details) && isRecord(r.Details.AwsIamAccessKey) ? r.Details.AwsIamAccessKey : {};
        // ASFF names the resource by its Id; the details' key only counts when the Id carries none.
        const fromId =
          typeof r.Id === "string" && r.Id.startsWith(KEY_RESOURCE_PREFIX)
            ? r.Id.slice(KEY_RESOURCE_PREFIX.length)
            : "";
        const key = fromId && fromId !== "null" ? fromId : details.AccessKeyId;
        const sample = flagged
          ? "Security Hub sample"
          : generated(key)
            ? "GeneratedFinding placeholder"
            : untrusted;
        mark(key, sample, details.PrincipalType === "Root" ? "Security Hub PrincipalType Root" : undefined);
      }
    }
    const item = node["check-item-detail"];
    if (isRecord(item)) {
      const user = item["User Name (IAM or Root)"];
      const root = typeof user === "string" && ROOT_NAMES.has(user.trim().toLowerCase());
      mark(item["Access Key ID"], undefined, root ? "Trusted Advisor root user" : undefined);
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === "Message" && typeof child === "string" && child.length < 10 * HUGE) {
        try {
          visit(JSON.parse(child), depth + 1);
        } catch {
          // Not JSON: nothing to look into.
        }
      } else {
        visit(child, depth + 1);
      }
    }
  };
  visit(event, 0);
  // Root is never the responder's to touch, whatever another finding says; a sample only when no real finding
  // names the same key.
  const forbidden = new Map<string, string>();
  for (const [key, m] of marks) {
    if (m.root) forbidden.set(key, m.root);
    else if (m.sample && !m.real) forbidden.set(key, m.sample);
  }
  return forbidden;
};

/**
 * Only a person's manual request, invoked directly on the manual function, may set a key Active: no finding, no
 * other function and no SNS notification ever reactivates one.
 */
const mayReactivate = (event: unknown, handler: FunctionName): boolean =>
  handler === "manual" && isRecord(event) && event.status === "Active" && !("Records" in event);

/** Approve mode may call IAM: a request sent directly to the manual function, or a Health event (listed exception). */
const approvedWithout = (event: unknown, handler: FunctionName): boolean => {
  if (!isRecord(event)) return false;
  const direct =
    handler === "manual" && "accessKeyId" in event && !("Records" in event) && !("source" in event);
  const records = event.Records;
  const inner =
    Array.isArray(records) && isRecord(records[0]) && isRecord(records[0].Sns)
      ? (() => {
          try {
            return JSON.parse(String(records[0].Sns.Message)) as unknown;
          } catch {
            return undefined;
          }
        })()
      : event;
  return direct || (isRecord(inner) && inner.source === "aws.health");
};

/** The text (g) looks for at the start of every alert line; INJECTION_STRINGS put it into every kind of field. */
export const FORGED_LINE = "ALL CLEAR";

/** Every line a person reads: the text, the subject, and the chat card's title, description and next steps. */
const alertLines = (alert: Alert): string[] => {
  const card = JSON.parse((JSON.parse(snsMessage(alert)) as { https: string }).https) as {
    content?: { title?: string; description?: string; nextSteps?: string[] };
  };
  return [
    alert.subject,
    alert.text,
    card.content?.title ?? "",
    card.content?.description ?? "",
    ...(card.content?.nextSteps ?? []),
  ].flatMap((block) => block.split(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/));
};

const FUNCTION_NAMES = ["guardduty", "leakedCredentials", "securityHub", "manual"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

// ---------------------------------------------------------------------------------------------------------------
// The responder under test: a mocked IAM, a recording publish, fixed identity and clock

const PROTECTED_USERS = "breakglass-admin, FUZZ-USER ,judy@example.com,Alice";

export const CONFIG_ENVS = {
  default: {},
  protected: { PROTECTED_USERS },
  "opt-ins": {
    PROTECTED_USERS,
    REVOKE_SESSIONS: "true",
    DISABLE_SIBLING_KEYS: "true",
    TAG_USER: "true",
    ATTACH_QUARANTINE_POLICY: "true",
    MEMBER_ROLE_NAME: "access-key-responder-member",
    MIN_SEVERITY: "0",
    ENRICH_CLOUDTRAIL: "true",
  },
  "dry-run": { PROTECTED_USERS, DRY_RUN: "true" },
  approve: {
    PROTECTED_USERS,
    RESPONDER_MODE: "approve",
    CONTAIN_WITHOUT_APPROVAL: "health",
    REVOKE_SESSIONS: "true",
  },
} as const satisfies Record<string, Record<string, string>>;
export type ConfigName = keyof typeof CONFIG_ENVS;

const CONFIGS = Object.fromEntries(
  Object.entries(CONFIG_ENVS).map(([name, env]) => [name, loadConfig(env)]),
) as Record<ConfigName, Config>;

/** The oracle's reading of PROTECTED_USERS: IAM user names compare case-insensitively. */
const protectedNames = (name: ConfigName): Set<string> => {
  const raw: string | undefined = (CONFIG_ENVS[name] as { PROTECTED_USERS?: string }).PROTECTED_USERS;
  return new Set(
    (raw ?? "")
      .split(",")
      .map((entry) => entry.trim().toLowerCase())
      .filter(Boolean),
  );
};

export interface Scenario {
  config: ConfigName;
  /** What GetAccessKeyLastUsed answers; undefined, "root" and "<root_account>" mean the root user. */
  owner: string | undefined;
  /** "inactive": ListAccessKeys always shows the key Inactive; "stateful": Active until UpdateAccessKey. */
  listing: "inactive" | "stateful";
  /** ListAccessKeys also shows an Active key created after the finding was first seen. */
  sibling: boolean;
  /** How UpdateAccessKey fails, if at all. */
  fault: "none" | "explicit-deny" | "access-denied" | "no-such-entity" | "throttling";
  publishFails: boolean;
  /** 2: the same event is delivered again to the same container (EventBridge and Lambda retry). */
  deliveries: 1 | 2;
  requestId?: string;
  /** The function that was invoked: every one accepts every event, only manual may reactivate. */
  handler: FunctionName;
  /**
   * The account that owns every key of the event, as STS GetAccessKeyInfo answers: ours, or the member's. IAM in the
   * other account has no such key (NoSuchEntity) but has same-named users and roles, on which writes succeed.
   */
  keyAccount: "self" | "member";
}

export const DEFAULT_SCENARIO: Scenario = {
  config: "default",
  owner: FUZZ_OWNER,
  listing: "inactive",
  sibling: false,
  fault: "none",
  publishFails: false,
  deliveries: 1,
  handler: "manual",
  keyAccount: "self",
};

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  config: fc.constantFrom<ConfigName>(
    "default",
    "default",
    "protected",
    "protected",
    "opt-ins",
    "opt-ins",
    "dry-run",
    "approve",
  ),
  owner: fc.oneof(
    { weight: 8, arbitrary: fc.constant(FUZZ_OWNER) },
    // A user no configuration protects, so that an owner looked up in the member account can be written there.
    { weight: 3, arbitrary: fc.constant("erin") },
    {
      weight: 2,
      arbitrary: fc.constantFrom<string | undefined>(
        "FUZZ-USER",
        "root",
        "<root_account>",
        undefined,
        "breakglass-admin",
        "bad user; rm -rf /",
        "",
      ),
    },
  ),
  listing: fc.constantFrom<Scenario["listing"]>("inactive", "stateful"),
  sibling: fc.boolean(),
  fault: fc.oneof(
    { weight: 8, arbitrary: fc.constant<Scenario["fault"]>("none") },
    {
      weight: 2,
      arbitrary: fc.constantFrom<Scenario["fault"]>(
        "explicit-deny",
        "access-denied",
        "no-such-entity",
        "throttling",
      ),
    },
  ),
  publishFails: fc.oneof(
    { weight: 9, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
  deliveries: fc.constantFrom<1 | 2>(1, 1, 1, 2),
  requestId: fc.constantFrom<string | undefined>(undefined, REQUEST_ID),
  handler: fc.constantFrom<FunctionName>(...FUNCTION_NAMES, "manual", "manual"),
  // One case in four: the key lives in the member account, with the member role ("opt-ins") or without (the rest).
  keyAccount: fc.constantFrom<Scenario["keyAccount"]>("self", "self", "self", "member"),
});

const awsError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

const FAULTS: Record<Exclude<Scenario["fault"], "none">, () => Error> = {
  "explicit-deny": () =>
    awsError("AccessDenied", "User is not authorized to perform iam:UpdateAccessKey with an explicit deny"),
  "access-denied": () => awsError("AccessDenied", "User is not authorized to perform iam:UpdateAccessKey"),
  "no-such-entity": () => awsError("NoSuchEntityException", "The user with name x cannot be found."),
  throttling: () => awsError("Throttling", "Rate exceeded"),
};

/**
 * A key of the same-named user in the account that does not own the event's keys. Only a write in the wrong account
 * can reach it (a sibling key disabled there, say), and (j) reports any such write.
 */
export const OTHER_ACCOUNT_KEY = "AKIAOTHERACCOUNT0001";

/** What IAM answers for a key that does not exist in the account asked (every account but the key's owner). */
const noSuchKey = (key: unknown): Error =>
  awsError("NoSuchEntityException", `The Access Key with id ${String(key)} cannot be found.`);

/** The policy revokeOlderSessions writes: deny everything to credentials issued before a time. */
const isDenyAllBefore = (document: unknown): boolean => {
  try {
    const policy = JSON.parse(String(document)) as { Statement?: Record<string, unknown>[] };
    return (policy.Statement ?? []).some(
      (s) =>
        s.Effect === "Deny" &&
        JSON.stringify(s.Action) === '["*"]' &&
        isRecord(s.Condition) &&
        isRecord(s.Condition.DateLessThan) &&
        typeof s.Condition.DateLessThan["aws:TokenIssueTime"] === "string",
    );
  } catch {
    return false;
  }
};

/**
 * The fake IAM of one account in one run. The account that owns the event's keys (Scenario.keyAccount) has every key
 * the responder asks about, with the status the scenario gives, and answers as it always did. The other account has
 * none of them: GetAccessKeyLastUsed and UpdateAccessKey answer NoSuchEntity, and ListAccessKeys shows only the
 * same-named user's own key (OTHER_ACCOUNT_KEY); but its same-named users and roles exist, so policy writes and tags
 * there succeed, which is the mistake (j) is for. The scenario's fault is the owning account's UpdateAccessKey's.
 */
class FakeAccount {
  readonly statuses = new Map<string, "Active" | "Inactive">();
  readonly rootOwned = new Map<string, string>();
  /** A deny-all for older sessions was written here (PutRolePolicy or PutUserPolicy): what contains an ASIA key. */
  sessionsRevoked = false;
  constructor(
    readonly id: string,
    readonly scenario: Scenario,
    readonly owns: boolean,
  ) {
    if (!owns) this.statuses.set(OTHER_ACCOUNT_KEY, "Active");
  }

  /** Whether IAM in this account has the key, so that a write on it could take effect. */
  has(key: unknown): boolean {
    return typeof key === "string" && (this.owns ? ACCESS_KEY_ID.test(key) : key === OTHER_ACCOUNT_KEY);
  }

  /** A key's status, asked about or not: "stateful" keys are Active, "inactive" ones Inactive, until written. */
  statusOf(key: string): "Active" | "Inactive" {
    return this.statuses.get(key) ?? (this.scenario.listing === "stateful" ? "Active" : "Inactive");
  }

  know(key: unknown): void {
    if (this.owns && typeof key === "string" && ACCESS_KEY_ID.test(key) && !this.statuses.has(key)) {
      this.statuses.set(key, this.statusOf(key));
    }
  }

  lastUsed(input: { AccessKeyId?: string }) {
    if (!this.owns) {
      if (input.AccessKeyId !== OTHER_ACCOUNT_KEY) throw noSuchKey(input.AccessKeyId);
      return { UserName: FUZZ_OWNER, AccessKeyLastUsed: { Region: "us-east-1", ServiceName: "s3" } };
    }
    this.know(input.AccessKeyId);
    const owner = this.scenario.owner;
    if (input.AccessKeyId && (!owner || owner.toLowerCase() === "root" || owner === "<root_account>")) {
      this.rootOwned.set(input.AccessKeyId, `GetAccessKeyLastUsed answered ${JSON.stringify(owner)} (root)`);
    }
    return { UserName: owner, AccessKeyLastUsed: { Region: "us-east-1", ServiceName: "s3" } };
  }

  list(input: { UserName?: string }) {
    if (!this.owns) {
      const own = { UserName: input.UserName, AccessKeyId: OTHER_ACCOUNT_KEY, CreateDate: NOW };
      return { AccessKeyMetadata: [{ ...own, Status: this.statusOf(OTHER_ACCOUNT_KEY) }] };
    }
    const keys = [...this.statuses].map(([id, status]) => ({
      UserName: input.UserName,
      AccessKeyId: id,
      Status: this.scenario.listing === "inactive" ? "Inactive" : status,
      CreateDate: new Date("2026-01-01T00:00:00.000Z"),
    }));
    const sibling = { UserName: input.UserName, AccessKeyId: SIBLING_KEY, Status: "Active", CreateDate: NOW };
    return { AccessKeyMetadata: this.scenario.sibling ? [...keys, sibling] : keys };
  }

  update(input: { AccessKeyId?: string; Status?: string }) {
    if (!this.owns && !this.has(input.AccessKeyId)) throw noSuchKey(input.AccessKeyId);
    if (this.owns && this.scenario.fault !== "none") throw FAULTS[this.scenario.fault]();
    if (input.AccessKeyId)
      this.statuses.set(input.AccessKeyId, input.Status === "Active" ? "Active" : "Inactive");
    return {};
  }

  putPolicy(input: { PolicyDocument?: string }) {
    if (isDenyAllBefore(input.PolicyDocument)) this.sessionsRevoked = true;
    return {};
  }
}

/** The accounts of one run, each made when first called. */
class FakeWorld {
  readonly accounts = new Map<string, FakeAccount>();
  /** The account STS GetAccessKeyInfo names for every key of the event. */
  readonly owner: string;
  constructor(readonly scenario: Scenario) {
    this.owner = scenario.keyAccount === "member" ? MEMBER_ACCOUNT : SELF_ACCOUNT;
  }
  account(id: string): FakeAccount {
    let account = this.accounts.get(id);
    if (!account) {
      account = new FakeAccount(id, this.scenario, id === this.owner);
      this.accounts.set(id, account);
    }
    return account;
  }
  get owning(): FakeAccount {
    return this.account(this.owner);
  }
}

let current: FakeWorld | undefined;

let stub: AwsClientStub<IAMClient> | undefined;
// One client per account for every run: mockClient replaces send on the prototype, so every instance is mocked and
// no request ever leaves the process. Sinon records each call's instance (getClient, thisValue): its account.
const clients = new Map<string, IAMClient>();
const accountOfClient = new WeakMap<object, string>();

const clientIn = (account: string): IAMClient => {
  let client = clients.get(account);
  if (!client) {
    client = new IAMClient({
      region: "us-east-1",
      credentials: { accessKeyId: "AKIAFUZZHARNESS00001", secretAccessKey: "fuzz" },
    });
    clients.set(account, client);
    accountOfClient.set(client, account);
  }
  return client;
};

/** The fake account a call went to, from the client it was sent on (read before the behaviour's first await). */
const fakeIn = (client: unknown): FakeAccount => {
  const account = typeof client === "object" && client !== null ? accountOfClient.get(client) : undefined;
  if (!current) throw new Error("IAM called outside a fuzz run");
  if (account === undefined) throw new Error("IAM called on a client the fuzz harness did not make");
  return current.account(account);
};

/**
 * The IAM mock, with behaviours that read the current run's FakeWorld. It is set up once and its history reset
 * before every run: stub.reset() makes a new sinon stub that sinon's default sandbox keeps for good (about 100 KB
 * each with its call history), which ran the 80,000-case CLI run out of memory.
 */
const iamStub = (): AwsClientStub<IAMClient> => {
  if (!stub) {
    stub = mockClient(IAMClient);
    stub.on(GetAccessKeyLastUsedCommand).callsFake(async (input, client) => fakeIn(client()).lastUsed(input));
    stub.on(ListAccessKeysCommand).callsFake(async (input, client) => fakeIn(client()).list(input));
    stub.on(UpdateAccessKeyCommand).callsFake(async (input, client) => fakeIn(client()).update(input));
    stub.on(PutUserPolicyCommand).callsFake(async (input, client) => fakeIn(client()).putPolicy(input));
    stub.on(PutRolePolicyCommand).callsFake(async (input, client) => fakeIn(client()).putPolicy(input));
    stub.on(TagUserCommand).resolves({});
    stub.on(AttachUserPolicyCommand).resolves({});
  }
  return stub;
};

/** Gives IAMClient its real send back (vitest afterAll, end of the CLI run). */
export const restoreIamMock = (): void => {
  stub?.restore();
  stub = undefined;
  clients.clear();
};

/** The member role's account, as AssumeRole would act in it; any other role is refused, as STS would refuse it. */
const assumedAccount = (roleArn: string, config: Config): string => {
  const match = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
  if (!match || config.memberRoleName === undefined || match[2] !== config.memberRoleName) {
    throw awsError("AccessDenied", `not authorized to perform sts:AssumeRole on ${roleArn}`);
  }
  return match[1] as string;
};

const WRITE_COMMANDS = [
  { type: UpdateAccessKeyCommand, fields: ["UserName", "AccessKeyId"] },
  { type: PutUserPolicyCommand, fields: ["UserName"] },
  { type: PutRolePolicyCommand, fields: ["RoleName"] },
  { type: TagUserCommand, fields: ["UserName"] },
  { type: AttachUserPolicyCommand, fields: ["UserName"] },
] as const;
const READ_COMMANDS = [GetAccessKeyLastUsedCommand, ListAccessKeysCommand] as const;

const FIELD_PATTERN: Record<string, RegExp> = {
  UserName: USER_NAME,
  RoleName: USER_NAME,
  AccessKeyId: ACCESS_KEY_ID,
};

/** Counters across runs, so the CLI can show that the properties met many meaningful cases. */
export const coverage = {
  runs: 0,
  alerts: 0,
  updateAccessKey: 0,
  otherWrites: 0,
  guarded: 0,
  responderErrors: 0,
  /** Runs whose keys the member account owns (Scenario.keyAccount "member"). */
  memberKeys: 0,
  /** STS GetAccessKeyInfo look-ups the responder made. */
  ownerLookUps: 0,
  /** Writes made in the member account when it owned the keys: the member role's path was exercised. */
  memberWrites: 0,
  /** Deliveries whose alert said no-action or contained, so that (k) checked their keys in the owning account. */
  settledAlerts: 0,
};

export const resetCoverage = (): void => {
  for (const key of Object.keys(coverage) as (keyof typeof coverage)[]) coverage[key] = 0;
};

/**
 * What respond must do about alerts, per (e): none for ignored events and for invalid manual requests, otherwise
 * one (or, for an event too large for one SNS message, several parts).
 */
export const expectedAlerts = (parsed: ParsedEvent): 0 | 1 => {
  if (parsed.kind === "ignored") return 0;
  if (parsed.kind === "invalid" && parsed.source === "manual") return 0;
  return 1;
};

const clipForMessage = (value: string): string =>
  JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…(${value.length} chars)` : value);

/** A key ID (k) holds the alert to: a valid one with the long-term or the temporary prefix. */
const NAMED_KEY = /^A[KS]IA\w{12,124}$/;
/** Verdicts that tell people nothing is left to do about the event's keys. */
const SETTLED_VERDICTS: readonly string[] = ["no-action", "contained"];
/**
 * The designed exceptions to (k): a sample is not a real case, and a finding a person closed was decided by that
 * person, so the verdict is no-action while the key stays Active. Only keys whose outcome is skipped for one of
 * these reasons are exempt.
 */
const SETTLED_WHILE_ACTIVE: readonly string[] = ["sample", "closed"];

/**
 * Test seams for the harness's own self-tests (test/fuzz): a responder made to ask the wrong account, or to act in
 * it, must be caught by (j) and (k). The fuzz runs never set them.
 */
export interface Seams {
  /** Replaces STS GetAccessKeyInfo's answer (the scenario's owning account). */
  keyAccount?: (accessKeyId: string) => string;
  /** Replaces the account of the IAM client iamFor returns for a plan (ours, or the member role's). */
  iamAccount?: (plan: Plan) => string;
}

/**
 * (k) after one delivery: an alert saying no-action or contained (the `outcome` attribute, the document's verdict)
 * while a key the event names is still Active in the account that owns it. The keys are the summary's valid AKIA/ASIA
 * key IDs and the keys the owning account was asked about. "Active": a long-term key is as the owning account's fake
 * holds it at the end of the delivery ("stateful": Active until set Inactive; "inactive": Inactive from the start). A
 * temporary (ASIA) key has no status UpdateAccessKey could change: it is live until its sessions are revoked, so it
 * counts as contained only once a deny-all for older sessions was written in the owning account (any principal of
 * it: the harness does not know which role issued the key), and Active otherwise, whatever the listing.
 */
const checkSettled = (
  delivery: number,
  published: Alert[],
  summary: Summary | undefined,
  world: FakeWorld,
  fail: (property: string, message: string) => void,
): void => {
  const verdicts = new Set(published.map((alert) => alert.attributes.outcome ?? alert.document.verdict));
  for (const alert of published) {
    if (alert.attributes.outcome !== alert.document.verdict) {
      fail(
        "k",
        `delivery ${delivery}: outcome attribute ${alert.attributes.outcome} but verdict ${alert.document.verdict}`,
      );
    }
  }
  const settled = [...verdicts].filter((verdict) => SETTLED_VERDICTS.includes(verdict));
  if (settled.length === 0) return;
  coverage.settledAlerts++;
  const owning = world.owning;
  const outcomes = new Map((summary?.outcomes ?? []).map((o) => [o.accessKeyId, o]));
  const named = new Set(
    [...outcomes.keys(), ...owning.statuses.keys()].filter(
      (key) => NAMED_KEY.test(key) && key !== SIBLING_KEY && key !== OTHER_ACCOUNT_KEY,
    ),
  );
  for (const key of named) {
    const o = outcomes.get(key);
    if (o?.status === "skipped" && SETTLED_WHILE_ACTIVE.includes(o.reason ?? "")) continue;
    // A person's request to reactivate asks for Active: "no-action" is then true, "contained" never is.
    if (o?.action === "reactivate-key" && !settled.includes("contained")) continue;
    const active = key.startsWith("ASIA") ? !owning.sessionsRevoked : owning.statusOf(key) === "Active";
    if (!active) continue;
    fail(
      "k",
      `delivery ${delivery}: the alert says ${settled.join("/")} while ${clipForMessage(key)} is still Active in ` +
        `account ${owning.id}, which owns it (outcome ${o ? `${o.status}${o.reason ? `/${o.reason}` : ""}` : "none"})`,
    );
  }
};

/**
 * Runs the whole flow on one event and checks (b)–(k). `forbidden` adds keys the caller knows must not be written
 * (from a generated case); the raw-event oracle always applies as well. Throws a FuzzViolation listing every problem.
 */
export const checkRespond = async (
  event: unknown,
  scenario: Scenario,
  forbidden: ReadonlyMap<string, string> = new Map(),
  seams: Seams = {},
): Promise<void> => {
  const stub = iamStub();
  const problems: FuzzViolation["problems"] = [];
  const fail = (property: string, message: string) => problems.push({ property, message });

  const world = new FakeWorld(scenario);
  stub.resetHistory();
  current = world;
  const config = CONFIGS[scenario.config];

  const alerts: Alert[] = [];
  // Built untyped, then assigned: extra members (metrics sink, enrichment) do not break an older Responder type.
  const wiring = {
    config,
    identity: async () => ({ account: SELF_ACCOUNT, partition: "aws", handler: scenario.handler }),
    // Our client for a plan without a role; the member role's account's client for one with it.
    iamFor: async (plan: Plan) => {
      const account =
        seams.iamAccount?.(plan) ??
        (plan.roleArn === undefined ? SELF_ACCOUNT : assumedAccount(plan.roleArn, config));
      world.account(account).know(plan.finding.accessKeyId);
      return clientIn(account);
    },
    // STS GetAccessKeyInfo: the owning account of any valid key ID, whoever asks; it refuses an invalid one.
    keyAccount: async (accessKeyId: string) => {
      coverage.ownerLookUps++;
      if (!ACCESS_KEY_ID.test(accessKeyId)) throw awsError("ValidationError", "invalid AccessKeyId");
      return seams.keyAccount?.(accessKeyId) ?? world.owner;
    },
    publish: async (alert: Alert): Promise<"published"> => {
      alerts.push(alert);
      if (scenario.publishFails) throw awsError("InternalError", "SNS is having a bad day");
      return "published";
    },
    seen: new RecentEvents(),
    now: () => NOW,
    log: silentLog,
    record: () => {},
    // CloudTrail enrichment (ENRICH_CLOUDTRAIL): fails with the IAM faults, so the note path is covered too.
    activity: async () => {
      if (scenario.fault === "throttling") throw awsError("ThrottlingException", "Rate exceeded");
      return {
        events: 2,
        since: "2026-11-19T12:00:00.000Z",
        topActions: [{ name: "s3:ListBuckets", count: 2 }],
        sourceIps: [{ ip: "203.0.113.24", count: 2 }],
      };
    },
  };
  const responder: Responder = wiring;

  /** Where each delivery's IAM calls start in the stub's history. */
  const deliveryStarts: number[] = [];
  for (let delivery = 1; delivery <= scenario.deliveries; delivery++) {
    deliveryStarts.push(stub.calls().length);
    // The documented contract (a) is the oracle for (e): respond alerts on exactly what parseEvent does not ignore.
    let expected: 0 | 1;
    try {
      const parsed = parseEvent(event, scenario.requestId);
      if (!["findings", "ignored", "invalid"].includes(parsed.kind))
        fail("a", `parseEvent returned ${parsed.kind}`);
      expected = expectedAlerts(parsed);
    } catch (error) {
      fail("a", `parseEvent threw ${String(error)}`);
      break;
    }
    const before = alerts.length;
    let summary: Summary | undefined;
    try {
      summary = await respond(event, responder, scenario.requestId);
    } catch (error) {
      if (error instanceof ResponderError) {
        summary = error.summary;
        coverage.responderErrors++;
      } else {
        fail("b", `respond threw ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
    const published = alerts.slice(before);
    // A large event is split into parts (summary.alertParts); otherwise exactly one alert, never a duplicate.
    if (published.length !== (expected === 0 ? 0 : (summary?.alertParts ?? 1))) {
      fail(
        "e",
        `delivery ${delivery}: ${published.length} alert(s) published, expected ${expected} ` +
          `(summary result ${summary?.result}, reason ${summary?.reason})`,
      );
    }
    // One incident, one message to people (audience all or people): never two, and none only for an event that makes
    // none, or one whose every key is a repeat that changed nothing (already-done), which reaches programs only.
    const toPeople = published.filter((a) => ["all", "people"].includes(a.attributes.audience ?? "")).length;
    const onlyRepeats =
      (summary?.outcomes.length ?? 0) > 0 && summary?.outcomes.every((o) => o.status === "already-done");
    if (toPeople > 1 || (expected === 1 && toPeople === 0 && !onlyRepeats)) {
      fail("e", `delivery ${delivery}: ${toPeople} message(s) to people, expected one`);
    }
    if (summary && (summary.alert === "none") !== (expected === 0)) {
      fail(
        "e",
        `delivery ${delivery}: summary.alert is ${summary.alert} for an event that expects ${expected}`,
      );
    }
    for (const alert of published) {
      // An alert SNS would refuse is an alert nobody gets.
      // SNS counts the attributes too: each one's name, data type and value.
      const bytes =
        Buffer.byteLength(snsMessage(alert)) +
        Object.entries(alert.attributes).reduce(
          (sum, [name, value]) => sum + Buffer.byteLength(name) + "String".length + Buffer.byteLength(value),
          0,
        );
      if (bytes > SNS_MAX_BYTES) fail("f", `SNS message of ${bytes} bytes (limit ${SNS_MAX_BYTES})`);
      if (!SUBJECT.test(alert.subject))
        fail("f", `subject ${clipForMessage(alert.subject)} (${alert.subject.length})`);
      for (const line of alertLines(alert)) {
        if (
          line
            .trimStart()
            .replace(/^[-*>#\s]+/, "")
            .startsWith(FORGED_LINE)
        ) {
          fail("g", `an alert line starts with text from the event: ${clipForMessage(line)}`);
        }
      }
    }
    checkSettled(delivery, published, summary, world, fail);
  }

  // (c), (d) and (j) over every command the fake IAM received, from all deliveries.
  const writeProtected = protectedNames(scenario.config);
  current = undefined;
  const keyForbidden = new Map([...forbiddenKeysOf(event), ...forbidden]);
  // Keys GetAccessKeyLastUsed said root owns, from that answer to the end of the delivery: a write sent before it
  // named the user the event gave, which IAM can only apply to that user's key, never to root's.
  const knownRoot = new Map<string, string>();
  const reactivationAllowed = mayReactivate(event, scenario.handler);
  const calls = stub.calls();
  if (CONFIGS[scenario.config].dryRun && calls.length > 0) {
    fail("c", `dry run sent ${calls.length} IAM command(s)`);
  }
  // Approve mode calls IAM only for a person's direct request or a listed exception (CONTAIN_WITHOUT_APPROVAL=health).
  if (
    CONFIGS[scenario.config].mode === "approve" &&
    calls.length > 0 &&
    !approvedWithout(event, scenario.handler)
  ) {
    fail("i", `approve mode sent ${calls.length} IAM command(s) for an event nobody approved`);
  }
  let guarded = keyForbidden.size > 0;
  for (const [index, call] of calls.entries()) {
    // Each delivery starts without knowing the owner, as a new invocation does.
    if (deliveryStarts.includes(index)) knownRoot.clear();
    const command: unknown = call.args[0];
    const name = (command as { constructor: { name: string } }).constructor.name;
    const input = ((command as { input?: unknown }).input ?? {}) as Record<string, unknown>;
    const write = WRITE_COMMANDS.find((w) => command instanceof w.type);
    // The account the call acted in: the client it was sent on (sinon's thisValue for a prototype stub).
    const account = accountOfClient.get(call.thisValue as object);
    if (account === undefined) {
      fail("c", `${name} sent on an IAM client the harness did not make`);
      continue;
    }
    const fake = world.account(account);
    const rootReason =
      command instanceof GetAccessKeyLastUsedCommand
        ? fake.rootOwned.get(String(input.AccessKeyId))
        : undefined;
    if (rootReason) knownRoot.set(String(input.AccessKeyId), rootReason);
    if (!write) {
      if (!READ_COMMANDS.some((type) => command instanceof type)) fail("c", `unexpected IAM command ${name}`);
      continue;
    }
    if (write.type === UpdateAccessKeyCommand) coverage.updateAccessKey++;
    else coverage.otherWrites++;
    // (j) Only the account that owns the keys may be written in. UpdateAccessKey of a key that account does not have
    // is no write: IAM refuses it (NoSuchEntity), and it is how the responder learns the key lives elsewhere.
    if (account !== world.owner) {
      const refused = write.type === UpdateAccessKeyCommand && !fake.has(input.AccessKeyId);
      if (!refused) {
        const target = write.fields
          .map((field) => `${field}=${clipForMessage(String(input[field]))}`)
          .join(" ");
        fail("j", `${name} ${target} in account ${account}; STS names ${world.owner} as the keys' owner`);
      }
    } else if (account === MEMBER_ACCOUNT) {
      coverage.memberWrites++;
    }
    for (const field of write.fields) {
      const value = input[field];
      if (typeof value !== "string" || !(FIELD_PATTERN[field] as RegExp).test(value)) {
        fail(
          "c",
          `${name} sent ${field}=${typeof value === "string" ? clipForMessage(value) : String(value)}`,
        );
      }
    }
    const user = input.UserName;
    if (typeof user === "string" && writeProtected.has(user.toLowerCase())) {
      fail("d", `${name} for protected user ${clipForMessage(user)}`);
    }
    if (write.type !== UpdateAccessKeyCommand) continue;
    const key = input.AccessKeyId;
    if (typeof key !== "string") continue;
    if (key.startsWith("ASIA")) fail("d", `UpdateAccessKey for temporary key ${clipForMessage(key)}`);
    const reason = keyForbidden.get(key) ?? knownRoot.get(key);
    if (reason) fail("d", `UpdateAccessKey for ${clipForMessage(key)}: ${reason}`);
    if (input.Status === "Active" && !reactivationAllowed) {
      fail(
        "h",
        `UpdateAccessKey set ${clipForMessage(key)} Active through ${scenario.handler}, not a direct manual request`,
      );
    }
    if (input.Status !== "Active" && input.Status !== "Inactive")
      fail("c", `UpdateAccessKey Status=${input.Status}`);
  }
  const text = JSON.stringify(event)?.toLowerCase() ?? "";
  if (text.includes('"asia') || [...writeProtected].some((name) => text.includes(name))) guarded = true;

  coverage.runs++;
  if (scenario.keyAccount === "member") coverage.memberKeys++;
  coverage.alerts += alerts.length;
  if (guarded) coverage.guarded++;
  if (problems.length > 0) throw new FuzzViolation(problems);
};

/** (a) for one input: no throw, and a result of one of the three documented kinds, each well formed. */
export const checkParse = (event: unknown): void => {
  let parsed: ParsedEvent;
  try {
    parsed = parseEvent(event, REQUEST_ID);
  } catch (error) {
    throw new FuzzViolation([
      {
        property: "a",
        message: `parseEvent threw ${error instanceof Error ? (error.stack ?? error.message) : error}`,
      },
    ]);
  }
  const problems: FuzzViolation["problems"] = [];
  if (parsed.kind === "findings") {
    if (!Array.isArray(parsed.findings) || parsed.findings.length === 0) {
      problems.push({ property: "a", message: "kind findings with no finding" });
    } else if (
      parsed.findings.some(
        // Only a finding that names no credential at all (a GuardDuty attack sequence) has an empty key ID.
        (f) =>
          typeof f.accessKeyId !== "string" || (f.accessKeyId.length === 0 && f.noCredential === undefined),
      )
    ) {
      problems.push({ property: "a", message: "a finding without an access key ID string" });
    }
  } else if (parsed.kind === "ignored" || parsed.kind === "invalid") {
    if (typeof parsed.reason !== "string" || parsed.reason.length === 0) {
      problems.push({ property: "a", message: `kind ${parsed.kind} without a reason` });
    }
  } else {
    problems.push({
      property: "a",
      message: `unknown kind ${JSON.stringify((parsed as { kind: unknown }).kind)}`,
    });
  }
  if (problems.length > 0) throw new FuzzViolation(problems);
};

// ---------------------------------------------------------------------------------------------------------------
// Property groups, run by both the vitest sample and the CLI

export interface GroupResult {
  failed: boolean;
  numRuns: number;
  seed: number;
  counterexample: unknown;
  counterexamplePath: string | null;
  error: unknown;
  /** The event the counterexample builds, for reading; the seed and path replay it exactly. */
  event?: unknown;
}

export interface FuzzGroup {
  name: string;
  /** Which of (a)–(k) the group checks. */
  properties: string;
  check(params: { numRuns: number; seed?: number }): Promise<GroupResult>;
  /** fc.assert, failing with a readable (clipped) counterexample instead of 100k-character strings. */
  assert(params: { numRuns: number; seed?: number }): Promise<void>;
}

const toResult = <T, Ts extends [T, ...unknown[]]>(
  details: fc.RunDetails<Ts>,
  build: (value: T) => unknown,
): GroupResult => {
  const first = details.counterexample?.[0] as T | undefined;
  let event: unknown;
  try {
    event = first === undefined ? undefined : build(first);
  } catch {
    event = undefined;
  }
  return {
    failed: details.failed,
    numRuns: details.numRuns,
    seed: details.seed,
    counterexample: details.counterexample,
    counterexamplePath: details.counterexamplePath,
    error: details.errorInstance,
    event,
  };
};

/** Shortens huge strings so a counterexample stays readable; the seed and path replay the exact case. */
export const describeValue = (value: unknown): string =>
  JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === "string" && v.length > 120) return `${v.slice(0, 60)}…(${v.length} chars)`;
      if (typeof v === "number" && !Number.isFinite(v)) return `<${v}>`;
      if (typeof v === "bigint") return `<${v}n>`;
      if (v === undefined) return "<undefined>";
      return v;
    },
    2,
  ) ?? String(value);

export const formatFailure = (name: string, result: GroupResult): string =>
  [
    `FAILED: ${name} (seed ${result.seed}, path ${result.counterexamplePath})`,
    result.error instanceof Error ? result.error.message : String(result.error),
    `counterexample: ${describeValue(result.counterexample)}`,
    ...(result.event === undefined ? [] : [`event: ${describeValue(result.event)}`]),
  ].join("\n");

const parseGroup = <T>(name: string, arb: fc.Arbitrary<T>, build: (value: T) => unknown): FuzzGroup => {
  const property = fc.property(arb, (value) => checkParse(build(value)));
  return {
    name,
    properties: "a",
    check: async (params) => toResult(fc.check(property, params), build),
    assert: async (params) =>
      fc.assert(property, {
        ...params,
        reporter: (details) => {
          if (details.failed) throw new Error(formatFailure(name, toResult(details, build)));
        },
      }),
  };
};

const respondGroup = <T>(
  name: string,
  arb: fc.Arbitrary<T>,
  build: (value: T) => unknown,
  options: {
    forbidden?: (value: T) => ReadonlyMap<string, string>;
    /** Cases that once failed, run first on every run so that a regression cannot hide behind chance. */
    examples?: T[];
    /** Cases run first in a given world (DEFAULT_SCENARIO with these changes): paths chance reaches too rarely. */
    scenarioExamples?: [T, Partial<Scenario>][];
  } = {},
): FuzzGroup => {
  const property = fc.asyncProperty(arb, scenarioArb, (value, scenario) =>
    checkRespond(build(value), scenario, options.forbidden?.(value)),
  );
  const examples = [
    ...(options.examples ?? []).map((value): [T, Scenario] => [value, DEFAULT_SCENARIO]),
    ...(options.scenarioExamples ?? []).map(([value, changes]): [T, Scenario] => [
      value,
      { ...DEFAULT_SCENARIO, ...changes },
    ]),
  ];
  return {
    name,
    properties: "b-k",
    check: async (params) => toResult(await fc.check(property, { ...params, examples }), build),
    assert: (params) =>
      fc.assert(property, {
        ...params,
        examples,
        reporter: (details) => {
          if (details.failed) throw new Error(formatFailure(name, toResult(details, build)));
        },
      }),
  };
};

// Regression corpus: the minimal inputs of the src bugs this suite found (see the fuzzing report).
const HUGE_TYPE_AT = slotsOf(loadFixture("guardduty-iam-user.json")).findIndex((slot) => slot.key === "type");

const POOL_FINDING: AsffCase = {
  key: "AKIAPOOLKEY000000001",
  placement: "id",
  otherKey: "AKIAPOOLKEY000000001",
  fromGuardDuty: false,
};

const REGRESSIONS = {
  /** A 100k-character finding type makes an alert SNS refuses (over 256 KiB); checked with FUZZ_STRICT=1. */
  hugeFindingType: {
    fixture: "guardduty-iam-user.json",
    mutations: [{ op: "string", at: HUGE_TYPE_AT, value: "x".repeat(HUGE) }],
    delivery: "direct",
  } satisfies MutatedFixture,
  /** GuardDuty's current sample flag, {value: "{\"sample\":true}"}, is not read; checked with FUZZ_STRICT=1. */
  wrappedSampleFlag: {
    accessKeyId: "AKIAALICE00000000001",
    userName: "alice",
    userType: "IAMUser",
    severity: 5,
    additionalInfo: { value: '{"sample":true}', type: "default" },
    generated: "none",
    count: 1,
    updated: false,
    wrap: "envelope",
  } satisfies GuardDutyCase,
  /** Two findings name one key, the first as root's: the last one wins and the key is written. */
  rootThenUser: {
    wrap: "envelope",
    findings: [
      { ...POOL_FINDING, principalType: "Root" },
      { ...POOL_FINDING, principalType: "IAMUser", principalName: "alice" },
    ],
  } satisfies SecurityHubCase,
};

/**
 * The key lives in the member account, through each way the responder can learn it (IAM's NoSuchEntity in our account,
 * a request naming no account, a temporary key's session revocation), with the member role and without. The groups
 * run the OWNERSHIP cases in these worlds before the random ones, so that (j) and (k) meet on every run the paths
 * that chance reaches in about one case in sixteen (the member's key, and the opt-ins configuration).
 */
const KEY_ELSEWHERE: Partial<Scenario>[] = [
  { config: "opt-ins", keyAccount: "member", owner: "erin", listing: "stateful", handler: "guardduty" },
  {
    config: "opt-ins",
    keyAccount: "member",
    owner: "erin",
    listing: "stateful",
    handler: "guardduty",
    deliveries: 2,
  },
  { config: "default", keyAccount: "member", owner: "erin", listing: "stateful", handler: "guardduty" },
];

/** A new GuardDuty finding of our account, severe enough to act on, in its EventBridge envelope. */
const OUR_FINDING = {
  severity: 8,
  generated: "none",
  count: 1,
  updated: false,
  accountId: SELF_ACCOUNT,
  wrap: "envelope",
} as const satisfies Partial<GuardDutyCase>;

const OWNERSHIP = {
  /** A GuardDuty finding of our account naming a user and a key that STS places in the member account. */
  memberKey: {
    accessKeyId: "AKIAERIN000000000001",
    userName: "erin",
    userType: "IAMUser",
    ...OUR_FINDING,
  } satisfies GuardDutyCase,
  /** A role session's temporary key, used in our account, issued in the member account (sessions revoked there). */
  memberSession: {
    accessKeyId: "ASIAMEMBERSESSION001",
    userName: "web-instance-role",
    userType: "AssumedRole",
    principalId: "AROAEXAMPLEROLEID001",
    ...OUR_FINDING,
  } satisfies GuardDutyCase,
  /** A person's request that names no account (manual-disable.json as it is: its user name swapped for itself). */
  requestWithoutAccount: {
    fixture: "manual-disable.json",
    swaps: [{ at: 1, value: "ivan" }],
    delivery: "direct",
  } satisfies IdentifierSwap,
};

/**
 * (k): a reactivation request delivered again (the key already Active, as asked) is reported "contained", "CONTAINED
 * (already Active)", while the key is Active.
 */
const REACTIVATED_AGAIN: [IdentifierSwap, Partial<Scenario>] = [
  { fixture: "manual-reactivate.json", swaps: [{ at: 1, value: "ivan" }], delivery: "direct" },
  { listing: "stateful", deliveries: 2 },
];

const inEveryWorld = <T>(value: T): [T, Partial<Scenario>][] =>
  KEY_ELSEWHERE.map((scenario) => [value, scenario]);

// Inputs a Lambda never gets from JSON (undefined, Maps, null prototypes, sparse arrays), still never a throw.
const exoticValue = fc.anything({
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withSparseArray: true,
  withBoxedValues: true,
  withObjectString: true,
});

const asIs = (event: unknown): unknown => event;

export const fuzzGroups = (): FuzzGroup[] => [
  parseGroup("parseEvent: arbitrary JSON", arbitraryEvent, asIs),
  parseGroup("parseEvent: any JS value", exoticValue, asIs),
  parseGroup("parseEvent: mutated fixtures", mutatedFixtureArb, buildMutatedFixture),
  respondGroup("respond: arbitrary JSON", arbitraryEvent, asIs),
  respondGroup("respond: mutated fixtures", mutatedFixtureArb, buildMutatedFixture, {
    examples: [REGRESSIONS.hugeFindingType],
  }),
  respondGroup("respond: fixtures with swapped identifiers", identifierSwapArb, buildIdentifierSwap, {
    scenarioExamples: [
      ...inEveryWorld(OWNERSHIP.requestWithoutAccount).map(
        ([value, scenario]): [IdentifierSwap, Partial<Scenario>] => [
          value,
          { ...scenario, handler: "manual" },
        ],
      ),
      REACTIVATED_AGAIN,
    ],
  }),
  respondGroup("respond: generated GuardDuty findings", guardDutyCaseArb, buildGuardDutyEvent, {
    forbidden: guardDutyForbidden,
    examples: [REGRESSIONS.wrappedSampleFlag],
    scenarioExamples: [...inEveryWorld(OWNERSHIP.memberKey), ...inEveryWorld(OWNERSHIP.memberSession)],
  }),
  respondGroup("respond: generated Security Hub events", securityHubCaseArb, buildSecurityHubEvent, {
    examples: [REGRESSIONS.rootThenUser],
  }),
];
