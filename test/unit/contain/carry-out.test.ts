import {
  type AccessKeyMetadata,
  AttachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  ServiceFailureException,
  type StatusType,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { type ContainContext, carryOut } from "../../../src/contain/carry-out";
import type { Finding } from "../../../src/findings";
import { type Plan, planContainment } from "../../../src/plan/plan";
import type { Config } from "../../../src/shared/config";
import type { Log } from "../../../src/shared/log";
import { findingOf, MEMBER, ourIdentity, testConfig } from "../../support/fixtures";

const iamMock = mockClient(IAMClient);
const NOW = new Date("2026-11-20T09:05:03.000Z");
const identity = ourIdentity();

const ALICE_KEY = "AKIAALICE00000000001";
/** guardduty-iam-user was first seen at 09:00:00 on 2026-11-20. */
const AFTER_FIRST_SEEN = new Date("2026-11-20T09:02:00.000Z");
const BEFORE_FIRST_SEEN = new Date("2025-03-01T00:00:00.000Z");

const context = (config: Config = testConfig()) => {
  const iam = new IAMClient({ region: "us-east-1" });
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), withKeys: vi.fn((): Log => log) };
  const iamFor = vi.fn(async (_plan: Plan) => iam);
  // STS GetAccessKeyInfo: every key of these tests is ours unless a test says otherwise.
  const keyAccount = vi.fn(async (_accessKeyId: string) => identity.account as string);
  const ctx: ContainContext = { config, identity, iamFor, keyAccount, now: () => NOW, log };
  return { ctx, iamFor, keyAccount, log };
};

const planFor = (finding: Finding, config: Config = testConfig()): Plan =>
  planContainment(finding, config, identity);

const commandNames = (): string[] => iamMock.calls().map((call) => call.args[0].constructor.name);

const keys = (...entries: [string, StatusType, Date?][]): { AccessKeyMetadata: AccessKeyMetadata[] } => ({
  AccessKeyMetadata: entries.map(([AccessKeyId, Status, CreateDate]) => ({
    UserName: "alice",
    AccessKeyId,
    Status,
    CreateDate,
  })),
});

const explicitDeny = () =>
  Object.assign(
    new Error(
      "User: arn:aws:sts::111111111111:assumed-role/responder/fn is not authorized to perform: iam:UpdateAccessKey " +
        "on resource: user alice with an explicit deny in an identity-based policy",
    ),
    { name: "AccessDenied" },
  );

const noSuchEntity = () => new NoSuchEntityException({ message: "cannot be found", $metadata: {} });

beforeEach(() => {
  iamMock.reset();
  iamMock.on(UpdateAccessKeyCommand).resolves({});
  iamMock.on(TagUserCommand).resolves({});
  iamMock.on(AttachUserPolicyCommand).resolves({});
  iamMock.on(PutRolePolicyCommand).resolves({});
});

