// Section 1: the AWS calls each event kind makes up to and including the key's UpdateAccessKey.
import type { AwsDouble, RecordedCall } from "../../test/support/aws-double";
import { containerOn, FIXTURE_USERS, type FixtureUser, lambdaContext, loadEvent } from "./fixtures";
import { blocks, type Section, table, type Verdict } from "./report";

interface Case {
  label: string;
  fixture: string;
  fn: "guardduty" | "leakedCredentials" | "securityHub" | "manual";
  /** The owners of the keys the event names. */
  users: FixtureUser[];
  /** The event itself names the owner; otherwise it is looked up first (GetAccessKeyLastUsed): one call more. */
  userInEvent: boolean;
  /**
   * The event names no account for the key (a manual request without `account`: a person may paste any key), so STS
   * GetAccessKeyInfo names the owning account before the write: one call more.
   */
  accountAsked?: true;
}

const CASES: Case[] = [
  {
    label: "GuardDuty, IAM user",
    fixture: "guardduty-iam-user",
    fn: "guardduty",
    users: ["alice"],
    userInEvent: true,
  },
  {
    label: "AWS Health, two keys",
    fixture: "health-credentials-exposed-two-keys",
    fn: "leakedCredentials",
    users: ["bob", "carol"],
    userInEvent: false,
  },
  {
    label: "Trusted Advisor",
    fixture: "trusted-advisor-exposed-key",
    fn: "leakedCredentials",
    users: ["frank"],
    userInEvent: true,
  },
  {
    label: "Security Hub (GuardDuty finding in ASFF)",
    fixture: "security-hub-principal-name",
    fn: "securityHub",
    users: ["grace"],
    userInEvent: true,
  },
  {
    label: "Manual, with user",
    fixture: "manual-disable",
    fn: "manual",
    users: ["ivan"],
    userInEvent: true,
    accountAsked: true,
  },
  {
    label: "Manual, no user",
    fixture: "manual-disable-no-user",
    fn: "manual",
    users: ["ivan"],
    userInEvent: false,
    accountAsked: true,
  },
];

/** Calls that are allowed before the write, and why. Anything else before the write is "enrichment". */
const ROLE_BEFORE_WRITE: Record<string, string> = {
  GetAccessKeyLastUsed: "owner lookup",
  GetAccessKeyInfo: "owning account (STS), when the event names none",
  ListAccessKeys: "status read (repeat check)",
};

/** The opt-in enrichment switches the responder reads (src/shared/config.ts); the second pass turns them all on. */
const ENRICHMENT_ENV = { ENRICH_CLOUDTRAIL: "true" };
const enrichmentSwitches = (quote: string) =>
  Object.entries(ENRICHMENT_ENV)
    .map(([k, v]) => `${quote}${k}=${v}${quote}`)
    .join(", ");

/** One call from the double's log, with JSON-protocol calls (CloudTrail) decoded. */
interface Call {
  label: string;
  action: string;
  key?: string;
  user?: string;
}

/**
 * The double speaks only the Query protocol. A JSON-protocol client (CloudTrail) still reaches it and is logged with
 * an empty action and its JSON body as the only form key; it gets an error reply, which the enrichment tolerates.
 */
const normalize = (call: RecordedCall): Call => {
  if (call.action === "") {
    let lookup: { LookupAttributes?: { AttributeKey?: string; AttributeValue?: string }[] } | undefined;
    try {
      lookup = JSON.parse(Object.keys(call.params)[0] ?? "") as typeof lookup;
    } catch {
      lookup = undefined;
    }
    const key = lookup?.LookupAttributes?.find((a) => a.AttributeKey === "AccessKeyId")?.AttributeValue;
    const action = lookup?.LookupAttributes ? "cloudtrail:LookupEvents" : "non-Query request";
    return { label: `${action}${key ? `(${key})` : ""}`, action, key };
  }
  const { UserName: user, AccessKeyId: key } = call.params;
  const target = [user, key].filter(Boolean).join("/");
  const failed = call.status < 200 || call.status >= 300 ? ` → ${call.status}` : "";
  return {
    label: `${call.service}:${call.action}${target ? `(${target})` : ""}${failed}`,
    action: call.action,
    key,
    user,
  };
};

/** A call belongs to another key when it names a different key or a different user. */
const concernsOtherKey = (call: Call, key: string, user: string): boolean =>
  (call.key !== undefined && call.key !== key) || (call.user !== undefined && call.user !== user);

const isEnrichment = (c: Call) =>
  !(c.action in ROLE_BEFORE_WRITE) && !["UpdateAccessKey", "Publish"].includes(c.action);

interface KeyRow {
  label: string;
  key: string;
  user: string;
  target: number;
  count: number | undefined;
  before: Call[];
  publishBefore: boolean;
  enrichmentBefore: string[];
  /** Enrichment calls anywhere in the run, and whether each came after this key's write. */
  enrichment: { label: string; afterWrite: boolean }[];
  finalStatus: string | undefined;
}

