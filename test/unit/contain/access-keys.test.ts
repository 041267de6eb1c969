import {
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  NoSuchEntityException,
  ServiceFailureException,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import {
  ACCESS_KEY_PERMISSIONS,
  listKeys,
  resolveKeyOwner,
  setKeyStatus,
} from "../../../src/contain/access-keys";
import { ContainmentError } from "../../../src/contain/errors";

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: "us-east-1" });

const noSuchEntity = () =>
  new NoSuchEntityException({ message: "The Access Key with id AKIA… cannot be found.", $metadata: {} });

beforeEach(() => {
  iamMock.reset();
});

describe("resolveKeyOwner", () => {
  it("asks GetAccessKeyLastUsed for the key and returns the user it names", async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: "bob" });

    await expect(resolveKeyOwner(iam, "AKIABOB0000000000001")).resolves.toEqual({
      userName: "bob",
      root: false,
    });
    expect(iamMock).toHaveReceivedCommandTimes(GetAccessKeyLastUsedCommand, 1);
    expect(iamMock).toHaveReceivedCommandWith(GetAccessKeyLastUsedCommand, {
      AccessKeyId: "AKIABOB0000000000001",
    });
  });

  it.each([["root"], ["Root"], ["<root_account>"], [undefined], [""]])(
    "reports the root user when IAM answers %j",
    async (userName) => {
      iamMock.on(GetAccessKeyLastUsedCommand).resolves({ UserName: userName });

      await expect(resolveKeyOwner(iam, "AKIAROOT000000000001")).resolves.toEqual({
        userName: undefined,
        root: true,
      });
    },
  );

  it('answers "gone" when IAM says NoSuchEntity', async () => {
    iamMock.on(GetAccessKeyLastUsedCommand).rejects(noSuchEntity());

    await expect(resolveKeyOwner(iam, "AKIABOB0000000000001")).resolves.toBe("gone");
  });

  it("passes any other error on", async () => {
    iamMock
      .on(GetAccessKeyLastUsedCommand)
      .rejects(new ServiceFailureException({ message: "boom", $metadata: {} }));

    await expect(resolveKeyOwner(iam, "AKIABOB0000000000001")).rejects.toThrow("boom");
  });

  it("refuses an invalid key ID without calling IAM", async () => {
    await expect(resolveKeyOwner(iam, "AKIA'; DROP--")).rejects.toThrow(ContainmentError);
    expect(iamMock).not.toHaveReceivedAnyCommand();
  });
});

describe("setKeyStatus", () => {
  it("sends one UpdateAccessKey with UserName, AccessKeyId and Status Inactive", async () => {
    iamMock.on(UpdateAccessKeyCommand).resolves({});

    await setKeyStatus(iam, "alice", "AKIAALICE00000000001", "Inactive");

    expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
    expect(iamMock).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      UserName: "alice",
      AccessKeyId: "AKIAALICE00000000001",
      Status: "Inactive",
    });
  });

  it("passes a user name with an '@' and sets Active when asked", async () => {
    iamMock.on(UpdateAccessKeyCommand).resolves({});

    await setKeyStatus(iam, "judy@example.com", "AKIAJUDY000000000001", "Active");

    expect(iamMock).toHaveReceivedCommandExactlyOnceWith(UpdateAccessKeyCommand, {
      UserName: "judy@example.com",
      AccessKeyId: "AKIAJUDY000000000001",
      Status: "Active",
    });
  });

  it.each([
    ["an empty user name", "", "AKIAALICE00000000001", "invalid user name"],
    ["a user name with a space", "alice smith", "AKIAALICE00000000001", "invalid user name"],
    ["a user name of 65 characters", "a".repeat(65), "AKIAALICE00000000001", "invalid user name"],
    ["a key ID with a quote", "alice", "AKIA'; DROP--", "invalid access key ID"],
    ["a key ID of 15 characters", "alice", "AKIA00000000000", "invalid access key ID"],
  ])("refuses %s without calling IAM", async (_, userName, accessKeyId, message) => {
    await expect(setKeyStatus(iam, userName, accessKeyId, "Inactive")).rejects.toThrow(
      `refusing to call IAM with an ${message}`,
    );
    expect(iamMock).not.toHaveReceivedAnyCommand();
  });

  it("passes NoSuchEntity on for the caller to report the key as gone", async () => {
    iamMock.on(UpdateAccessKeyCommand).rejects(noSuchEntity());

    await expect(setKeyStatus(iam, "alice", "AKIAALICE00000000001", "Inactive")).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
  });
});

describe("listKeys", () => {
  it("lists the user's keys with their status and creation date", async () => {
    const created = new Date("2026-01-02T03:04:05Z");
    iamMock.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { UserName: "alice", AccessKeyId: "AKIAALICE00000000001", Status: "Inactive", CreateDate: created },
        { UserName: "alice", AccessKeyId: "AKIAALICE00000000002", Status: "Active" },
      ],
    });

    await expect(listKeys(iam, "alice")).resolves.toEqual([
      { accessKeyId: "AKIAALICE00000000001", status: "Inactive", created },
      { accessKeyId: "AKIAALICE00000000002", status: "Active", created: undefined },
    ]);
    expect(iamMock).toHaveReceivedCommandExactlyOnceWith(ListAccessKeysCommand, { UserName: "alice" });
  });

  it("answers an empty list when IAM returns no metadata", async () => {
    iamMock.on(ListAccessKeysCommand).resolves({});

    await expect(listKeys(iam, "alice")).resolves.toEqual([]);
  });

  it('answers "gone" when the user no longer exists', async () => {
    iamMock.on(ListAccessKeysCommand).rejects(noSuchEntity());

    await expect(listKeys(iam, "alice")).resolves.toBe("gone");
  });

  it("refuses an invalid user name without calling IAM", async () => {
    await expect(listKeys(iam, "alice\nbob")).rejects.toThrow(ContainmentError);
    expect(iamMock).not.toHaveReceivedAnyCommand();
  });
});

describe("ACCESS_KEY_PERMISSIONS", () => {
  it("declares exactly the three IAM actions the adapter calls", () => {
    expect([...ACCESS_KEY_PERMISSIONS].sort()).toEqual([
      "iam:GetAccessKeyLastUsed",
      "iam:ListAccessKeys",
      "iam:UpdateAccessKey",
    ]);
  });
});
