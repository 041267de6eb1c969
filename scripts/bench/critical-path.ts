// Section 1: the AWS calls each event kind makes up to and including the key's UpdateAccessKey.
import type { AwsDouble, RecordedCall } from "../../test/support/aws-double";
import { ACCOUNT, containerOn, FIXTURE_USERS, type FixtureUser, lambdaContext, loadEvent } from "./fixtures";
import { blocks, containerMethod, type Section, table, type Verdict } from "./report";

/**
 * Label, fixture, function, the owners of the keys it names, and the target: 1 call when the event names the user,
 * 1 more when the owner must be looked up (GetAccessKeyLastUsed), 1 more when it names no account (a manual request:
 * a person may paste any key, so STS GetAccessKeyInfo names the owning account before the write).
 */
const CASES: [string, string, Parameters<typeof containerOn>[1], FixtureUser[], number][] = [
  ["GuardDuty, IAM user", "guardduty-iam-user", "guardduty", ["alice"], 1],
  ["AWS Health, two keys", "health-credentials-exposed-two-keys", "leakedCredentials", ["bob", "carol"], 2],
  ["Trusted Advisor", "trusted-advisor-exposed-key", "leakedCredentials", ["frank"], 1],
  ["Security Hub (GuardDuty finding in ASFF)", "security-hub-principal-name", "securityHub", ["grace"], 1],
  ["Manual, with user", "manual-disable", "manual", ["ivan"], 2],
  ["Manual, no user", "manual-disable-no-user", "manual", ["ivan"], 3],
];

/** Calls that are allowed before the write, and why. Anything else before the write is "enrichment". */
const ROLE_BEFORE_WRITE: Record<string, string> = {
  GetAccessKeyLastUsed: "owner lookup",
  GetAccessKeyInfo: "owning account (STS), when the event names none",
  ListAccessKeys: "status read (repeat check)",
};

/** The opt-in enrichment switch the responder reads (src/shared/config.ts); the second pass turns it on. */
const ENRICHMENT = "ENRICH_CLOUDTRAIL=true";

/** One call from the double's log, with JSON-protocol calls (CloudTrail) decoded. */
type Call = { label: string; action: string; key?: string; user?: string };

/**
 * The double speaks only the Query protocol. A JSON-protocol client (CloudTrail) still reaches it and is logged with
 * an empty action and its JSON body as the only form key; it gets an error reply, which the enrichment tolerates.
 */
const normalize = (call: RecordedCall): Call => {
  if (call.action === "") {
    type Lookup = { LookupAttributes?: { AttributeKey?: string; AttributeValue?: string }[] };
    const lookup = (() => {
      try {
        return JSON.parse(Object.keys(call.params)[0] ?? "") as Lookup;
      } catch {
        return undefined;
      }
    })();
    const key = lookup?.LookupAttributes?.find((a) => a.AttributeKey === "AccessKeyId")?.AttributeValue;
    const action = lookup?.LookupAttributes ? "cloudtrail:LookupEvents" : "non-Query request";
    return { label: `${action}${key ? `(${key})` : ""}`, action, key };
  }
  const { UserName: user, AccessKeyId: key } = call.params;
  const target = [user, key].filter(Boolean).join("/");
  const failed = call.status < 200 || call.status >= 300 ? ` → ${call.status}` : "";
  const label = `${call.service}:${call.action}${target ? `(${target})` : ""}${failed}`;
  return { label, action: call.action, key, user };
};

const isEnrichment = (c: Call) =>
  !(c.action in ROLE_BEFORE_WRITE) && !["UpdateAccessKey", "Publish"].includes(c.action);
