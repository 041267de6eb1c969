// Where a credential lives, who made the event and whom to act on, driven through the handlers against the loopback
// double: a key of another account is never reported gone while it is Active, a role session is revoked only where
// its role lives, an event inside an SNS notification is evidence for a person unless its topic is trusted, and a
// retry after an alert that did not go out tells people the truth.
import { describe, expect, it } from "vitest";
import { type EditableEvent, lambdaContext, loadEvent } from "../support/fixtures";
import {
  awsLog,
  container,
  guardDutyFindingAbout,
  loopbackDouble,
  publishedDocument,
  respondTo,
  useDouble,
  useMemberRole,
} from "../support/harness";
import { ERIN_KEY, FIXTURE_KEYS, MEMBER_ACCOUNT, SELF_ACCOUNT } from "../support/world";

const double = loopbackDouble();

const ALICE_KEY = FIXTURE_KEYS.alice;
/** A temporary key of a session of web-instance-role, issued in the member account. */
const MEMBER_SESSION_KEY = "ASIAMEMBERSESSION001";

/** A GuardDuty finding of our account (S3 data access) that names a key and its user, as an S3 finding can. */
const s3FindingAbout = (accessKeyId: string, userName: string, count = 1): EditableEvent => {
  const event = guardDutyFindingAbout("guardduty-s3-with-key", {
    accessKeyId,
    principalId: "AIDAEXAMPLEPRINCIPAL1",
    userType: "IAMUser",
    userName,
  });
  event.detail.accountId = SELF_ACCOUNT;
  event.detail.service.count = count;
  event.detail.updatedAt = event.detail.createdAt;
  return event;
};

/** A role session's temporary key used against our account, named as GuardDuty names it. */
const roleSessionFinding = (accessKeyId: string): EditableEvent => {
  const event = guardDutyFindingAbout("guardduty-assumed-role", {
    accessKeyId,
    principalId: "AROAEXAMPLEROLEID001:i-0abc1234def567890",
    userType: "AssumedRole",
    userName: "web-instance-role",
  });
  event.detail.accountId = SELF_ACCOUNT;
  return event;
};

