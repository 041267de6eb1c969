// Set before the SDK loads so it does not warn about the Node version.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

import {
  AttachUserPolicyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import {
  BatchUpdateFindingsCommand,
  BatchUpdateFindingsV2Command,
  SecurityHubClient,
} from "@aws-sdk/client-securityhub";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  AssumeRoleCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AUDIT_TAG_KEY, tagUser } from "../../src/contain/audit";
import { REVOKE_POLICY_NAME, revokeOlderSessions } from "../../src/contain/sessions";
import {
  AwsDouble,
  BASE_ACCESS_KEY_ID,
  BASE_SECRET,
  IAM_MAX_INLINE_POLICY_CHARACTERS,
  IAM_MAX_POLICY_NAME,
  IAM_MAX_TAG_KEY,
  IAM_MAX_TAG_VALUE,
  MEMBER_ACCOUNT,
  SECURITY_HUB_MAX_FINDINGS,
  SECURITY_HUB_MAX_NOTE,
  SECURITY_HUB_MAX_UPDATED_BY,
  SELF_ACCOUNT,
} from "./aws-double";
import { GUARDDUTY_PRODUCT, GUARDDUTY_PRODUCT_V2 } from "./world";

const PROTECTED = { "access-key-responder-protected": "true" };

let double: AwsDouble;

beforeAll(async () => {
  double = await AwsDouble.start();
});

afterAll(async () => {
  await double.close();
});

beforeEach(() => {
  double.reset();
});

interface ClientOptions {
  maxAttempts?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  requestHandler?: Record<string, unknown>;
}

function clientConfig(options: ClientOptions = {}) {
  return {
    endpoint: double.url,
    region: "us-east-1",
    credentials: options.credentials ?? {
      accessKeyId: BASE_ACCESS_KEY_ID,
      secretAccessKey: BASE_SECRET,
    },
    maxAttempts: options.maxAttempts ?? 1,
    ...(options.requestHandler ? { requestHandler: options.requestHandler } : {}),
  };
}

const iam = (options?: ClientOptions) => new IAMClient(clientConfig(options));
const sns = (options?: ClientOptions) => new SNSClient(clientConfig(options));
const sts = (options?: ClientOptions) => new STSClient(clientConfig(options));

/** Resolves to the SDK's rejection so its fields can be asserted on. */
async function failure(promise: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown> & Error;
  }
  throw new Error("expected the call to fail");
}

/** A request the SDK would never send, signed only as far as the double looks. */
function rawPost(body: string, service = "iam"): Promise<Response> {
  return fetch(double.url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=${BASE_ACCESS_KEY_ID}/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`,
    },
    body,
  });
}

describe("IAM UpdateAccessKey", () => {
  it("changes only the named key", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }, { id: "AKIAALICE00000000002" }] });

    await iam().send(
      new UpdateAccessKeyCommand({
        UserName: "alice",
        AccessKeyId: "AKIAALICE00000000001",
        Status: "Inactive",
      }),
    );

    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
    expect(double.keyStatus("AKIAALICE00000000002")).toBe("Active");
    expect(double.keyStatus("AKIANOSUCHKEY0000000")).toBeUndefined();
    expect(double.calls).toEqual([
      {
        service: "iam",
        action: "UpdateAccessKey",
        params: { UserName: "alice", AccessKeyId: "AKIAALICE00000000001", Status: "Inactive" },
        account: SELF_ACCOUNT,
        status: 200,
        at: expect.any(Number),
      },
    ]);
  });

  it("rejects a call without UserName as a role caller: ValidationError", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });

    const error = await failure(
      iam().send(new UpdateAccessKeyCommand({ AccessKeyId: "AKIAALICE00000000001", Status: "Inactive" })),
    );

    // Not modelled by IAM, so the SDK names the error after the raw code.
    expect(error.name).toBe("ValidationError");
    expect(error.message).toBe("Must specify userName when calling with non-User credentials");
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Active");
  });

  it("rejects an invalid Status with ValidationError", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });

    const error = await failure(
      iam().send(
        new UpdateAccessKeyCommand({
          UserName: "alice",
          AccessKeyId: "AKIAALICE00000000001",
          Status: "Disabled" as "Inactive",
        }),
      ),
    );

    expect(error.name).toBe("ValidationError");
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Active");
  });

  it("maps Code NoSuchEntity to NoSuchEntityException for an unknown key or user", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.addUser({ name: "bob", keys: [{ id: "AKIABOB0000000000001" }] });

    const unknownKey = await failure(
      iam().send(
        new UpdateAccessKeyCommand({
          UserName: "alice",
          AccessKeyId: "AKIAGONE000000000001",
          Status: "Inactive",
        }),
      ),
    );
    const otherUsersKey = await failure(
      iam().send(
        new UpdateAccessKeyCommand({
          UserName: "alice",
          AccessKeyId: "AKIABOB0000000000001",
          Status: "Inactive",
        }),
      ),
    );
    const unknownUser = await failure(
      iam().send(
        new UpdateAccessKeyCommand({
          UserName: "carol",
          AccessKeyId: "AKIAALICE00000000001",
          Status: "Inactive",
        }),
      ),
    );

    // IAM models NoSuchEntityException with the awsQueryError code "NoSuchEntity".
    expect(unknownKey.name).toBe("NoSuchEntityException");
    expect(unknownKey.Code).toBe("NoSuchEntity");
    expect(unknownKey.$fault).toBe("client");
    expect(unknownKey.$metadata).toMatchObject({ httpStatusCode: 404 });
    expect(unknownKey.message).toBe("The Access Key with id AKIAGONE000000000001 cannot be found.");
    expect(otherUsersKey.name).toBe("NoSuchEntityException");
    expect(unknownUser.name).toBe("NoSuchEntityException");
    expect(double.keyStatus("AKIABOB0000000000001")).toBe("Active");
    expect(double.calls.map((call) => call.status)).toEqual([404, 404, 404]);
  });

  it("XML-escapes values that come back to the client", async () => {
    double.addUser({ name: "alice", keys: [] });

    const error = await failure(
      iam().send(new UpdateAccessKeyCommand({ UserName: "alice", AccessKeyId: `<&"'>`, Status: "Inactive" })),
    );

    expect(error.message).toBe(`The Access Key with id <&"'> cannot be found.`);
  });

  it("denies writes on users tagged access-key-responder-protected", async () => {
    double.addUser({ name: "breakglass", keys: [{ id: "AKIABREAKGLASS000001" }], tags: PROTECTED });

    const error = await failure(
      iam().send(
        new UpdateAccessKeyCommand({
          UserName: "breakglass",
          AccessKeyId: "AKIABREAKGLASS000001",
          Status: "Inactive",
        }),
      ),
    );

    expect(error.name).toBe("AccessDenied");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 403 });
    expect(error.message).toContain("explicit deny");
    expect(error.message).toBe(
      `User: arn:aws:sts::${SELF_ACCOUNT}:assumed-role/responder/fn is not authorized to perform: iam:UpdateAccessKey on resource: user breakglass with an explicit deny in an identity-based policy`,
    );
    expect(double.keyStatus("AKIABREAKGLASS000001")).toBe("Active");
  });

  it("applies the same deny to the other writes", async () => {
    double.addUser({ name: "breakglass", keys: [{ id: "AKIABREAKGLASS000001" }], tags: PROTECTED });
    const client = iam();
    const attempts = [
      client.send(new TagUserCommand({ UserName: "breakglass", Tags: [{ Key: "k", Value: "v" }] })),
      client.send(
        new PutUserPolicyCommand({ UserName: "breakglass", PolicyName: "p", PolicyDocument: "{}" }),
      ),
      client.send(
        new AttachUserPolicyCommand({
          UserName: "breakglass",
          PolicyArn: "arn:aws:iam::aws:policy/AWSDenyAll",
        }),
      ),
      client.send(
        new DeleteAccessKeyCommand({ UserName: "breakglass", AccessKeyId: "AKIABREAKGLASS000001" }),
      ),
    ];

    for (const attempt of attempts) {
      expect((await failure(attempt)).name).toBe("AccessDenied");
    }
    expect(double.userTags("breakglass")).toEqual(PROTECTED);
    expect(double.userPolicies("breakglass")).toEqual({});
    expect(double.attachedUserPolicies("breakglass")).toEqual([]);
    expect(double.keyStatus("AKIABREAKGLASS000001")).toBe("Active");
    expect(double.writes()).toEqual([]);
  });
});