describe("carryOut", () => {
  it("disables the key, then reads it back, and reports it contained at the clock's time", async () => {
    iamMock.on(ListAccessKeysCommand).resolves(keys([ALICE_KEY, "Inactive"]));
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(commandNames()).toEqual(["UpdateAccessKeyCommand", "ListAccessKeysCommand"]);
    expect(iamMock.commandCalls(UpdateAccessKeyCommand)[0]?.args[0].input).toEqual({
      UserName: "alice",
      AccessKeyId: ALICE_KEY,
      Status: "Inactive",
    });
    expect(iamMock).toHaveReceivedCommandExactlyOnceWith(ListAccessKeysCommand, { UserName: "alice" });
    expect(outcome).toMatchObject({
      status: "disabled",
      detail: "AKIAALICE00000000001 of alice is now Inactive",
      userName: "alice",
      account: "111111111111",
      containedAt: "2026-11-20T09:05:03.000Z",
      siblings: [],
      notes: [],
    });
  });

  it("looks up the owner, then writes with the owner's name, then reads back", async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "bob" });
    iamMock.on(ListAccessKeysCommand).resolves(keys(["AKIABOB0000000000001", "Inactive"]));
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("health-credentials-compromised")), ctx);

    expect(commandNames()).toEqual([
      "GetAccessKeyLastUsedCommand",
      "UpdateAccessKeyCommand",
      "ListAccessKeysCommand",
    ]);
    expect(iamMock).toHaveReceivedCommandWith(GetAccessKeyLastUsedCommand, {
      AccessKeyId: "AKIABOB0000000000001",
    });
    expect(iamMock).toHaveReceivedCommandExactlyOnceWith(UpdateAccessKeyCommand, {
      UserName: "bob",
      AccessKeyId: "AKIABOB0000000000001",
      Status: "Inactive",
    });
    expect(outcome).toMatchObject({ status: "disabled", userName: "bob" });
    expect(outcome.plan.userName).toBe("bob");
  });

  it("makes no write when the looked-up owner is root", async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "root" });
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("health-credentials-compromised")), ctx);

    expect(iamMock).not.toHaveReceivedCommand(UpdateAccessKeyCommand);
    expect(outcome).toMatchObject({ status: "skipped", plan: { skip: "root", urgent: true } });
  });

  it("makes no write when the looked-up owner is protected", async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "bob" });
    const config = testConfig({ protectedUsers: ["bob"] });
    const { ctx } = context(config);

    const outcome = await carryOut(planFor(findingOf("health-credentials-compromised"), config), ctx);

    expect(commandNames()).toEqual(["GetAccessKeyLastUsedCommand"]);
    expect(outcome).toMatchObject({ status: "skipped", plan: { skip: "protected" } });
  });

  it("reports the key gone, with no write, when the owner look-up says NoSuchEntity in the account STS names", async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).rejects(noSuchEntity());
    const { ctx, keyAccount } = context();

    const outcome = await carryOut(planFor(findingOf("health-credentials-compromised")), ctx);

    expect(keyAccount).toHaveBeenCalledWith("AKIABOB0000000000001");
    expect(iamMock).not.toHaveReceivedCommand(UpdateAccessKeyCommand);
    expect(outcome).toMatchObject({
      status: "key-gone",
      detail:
        "AKIABOB0000000000001 no longer exists in account 111111111111, which STS names as its owner: no action needed",
    });
  });

  it("never reports a key of another account gone: the plan is made again there", async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).rejects(noSuchEntity());
    const { ctx, keyAccount } = context();
    keyAccount.mockResolvedValue(MEMBER);

    const outcome = await carryOut(planFor(findingOf("health-credentials-compromised")), ctx);

    expect(iamMock).not.toHaveReceivedCommand(UpdateAccessKeyCommand);
    expect(outcome).toMatchObject({ status: "skipped", account: MEMBER });
    expect(outcome.plan.skip).toBe("other-account");
    expect(outcome.detail).toContain(`belongs to account ${MEMBER}`);
  });

  it("fails the key, never calls it gone, when STS cannot name the owning account", async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).rejects(noSuchEntity());
    const { ctx, keyAccount } = context();
    keyAccount.mockRejectedValue(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));

    const outcome = await carryOut(planFor(findingOf("health-credentials-compromised")), ctx);

    expect(outcome.status).toBe("failed");
  });

  it("fails the key when the read-back still shows it Active", async () => {
    iamMock.on(ListAccessKeysCommand).resolves(keys([ALICE_KEY, "Active"]));
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(outcome).toMatchObject({
      status: "failed",
      detail: "AKIAALICE00000000001 is still Active after UpdateAccessKey",
      error: "read-back mismatch",
    });
    expect(outcome.containedAt).toBeUndefined();
  });

  it("fails the key when the read-back no longer lists it", async () => {
    iamMock.on(ListAccessKeysCommand).resolves(keys(["AKIAALICE00000000002", "Active"]));
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(outcome).toMatchObject({
      status: "failed",
      detail: "AKIAALICE00000000001 is still missing after UpdateAccessKey",
    });
  });

  it("reports the key gone only when the key itself is not found after the write says NoSuchEntity", async () => {
    iamMock.on(UpdateAccessKeyCommand).rejects(noSuchEntity());
    iamMock.on(GetAccessKeyLastUsedCommand).rejects(noSuchEntity());
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(commandNames()).toEqual(["UpdateAccessKeyCommand", "GetAccessKeyLastUsedCommand"]);
    expect(outcome).toMatchObject({ status: "key-gone" });
  });

  describe("when the key's owner is not the user the event names", () => {
    /** alice was renamed alice-renamed after the finding; IAM knows the key under the new name only. */
    const renamed = () => {
      const status: Record<string, StatusType> = { [ALICE_KEY]: "Active" };
      iamMock
        .on(UpdateAccessKeyCommand, { UserName: "alice" })
        .rejects(noSuchEntity())
        .on(UpdateAccessKeyCommand, { UserName: "alice-renamed" })
        .callsFake(({ Status }) => {
          status[ALICE_KEY] = Status;
          return {};
        });
      iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "alice-renamed" });
      iamMock
        .on(ListAccessKeysCommand)
        .callsFake(() => ({ AccessKeyMetadata: [{ AccessKeyId: ALICE_KEY, Status: status[ALICE_KEY] }] }));
      return status;
    };

    it("finds the real owner from the key, plans again and disables the key, noting the named user", async () => {
      const status = renamed();
      const { ctx } = context();

      const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

      expect(commandNames()).toEqual([
        "UpdateAccessKeyCommand",
        "GetAccessKeyLastUsedCommand",
        "UpdateAccessKeyCommand",
        "ListAccessKeysCommand",
      ]);
      expect(iamMock).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
        UserName: "alice-renamed",
        AccessKeyId: ALICE_KEY,
        Status: "Inactive",
      });
      expect(status[ALICE_KEY]).toBe("Inactive");
      expect(outcome).toMatchObject({ status: "disabled", userName: "alice-renamed", namedUser: "alice" });
    });

    it("does the same when a redelivery's first read finds no such user", async () => {
      renamed();
      iamMock.on(ListAccessKeysCommand, { UserName: "alice" }).rejects(noSuchEntity());
      const { ctx } = context();

      const outcome = await carryOut(planFor(findingOf("guardduty-iam-user-update")), ctx);

      expect(outcome).toMatchObject({ status: "disabled", userName: "alice-renamed", namedUser: "alice" });
    });

    it("refuses the real owner when it is protected", async () => {
      renamed();
      const config = testConfig({ protectedUsers: ["alice-renamed"] });
      const { ctx } = context(config);

      const outcome = await carryOut(planFor(findingOf("guardduty-iam-user"), config), ctx);

      expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
      expect(outcome).toMatchObject({ status: "skipped", namedUser: "alice", plan: { skip: "protected" } });
    });

    it("refuses the real owner when it is the root user", async () => {
      renamed();
      iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "root" });
      const { ctx } = context();

      const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

      expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
      expect(outcome).toMatchObject({ status: "skipped", plan: { skip: "root" } });
    });

    it("fails, rather than calling the key gone, when IAM names the same owner it just denied", async () => {
      iamMock.on(UpdateAccessKeyCommand).rejects(noSuchEntity());
      iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "alice" });
      const { ctx } = context();

      const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

      expect(outcome.status).toBe("failed");
    });

    it("looks the owner up once only, and fails when the real owner's write says NoSuchEntity too", async () => {
      iamMock.on(UpdateAccessKeyCommand).rejects(noSuchEntity());
      iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "alice-renamed" });
      const { ctx } = context();

      const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

      expect(iamMock).toHaveReceivedCommandTimes(GetAccessKeyLastUsedCommand, 1);
      expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 2);
      expect(outcome).toMatchObject({ status: "failed", namedUser: "alice" });
    });
  });

  it("reports a write refused by an explicit deny as protected, not as a failure", async () => {
    iamMock.on(UpdateAccessKeyCommand).rejects(explicitDeny());
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(outcome).toMatchObject({
      status: "protected",
      detail: "IAM refused the change with an explicit deny: a person must decide",
      error: expect.stringContaining("explicit deny"),
    });
  });

  it("fails the key on an AccessDenied that is not an explicit deny", async () => {
    iamMock
      .on(UpdateAccessKeyCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
    const { ctx } = context();

    expect((await carryOut(planFor(findingOf("guardduty-iam-user")), ctx)).status).toBe("failed");
  });

  it("fails the key on any other error without throwing, and logs it", async () => {
    iamMock
      .on(UpdateAccessKeyCommand)
      .rejects(new ServiceFailureException({ message: "IAM is down", $metadata: {} }));
    const { ctx, log } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(outcome).toMatchObject({
      status: "failed",
      detail: "containment failed: ServiceFailure: IAM is down",
      error: "ServiceFailure: IAM is down",
    });
    expect(log.error).toHaveBeenCalledWith("containment failed", {
      accessKeyId: ALICE_KEY,
      error: "ServiceFailure: IAM is down",
    });
  });

  it("fails the key without throwing when no IAM client can be had (AssumeRole refused)", async () => {
    const config = testConfig({ memberRoleName: "ResponderMember" });
    const { ctx, iamFor } = context(config);
    iamFor.mockRejectedValueOnce(new Error("AssumeRole refused"));

    const outcome = await carryOut(planFor(findingOf("guardduty-member-account"), config), ctx);

    expect(outcome).toMatchObject({ status: "failed", account: "222222222222" });
    expect(iamMock).not.toHaveReceivedAnyCommand();
  });

  it("asks for the IAM client of the plan's member account", async () => {
    iamMock.on(ListAccessKeysCommand).resolves(keys(["AKIAERIN000000000001", "Inactive"]));
    const config = testConfig({ memberRoleName: "ResponderMember" });
    const { ctx, iamFor } = context(config);

    const outcome = await carryOut(planFor(findingOf("guardduty-member-account"), config), ctx);

    expect(iamFor).toHaveBeenCalledWith(
      expect.objectContaining({ roleArn: "arn:aws:iam::222222222222:role/ResponderMember" }),
    );
    expect(iamMock).toHaveReceivedCommandWith(UpdateAccessKeyCommand, { UserName: "erin" });
    expect(outcome).toMatchObject({ status: "disabled", account: "222222222222" });
  });

  it("reads first and makes no second write when a repeated finding's key is already Inactive", async () => {
    iamMock.on(ListAccessKeysCommand).resolves(keys([ALICE_KEY, "Inactive"]));
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user-update")), ctx);

    expect(commandNames()).toEqual(["ListAccessKeysCommand"]);
    expect(iamMock).not.toHaveReceivedCommand(UpdateAccessKeyCommand);
    expect(outcome).toMatchObject({
      status: "already-done",
      detail: "AKIAALICE00000000001 is already Inactive: a repeat, no second write",
    });
  });

  it("reads first, then writes and reads back when a repeated finding's key is still Active", async () => {
    iamMock
      .on(ListAccessKeysCommand)
      .resolvesOnce(keys([ALICE_KEY, "Active"]))
      .resolves(keys([ALICE_KEY, "Inactive"]));
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user-update")), ctx);

    expect(commandNames()).toEqual([
      "ListAccessKeysCommand",
      "UpdateAccessKeyCommand",
      "ListAccessKeysCommand",
    ]);
    expect(outcome.status).toBe("disabled");
  });

  it("reports the key gone when the first read does not list it and the key is not found", async () => {
    iamMock.on(ListAccessKeysCommand).resolves(keys(["AKIAALICE00000000002", "Active"]));
    iamMock.on(GetAccessKeyLastUsedCommand).rejects(noSuchEntity());
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user-update")), ctx);

    expect(iamMock).not.toHaveReceivedCommand(UpdateAccessKeyCommand);
    expect(outcome.status).toBe("key-gone");
  });

  it("keeps reading first after looking up the owner, so a redelivery makes no second write", async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "bob" });
    iamMock.on(ListAccessKeysCommand).resolves(keys(["AKIABOB0000000000001", "Inactive"]));
    const { ctx } = context();
    const redelivered = { ...planFor(findingOf("health-credentials-compromised")), checkFirst: true };

    const outcome = await carryOut(redelivered, ctx);

    expect(iamMock).not.toHaveReceivedCommand(UpdateAccessKeyCommand);
    expect(outcome.status).toBe("already-done");
  });

  it("flags an Active sibling key created after the finding was first seen, without disabling it by default", async () => {
    iamMock
      .on(ListAccessKeysCommand)
      .resolves(
        keys(
          [ALICE_KEY, "Inactive", BEFORE_FIRST_SEEN],
          ["AKIAALICE00000000002", "Active", AFTER_FIRST_SEEN],
        ),
      );
    const { ctx } = context();

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
    expect(outcome.siblings).toEqual([
      {
        accessKeyId: "AKIAALICE00000000002",
        status: "Active",
        created: "2026-11-20T09:02:00.000Z",
        suspicious: true,
        disabled: false,
      },
    ]);
  });

  it("disables a sibling created after the first sighting when sibling disabling is on", async () => {
    iamMock
      .on(ListAccessKeysCommand)
      .resolves(
        keys(
          [ALICE_KEY, "Inactive", BEFORE_FIRST_SEEN],
          ["AKIAALICE00000000002", "Active", AFTER_FIRST_SEEN],
        ),
      );
    const { ctx } = context(testConfig({ disableSiblingKeys: true }));

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 2);
    expect(iamMock).toHaveReceivedNthCommandWith(UpdateAccessKeyCommand, 2, {
      UserName: "alice",
      AccessKeyId: "AKIAALICE00000000002",
      Status: "Inactive",
    });
    expect(outcome.status).toBe("disabled");
    expect(outcome.siblings).toEqual([
      expect.objectContaining({
        accessKeyId: "AKIAALICE00000000002",
        suspicious: true,
        disabled: true,
        status: "Inactive",
      }),
    ]);
  });

  it("leaves an older sibling untouched and unflagged even when sibling disabling is on", async () => {
    iamMock
      .on(ListAccessKeysCommand)
      .resolves(
        keys(
          [ALICE_KEY, "Inactive", BEFORE_FIRST_SEEN],
          ["AKIAALICE00000000002", "Active", BEFORE_FIRST_SEEN],
        ),
      );
    const { ctx } = context(testConfig({ disableSiblingKeys: true }));

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
    expect(iamMock).not.toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      AccessKeyId: "AKIAALICE00000000002",
    });
    expect(outcome.siblings).toEqual([
      expect.objectContaining({ accessKeyId: "AKIAALICE00000000002", suspicious: false, disabled: false }),
    ]);
  });

  it("lists only Active siblings", async () => {
    iamMock
      .on(ListAccessKeysCommand)
      .resolves(keys([ALICE_KEY, "Inactive"], ["AKIAALICE00000000002", "Inactive", AFTER_FIRST_SEEN]));
    const { ctx } = context(testConfig({ disableSiblingKeys: true }));

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user")), ctx);

    expect(outcome.siblings).toEqual([]);
    expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
  });

  it("flags no sibling as suspicious when the finding has no first sighting", async () => {
    iamMock
      .on(ListAccessKeysCommand)
      .resolves(keys([ALICE_KEY, "Inactive"], ["AKIAALICE00000000002", "Active", AFTER_FIRST_SEEN]));
    const { ctx } = context(testConfig({ disableSiblingKeys: true }));

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user", { firstSeen: undefined })), ctx);

    expect(outcome.siblings).toEqual([expect.objectContaining({ suspicious: false, disabled: false })]);
    expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
  });

  it("runs the opt-in follow-ups after containment: sibling, tag, then quarantine policy", async () => {
    iamMock
      .on(ListAccessKeysCommand)
      .resolves(keys([ALICE_KEY, "Inactive"], ["AKIAALICE00000000002", "Active", AFTER_FIRST_SEEN]));
    const config = testConfig({ disableSiblingKeys: true, tagUser: true, attachQuarantinePolicy: true });
    const { ctx } = context(config);

    await carryOut(planFor(findingOf("guardduty-iam-user"), config), ctx);

    expect(commandNames()).toEqual([
      "UpdateAccessKeyCommand",
      "ListAccessKeysCommand",
      "UpdateAccessKeyCommand",
      "TagUserCommand",
      "AttachUserPolicyCommand",
    ]);
    expect(iamMock).toHaveReceivedCommandWith(TagUserCommand, {
      UserName: "alice",
      Tags: [
        {
          Key: "access-key-responder:last-action",
          Value: "AKIAALICE00000000001 Inactive 2026-11-20T09:05:03.000Z 3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c",
        },
      ],
    });
    expect(iamMock).toHaveReceivedCommandWith(AttachUserPolicyCommand, {
      UserName: "alice",
      PolicyArn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
    });
  });

  it("turns failed follow-ups into notes and still reports the key disabled", async () => {
    iamMock
      .on(ListAccessKeysCommand)
      .resolves(keys([ALICE_KEY, "Inactive"], ["AKIAALICE00000000002", "Active", AFTER_FIRST_SEEN]));
    iamMock.on(UpdateAccessKeyCommand, { AccessKeyId: "AKIAALICE00000000002" }).rejects(new Error("limit"));
    iamMock.on(TagUserCommand).rejects(new Error("tag refused"));
    iamMock.on(AttachUserPolicyCommand).rejects(new Error("attach refused"));
    const config = testConfig({ disableSiblingKeys: true, tagUser: true, attachQuarantinePolicy: true });
    const { ctx, log } = context(config);

    const outcome = await carryOut(planFor(findingOf("guardduty-iam-user"), config), ctx);

    expect(outcome.status).toBe("disabled");
    expect(outcome.notes).toEqual([
      "disabling sibling key AKIAALICE00000000002 failed: Error: limit",
      "tagging the user failed: Error: tag refused",
      "attaching the quarantine policy failed: Error: attach refused",
    ]);
    expect(outcome.siblings[0]).toMatchObject({ disabled: false, status: "Active" });
    expect(log.warn).toHaveBeenCalledTimes(3);
  });

  it("reactivates a key on a person's request and does not attach the quarantine policy", async () => {
    iamMock.on(ListAccessKeysCommand).resolves(keys(["AKIAIVAN000000000001", "Active"]));
    const config = testConfig({ attachQuarantinePolicy: true });
    const { ctx } = context(config);

    const plan = planContainment(findingOf("manual-reactivate"), config, ourIdentity({ handler: "manual" }));

    const outcome = await carryOut(plan, { ...ctx, identity: ourIdentity({ handler: "manual" }) });

    expect(iamMock).toHaveReceivedCommandExactlyOnceWith(UpdateAccessKeyCommand, {
      UserName: "ivan",
      AccessKeyId: "AKIAIVAN000000000001",
      Status: "Active",
    });
    expect(iamMock).not.toHaveReceivedCommand(AttachUserPolicyCommand);
    expect(outcome).toMatchObject({
      status: "reactivated",
      detail: "AKIAIVAN000000000001 of ivan is now Active",
    });
  });

  it("revokes a role's older sessions at the clock's time instead of touching the key", async () => {
    const config = testConfig({ revokeSessions: true });
    const { ctx } = context(config);

    const outcome = await carryOut(planFor(findingOf("guardduty-assumed-role"), config), ctx);

    expect(commandNames()).toEqual(["PutRolePolicyCommand"]);
    const document = JSON.parse(
      iamMock.commandCalls(PutRolePolicyCommand)[0]?.args[0].input.PolicyDocument ?? "{}",
    );
    expect(document.Statement[0].Condition.DateLessThan["aws:TokenIssueTime"]).toBe(
      "2026-11-20T09:05:03.000Z",
    );
    expect(outcome).toMatchObject({
      status: "sessions-revoked",
      containedAt: "2026-11-20T09:05:03.000Z",
      detail: "sessions of role web-instance-role issued before 2026-11-20T09:05:03.000Z are denied",
    });
  });

  it.each([
    ["a sample", "guardduty-sample"],
    ["root credentials", "guardduty-root"],
    ["a temporary key with revocation off", "guardduty-assumed-role"],
    ["a finding below the threshold", "guardduty-low-severity"],
  ])("makes no call at all for %s and reports it skipped", async (_, fixture) => {
    const { ctx, iamFor } = context();
    const plan = planFor(findingOf(fixture));

    const outcome = await carryOut(plan, ctx);

    expect(outcome).toMatchObject({ status: "skipped", detail: "no change was made" });
    expect(iamFor).not.toHaveBeenCalled();
    expect(iamMock).not.toHaveReceivedAnyCommand();
  });

  it("makes no call at all in a dry run, not even the owner look-up", async () => {
    const config = testConfig({ dryRun: true });
    const { ctx, iamFor } = context(config);

    const direct = await carryOut(planFor(findingOf("guardduty-iam-user"), config), ctx);
    const lookUp = await carryOut(planFor(findingOf("health-credentials-compromised"), config), ctx);

    expect(iamFor).not.toHaveBeenCalled();
    expect(iamMock).not.toHaveReceivedAnyCommand();
    expect(direct).toMatchObject({ status: "dry-run", detail: "dry run: would set the key Inactive" });
    expect(lookUp).toMatchObject({
      status: "dry-run",
      detail: "dry run: would set the key Inactive (after looking up the owner with GetAccessKeyLastUsed)",
    });
  });
});