describe("a key that lives in another account", () => {
  it("is never reported gone: STS names its account, and without a member role a person is told to act there", async () => {
    const { summary, error } = await respondTo(s3FindingAbout(ERIN_KEY, "erin"), "guardduty");

    expect(error).toBeUndefined();
    expect(double.writes()).toEqual([]);
    expect(double.keyStatus(ERIN_KEY)).toBe("Active");
    expect(awsLog(double)).toContain(`GetAccessKeyInfo:${SELF_ACCOUNT}`);
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: ERIN_KEY, status: "skipped", reason: "other-account" },
    ]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain(MEMBER_ACCOUNT);
    expect(text).not.toMatch(/no action needed/i);
  });

  it("with a member role, is contained in its own account, whatever user of ours shares the name", async () => {
    useMemberRole(double);
    // A user of our account with the same name but other keys must not matter.
    double.addUser({ name: "erin", keys: [{ id: "AKIAERINOURS00000001" }] });

    const { error } = await respondTo(s3FindingAbout(ERIN_KEY, "erin"), "guardduty");

    expect(error).toBeUndefined();
    expect(double.keyStatus(ERIN_KEY)).toBe("Inactive");
    expect(double.keyStatus("AKIAERINOURS00000001")).toBe("Active");
    expect(double.writes().map((c) => `${c.action}:${c.account}:${c.params.UserName}`)).toEqual([
      `UpdateAccessKey:${MEMBER_ACCOUNT}:erin`,
    ]);
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("is looked up before the write when a manual request names no account", async () => {
    useMemberRole(double);

    const { summary, error } = await respondTo(
      { accessKeyId: ERIN_KEY, reason: "pasted in a public channel" },
      "manual",
      lambdaContext("manual"),
    );

    expect(error).toBeUndefined();
    expect(awsLog(double)[0]).toBe(`GetAccessKeyInfo:${SELF_ACCOUNT}`);
    expect(double.keyStatus(ERIN_KEY)).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: ERIN_KEY, account: MEMBER_ACCOUNT, status: "disabled" },
    ]);
  });

  it("forwarded from a member in a Health event without affectedAccount, is not read as gone", async () => {
    const event = loadEvent("health-credentials-compromised");
    event.account = MEMBER_ACCOUNT;
    delete event.detail.affectedAccount;
    delete event.detail.eventMetadata;
    event.detail.affectedEntities = [{ entityValue: ERIN_KEY }];
    event.resources = [ERIN_KEY];

    const { error } = await respondTo(event, "leakedCredentials", lambdaContext("leakedCredentials"));

    expect(error).toBeUndefined();
    // The forwarding account is a hint: STS is asked before any IAM call in our account.
    expect(awsLog(double)).toEqual([`GetAccessKeyInfo:${SELF_ACCOUNT}`]);
    expect(double.keyStatus(ERIN_KEY)).toBe("Active");
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain(MEMBER_ACCOUNT);
  });

  it("in a Security Hub V2 finding whose resource owner is a member, is contained there through the member role", async () => {
    useMemberRole(double);
    const event = loadEvent("security-hub-v2-guardduty");
    const [finding] = event.detail.findings;
    finding.cloud.account.uid = SELF_ACCOUNT;
    for (const resource of finding.resources) {
      if (resource.type !== "AWS::IAM::AccessKey") continue;
      resource.uid = ERIN_KEY;
      resource.owner = { account: { uid: MEMBER_ACCOUNT } };
      resource.data = { ...resource.data, access_key_id: ERIN_KEY, user_name: "erin", user_type: "IAMUser" };
      if (resource.user) resource.user.name = "erin";
    }

    const { error } = await respondTo(event, "securityHub", lambdaContext("securityHub"));

    expect(error).toBeUndefined();
    expect(awsLog(double)[0]).toBe(`GetAccessKeyInfo:${SELF_ACCOUNT}`);
    expect(double.keyStatus(ERIN_KEY)).toBe("Inactive");
    expect(double.writes().map((c) => c.account)).toEqual([MEMBER_ACCOUNT]);
  });

  it("is looked up in STS first when the finding names the caller's remote account, with no failed call in ours", async () => {
    useMemberRole(double);
    const event = s3FindingAbout(ERIN_KEY, "erin");
    event.detail.service.action = {
      actionType: "AWS_API_CALL",
      awsApiCallAction: {
        api: "GetObject",
        serviceName: "s3.amazonaws.com",
        remoteAccountDetails: { accountId: MEMBER_ACCOUNT, affiliated: true },
      },
    };

    const { error } = await respondTo(event, "guardduty");

    expect(error).toBeUndefined();
    expect(awsLog(double)).toEqual([
      `GetAccessKeyInfo:${SELF_ACCOUNT}`,
      `AssumeRole:${SELF_ACCOUNT}`,
      `GetAccessKeyLastUsed:${MEMBER_ACCOUNT}`,
      `UpdateAccessKey:${MEMBER_ACCOUNT}`,
      `ListAccessKeys:${MEMBER_ACCOUNT}`,
    ]);
    expect(double.keyStatus(ERIN_KEY)).toBe("Inactive");
  });

  it("is called gone only when the account that owns it says so", async () => {
    // A key of ours that was deleted: STS still names our account, and IAM there has no such key.
    double.setKeyAccount("AKIADELETED000000001", SELF_ACCOUNT);

    const { error } = await respondTo(s3FindingAbout("AKIADELETED000000001", "alice"), "guardduty");

    expect(error).toBeUndefined();
    expect(awsLog(double)).toContain(`GetAccessKeyInfo:${SELF_ACCOUNT}`);
    const { outcome, document } = publishedDocument(double);
    expect(outcome).toBe("no-action");
    expect(document.keys[0].status).toBe("key-gone");
  });

  it("fails rather than calling the key gone when STS cannot say whose it is", async () => {
    double.inject({
      action: "GetAccessKeyInfo",
      times: Number.POSITIVE_INFINITY,
      error: { code: "AccessDenied", status: 403 },
    });

    const { error } = await respondTo(s3FindingAbout(ERIN_KEY, "erin"), "guardduty");

    expect(error?.message).toMatch(/containment failed/);
    expect(publishedDocument(double).outcome).toBe("failed");
  });

  it("costs no extra call when the event names a user of our own account", async () => {
    const { error } = await respondTo(s3FindingAbout(ALICE_KEY, "alice"), "guardduty");

    expect(error).toBeUndefined();
    expect(awsLog(double)).toEqual([`UpdateAccessKey:${SELF_ACCOUNT}`, `ListAccessKeys:${SELF_ACCOUNT}`]);
  });
});