describe("IAM reads", () => {
  it("ListAccessKeys returns metadata with dates the SDK parses", async () => {
    double.addUser({
      name: "alice",
      keys: [
        { id: "AKIAALICE00000000001" },
        { id: "AKIAALICE00000000002", status: "Inactive", created: "2025-06-30T12:34:56Z" },
      ],
    });

    const out = await iam().send(new ListAccessKeysCommand({ UserName: "alice" }));

    expect(out.IsTruncated).toBe(false);
    expect(out.AccessKeyMetadata).toEqual([
      {
        UserName: "alice",
        AccessKeyId: "AKIAALICE00000000001",
        Status: "Active",
        CreateDate: new Date("2026-01-01T00:00:00Z"),
      },
      {
        UserName: "alice",
        AccessKeyId: "AKIAALICE00000000002",
        Status: "Inactive",
        CreateDate: new Date("2025-06-30T12:34:56Z"),
      },
    ]);
    expect(out.AccessKeyMetadata?.[0]?.CreateDate).toBeInstanceOf(Date);
  });

  it("ListAccessKeys for an unknown user is NoSuchEntityException", async () => {
    const error = await failure(iam().send(new ListAccessKeysCommand({ UserName: "nobody" })));

    expect(error.name).toBe("NoSuchEntityException");
    expect(error.message).toBe("The user with name nobody cannot be found.");
  });

  it("GetAccessKeyLastUsed returns the owner, and root for root keys", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.addUser({ name: "root", root: true, keys: [{ id: "AKIAROOT000000000001" }] });

    const alice = await iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAALICE00000000001" }));
    const root = await iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAROOT000000000001" }));
    const unknown = await failure(
      iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAGONE000000000001" })),
    );

    expect(alice.UserName).toBe("alice");
    expect(alice.AccessKeyLastUsed).toEqual({ Region: "N/A", ServiceName: "N/A" });
    expect(root.UserName).toBe("root");
    expect(unknown.name).toBe("NoSuchEntityException");
  });

  it("root users cannot be addressed by UserName, as in real IAM", async () => {
    double.addUser({ name: "root", root: true, keys: [{ id: "AKIAROOT000000000001" }] });

    const error = await failure(
      iam().send(
        new UpdateAccessKeyCommand({
          UserName: "root",
          AccessKeyId: "AKIAROOT000000000001",
          Status: "Inactive",
        }),
      ),
    );

    expect(error.name).toBe("NoSuchEntityException");
    expect(double.keyStatus("AKIAROOT000000000001")).toBe("Active");
  });
});