/** Every case once, each in a new container on a freshly seeded double: a row per key, a sequence per case. */
const runPass = async (double: AwsDouble, extraEnv: Record<string, string>) => {
  const rows: KeyRow[] = [];
  const sequences: string[][] = [];
  for (const testCase of CASES) {
    double.reset();
    for (const user of testCase.users) double.addUser({ name: user, keys: [{ id: FIXTURE_USERS[user] }] });
    const handler = containerOn(double, testCase.fn, extraEnv);
    let outcome: string;
    try {
      const summary = await handler(loadEvent(testCase.fixture), lambdaContext());
      outcome = `${summary.result}: ${summary.outcomes.map((o) => `${o.accessKeyId} ${o.status}`).join(", ")}; alert ${summary.alert}`;
    } catch (error) {
      outcome = `threw: ${error instanceof Error ? error.message : String(error)}`;
    }
    const calls = double.calls.map(normalize);
    sequences.push([testCase.label, calls.map((call) => call.label).join(" → "), outcome]);

    for (const user of testCase.users) {
      const key = FIXTURE_USERS[user];
      const writeAt = calls.findIndex((c) => c.action === "UpdateAccessKey" && c.key === key);
      const upToWrite =
        writeAt < 0 ? [] : calls.slice(0, writeAt + 1).filter((c) => !concernsOtherKey(c, key, user));
      const before = upToWrite.slice(0, -1);
      rows.push({
        label: testCase.label,
        key,
        user,
        target: (testCase.userInEvent ? 1 : 2) + (testCase.accountAsked ? 1 : 0),
        count: writeAt < 0 ? undefined : upToWrite.length,
        before,
        publishBefore: before.some((c) => c.action === "Publish"),
        enrichmentBefore: before.filter(isEnrichment).map((c) => c.label),
        enrichment: calls
          .map((c, i) => ({ c, i }))
          .filter(
            ({ c }) => isEnrichment(c) && !concernsOtherKey(c, key, user) && c.action !== "ListAccessKeys",
          )
          .map(({ c, i }) => ({ label: c.label, afterWrite: writeAt >= 0 && i > writeAt })),
        finalStatus: double.keyStatus(key),
      });
    }
  }
  return { rows, sequences };
};

/** Why the Security Hub fixture takes 2 calls: the documented read-first for mirrored GuardDuty findings. */
const READ_FIRST =
  "calls, by design. The fixture is a GuardDuty finding mirrored into Security Hub " +
  "(`ProductArn` ends in `/aws/guardduty`). `findingsOf` in src/findings/security-hub.ts sets `update: true` for every " +
  "such finding, so the plan reads the key first (`ListAccessKeys`, `checkFirst`) and reports an already-Inactive key " +
  "as a repeat instead of writing twice. The same finding also reaches the guardduty function directly, so with " +
  "`securityHubRule` on, each GuardDuty finding comes in twice. The read is a deliberate trade-off that costs one " +
  "IAM round trip. It is not an enrichment call, and no Publish comes before the write. To get back to 1 call, keep " +
  "GuardDuty-product findings out of the securityHub rule: in serverless.yml, add an `anything-but` filter on " +
  "`detail.findings.ProductArn` (suffix `/product/aws/guardduty`) to that rule's pattern. The guardduty rule already " +
  "delivers those findings, so a mirrored finding would never reach this path, and the read-first flag would only " +
  "apply to real updates (`count > 1` or `UpdatedAt ≠ CreatedAt`). That holds only where GuardDuty's own events " +
  "reach this account's event bus.";

const clean = (r: KeyRow) => r.count !== undefined && !r.publishBefore && r.enrichmentBefore.length === 0;

