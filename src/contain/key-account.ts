import type { STSClient } from "@aws-sdk/client-sts";
import { isAccessKeyId, isAccountId } from "../shared/identifiers";
import { ContainmentError } from "./errors";

/** STS's answer to "whose key is this?". It has no resource-level permission, so it is granted on "*". */
export const KEY_ACCOUNT_PERMISSIONS = ["sts:GetAccessKeyInfo"] as const;

/**
 * The account that owns an access key ID, long-term (AKIA) or temporary (ASIA), whoever asks: STS
 * GetAccessKeyInfo is the authoritative answer. Called only when the event's account may not be the key's.
 */
export const accountOfKey = async (sts: STSClient, accessKeyId: string): Promise<string> => {
  if (!isAccessKeyId(accessKeyId))
    throw new ContainmentError("refusing to call STS with an invalid access key ID");
  // STS's code loads on first use (src/contain/sts.ts), like AssumeRole's.
  const { GetAccessKeyInfoCommand } = await import("./sts");
  const result = await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: accessKeyId }));
  if (!isAccountId(result.Account)) {
    throw new ContainmentError(`STS GetAccessKeyInfo named no account for ${accessKeyId}`);
  }
  return result.Account;
};
