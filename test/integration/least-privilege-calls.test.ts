// The code makes no call that only an opt-in's permission would allow while that opt-in is off: with the default
// configuration the deployed role lacks those permissions (test/template/least-privilege.test.ts), so such a call
// would fail in production. Each case is also run with its opt-in on, to show the check sees the call.
import { describe, expect, it } from "vitest";
import { loopbackDouble, respondTo, useDouble } from "../support/harness";
import { MEMBER_ACCOUNT, MEMBER_ROLE, SELF_ACCOUNT } from "../support/world";

const double = loopbackDouble({ pointEnv: false });

/** Calls only an opt-in's permission allows. */
const OPT_IN_CALLS = [
  "TagUser",
  "PutUserPolicy",
  "PutRolePolicy",
  "AttachUserPolicy",
  "AssumeRole",
  "LookupEvents",
];
/** What every configuration may call. The double records a CloudTrail call (a JSON protocol) without a name. */
const ALWAYS_ALLOWED = [
  "GetCallerIdentity",
  "GetAccessKeyLastUsed",
  "ListAccessKeys",
  "UpdateAccessKey",
  "Publish",
];

const calls = () => double.calls.map((call) => `${call.action || "(unnamed)"}:${call.account || "?"}`);
const actions = () => double.calls.map((call) => call.action);
/** Calls outside what the default configuration is granted: an opt-in's, or one the double could not name. */
const beyondDefault = () => actions().filter((action) => !ALWAYS_ALLOWED.includes(action));

interface Case {
  what: string;
  event: string;
  /** The environment that turns on the opt-ins this event would use. */
  optIns: Record<string, string>;
  /** What the event calls with them on (a CloudTrail look-up is recorded with an empty name). */
  withOptIns: string[];
}

const cases: Case[] = [
  {
    what: "disables a user's key without tagging, quarantining or looking up its activity",
    event: "guardduty-iam-user",
    optIns: { TAG_USER: "true", ATTACH_QUARANTINE_POLICY: "true", ENRICH_CLOUDTRAIL: "true" },
    withOptIns: ["TagUser", "AttachUserPolicy", ""],
  },
  {
    what: "alerts on a role's temporary key without revoking the role's sessions",
    event: "guardduty-assumed-role",
    optIns: { REVOKE_SESSIONS: "true" },
    withOptIns: ["PutRolePolicy"],
  },
  {
    what: "alerts on a user's temporary key without revoking the user's sessions",
    event: "guardduty-user-temporary-key",
    optIns: { REVOKE_SESSIONS: "true" },
    withOptIns: ["PutUserPolicy"],
  },
  {
    what: "alerts on another account's key without assuming a role there",
    event: "guardduty-member-account",
    optIns: { MEMBER_ROLE_NAME: MEMBER_ROLE },
    withOptIns: ["AssumeRole"],
  },
];

describe("with the default configuration, the responder calls nothing an opt-in's permission allows", () => {
  it.each(cases)("$what", async ({ event }) => {
    useDouble(double);
    const { error } = await respondTo(event);

    expect(error).toBeUndefined();
    expect(double.calls.length).toBeGreaterThan(0);
    expect(actions().filter((action) => OPT_IN_CALLS.includes(action))).toEqual([]);
    expect(beyondDefault()).toEqual([]);
    expect(calls().filter((call) => !call.endsWith(`:${SELF_ACCOUNT}`))).toEqual([]);
  });

  it("disables the key with exactly UpdateAccessKey, ListAccessKeys and Publish", async () => {
    useDouble(double);
    await respondTo("guardduty-iam-user");
    expect(actions().filter((action) => action !== "GetCallerIdentity")).toEqual([
      "UpdateAccessKey",
      "ListAccessKeys",
      "Publish",
    ]);
  });
});

describe("the same events with the opt-in on make the call (so the check above would see it)", () => {
  it.each(cases)("$event: $withOptIns", async ({ event, optIns, withOptIns }) => {
    double.addRole(MEMBER_ROLE, MEMBER_ACCOUNT);
    useDouble(double, optIns);
    await respondTo(event);

    expect(beyondDefault()).toEqual(expect.arrayContaining(withOptIns));
  });
});