describe("IAM writes", () => {
  it("TagUser, PutUserPolicy, AttachUserPolicy, PutRolePolicy and DeleteAccessKey update state", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }], tags: { team: "red" } });
    double.addRole("responder");
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-01-02T00:00:00Z" } },
        },
      ],
    });
    const client = iam();

    await client.send(
      new TagUserCommand({ UserName: "alice", Tags: [{ Key: "quarantined", Value: "a b+c=d" }] }),
    );
    await client.send(
      new PutUserPolicyCommand({ UserName: "alice", PolicyName: "revoke-sessions", PolicyDocument: policy }),
    );
    await client.send(
      new AttachUserPolicyCommand({ UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/AWSDenyAll" }),
    );
    await client.send(
      new PutRolePolicyCommand({ RoleName: "responder", PolicyName: "extra", PolicyDocument: policy }),
    );
    await client.send(new DeleteAccessKeyCommand({ UserName: "alice", AccessKeyId: "AKIAALICE00000000001" }));

    expect(double.userTags("alice")).toEqual({ team: "red", quarantined: "a b+c=d" });
    expect(double.userPolicies("alice")).toEqual({ "revoke-sessions": policy });
    expect(double.attachedUserPolicies("alice")).toEqual(["arn:aws:iam::aws:policy/AWSDenyAll"]);
    expect(double.rolePolicies("responder")).toEqual({ extra: policy });
    expect(double.keyStatus("AKIAALICE00000000001")).toBeUndefined();
  });

  it("PutRolePolicy on an unknown role is NoSuchEntityException", async () => {
    const error = await failure(
      iam().send(new PutRolePolicyCommand({ RoleName: "ghost", PolicyName: "p", PolicyDocument: "{}" })),
    );

    expect(error.name).toBe("NoSuchEntityException");
  });

  it("PutUserPolicy rejects a document that is not JSON", async () => {
    double.addUser({ name: "alice", keys: [] });

    const error = await failure(
      iam().send(
        new PutUserPolicyCommand({ UserName: "alice", PolicyName: "p", PolicyDocument: "{not json" }),
      ),
    );

    expect(error.name).toBe("MalformedPolicyDocumentException");
  });

  it("writes() lists only successful IAM writes", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.addUser({ name: "breakglass", keys: [{ id: "AKIABREAKGLASS000001" }], tags: PROTECTED });
    const client = iam();

    await client.send(new ListAccessKeysCommand({ UserName: "alice" }));
    await client.send(
      new UpdateAccessKeyCommand({
        UserName: "alice",
        AccessKeyId: "AKIAALICE00000000001",
        Status: "Inactive",
      }),
    );
    await failure(
      client.send(
        new UpdateAccessKeyCommand({
          UserName: "breakglass",
          AccessKeyId: "AKIABREAKGLASS000001",
          Status: "Inactive",
        }),
      ),
    );
    await client.send(new TagUserCommand({ UserName: "alice", Tags: [{ Key: "k", Value: "v" }] }));
    await sns().send(
      new PublishCommand({ TopicArn: "arn:aws:sns:us-east-1:111111111111:alerts", Message: "hi" }),
    );

    expect(double.writes().map((call) => [call.action, call.params.UserName])).toEqual([
      ["UpdateAccessKey", "alice"],
      ["TagUser", "alice"],
    ]);
    expect(double.actions()).toEqual([
      "ListAccessKeys",
      "UpdateAccessKey",
      "UpdateAccessKey",
      "TagUser",
      "Publish",
    ]);
    expect(double.actions("sns")).toEqual(["Publish"]);
  });
});

describe("IAM limits (the service model and the quotas)", () => {
  const tag = (Key: string, Value: string) =>
    iam().send(new TagUserCommand({ UserName: "alice", Tags: [{ Key, Value }] }));
  /** A policy document of exactly `size` characters without whitespace, padded with `padding` spaces. */
  const policyOf = (size: number, padding = 0): string => {
    const shell = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Sid: "" }],
    });
    const sid = "x".repeat(size - shell.length);
    return JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Sid: sid }],
    }).replace('"Version"', `${" ".repeat(padding)}"Version"`);
  };

  beforeEach(() => {
    double.addUser({ name: "alice", keys: [] });
    double.addRole("workload");
  });

  it(`TagUser takes a value of ${IAM_MAX_TAG_VALUE} characters, counted as characters, not UTF-16 units`, async () => {
    await tag("a", "v".repeat(IAM_MAX_TAG_VALUE));
    await tag("b", "\u{1D400}".repeat(IAM_MAX_TAG_VALUE));
    await tag("c", "");

    expect(double.userTags("alice")).toEqual({
      a: "v".repeat(256),
      b: "\u{1D400}".repeat(256),
      c: "",
    });
  });

  it(`TagUser refuses a value of ${IAM_MAX_TAG_VALUE + 1} characters and a key of ${IAM_MAX_TAG_KEY + 1}: ValidationError`, async () => {
    const value = await failure(tag("a", "v".repeat(IAM_MAX_TAG_VALUE + 1)));
    const key = await failure(tag("k".repeat(IAM_MAX_TAG_KEY + 1), "v"));
    const empty = await failure(tag("", "v"));

    expect(value.name).toBe("ValidationError");
    expect(value.message).toMatch(/at 'tags\.1\.member\.value' .*less than or equal to 256$/);
    expect(key.message).toMatch(/at 'tags\.1\.member\.key' .*less than or equal to 128$/);
    expect(empty.message).toMatch(/at 'tags\.1\.member\.key' .*greater than or equal to 1$/);
    expect(double.userTags("alice")).toEqual({});
  });

  it.each(["a&b", "a;b", "a\nb", "<b>", "a|b", "a,b"])(
    "TagUser refuses a value holding a character outside [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@] (%j)",
    async (value) => {
      const error = await failure(tag("a", value));

      expect(error.name).toBe("ValidationError");
      expect(error.message).toContain("Member must satisfy regular expression pattern");
      expect(double.userTags("alice")).toEqual({});
    },
  );

  it("TagUser takes letters, separators and digits of any script and _ . : / = + - @", async () => {
    const value = "Ünïcode é 名前 \u00a0 ٣ _.:/=+-@";
    await tag("access-key-responder:last-action", value);

    expect(double.userTags("alice")).toEqual({ "access-key-responder:last-action": value });
  });

  it(`PutUserPolicy: a user's inline policies together within ${IAM_MAX_INLINE_POLICY_CHARACTERS.user} characters, whitespace not counted`, async () => {
    const client = iam();
    await client.send(
      new PutUserPolicyCommand({ UserName: "alice", PolicyName: "a", PolicyDocument: policyOf(1_000) }),
    );
    // 1,048 characters and 5,000 spaces: the spaces do not count.
    const second = policyOf(1_048, 5_000);
    await client.send(
      new PutUserPolicyCommand({ UserName: "alice", PolicyName: "b", PolicyDocument: second }),
    );
    // Replacing b by a policy of the same size keeps the total.
    await client.send(
      new PutUserPolicyCommand({ UserName: "alice", PolicyName: "b", PolicyDocument: policyOf(1_048) }),
    );
    const error = await failure(
      client.send(
        new PutUserPolicyCommand({ UserName: "alice", PolicyName: "c", PolicyDocument: policyOf(100) }),
      ),
    );

    expect(error.name).toBe("LimitExceededException");
    expect(error.message).toBe("Maximum policy size of 2048 bytes exceeded for user alice");
    expect(Object.keys(double.userPolicies("alice"))).toEqual(["a", "b"]);
  });

  it(`PutRolePolicy: a role's inline policies together within ${IAM_MAX_INLINE_POLICY_CHARACTERS.role} characters`, async () => {
    const client = iam();
    await client.send(
      new PutRolePolicyCommand({ RoleName: "workload", PolicyName: "a", PolicyDocument: policyOf(10_240) }),
    );
    const error = await failure(
      client.send(
        new PutRolePolicyCommand({ RoleName: "workload", PolicyName: "b", PolicyDocument: policyOf(100) }),
      ),
    );

    expect(error.name).toBe("LimitExceededException");
    expect(error.message).toBe("Maximum policy size of 10240 bytes exceeded for role workload");
  });

  it(`PolicyName: 1-${IAM_MAX_POLICY_NAME} characters of [\\w+=,.@-], else ValidationError`, async () => {
    const put = (PolicyName: string) =>
      iam().send(new PutUserPolicyCommand({ UserName: "alice", PolicyName, PolicyDocument: policyOf(100) }));
    await put("p".repeat(IAM_MAX_POLICY_NAME));
    await put("a+b=c,d.e@f_g-h");
    const long = await failure(put("p".repeat(IAM_MAX_POLICY_NAME + 1)));
    const spaced = await failure(put("a b"));
    const role = await failure(
      iam().send(new PutRolePolicyCommand({ RoleName: "workload", PolicyName: "a/b", PolicyDocument: "{}" })),
    );

    expect(long.name).toBe("ValidationError");
    expect(long.message).toMatch(/at 'policyName' .*less than or equal to 128$/);
    expect(spaced.message).toMatch(/at 'policyName' .*regular expression pattern/);
    expect(role.name).toBe("ValidationError");
  });

  describe("the responder's own calls stay within them", () => {
    it("the audit tag, even with the longest finding id and characters IAM refuses", async () => {
      const findingId = `arn:aws:securityhub:us-east-1:${SELF_ACCOUNT}:security-control/IAM.8/finding/${"f;|&<>".repeat(90)}`;
      const text = `AKIAALICE00000000001 Inactive 2026-11-20T09:05:03.000Z ${findingId}`;
      await tagUser(iam(), "alice", text);

      const value = double.userTags("alice")[AUDIT_TAG_KEY] ?? "";
      expect(Array.from(value).length).toBeLessThanOrEqual(IAM_MAX_TAG_VALUE);
      expect(
        value.startsWith("AKIAALICE00000000001 Inactive 2026-11-20T09:05:03.000Z arn:aws:securityhub:"),
      ).toBe(true);
    });

    it("the revoke-sessions policy on a user and on a role, and again (it replaces itself)", async () => {
      const client = iam();
      const now = new Date("2026-11-20T09:05:03.000Z");
      await revokeOlderSessions(client, { kind: "user", name: "alice" }, now);
      await revokeOlderSessions(client, { kind: "role", name: "workload" }, now);
      await revokeOlderSessions(
        client,
        { kind: "user", name: "alice" },
        new Date("2026-11-21T00:00:00.000Z"),
      );

      const policy = double.userPolicies("alice")[REVOKE_POLICY_NAME] ?? "";
      expect(Object.keys(double.userPolicies("alice"))).toEqual([REVOKE_POLICY_NAME]);
      expect(Object.keys(double.rolePolicies("workload"))).toEqual([REVOKE_POLICY_NAME]);
      // Small enough to leave room beside the user's own inline policies: a user may hold 1,850 characters more.
      expect(policy.replace(/\s/g, "").length).toBeLessThan(IAM_MAX_INLINE_POLICY_CHARACTERS.user - 1_850);
    });

    it("but a user whose inline policies already fill the quota cannot be given it: LimitExceeded", async () => {
      const client = iam();
      await client.send(
        new PutUserPolicyCommand({ UserName: "alice", PolicyName: "own", PolicyDocument: policyOf(2_000) }),
      );

      const error = await failure(revokeOlderSessions(client, { kind: "user", name: "alice" }, new Date()));

      expect(error.name).toBe("LimitExceededException");
    });
  });
});