export const criticalPath: Section = {
  title: "Critical path: AWS calls before the write",
  run: async ({ double }) => {
    const plain = await runPass(double, {});
    const enriched = await runPass(double, ENRICHMENT_ENV);
    const verdicts: Verdict[] = [];

    const securityHub = plain.rows.find((r) => r.label.startsWith("Security Hub"));
    const generic = plain.rows.filter((r) => r !== securityHub);
    const genericMissed = generic.filter((r) => !clean(r) || (r.count ?? 0) > r.target);
    verdicts.push({
      target:
        "1 call when the event names the user, 2 when the owner must be looked up, 1 more when it names no account (a manual request); no Publish or enrichment before the write",
      met: genericMissed.length === 0,
      text:
        genericMissed.length === 0
          ? `GuardDuty, Health (per key), Trusted Advisor and both manual requests meet it: ${generic.map((r) => `${r.user} ${r.count}/${r.target}`).join(", ")}.`
          : `missed for ${genericMissed.map((r) => `${r.label} ${r.key} (${r.count ?? "no write"} vs ${r.target})`).join("; ")}.`,
    });
    if (securityHub) {
      const met = clean(securityHub) && (securityHub.count ?? 0) <= securityHub.target;
      const readFirst =
        securityHub.count === 2 &&
        securityHub.before.length === 1 &&
        securityHub.before[0]?.action === "ListAccessKeys";
      const tradeOff =
        "2 calls: a GuardDuty finding mirrored into Security Hub reads the key first (ListAccessKeys), so one " +
        "finding delivered twice is written once.";
      verdicts.push({
        target: "Security Hub: 1 call (the event names grace)",
        met,
        text: met
          ? `${securityHub.count} call.`
          : readFirst
            ? `${securityHub.count} ${READ_FIRST}`
            : `${securityHub.count ?? "no write"} calls; before the write: ${securityHub.before.map((c) => c.label).join(", ") || "—"}.`,
        ...(!met && readFirst ? { tradeOff } : {}),
      });
    }

    const enrichmentSeen = enriched.rows.some((r) => r.enrichment.length > 0);
    const enrichedBad = enriched.rows.filter((r, i) => !clean(r) || r.count !== plain.rows[i]?.count);
    verdicts.push({
      target: `with every opt-in enrichment on (${enrichmentSwitches("")}), still no enrichment call or Publish before any write`,
      met: enrichedBad.length === 0 && enrichmentSeen,
      text: !enrichmentSeen
        ? "no enrichment call was observed at all, so this pass proves nothing. The switch may have been renamed in src/shared/config.ts; update ENRICHMENT_ENV in scripts/bench/critical-path.ts."
        : enrichedBad.length === 0
          ? "every CloudTrail look-up came after the key's write, and the call counts before the write are unchanged."
          : `violated for ${enrichedBad.map((r) => `${r.label} ${r.key} (before the write: ${r.enrichmentBefore.join(", ") || "—"})`).join("; ")}.`,
    });

    const keyOf = (r: KeyRow) => `${r.user} ${r.key}`;
    const yes = (flag: boolean) => (flag ? "YES" : "no");
    const listed = (items: string[], none: string) => (items.length ? items.join(", ") : none);
    const plainRows = plain.rows.map((r) => [
      r.label,
      keyOf(r),
      r.target,
      r.count ?? "no write",
      listed(
        r.before.map((c) => `${c.action} (${ROLE_BEFORE_WRITE[c.action] ?? "other"})`),
        "—",
      ),
      yes(r.publishBefore),
      listed(r.enrichmentBefore, "none"),
      r.finalStatus ?? "missing",
    ]);
    const enrichedRows = enriched.rows.map((r) => [
      r.label,
      keyOf(r),
      r.count ?? "no write",
      listed(r.enrichmentBefore, "none"),
      listed(
        r.enrichment.map((e) => `${e.label} ${e.afterWrite ? "after" : "BEFORE"} the write`),
        "none observed",
      ),
      yes(r.publishBefore),
    ]);

    return {
      method:
        "Each fixture is run once in-process through a fresh `createHandler(<function>, env)` from src/entry/handler.ts (a new " +
        "container, so nothing is remembered between events). `env` is the loopback double's endpoint and credentials plus " +
        "`ALERT_TOPIC_ARN=arn:aws:sns:us-east-1:111111111111:alerts`. The Lambda context has `invokedFunctionArn` " +
        "`arn:aws:lambda:us-east-1:111111111111:function:access-key-responder-bench`, so identity comes from the ARN and STS is not called. " +
        "Before each run the double is reset and seeded only with the users the fixture names, each with one Active key. " +
        "The count comes from the double's call log: calls up to and including the `UpdateAccessKey` for that key. Calls " +
        "about another key (a different `AccessKeyId` or `UserName`) are left out, so an event with two keys is counted " +
        "per key even though the handler works on both at once. Calls that name no key (STS, Publish) are counted. " +
        "A second pass repeats every fixture with the opt-in enrichment switched on, to check that it never runs before a write.",
      body: blocks(
        table(
          "Event | Key | Target | Calls up to and incl. UpdateAccessKey | Before the write | Publish before? | Enrichment before? | Key after",
          plainRows,
        ),
        "Full call sequence per event (every call to the double, in order; `→ 400` marks an error reply):",
        table("Event | Sequence | Handler result", plain.sequences),
        `Second pass, with the opt-in enrichment on (${enrichmentSwitches("`")}). The double speaks only the Query ` +
          "protocol, so each CloudTrail `LookupEvents` (JSON protocol) is logged and answered with an error. The responder " +
          "records that as a note in the alert, which is enough to see where the call falls:",
        table(
          "Event | Key | Calls up to and incl. UpdateAccessKey | Enrichment before the write | Enrichment calls | Publish before?",
          enrichedRows,
        ),
        table("Event | Sequence (enrichment on) | Handler result", enriched.sequences),
      ),
      verdicts,
    };
  },
};
