import { IAMClient, type IAMClientConfig } from "@aws-sdk/client-iam";
import type { STSClient } from "@aws-sdk/client-sts";
import { ContainmentError } from "./errors";

export const MEMBER_ACCOUNT_PERMISSIONS = ["sts:AssumeRole"] as const;

/** Assumes the member role and returns an IAM client acting in that account. */
export const assumeMemberRole = async (
  sts: STSClient,
  roleArn: string,
  sessionName: string,
  clientConfig: Omit<IAMClientConfig, "credentials">,
): Promise<IAMClient> => {
  // STS's code loads on first use (src/contain/sts.ts): most events never assume a member role.
  const { AssumeRoleCommand } = await import("./sts");
  const result = await sts.send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: sessionName.slice(0, 64),
      DurationSeconds: 900,
    }),
  );
  const credentials = result.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
    throw new ContainmentError(`AssumeRole into ${roleArn} returned no credentials`);
  }
  return new IAMClient({
    ...clientConfig,
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    },
  });
};