describe("STS", () => {
  it("GetCallerIdentity names the responder role in SELF_ACCOUNT", async () => {
    const out = await sts().send(new GetCallerIdentityCommand({}));

    expect(out.Account).toBe(SELF_ACCOUNT);
    expect(out.Arn).toBe(`arn:aws:sts::${SELF_ACCOUNT}:assumed-role/responder/fn`);
    expect(out.UserId).toMatch(/^AROA[A-Z0-9]{17}:fn$/);
    expect(double.calls[0]).toMatchObject({
      service: "sts",
      action: "GetCallerIdentity",
      account: SELF_ACCOUNT,
    });
  });

  it("GetAccessKeyInfo names the account that owns a key, from any account, whatever its state", async () => {
    double.addUser({ name: "mallory", account: MEMBER_ACCOUNT, keys: [{ id: "AKIAMALLORY000000001" }] });
    double.addUser({ name: "mallory", keys: [{ id: "AKIAMALLORY000000002", status: "Inactive" }] });
    double.setKeyAccount("ASIAMEMBERSESSION001", MEMBER_ACCOUNT);

    const accountOf = async (id: string) =>
      (await sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: id }))).Account;

    expect(await accountOf("AKIAMALLORY000000001")).toBe(MEMBER_ACCOUNT);
    expect(await accountOf("AKIAMALLORY000000002")).toBe(SELF_ACCOUNT);
    expect(await accountOf("ASIAMEMBERSESSION001")).toBe(MEMBER_ACCOUNT);
    // A key that was deleted keeps its account: STS reads it from the key ID.
    await iam().send(
      new UpdateAccessKeyCommand({
        UserName: "mallory",
        AccessKeyId: "AKIAMALLORY000000002",
        Status: "Active",
      }),
    );
    expect(await accountOf("AKIAMALLORY000000002")).toBe(SELF_ACCOUNT);
    await expect(accountOf("not-a-key")).rejects.toMatchObject({ name: "ValidationError" });
  });

  it("GetAccessKeyInfo knows the account of a session key AssumeRole issued", async () => {
    double.addRole("responder-member", MEMBER_ACCOUNT);
    const { Credentials } = await sts().send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/responder-member`,
        RoleSessionName: "s",
      }),
    );
    const info = await sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: Credentials?.AccessKeyId }));
    expect(info.Account).toBe(MEMBER_ACCOUNT);
  });

  it("AssumeRole into MEMBER_ACCOUNT gives credentials that act in that account", async () => {
    double.addRole("responder-member", MEMBER_ACCOUNT);
    double.addUser({ name: "mallory", account: MEMBER_ACCOUNT, keys: [{ id: "AKIAMALLORY000000001" }] });
    double.addUser({ name: "mallory", keys: [{ id: "AKIAMALLORY000000002" }] });

    const roleArn = `arn:aws:iam::${MEMBER_ACCOUNT}:role/responder-member`;
    const { Credentials, AssumedRoleUser } = await sts().send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "contain" }),
    );
    expect(Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(Credentials?.Expiration).toBeInstanceOf(Date);
    expect(Credentials?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 59 * 60 * 1000);
    expect(AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${MEMBER_ACCOUNT}:assumed-role/responder-member/contain`);

    const member = iam({
      credentials: {
        accessKeyId: Credentials?.AccessKeyId ?? "",
        secretAccessKey: Credentials?.SecretAccessKey ?? "",
        sessionToken: Credentials?.SessionToken ?? "",
      },
    });
    await member.send(
      new UpdateAccessKeyCommand({
        UserName: "mallory",
        AccessKeyId: "AKIAMALLORY000000001",
        Status: "Inactive",
      }),
    );
    const identity = await sts({
      credentials: { accessKeyId: Credentials?.AccessKeyId ?? "", secretAccessKey: "x" },
    }).send(new GetCallerIdentityCommand({}));

    expect(double.calls.at(-2)).toMatchObject({
      action: "UpdateAccessKey",
      account: MEMBER_ACCOUNT,
      status: 200,
    });
    expect(double.keyStatus("AKIAMALLORY000000001")).toBe("Inactive");
    expect(double.keyStatus("AKIAMALLORY000000002")).toBe("Active");
    expect(identity.Account).toBe(MEMBER_ACCOUNT);
  });

  it("session credentials cannot reach users of another account", async () => {
    double.addRole("responder-member", MEMBER_ACCOUNT);
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    const { Credentials } = await sts().send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/responder-member`,
        RoleSessionName: "s",
      }),
    );
    const member = iam({
      credentials: {
        accessKeyId: Credentials?.AccessKeyId ?? "",
        secretAccessKey: Credentials?.SecretAccessKey ?? "",
      },
    });

    const error = await failure(
      member.send(
        new UpdateAccessKeyCommand({
          UserName: "alice",
          AccessKeyId: "AKIAALICE00000000001",
          Status: "Inactive",
        }),
      ),
    );

    expect(error.name).toBe("NoSuchEntityException");
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Active");
  });

  it("AssumeRole of a role that does not exist is AccessDenied", async () => {
    const roleArn = `arn:aws:iam::${MEMBER_ACCOUNT}:role/nope`;

    const error = await failure(
      sts().send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "s" })),
    );

    expect(error.name).toBe("AccessDenied");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 403 });
    expect(error.message).toBe(
      `User: arn:aws:sts::${SELF_ACCOUNT}:assumed-role/responder/fn is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  });

  it("unknown credentials are InvalidClientTokenId, and the call is still recorded", async () => {
    const stranger = iam({ credentials: { accessKeyId: "AKIASTRANGER00000001", secretAccessKey: "x" } });

    const error = await failure(stranger.send(new ListAccessKeysCommand({ UserName: "alice" })));

    expect(error.name).toBe("InvalidClientTokenId");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 403 });
    expect(double.calls).toEqual([
      {
        service: "iam",
        action: "ListAccessKeys",
        params: { UserName: "alice" },
        account: "",
        status: 403,
        at: expect.any(Number),
      },
    ]);
  });
});

