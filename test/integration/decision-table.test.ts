import { describe, expect, it } from "vitest";
import { loadEvent } from "../support/fixtures";
import {
  awsLog,
  container,
  loopbackDouble,
  publishedDocument,
  respondTo,
  useDouble,
  useMemberRole,
} from "../support/harness";
import { MEMBER_ACCOUNT, MEMBER_ROLE, SELF_ACCOUNT } from "../support/world";

const double = loopbackDouble();

/** The IAM and STS calls made, as "Action:account", in order. */
const iamLog = () => awsLog(double);

describe("decision table, row by row, through the handlers", () => {
  it("long-term key of an IAM user: one write, read-back", async () => {
    await respondTo("guardduty-iam-user");
    expect(iamLog()).toEqual([`UpdateAccessKey:${SELF_ACCOUNT}`, `ListAccessKeys:${SELF_ACCOUNT}`]);
  });

  it("owner not in the event: GetAccessKeyLastUsed, then the write with the resolved user", async () => {
    await respondTo("health-credentials-compromised", "leakedCredentials");
    expect(iamLog()).toEqual([
      `GetAccessKeyLastUsed:${SELF_ACCOUNT}`,
      `UpdateAccessKey:${SELF_ACCOUNT}`,
      `ListAccessKeys:${SELF_ACCOUNT}`,
    ]);
    expect(double.calls[1]?.params.UserName).toBe("bob");
  });

  it("key already Inactive on an updated finding: a read, no second write, a repeat with the occurrence count", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001", status: "Inactive" }] });
    const { summary } = await respondTo("guardduty-iam-user-update");
    expect(iamLog()).toEqual([`ListAccessKeys:${SELF_ACCOUNT}`]);
    expect(summary?.outcomes).toMatchObject([{ status: "already-done" }]);
    const text = publishedDocument(double).structured.default as string;
    expect(text).toContain("a repeat");
    expect(text).toContain("Seen:     4 times");
  });

  it("a redelivered event causes no second write", async () => {
    const send = container();
    const event = loadEvent("guardduty-iam-user");
    await send(event);
    await send(structuredClone(event));
    expect(double.writes().map((c) => c.action)).toEqual(["UpdateAccessKey"]);
    expect(double.published).toHaveLength(2);
    expect(publishedDocument(double).document.keys[0].status).toBe("already-done");
  });

  it("key no longer exists: no action needed, not an error", async () => {
    double.reset();
    useDouble(double);
    double.addUser({ name: "alice", keys: [] });
    const { summary, error } = await respondTo("guardduty-iam-user");
    expect(error).toBeUndefined();
    expect(summary?.outcomes).toMatchObject([{ status: "key-gone" }]);
    expect(double.writes()).toEqual([]);
  });

  it("key no longer exists in the account STS names as its owner: key gone", async () => {
    double.reset();
    useDouble(double);
    const { summary } = await respondTo("health-credentials-compromised", "leakedCredentials");
    expect(iamLog()).toEqual([`GetAccessKeyLastUsed:${SELF_ACCOUNT}`, `GetAccessKeyInfo:${SELF_ACCOUNT}`]);
    expect(summary?.outcomes).toMatchObject([{ status: "key-gone" }]);
  });

  it("temporary key of a role: alert only by default, with the manual step", async () => {
    const { summary } = await respondTo("guardduty-assumed-role");
    expect(iamLog()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "temporary-key" }]);
    expect(publishedDocument(double).structured.default).toContain("Revoke active sessions");
  });

  it("temporary key of a role with REVOKE_SESSIONS: a deny-all on tokens issued before now, never UpdateAccessKey", async () => {
    useDouble(double, { REVOKE_SESSIONS: "true" });
    const before = Date.now();
    const { summary } = await respondTo("guardduty-assumed-role");
    // STS first: the role's sessions are revoked only in the account that issued the key.
    expect(iamLog()).toEqual([`GetAccessKeyInfo:${SELF_ACCOUNT}`, `PutRolePolicy:${SELF_ACCOUNT}`]);
    expect(summary?.outcomes).toMatchObject([{ status: "sessions-revoked" }]);
    const policy = JSON.parse(
      double.rolePolicies("web-instance-role").AccessKeyResponderRevokeOlderSessions ?? "{}",
    );
    expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Action: ["*"], Resource: ["*"] });
    const cutOff = Date.parse(policy.Statement[0].Condition.DateLessThan["aws:TokenIssueTime"]);
    expect(cutOff).toBeGreaterThanOrEqual(before - 1000);

    // A rerun replaces the same policy and moves the cut-off forward.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await respondTo("guardduty-assumed-role");
    const again = JSON.parse(
      double.rolePolicies("web-instance-role").AccessKeyResponderRevokeOlderSessions ?? "{}",
    );
    expect(Object.keys(double.rolePolicies("web-instance-role"))).toEqual([
      "AccessKeyResponderRevokeOlderSessions",
    ]);
    expect(Date.parse(again.Statement[0].Condition.DateLessThan["aws:TokenIssueTime"])).toBeGreaterThan(
      cutOff,
    );
  });

  it("temporary key of an IAM user with REVOKE_SESSIONS: the same deny on the user, and a person told of its Active key", async () => {
    useDouble(double, { REVOKE_SESSIONS: "true" });
    await respondTo("guardduty-user-temporary-key");
    expect(iamLog()).toEqual([
      `GetAccessKeyInfo:${SELF_ACCOUNT}`,
      `PutUserPolicy:${SELF_ACCOUNT}`,
      `ListAccessKeys:${SELF_ACCOUNT}`,
    ]);
    expect(Object.keys(double.userPolicies("dave"))).toEqual(["AccessKeyResponderRevokeOlderSessions"]);
    // dave's long-term key can mint new sessions until a person deals with it.
    expect(publishedDocument(double).outcome).toBe("action-required");
  });

  it("root credentials: no write, an urgent alert", async () => {
    const { summary } = await respondTo("guardduty-root");
    expect(iamLog()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ reason: "root" }]);
    expect(publishedDocument(double).document.verdict).toBe("action-required");
  });

  it("a key whose resolved owner is root gets no write", async () => {
    const event = loadEvent("health-credentials-compromised");
    (event.detail as { affectedEntities: { entityValue: string }[] }).affectedEntities[0] = {
      entityValue: "AKIAROOT000000000001",
    };
    const { summary } = await respondTo(event, "leakedCredentials");
    expect(iamLog()).toEqual([`GetAccessKeyLastUsed:${SELF_ACCOUNT}`]);
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "root" }]);
  });

  it("sample finding: no write, an alert marked sample", async () => {
    const { summary } = await respondTo("guardduty-sample");
    expect(iamLog()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ reason: "sample" }]);
    expect(publishedDocument(double).structured.default).toContain("[SAMPLE]");
  });

  it("protected by PROTECTED_USERS: no write", async () => {
    useDouble(double, { PROTECTED_USERS: "someone, breakglass-admin" });
    const { summary } = await respondTo("guardduty-protected-user");
    expect(iamLog()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ reason: "protected" }]);
  });

  it("protected owner found by look-up: no write", async () => {
    useDouble(double, { PROTECTED_USERS: "bob" });
    const { summary } = await respondTo("health-credentials-compromised", "leakedCredentials");
    expect(iamLog()).toEqual([`GetAccessKeyLastUsed:${SELF_ACCOUNT}`]);
    expect(summary?.outcomes).toMatchObject([{ reason: "protected" }]);
  });

  it("protected by tag: IAM refuses, reported as protected, not a crash, with no extra read", async () => {
    double.addUser({
      name: "alice",
      tags: { "access-key-responder-protected": "true" },
      keys: [{ id: "AKIAALICE00000000001" }],
    });
    const { summary, error } = await respondTo("guardduty-iam-user");
    expect(error).toBeUndefined();
    expect(iamLog()).toEqual([`UpdateAccessKey:${SELF_ACCOUNT}`]);
    expect(summary?.outcomes).toMatchObject([{ status: "protected" }]);
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Active");
    expect(publishedDocument(double).document.verdict).toBe("action-required");
  });

  it("another account without MEMBER_ROLE_NAME: alert only", async () => {
    const { summary } = await respondTo("guardduty-member-account");
    expect(iamLog()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ reason: "other-account", account: MEMBER_ACCOUNT }]);
    expect(publishedDocument(double).structured.default).toContain("MEMBER_ROLE_NAME");
  });

  it("another account with MEMBER_ROLE_NAME: AssumeRole there, then the write with the assumed credentials", async () => {
    useMemberRole(double);
    const { summary } = await respondTo("guardduty-member-account");
    expect(iamLog()).toEqual([
      `AssumeRole:${SELF_ACCOUNT}`,
      `UpdateAccessKey:${MEMBER_ACCOUNT}`,
      `ListAccessKeys:${MEMBER_ACCOUNT}`,
    ]);
    expect(double.calls[0]?.params.RoleArn).toBe(`arn:aws:iam::${MEMBER_ACCOUNT}:role/${MEMBER_ROLE}`);
    expect(double.keyStatus("AKIAERIN000000000001")).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([{ status: "disabled", account: MEMBER_ACCOUNT }]);
  });

  it("another account whose member role cannot be assumed: a failure, reported, and no write", async () => {
    useDouble(double, { MEMBER_ROLE_NAME: "NotDeployed" });
    const { error } = await respondTo("guardduty-member-account");
    expect(error?.name).toBe("ResponderError");
    expect(double.writes()).toEqual([]);
    expect(publishedDocument(double).document.verdict).toBe("failed");
  });

  it("Health and Security Hub member findings take the account from the finding, not the envelope", async () => {
    useMemberRole(double);
    await respondTo("health-member-account", "leakedCredentials");
    expect(iamLog()).toEqual([
      `AssumeRole:${SELF_ACCOUNT}`,
      `GetAccessKeyLastUsed:${MEMBER_ACCOUNT}`,
      `UpdateAccessKey:${MEMBER_ACCOUNT}`,
      `ListAccessKeys:${MEMBER_ACCOUNT}`,
    ]);
    double.addUser({ name: "erin", account: MEMBER_ACCOUNT, keys: [{ id: "AKIAERIN000000000001" }] });
    double.calls.length = 0;
    await respondTo("security-hub-member-account", "securityHub");
    expect(iamLog()[0]).toBe(`AssumeRole:${SELF_ACCOUNT}`);
    expect(double.keyStatus("AKIAERIN000000000001")).toBe("Inactive");
  });

  it("below the threshold: alert only; MIN_SEVERITY moves the threshold", async () => {
    const { summary } = await respondTo("guardduty-low-severity");
    expect(iamLog()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ reason: "below-threshold" }]);
    useDouble(double, { MIN_SEVERITY: "1" });
    await respondTo("guardduty-low-severity");
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
  });

  it("not a credential event: ignored, nothing called", async () => {
    for (const fixture of ["guardduty-ec2", "health-non-credential", "guardduty-cloudtrail-api-call"]) {
      const { summary } = await respondTo(fixture);
      expect(summary?.result).toBe("ignored");
    }
    expect(double.calls).toEqual([]);
  });

  it("malformed relevant event: no write, an alert that it could not be read, with the event id", async () => {
    const { summary } = await respondTo("guardduty-missing-detail");
    expect(summary?.result).toBe("invalid");
    expect(double.writes()).toEqual([]);
    expect(publishedDocument(double).document.eventId).toBe("a7d24f9b-3c6e-4b10-8f5a-e09b7c2d1e64");
  });
});