/** Every case once, each in a new container on a freshly seeded double: a row per key, a sequence per case. */
const runPass = async (double: AwsDouble, env: Record<string, string>) => {
  const rows = [];
  const sequences: string[][] = [];
  for (const [label, fixture, fn, users, target] of CASES) {
    double.reset();
    for (const user of users) double.addUser({ name: user, keys: [{ id: FIXTURE_USERS[user] }] });
    let outcome: string;
    try {
      const summary = await containerOn(double, fn, env)(loadEvent(fixture), lambdaContext());
      const keys = summary.outcomes.map((o) => `${o.accessKeyId} ${o.status}`).join(", ");
      outcome = `${summary.result}: ${keys}; alert ${summary.alert}`;
    } catch (error) {
      outcome = `threw: ${error instanceof Error ? error.message : String(error)}`;
    }
    const calls = double.calls.map(normalize);
    sequences.push([label, calls.map((call) => call.label).join(" → "), outcome]);
    for (const user of users) {
      const key = FIXTURE_USERS[user];
      const writeAt = calls.findIndex((c) => c.action === "UpdateAccessKey" && c.key === key);
      // Calls about another key (a different key or user) do not count for this one.
      const mine = (c: Call) => (c.key ?? key) === key && (c.user ?? user) === user;
      const upToWrite = writeAt < 0 ? [] : calls.slice(0, writeAt + 1).filter(mine);
      const before = upToWrite.slice(0, -1);
      const count = writeAt < 0 ? undefined : upToWrite.length;
      // Enrichment calls anywhere in the run, and whether each came after this key's write.
      const enrichment = calls.flatMap((c, i) =>
        isEnrichment(c) && mine(c) && c.action !== "ListAccessKeys"
          ? [`${c.label} ${writeAt >= 0 && i > writeAt ? "after" : "BEFORE"} the write`]
          : [],
      );
      rows.push({ label, key, user, target, count, before, enrichment, status: double.keyStatus(key) });
    }
  }
  return { rows, sequences };
};

type Row = Awaited<ReturnType<typeof runPass>>["rows"][number];
const publishBefore = (r: Row) => r.before.some((c) => c.action === "Publish");
const enrichmentBefore = (r: Row) => r.before.filter(isEnrichment).map((c) => c.label);
const clean = (r: Row) => r.count !== undefined && !publishBefore(r) && enrichmentBefore(r).length === 0;
const listed = (items: string[], none: string) => (items.length ? items.join(", ") : none);

/** Why the Security Hub fixture takes 2 calls: the documented read-first for mirrored GuardDuty findings. */
const READ_FIRST =
  "calls, by design. The fixture is a GuardDuty finding mirrored into Security Hub (`ProductArn` ends in " +
  "`/aws/guardduty`). `findingsOf` in src/findings/security-hub.ts sets `update: true` for every such finding, so " +
  "the plan reads the key first (`ListAccessKeys`, `checkFirst`) and reports an already-Inactive key as a repeat " +
  "instead of writing twice. The same finding also reaches the guardduty function directly, so with " +
  "`securityHubRule` on, each GuardDuty finding comes in twice. The read is a deliberate trade-off that costs one " +
  "IAM round trip. It is not an enrichment call, and no Publish comes before the write. To get back to 1 call, keep " +
  "GuardDuty-product findings out of the securityHub rule: in serverless.yml, add an `anything-but` filter on " +
  "`detail.findings.ProductArn` (suffix `/product/aws/guardduty`) to that rule's pattern. The guardduty rule " +
  "already delivers those findings, so a mirrored finding would never reach this path, and the read-first flag " +
  "would only apply to real updates (`count > 1` or `UpdatedAt ≠ CreatedAt`). That holds only where GuardDuty's " +
  "own events reach this account's event bus.";