describe("SNS Publish", () => {
  const topicArn = `arn:aws:sns:us-east-1:${SELF_ACCOUNT}:access-key-alerts`;

  it("records a json-structured message with decoded attributes", async () => {
    const message = JSON.stringify({
      default: "Key AKIA… disabled",
      email: "Key disabled & alice notified <now>",
    });

    const out = await sns().send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: "Access key disabled: alice",
        Message: message,
        MessageStructure: "json",
        MessageAttributes: {
          severity: { DataType: "String", StringValue: "high" },
          keyCount: { DataType: "Number", StringValue: "2" },
        },
      }),
    );

    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(double.published).toEqual([
      {
        topicArn,
        subject: "Access key disabled: alice",
        message,
        messageStructure: "json",
        attributes: {
          severity: { DataType: "String", StringValue: "high" },
          keyCount: { DataType: "Number", StringValue: "2" },
        },
      },
    ]);
    expect(double.calls[0]).toMatchObject({
      service: "sns",
      action: "Publish",
      account: SELF_ACCOUNT,
      status: 200,
    });
  });

  it("rejects a Subject of 100 characters (the reference: less than 100) with InvalidParameterException", async () => {
    const client = sns();

    await client.send(new PublishCommand({ TopicArn: topicArn, Subject: "s".repeat(99), Message: "ok" }));
    const error = await failure(
      client.send(new PublishCommand({ TopicArn: topicArn, Subject: "s".repeat(100), Message: "x" })),
    );

    // SNS models InvalidParameterException with the awsQueryError code "InvalidParameter".
    expect(error.name).toBe("InvalidParameterException");
    expect(error.Code).toBe("InvalidParameter");
    expect(double.published).toHaveLength(1);
  });

  it.each(["Clé désactivée", " leading space", ""])(
    "rejects a Subject that is not printable ASCII starting with a letter, digit or punctuation (%j)",
    async (Subject) => {
      const error = await failure(
        sns().send(new PublishCommand({ TopicArn: topicArn, Subject, Message: "x" })),
      );

      expect(error.name).toBe("InvalidParameterException");
      expect(double.published).toEqual([]);
    },
  );

  it("rejects a Subject with a line break", async () => {
    const error = await failure(
      sns().send(new PublishCommand({ TopicArn: topicArn, Subject: "a\nb", Message: "x" })),
    );

    expect(error.name).toBe("InvalidParameterException");
  });

  it("with MessageStructure json rejects non-JSON and a missing default key", async () => {
    const client = sns();

    const notJson = await failure(
      client.send(
        new PublishCommand({ TopicArn: topicArn, Message: "plain text", MessageStructure: "json" }),
      ),
    );
    const noDefault = await failure(
      client.send(
        new PublishCommand({ TopicArn: topicArn, Message: '{"email":"x"}', MessageStructure: "json" }),
      ),
    );

    expect(notJson.name).toBe("InvalidParameterException");
    expect(noDefault.name).toBe("InvalidParameterException");
    expect(noDefault.message).toContain("No default entry");
    expect(double.published).toEqual([]);
  });

  describe("the 262,144-byte limit", () => {
    const LIMIT = 262_144;
    const outcome = { DataType: "String", StringValue: "contained" } as const;
    // "outcome" + "String" + "contained": SNS counts an attribute's name, data type and value.
    const OUTCOME_BYTES = 7 + 6 + 9;

    const publishOf = (message: string, attributes?: Record<string, typeof outcome>) =>
      sns().send(new PublishCommand({ TopicArn: topicArn, Message: message, MessageAttributes: attributes }));

    it("accepts a message and attributes of exactly the limit", async () => {
      await publishOf("x".repeat(LIMIT - OUTCOME_BYTES), { outcome });

      expect(double.published).toHaveLength(1);
    });

    it("rejects one byte over the limit as InvalidParameter: Message too long", async () => {
      const error = await failure(publishOf("x".repeat(LIMIT - OUTCOME_BYTES + 1), { outcome }));

      expect(error.name).toBe("InvalidParameterException");
      expect(error.Code).toBe("InvalidParameter");
      expect(error.message).toBe("Invalid parameter: Message too long");
      expect(double.published).toEqual([]);
    });

    it("counts the attributes: a message at the limit fails once an attribute is added", async () => {
      const atLimit = "x".repeat(LIMIT);

      await publishOf(atLimit);
      const error = await failure(publishOf(atLimit, { outcome }));

      expect(error.name).toBe("InvalidParameterException");
      expect(double.published).toHaveLength(1);
    });

    it("counts UTF-8 bytes, not characters", async () => {
      // "é" is two bytes in UTF-8.
      await publishOf("é".repeat(LIMIT / 2));
      const error = await failure(publishOf(`${"é".repeat(LIMIT / 2)}x`));

      expect(error.name).toBe("InvalidParameterException");
      expect(double.published).toHaveLength(1);
    });

    it("does not count the subject", async () => {
      await sns().send(
        new PublishCommand({ TopicArn: topicArn, Subject: "s".repeat(99), Message: "x".repeat(LIMIT) }),
      );

      expect(double.published).toHaveLength(1);
    });
  });

  it("rejects an attribute without a value as InvalidParameterValueException", async () => {
    const error = await failure(
      sns().send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: "x",
          MessageAttributes: { empty: { DataType: "String", StringValue: "" } },
        }),
      ),
    );

    // The wire code is ParameterValueInvalid; the SDK maps it to this name.
    expect(error.name).toBe("InvalidParameterValueException");
    expect(error.Code).toBe("ParameterValueInvalid");
  });
});

