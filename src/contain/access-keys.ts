import {
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import type { KeyStatus } from "../findings";
import { isAccessKeyId, isUserName } from "../shared/identifiers";
import { ContainmentError, isNoSuchEntity } from "./errors";

/** The IAM actions this adapter calls; the deployed role grants exactly these (checked by a template test). */
export const ACCESS_KEY_PERMISSIONS = [
  "iam:GetAccessKeyLastUsed",
  "iam:UpdateAccessKey",
  "iam:ListAccessKeys",
] as const;

export interface KeyInfo {
  accessKeyId: string;
  status: string;
  created?: Date;
}

export type Owner = { userName?: string; root: boolean } | "gone";

/** Defence in depth: whatever the plan said, no IAM call leaves with an identifier that fails validation. */
const assertIdentifiers = (userName: string, accessKeyId?: string): void => {
  if (!isUserName(userName)) throw new ContainmentError("refusing to call IAM with an invalid user name");
  if (accessKeyId !== undefined && !isAccessKeyId(accessKeyId)) {
    throw new ContainmentError("refusing to call IAM with an invalid access key ID");
  }
};

/** Finds who owns a key. The only call allowed before the write, and only when the event names no user. */
export const resolveKeyOwner = async (iam: IAMClient, accessKeyId: string): Promise<Owner> => {
  if (!isAccessKeyId(accessKeyId))
    throw new ContainmentError("refusing to call IAM with an invalid access key ID");
  try {
    const result = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
    const userName = result.UserName;
    // IAM answers "root" (or nothing) for the root user's keys.
    const root = !userName || userName.toLowerCase() === "root" || userName === "<root_account>";
    return { userName: root ? undefined : userName, root };
  } catch (error) {
    if (isNoSuchEntity(error)) return "gone";
    throw error;
  }
};

/**
 * Sets one key's status. Disruptive: an Inactive key stops working at once for whoever holds it. Always passes
 * UserName: without it IAM acts on the caller (the responder's own role) and fails. Never deletes.
 */
export const setKeyStatus = async (
  iam: IAMClient,
  userName: string,
  accessKeyId: string,
  status: KeyStatus,
): Promise<void> => {
  assertIdentifiers(userName, accessKeyId);
  await iam.send(
    new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }),
  );
};

/** The user's keys with status and creation date. A user has at most two keys, so one page is all of them. */
export const listKeys = async (iam: IAMClient, userName: string): Promise<KeyInfo[] | "gone"> => {
  assertIdentifiers(userName);
  try {
    const result = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
    return (result.AccessKeyMetadata ?? []).map((key) => ({
      accessKeyId: key.AccessKeyId ?? "",
      status: key.Status ?? "Unknown",
      created: key.CreateDate,
    }));
  } catch (error) {
    if (isNoSuchEntity(error)) return "gone";
    throw error;
  }
};