export const section: Section = {
  title: "Critical path: AWS calls before the write",
  run: async ({ double }) => {
    const plain = await runPass(double, {});
    const enriched = await runPass(double, Object.fromEntries([ENRICHMENT.split("=")]));
    const securityHub = plain.rows.find((r) => r.label.startsWith("Security Hub"));
    const generic = plain.rows.filter((r) => r !== securityHub);
    const missed = generic.filter((r) => !clean(r) || (r.count ?? 0) > r.target);
    const verdicts: Verdict[] = [
      {
        target:
          "1 call when the event names the user, 2 when the owner must be looked up, 1 more when it names no account (a manual request); no Publish or enrichment before the write",
        met: missed.length === 0,
        text:
          missed.length === 0
            ? `GuardDuty, Health (per key), Trusted Advisor and both manual requests meet it: ${generic.map((r) => `${r.user} ${r.count}/${r.target}`).join(", ")}.`
            : `missed for ${missed.map((r) => `${r.label} ${r.key} (${r.count ?? "no write"} vs ${r.target})`).join("; ")}.`,
      },
    ];
    if (securityHub) {
      const { count, before } = securityHub;
      const met = clean(securityHub) && (count ?? 0) <= securityHub.target;
      const readFirst = count === 2 && before.length === 1 && before[0]?.action === "ListAccessKeys";
      const tradeOff =
        "2 calls: a GuardDuty finding mirrored into Security Hub reads the key first (ListAccessKeys), so one " +
        "finding delivered twice is written once.";
      const labels = before.map((c) => c.label);
      const otherwise = `${count ?? "no write"} calls; before the write: ${listed(labels, "—")}.`;
      verdicts.push({
        target: "Security Hub: 1 call (the event names grace)",
        met,
        text: met ? `${count} call.` : readFirst ? `${count} ${READ_FIRST}` : otherwise,
        ...(!met && readFirst ? { tradeOff } : {}),
      });
    }
    const seen = enriched.rows.some((r) => r.enrichment.length > 0);
    const bad = enriched.rows.filter((r, i) => !clean(r) || r.count !== plain.rows[i]?.count);
    verdicts.push({
      target: `with every opt-in enrichment on (${ENRICHMENT}), still no enrichment call or Publish before any write`,
      met: bad.length === 0 && seen,
      text: !seen
        ? "no enrichment call was observed at all, so this pass proves nothing. The switch may have been renamed in src/shared/config.ts; update ENRICHMENT in scripts/bench/critical-path.ts."
        : bad.length === 0
          ? "every CloudTrail look-up came after the key's write, and the call counts before the write are unchanged."
          : `violated for ${bad.map((r) => `${r.label} ${r.key} (before the write: ${listed(enrichmentBefore(r), "—")})`).join("; ")}.`,
    });

    const yes = (flag: boolean) => (flag ? "YES" : "no");
    const roles = (r: Row) => r.before.map((c) => `${c.action} (${ROLE_BEFORE_WRITE[c.action] ?? "other"})`);
    const plainRows = plain.rows.map((r) => [
      ...[r.label, `${r.user} ${r.key}`, r.target, r.count ?? "no write", listed(roles(r), "—")],
      ...[yes(publishBefore(r)), listed(enrichmentBefore(r), "none"), r.status ?? "missing"],
    ]);
    const enrichedRows = enriched.rows.map((r) => [
      ...[r.label, `${r.user} ${r.key}`, r.count ?? "no write", listed(enrichmentBefore(r), "none")],
      ...[listed(r.enrichment, "none observed"), yes(publishBefore(r))],
    ]);

    return {
      method:
        `Each fixture is run once in-process through a fresh ${containerMethod("<function>")}. The Lambda context has ` +
        `\`invokedFunctionArn\` \`arn:aws:lambda:us-east-1:${ACCOUNT}:function:access-key-responder-bench\`, so ` +
        "identity comes from the ARN and STS is not called. Before each run the double is reset and seeded only with " +
        "the users the fixture names, each with one Active key. The count comes from the double's call log: calls up " +
        "to and including the `UpdateAccessKey` for that key. Calls about another key (a different `AccessKeyId` or " +
        "`UserName`) are left out, so an event with two keys is counted per key even though the handler works on both " +
        "at once. Calls that name no key (STS, Publish) are counted. A second pass repeats every fixture with the " +
        "opt-in enrichment switched on, to check that it never runs before a write.",
      body: blocks(
        table(
          "Event | Key | Target | Calls up to and incl. UpdateAccessKey | Before the write | Publish before? | Enrichment before? | Key after",
          plainRows,
        ),
        "Full call sequence per event (every call to the double, in order; `→ 400` marks an error reply):",
        table("Event | Sequence | Handler result", plain.sequences),
        `Second pass, with the opt-in enrichment on (\`${ENRICHMENT}\`). The double speaks only the Query protocol, so ` +
          "each CloudTrail `LookupEvents` (JSON protocol) is logged and answered with an error. The responder records " +
          "that as a note in the alert, which is enough to see where the call falls:",
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
