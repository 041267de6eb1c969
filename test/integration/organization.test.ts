// Organization-wide AWS Health, driven through the leakedCredentials handler against the loopback double: the
// delegated administrator (111111111111) receives an event for a member account's key (222222222222, erin), AWS
// Health delivers a global event twice (us-east-1, and us-west-2 as the backup), and a large event comes in pages.
import { describe, expect, it } from "vitest";
import { type EditableEvent, lambdaContext, loadEvent } from "../support/fixtures";
import {
  awsLog,
  container,
  type Invocation,
  loopbackDouble,
  publishedDocument,
  useMemberRole,
} from "../support/harness";
import { ERIN_KEY, MEMBER_ACCOUNT, MEMBER_ROLE, SELF_ACCOUNT } from "../support/world";

const double = loopbackDouble();

const PAGE_KEYS = {
  "health-paged-1-of-2": { AKIABOB0000000000001: "bob", AKIACAROL00000000001: "carol" },
  "health-paged-2-of-2": { AKIAALICE00000000001: "alice", AKIADAVE000000000002: "dave" },
} as const;

type Send = ReturnType<typeof container>;

/** A new container of the leakedCredentials function. */
const leakedCredentials = (): Send => container("leakedCredentials");

const deliver = (send: Send, event: EditableEvent | string): Promise<Invocation> =>
  send(event, lambdaContext("leakedCredentials"));

/** The calls IAM answered about one user or one key of theirs, from the `from`-th call on. */
const callsAbout = (userName: string, accessKeyId: string, from = 0) =>
  double.calls
    .slice(from)
    .filter((c) => c.params.UserName === userName || c.params.AccessKeyId === accessKeyId)
    .map((c) => c.action);

describe("a Health event for a member account, received by the delegated administrator", () => {
  it("assumes the member role there, then looks up the owner and writes with the member account's credentials", async () => {
    useMemberRole(double);

    const { summary, error } = await deliver(leakedCredentials(), "health-member-account");

    expect(error).toBeUndefined();
    expect(awsLog(double)).toEqual([
      `AssumeRole:${SELF_ACCOUNT}`,
      `GetAccessKeyLastUsed:${MEMBER_ACCOUNT}`,
      `UpdateAccessKey:${MEMBER_ACCOUNT}`,
      `ListAccessKeys:${MEMBER_ACCOUNT}`,
    ]);
    expect(double.calls[0]?.params.RoleArn).toBe(`arn:aws:iam::${MEMBER_ACCOUNT}:role/${MEMBER_ROLE}`);
    expect(double.writes().map((c) => c.params)).toEqual([
      { UserName: "erin", AccessKeyId: ERIN_KEY, Status: "Inactive" },
    ]);
    expect(double.keyStatus(ERIN_KEY)).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: ERIN_KEY, userName: "erin", account: MEMBER_ACCOUNT, status: "disabled" },
    ]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("contained");
    expect(text).toContain(MEMBER_ACCOUNT);
  });

  it("without a member role, makes no call and sends an alert for a person that names the account", async () => {
    const { summary, error } = await deliver(leakedCredentials(), "health-member-account");

    expect(error).toBeUndefined();
    expect(awsLog(double)).toEqual([]);
    expect(double.keyStatus(ERIN_KEY)).toBe("Active");
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: ERIN_KEY, account: MEMBER_ACCOUNT, status: "skipped", reason: "other-account" },
    ]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain(MEMBER_ACCOUNT);
    expect(text).toContain("MEMBER_ROLE_NAME");
  });
});