describe("faults", () => {
  it("retries through two Throttling faults with maxAttempts 3", { timeout: 15_000 }, async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.inject({ action: "UpdateAccessKey", times: 2, error: { code: "Throttling", status: 400 } });

    const out = await iam({ maxAttempts: 3 }).send(
      new UpdateAccessKeyCommand({
        UserName: "alice",
        AccessKeyId: "AKIAALICE00000000001",
        Status: "Inactive",
      }),
    );

    expect(out.$metadata.attempts).toBe(3);
    expect(double.calls.map((call) => [call.action, call.status])).toEqual([
      ["UpdateAccessKey", 400],
      ["UpdateAccessKey", 400],
      ["UpdateAccessKey", 200],
    ]);
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
    expect(double.writes()).toHaveLength(1);
  });

  it("without retries a Throttling fault surfaces as an error named Throttling", async () => {
    double.addUser({ name: "alice", keys: [] });
    double.inject({ action: "ListAccessKeys", error: { code: "Throttling", status: 400 } });

    const error = await failure(iam().send(new ListAccessKeysCommand({ UserName: "alice" })));
    await iam().send(new ListAccessKeysCommand({ UserName: "alice" }));

    expect(error.name).toBe("Throttling");
    expect(double.calls.map((call) => call.status)).toEqual([400, 200]);
  });

  it("a 500 ServiceFailure fault is a server-side ServiceFailureException", async () => {
    double.addUser({ name: "alice", keys: [] });
    double.inject({
      action: "ListAccessKeys",
      error: { code: "ServiceFailure", status: 500, type: "Receiver" },
    });

    const error = await failure(iam().send(new ListAccessKeysCommand({ UserName: "alice" })));

    expect(error.name).toBe("ServiceFailureException");
    expect(error.$fault).toBe("server");
  });

  it("faults for one action are consumed in order; Infinity keeps failing", async () => {
    double.addUser({ name: "alice", keys: [] });
    double.inject({ action: "ListAccessKeys", error: { code: "Throttling", status: 400 } });
    double.inject({
      action: "ListAccessKeys",
      times: Number.POSITIVE_INFINITY,
      error: { code: "ServiceFailure", status: 500 },
    });
    const client = iam();

    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      names.push((await failure(client.send(new ListAccessKeysCommand({ UserName: "alice" })))).name);
    }
    await client
      .send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAGONE000000000001" }))
      .catch(() => undefined);

    expect(names).toEqual(["Throttling", "ServiceFailureException", "ServiceFailureException"]);
    expect(double.calls.at(-1)).toMatchObject({ action: "GetAccessKeyLastUsed", status: 404 });
  });

  it("a delay beyond the client's requestTimeout is a TimeoutError (with throwOnRequestTimeout)", async () => {
    double.addUser({ name: "alice", keys: [] });
    double.inject({ action: "ListAccessKeys", delayMs: 1_000 });
    // This SDK's node handler only logs a warning for requestTimeout unless throwOnRequestTimeout is set.
    const client = iam({ requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true } });

    const started = Date.now();
    const error = await failure(client.send(new ListAccessKeysCommand({ UserName: "alice" })));

    expect(error).toMatchObject({ name: "TimeoutError", code: "ETIMEDOUT" });
    expect(error.message).toContain("200 ms requestTimeout");
    expect(Date.now() - started).toBeLessThan(900);
    expect(double.calls).toHaveLength(1);
  });

  it("requestTimeout alone only warns in this SDK version: the slow call still succeeds", async () => {
    double.addUser({ name: "alice", keys: [] });
    double.inject({ action: "ListAccessKeys", delayMs: 400 });
    const warnings: string[] = [];
    const logger = {
      debug: () => {},
      info: () => {},
      warn: (message: string) => warnings.push(message),
      error: () => {},
    };
    const client = iam({ requestHandler: { requestTimeout: 100, logger } });

    const out = await client.send(new ListAccessKeysCommand({ UserName: "alice" }));

    expect(out.AccessKeyMetadata).toEqual([]);
    expect(warnings.join("\n")).toContain("requestTimeout");
  });

  it("a delay-only fault within the timeout just slows the normal reply", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.inject({ action: "UpdateAccessKey", delayMs: 150 });

    const started = Date.now();
    await iam().send(
      new UpdateAccessKeyCommand({
        UserName: "alice",
        AccessKeyId: "AKIAALICE00000000001",
        Status: "Inactive",
      }),
    );

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
  });
});

