import { AttachUserPolicyCommand, type IAMClient, TagUserCommand } from "@aws-sdk/client-iam";

export const AUDIT_PERMISSIONS = ["iam:TagUser", "iam:AttachUserPolicy"] as const;

export const AUDIT_TAG_KEY = "access-key-responder:last-action";
/** AWS's own managed policy for compromised keys (AWS may already have attached it itself). */
export const QUARANTINE_POLICY_NAME = "AWSCompromisedKeyQuarantineV3";

/** Tag values allow letters, digits, spaces and _ . : / = + - @, up to 256 characters. */
const tagValue = (text: string): string =>
  // Cut by code points, not UTF-16 units, so no character is split in half.
  Array.from(text.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, " "))
    .slice(0, 256)
    .join("");

/** Records on the user what was done, when and why, for whoever looks at the user next. */
export const tagUser = async (iam: IAMClient, userName: string, text: string): Promise<void> => {
  await iam.send(
    new TagUserCommand({ UserName: userName, Tags: [{ Key: AUDIT_TAG_KEY, Value: tagValue(text) }] }),
  );
};

/** Disruptive: the quarantine policy denies the user most actions until a person removes it. */
export const attachQuarantinePolicy = async (
  iam: IAMClient,
  userName: string,
  partition: string,
): Promise<void> => {
  await iam.send(
    new AttachUserPolicyCommand({
      UserName: userName,
      PolicyArn: `arn:${partition}:iam::aws:policy/${QUARANTINE_POLICY_NAME}`,
    }),
  );
};