describe("sessions are revoked where the role lives", () => {
  it("never writes a deny-all on a same-named role of our account for another account's session", async () => {
    useDouble(double, { REVOKE_SESSIONS: "true" });
    double.setKeyAccount(MEMBER_SESSION_KEY, MEMBER_ACCOUNT);

    const { error } = await respondTo(roleSessionFinding(MEMBER_SESSION_KEY), "guardduty");

    expect(error).toBeUndefined();
    expect(double.writes()).toEqual([]);
    expect(double.rolePolicies("web-instance-role")).toEqual({});
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain(MEMBER_ACCOUNT);
    // The step a person can take for a temporary key, in its account; never UpdateAccessKey on it.
    expect(text).toMatch(/Revoke the role's active sessions .* in account 222222222222/);
    expect(text).not.toContain(
      `update-access-key --user-name {user-name} --access-key-id ${MEMBER_SESSION_KEY}`,
    );
  });

  it("revokes them in the role's own account through the member role", async () => {
    useMemberRole(double, { REVOKE_SESSIONS: "true" });
    double.addRole("web-instance-role", MEMBER_ACCOUNT);
    double.setKeyAccount(MEMBER_SESSION_KEY, MEMBER_ACCOUNT);

    const { error } = await respondTo(roleSessionFinding(MEMBER_SESSION_KEY), "guardduty");

    expect(error).toBeUndefined();
    expect(double.writes().map((c) => `${c.action}:${c.account}:${c.params.RoleName}`)).toEqual([
      `PutRolePolicy:${MEMBER_ACCOUNT}:web-instance-role`,
    ]);
    expect(double.rolePolicies("web-instance-role")).toEqual({});
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("revokes a session of our own role in our account, after STS confirms it", async () => {
    useDouble(double, { REVOKE_SESSIONS: "true" });

    const { error } = await respondTo(roleSessionFinding("ASIAROLE000000000001"), "guardduty");

    expect(error).toBeUndefined();
    expect(awsLog(double)).toEqual([`GetAccessKeyInfo:${SELF_ACCOUNT}`, `PutRolePolicy:${SELF_ACCOUNT}`]);
    expect(Object.keys(double.rolePolicies("web-instance-role"))).toHaveLength(1);
  });

  it("asks a person to act on an IAM user whose long-term key can mint new sessions", async () => {
    useDouble(double, { REVOKE_SESSIONS: "true" });
    double.addUser({ name: "dave", keys: [{ id: "AKIADAVE000000000002" }] });

    const { error } = await respondTo("guardduty-user-temporary-key", "guardduty");

    expect(error).toBeUndefined();
    expect(Object.keys(double.userPolicies("dave"))).toHaveLength(1);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain("AKIADAVE000000000002");
    expect(text).toMatch(/can mint new sessions/);
  });
});

describe("an event inside an SNS notification", () => {
  const wrapped = (): EditableEvent => loadEvent("guardduty-sns-wrapped");
  const topicOf = (event: EditableEvent): string => event.Records[0].Sns.TopicArn;
  const innerKey = (event: EditableEvent): string =>
    JSON.parse(event.Records[0].Sns.Message).detail.resource.accessKeyDetails.accessKeyId;

  it("leads to an alert that names the topic, and no write, unless the topic is trusted", async () => {
    const event = wrapped();

    const { error } = await respondTo(event, "guardduty");

    expect(error).toBeUndefined();
    expect(double.writes()).toEqual([]);
    expect(double.keyStatus(innerKey(event))).toBe("Active");
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain(topicOf(event));
  });

  it("is acted on when its topic is listed in TRUSTED_TOPIC_ARNS", async () => {
    const event = wrapped();
    useDouble(double, { TRUSTED_TOPIC_ARNS: topicOf(event) });

    const { error } = await respondTo(event, "guardduty");

    expect(error).toBeUndefined();
    expect(double.keyStatus(innerKey(event))).toBe("Inactive");
  });

  it("from another topic of the same name in another account is not trusted", async () => {
    const event = wrapped();
    useDouble(double, { TRUSTED_TOPIC_ARNS: topicOf(event).replace(SELF_ACCOUNT, MEMBER_ACCOUNT) });

    await respondTo(event, "guardduty");

    expect(double.writes()).toEqual([]);
  });
});

describe("retries tell the truth", () => {
  it("a retry after the alert failed says contained, with the time of the earlier write, and writes nothing", async () => {
    const send = container("guardduty");
    const event = s3FindingAbout(ALICE_KEY, "alice");
    double.inject({ action: "Publish", times: 4, error: { code: "InternalError", status: 500 } });

    const first = await send(event);
    expect(first.error?.message).toMatch(/alert failed/);
    expect(double.keyStatus(ALICE_KEY)).toBe("Inactive");
    expect(double.published).toHaveLength(0);

    const writesBefore = double.writes().length;
    const retry = await send(event);

    expect(retry.error).toBeUndefined();
    expect(double.writes()).toHaveLength(writesBefore);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("contained");
    expect(text).toMatch(/earlier attempt/);
    expect(text).not.toMatch(/no action needed/i);
  });

  it("a new finding whose key is found Inactive when read is reported contained, not no-action", async () => {
    const send = container("guardduty");
    double.inject({ action: "Publish", times: 4, error: { code: "InternalError", status: 500 } });
    await send(s3FindingAbout(ALICE_KEY, "alice"));

    // EventBridge delivers the same new finding again in another envelope: the container reads before writing.
    const again = s3FindingAbout(ALICE_KEY, "alice");
    again.id = "9d0b6c1e-2f3a-4b5c-8d7e-0f1a2b3c4d5e";
    const { error } = await send(again);

    expect(error).toBeUndefined();
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("an update of a finding already handled stays a repeat for people", async () => {
    double.addUser({ name: "alice", keys: [{ id: ALICE_KEY, status: "Inactive" }] });

    await respondTo(s3FindingAbout(ALICE_KEY, "alice", 3), "guardduty");

    expect(publishedDocument(double).outcome).toBe("no-action");
  });

  it("runs the follow-ups on a repeat delivery, which an earlier attempt may not have reached", async () => {
    useDouble(double, { TAG_USER: "true" });
    double.addUser({ name: "alice", keys: [{ id: ALICE_KEY, status: "Inactive" }] });

    await respondTo(s3FindingAbout(ALICE_KEY, "alice", 3), "guardduty");

    expect(double.writes().map((c) => c.action)).toEqual(["TagUser"]);
    expect(Object.keys(double.userTags("alice"))).toContain("access-key-responder:last-action");
  });
});