describe("the us-east-1 copy and the us-west-2 backup copy of one global event", () => {
  it("in one container, the backup copy reads the key, finds it Inactive and reports a repeat: one write", async () => {
    useMemberRole(double);
    const send = leakedCredentials();

    const first = await deliver(send, "health-member-account");
    const from = double.calls.length;
    const second = await deliver(send, "health-backup-us-west-2");

    expect(first.summary?.outcomes).toMatchObject([{ status: "disabled" }]);
    expect(second.error).toBeUndefined();
    expect(double.writes()).toHaveLength(1);
    expect(awsLog(double, from).filter((call) => !call.startsWith("AssumeRole:"))).toEqual([
      `GetAccessKeyLastUsed:${MEMBER_ACCOUNT}`,
      `ListAccessKeys:${MEMBER_ACCOUNT}`,
    ]);
    expect(second.summary?.outcomes).toMatchObject([
      { accessKeyId: ERIN_KEY, account: MEMBER_ACCOUNT, status: "already-done" },
    ]);
    expect(double.published).toHaveLength(2);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("no-action");
    expect(text).toContain("a repeat");
    expect(text).toContain("possibly a backup copy (delivered to us-west-2)");
  });

  it("in another container, the backup copy still reads first: the parser knows it, not the memory", async () => {
    useMemberRole(double);

    await deliver(leakedCredentials(), "health-member-account");
    const { summary } = await deliver(leakedCredentials(), "health-backup-us-west-2");

    expect(double.writes()).toHaveLength(1);
    expect(summary?.outcomes).toMatchObject([{ status: "already-done" }]);
  });

  it("when the backup copy comes first, the us-east-1 copy after it in the same container reads first", async () => {
    useMemberRole(double);
    const send = leakedCredentials();

    const first = await deliver(send, "health-backup-us-west-2");
    const second = await deliver(send, "health-member-account");

    expect(first.summary?.outcomes).toMatchObject([{ status: "disabled" }]);
    expect(second.summary?.outcomes).toMatchObject([{ status: "already-done" }]);
    expect(double.writes()).toHaveLength(1);
  });

  it("a backup copy of a key nobody contained yet is written: a read first never skips the write", async () => {
    useMemberRole(double);

    const { summary } = await deliver(leakedCredentials(), "health-backup-us-west-2");

    expect(callsAbout("erin", ERIN_KEY)).toEqual([
      "GetAccessKeyLastUsed",
      "ListAccessKeys",
      "UpdateAccessKey",
      "ListAccessKeys",
    ]);
    expect(summary?.outcomes).toMatchObject([{ status: "disabled" }]);
    expect(double.keyStatus(ERIN_KEY)).toBe("Inactive");
  });
});

describe("a Health event split into pages", () => {
  it("handles each page in full: every key of both pages is disabled, none taken for a repeat", async () => {
    const send = leakedCredentials();

    for (const [page, keys] of Object.entries(PAGE_KEYS)) {
      const from = double.calls.length;
      const { summary, error } = await deliver(send, page);

      expect(error).toBeUndefined();
      expect(summary?.outcomes.map((o) => [o.accessKeyId, o.userName, o.status])).toEqual(
        Object.entries(keys).map(([key, user]) => [key, user, "disabled"]),
      );
      // No read before the write: the page is not a repeat of the one before it.
      for (const [key, user] of Object.entries(keys)) {
        expect(callsAbout(user, key, from)).toEqual([
          "GetAccessKeyLastUsed",
          "UpdateAccessKey",
          "ListAccessKeys",
        ]);
      }
      expect(
        publishedDocument(double).document.keys.map((k: { accessKeyId: string }) => k.accessKeyId),
      ).toEqual(Object.keys(keys));
    }

    expect(double.writes()).toHaveLength(4);
    for (const keys of Object.values(PAGE_KEYS)) {
      for (const key of Object.keys(keys)) expect(double.keyStatus(key)).toBe("Inactive");
    }
  });

  it("the backup copy of one page reads that page's keys and repeats only them", async () => {
    const send = leakedCredentials();
    await deliver(send, "health-paged-2-of-2");
    const backup = loadEvent("health-paged-2-of-2");
    backup.id = "5e8c2b17-94da-4f06-a1c3-7b9e0d4f6a28";
    backup.region = "us-west-2";

    const { summary } = await deliver(send, backup);

    expect(summary?.outcomes.map((o) => o.status)).toEqual(["already-done", "already-done"]);
    expect(double.writes()).toHaveLength(2);
    expect(double.keyStatus("AKIABOB0000000000001")).toBe("Active");
    expect(double.keyStatus("AKIACAROL00000000001")).toBe("Active");
  });
});