describe("wire format and housekeeping", () => {
  it("stamps each call with its arrival time on the epoch clock other processes share", async () => {
    const before = performance.timeOrigin + performance.now();
    await rawPost("Action=CreateLoginProfile&Version=2010-05-08&UserName=x");
    const after = performance.timeOrigin + performance.now();

    const [call] = double.calls;
    expect(call?.at).toBeGreaterThanOrEqual(before);
    expect(call?.at).toBeLessThanOrEqual(after);
    // Epoch milliseconds, not time since this process started: a child process's timeOrigin compares with it.
    expect(Math.abs((call?.at ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it("answers an unknown action with InvalidAction in the Query error format", async () => {
    const res = await rawPost("Action=CreateLoginProfile&Version=2010-05-08&UserName=x");
    const body = await res.text();

    expect(res.status).toBe(400);
    expect(body).toMatch(
      /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    expect(double.calls).toEqual([
      {
        service: "iam",
        action: "CreateLoginProfile",
        params: { UserName: "x" },
        account: SELF_ACCOUNT,
        status: 400,
        at: expect.any(Number),
      },
    ]);
  });

  it("routes by the credential scope: an IAM action sent to SNS is unknown there", async () => {
    const res = await rawPost("Action=ListAccessKeys&Version=2010-03-31&UserName=x", "sns");

    expect(res.status).toBe(400);
    expect(await res.text()).toContain('xmlns="http://sns.amazonaws.com/doc/2010-03-31/"');
    expect(double.calls[0]).toMatchObject({ service: "sns", action: "ListAccessKeys" });
  });

  it("a success reply carries the RequestId the SDK reports", async () => {
    double.addUser({ name: "alice", keys: [] });

    const out = await iam().send(new ListAccessKeysCommand({ UserName: "alice" }));

    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("env() is enough for clients built from the default chain", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, double.env());
    try {
      const out = await new STSClient({ maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
      expect(out.Account).toBe(SELF_ACCOUNT);
    } finally {
      for (const key of Object.keys(double.env())) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
    expect(double.env()).toEqual({
      AWS_ENDPOINT_URL: double.url,
      AWS_ACCESS_KEY_ID: BASE_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: BASE_SECRET,
      AWS_REGION: "us-east-1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    });
  });

  it("reset() clears users, roles, sessions, calls, faults and published", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.addRole("r", MEMBER_ACCOUNT);
    const { Credentials } = await sts().send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/r`, RoleSessionName: "s" }),
    );
    await sns().send(new PublishCommand({ TopicArn: "arn:aws:sns:us-east-1:111111111111:t", Message: "m" }));
    double.inject({ action: "GetCallerIdentity", error: { code: "Throttling", status: 400 } });
    const published = double.published;

    double.reset();

    expect(double.calls).toEqual([]);
    expect(published).toBe(double.published);
    expect(double.published).toEqual([]);
    expect(double.keyStatus("AKIAALICE00000000001")).toBeUndefined();
    expect(() => double.userTags("alice")).toThrow(/no user alice/);
    expect((await sts().send(new GetCallerIdentityCommand({}))).Account).toBe(SELF_ACCOUNT);
    const stale = sts({ credentials: { accessKeyId: Credentials?.AccessKeyId ?? "", secretAccessKey: "x" } });
    expect((await failure(stale.send(new GetCallerIdentityCommand({})))).name).toBe("InvalidClientTokenId");
  });

  it("close() does not wait for replies held back by a delay fault", async () => {
    const other = await AwsDouble.start();
    other.inject({ action: "GetCallerIdentity", delayMs: 60_000 });
    const client = new STSClient({
      endpoint: other.url,
      region: "us-east-1",
      credentials: { accessKeyId: BASE_ACCESS_KEY_ID, secretAccessKey: BASE_SECRET },
      maxAttempts: 1,
    });
    const pending = failure(client.send(new GetCallerIdentityCommand({})));
    await expect.poll(() => other.calls.length).toBe(1);

    const started = Date.now();
    await other.close();

    expect(Date.now() - started).toBeLessThan(1_000);
    // The SDK renames a reset connection to TimeoutError too; the code tells them apart.
    expect(await pending).toMatchObject({ name: "TimeoutError", code: "ECONNRESET" });
  });
});

describe("concurrency", () => {
  it("records the most IAM requests it was answering at once", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.inject({ action: "ListAccessKeys", delayMs: 100, times: 3 });
    const client = iam();

    await Promise.all([1, 2, 3].map(() => client.send(new ListAccessKeysCommand({ UserName: "alice" }))));
    await client.send(new ListAccessKeysCommand({ UserName: "alice" }));

    expect(double.peakInFlight.iam).toBe(3);
    expect(double.peakInFlight.sns).toBe(0);
    double.reset();
    expect(double.peakInFlight.iam).toBe(0);
  });
});

describe("throttling a share of calls, and latency", () => {
  /** Sends `count` IAM calls one after another, alternating two actions; true where the call was throttled. */
  async function throttledPattern(count: number): Promise<boolean[]> {
    const client = iam();
    const pattern: boolean[] = [];
    for (let n = 0; n < count; n++) {
      const command =
        n % 2 === 0
          ? new ListAccessKeysCommand({ UserName: "alice" })
          : new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIAALICE00000000001" });
      try {
        await client.send(command as ListAccessKeysCommand);
        pattern.push(false);
      } catch (error) {
        expect(error).toMatchObject({
          name: "Throttling",
          message: "Rate exceeded",
          $metadata: { httpStatusCode: 400 },
        });
        pattern.push(true);
      }
    }
    return pattern;
  }

  it("answers about the chosen share of one service's calls, of every action, with Throttling, as IAM does", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.throttle({ service: "iam", fraction: 0.2, seed: 7 });

    const pattern = await throttledPattern(400);
    await sns().send(new PublishCommand({ TopicArn: "arn:aws:sns:us-east-1:111111111111:t", Message: "m" }));

    const throttled = pattern.filter(Boolean).length;
    // Within three standard deviations of 20% for 400 calls (the seed fixes the count: 100 here).
    expect(throttled).toBeGreaterThan(400 * 0.14);
    expect(throttled).toBeLessThan(400 * 0.26);
    // Both actions are throttled: the share is of the service's calls, not of one action.
    expect(new Set(double.throttled("iam").map((call) => call.action))).toEqual(
      new Set(["ListAccessKeys", "GetAccessKeyLastUsed"]),
    );
    expect(double.throttled()).toHaveLength(throttled);
    expect(double.throttled().every((call) => call.status === 400)).toBe(true);
    expect(double.calls.filter((call) => call.service === "sns").map((call) => call.status)).toEqual([200]);
  });

  it("throttles the same calls for the same seed and other calls for another seed", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.throttle({ service: "iam", fraction: 0.3, seed: 42 });
    const first = await throttledPattern(60);
    double.throttle({ service: "iam", fraction: 0.3, seed: 42 });
    const again = await throttledPattern(60);
    double.throttle({ service: "iam", fraction: 0.3, seed: 43 });
    const other = await throttledPattern(60);

    expect(first.some(Boolean)).toBe(true);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it("is retried by the SDK like IAM's own throttling", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    // Every call is throttled: the SDK tries as often as it is allowed to, then gives up with Throttling.
    double.throttle({ service: "iam", fraction: 1 });

    const error = await failure(
      iam({ maxAttempts: 2 }).send(new ListAccessKeysCommand({ UserName: "alice" })),
    );

    expect(error.name).toBe("Throttling");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 2 });
  });

  it("delays every reply of one service by its latency, counting those calls as in flight", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });
    double.latency("iam", 150);
    const client = iam();

    const started = performance.now();
    await Promise.all([1, 2, 3, 4].map(() => client.send(new ListAccessKeysCommand({ UserName: "alice" }))));

    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(double.peakInFlight.iam).toBe(4);
  });

  it("clears throttling and latency on reset", async () => {
    double.throttle({ service: "iam", fraction: 1 });
    double.latency("iam", 400);
    double.reset();
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }] });

    const started = performance.now();
    expect(await throttledPattern(10)).toEqual(Array(10).fill(false));
    expect(performance.now() - started).toBeLessThan(400);
    expect(double.throttled()).toEqual([]);
  });

  it("refuses a share that is not between 0 and 1", () => {
    expect(() => double.throttle({ service: "iam", fraction: 1.5 })).toThrow(/not between 0 and 1/);
  });
});

describe("Security Hub (REST-JSON)", () => {
  const securityHub = () => new SecurityHubClient(clientConfig());
  const asff = (Text: string, count = 1, UpdatedBy = "access-key-responder") =>
    new BatchUpdateFindingsCommand({
      FindingIdentifiers: Array.from({ length: count }, (_, i) => ({
        Id: `f${i}`,
        ProductArn: GUARDDUTY_PRODUCT,
      })),
      Note: { Text, UpdatedBy },
      Workflow: { Status: "NOTIFIED" },
    });

  it("updates a known finding's note and status, and returns an unknown one as unprocessed", async () => {
    double.addSecurityHubFinding({ id: "f0", productArn: GUARDDUTY_PRODUCT });
    const output = await securityHub().send(asff("note", 2));
    expect(output.ProcessedFindings).toEqual([{ Id: "f0", ProductArn: GUARDDUTY_PRODUCT }]);
    expect(output.UnprocessedFindings).toMatchObject([{ ErrorCode: "FindingNotFound" }]);
    expect(double.securityHubFinding(GUARDDUTY_PRODUCT, "f0")).toMatchObject({
      note: { Text: "note", UpdatedBy: "access-key-responder" },
      workflowStatus: "NOTIFIED",
      updates: 1,
    });
    expect(double.calls.map((c) => [c.service, c.action, c.status])).toEqual([
      ["securityhub", "BatchUpdateFindings", 200],
    ]);
  });

  it("refuses a note over 512 characters, UpdatedBy over 128 and more than 100 findings (InvalidInputException)", async () => {
    for (const command of [
      asff("x".repeat(SECURITY_HUB_MAX_NOTE + 1)),
      asff("note", 1, "y".repeat(SECURITY_HUB_MAX_UPDATED_BY + 1)),
      asff("note", SECURITY_HUB_MAX_FINDINGS + 1),
    ]) {
      expect(await failure(securityHub().send(command))).toMatchObject({ name: "InvalidInputException" });
    }
    expect(
      await securityHub().send(asff("x".repeat(SECURITY_HUB_MAX_NOTE), SECURITY_HUB_MAX_FINDINGS)),
    ).toBeDefined();
  });

  it("updates an OCSF finding's comment and status_id, refusing a long comment (ValidationException)", async () => {
    const FindingIdentifiers = [
      { CloudAccountUid: SELF_ACCOUNT, FindingInfoUid: "uid", MetadataProductUid: GUARDDUTY_PRODUCT_V2 },
    ];
    double.addSecurityHubFindingV2({
      findingInfoUid: "uid",
      productUid: GUARDDUTY_PRODUCT_V2,
      accountUid: SELF_ACCOUNT,
    });
    await securityHub().send(
      new BatchUpdateFindingsV2Command({ FindingIdentifiers, Comment: "c", StatusId: 4 }),
    );
    expect(double.securityHubFindingV2(GUARDDUTY_PRODUCT_V2, SELF_ACCOUNT, "uid")).toMatchObject({
      comment: "c",
      statusId: 4,
    });
    const long = new BatchUpdateFindingsV2Command({ FindingIdentifiers, Comment: "x".repeat(513) });
    expect(await failure(securityHub().send(long))).toMatchObject({ name: "ValidationException" });
  });

  it("answers InvalidAccessException where Security Hub is not enabled", async () => {
    double.setSecurityHubEnabled(false);
    expect(await failure(securityHub().send(asff("note")))).toMatchObject({
      name: "InvalidAccessException",
      message: expect.stringMatching(/not subscribed/),
    });
  });
});