describe("sibling keys", () => {
  const withSibling = (created: string) =>
    double.addUser({
      name: "alice",
      keys: [
        { id: "AKIAALICE00000000001", created: "2025-06-01T00:00:00Z" },
        { id: "AKIAALICE00000000002", created },
      ],
    });

  it("flags an active key created after the finding's first sighting, and leaves it alone by default", async () => {
    withSibling("2026-11-20T09:30:00Z");
    await respondTo("guardduty-iam-user");
    expect(double.keyStatus("AKIAALICE00000000002")).toBe("Active");
    const { document, structured } = publishedDocument(double);
    expect(document.keys[0].siblings).toMatchObject([
      { accessKeyId: "AKIAALICE00000000002", suspicious: true, disabled: false },
    ]);
    expect(structured.default).toContain("possibly created by the attacker");
  });

  it("does not flag a key the user had before the finding", async () => {
    withSibling("2026-01-01T00:00:00Z");
    await respondTo("guardduty-iam-user");
    expect(publishedDocument(double).document.keys[0].siblings).toMatchObject([{ suspicious: false }]);
  });

  it("disables flagged siblings with DISABLE_SIBLING_KEYS, and only those", async () => {
    useDouble(double, { DISABLE_SIBLING_KEYS: "true" });
    double.addUser({
      name: "alice",
      keys: [
        { id: "AKIAALICE00000000001", created: "2025-06-01T00:00:00Z" },
        { id: "AKIAALICE00000000002", created: "2026-11-20T09:30:00Z" },
      ],
    });
    await respondTo("guardduty-iam-user");
    expect(double.keyStatus("AKIAALICE00000000002")).toBe("Inactive");
    expect(double.writes().map((c) => c.params.AccessKeyId)).toEqual([
      "AKIAALICE00000000001",
      "AKIAALICE00000000002",
    ]);
  });
});

describe("audit, opt-in", () => {
  it("tags the user and attaches the quarantine policy after containment", async () => {
    useDouble(double, { TAG_USER: "true", ATTACH_QUARANTINE_POLICY: "true" });
    await respondTo("guardduty-iam-user");
    expect(double.actions("iam")).toEqual([
      "UpdateAccessKey",
      "ListAccessKeys",
      "TagUser",
      "AttachUserPolicy",
    ]);
    expect(double.userTags("alice")["access-key-responder:last-action"]).toContain(
      "3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c",
    );
    expect(double.attachedUserPolicies("alice")).toEqual([
      "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
    ]);
  });

  it("reports a failed audit step in the alert without failing the run", async () => {
    useDouble(double, { TAG_USER: "true" });
    double.inject({
      action: "TagUser",
      error: { code: "ServiceFailure", status: 500, type: "Receiver" },
      times: 10,
    });
    const { error, summary } = await respondTo("guardduty-iam-user");
    expect(error).toBeUndefined();
    expect(summary?.outcomes).toMatchObject([{ status: "disabled" }]);
    expect(publishedDocument(double).structured.default).toContain("tagging the user failed");
  });
});
