import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  type IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";

/**
 * The end-to-end scenario shared by the endpoint suite (the double, LocalStack, moto) and the opt-in live test
 * (a sandbox account): a throwaway user and key, disabled through the real handlers, then removed.
 */
export interface ThrowawayKey {
  userName: string;
  accessKeyId: string;
}

export const createThrowawayKey = async (iam: IAMClient): Promise<ThrowawayKey> => {
  const userName = `akr-test-${randomUUID().slice(0, 8)}`;
  await iam.send(new CreateUserCommand({ UserName: userName }));
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const accessKeyId = created.AccessKey?.AccessKeyId;
  if (!accessKeyId) throw new Error("CreateAccessKey returned no key");
  return { userName, accessKeyId };
};

export const keyStatus = async (iam: IAMClient, key: ThrowawayKey): Promise<string | undefined> => {
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: key.userName }));
  return listed.AccessKeyMetadata?.find((k) => k.AccessKeyId === key.accessKeyId)?.Status;
};

/** Deletes what createThrowawayKey made. Keys are only ever deleted here, by the test that created them. */
export const removeThrowawayKey = async (iam: IAMClient, key: ThrowawayKey): Promise<void> => {
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: key.userName }));
  for (const k of listed.AccessKeyMetadata ?? []) {
    await iam.send(new DeleteAccessKeyCommand({ UserName: key.userName, AccessKeyId: k.AccessKeyId }));
  }
  await iam.send(new DeleteUserCommand({ UserName: key.userName }));
};

/** A GuardDuty finding for the throwaway key, built from the project's own fixture with fresh ids. */
export const guardDutyFindingFor = (key: ThrowawayKey, account: string): Record<string, unknown> => {
  const event = JSON.parse(
    readFileSync(join(__dirname, "..", "..", "events", "guardduty-iam-user.json"), "utf8"),
  );
  const findingId = randomUUID().replaceAll("-", "");
  event.id = randomUUID();
  event.account = account;
  event.detail.id = findingId;
  event.detail.accountId = account;
  event.detail.arn = `arn:aws:guardduty:us-east-1:${account}:detector/test/finding/${findingId}`;
  event.detail.resource.accessKeyDetails = {
    accessKeyId: key.accessKeyId,
    principalId: "AIDATESTPRINCIPAL0001",
    userType: "IAMUser",
    userName: key.userName,
  };
  return event;
};

export const manualRequestFor = (key: ThrowawayKey, status?: "Active") => ({
  accessKeyId: key.accessKeyId,
  userName: key.userName,
  reason: status ? "reactivated by the end-to-end test" : "disabled by the end-to-end test",
  ...(status ? { status } : {}),
});
