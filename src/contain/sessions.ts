import { type IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { ROLE_NAME_PATTERN } from "../shared/identifiers";
import { ContainmentError } from "./errors";

export const SESSION_PERMISSIONS = ["iam:PutRolePolicy", "iam:PutUserPolicy"] as const;

/** Fixed, so that a rerun replaces the policy and moves the cut-off forward instead of adding another. */
export const REVOKE_POLICY_NAME = "AccessKeyResponderRevokeOlderSessions";

/** The console's "Revoke active sessions": deny everything to credentials issued before `now`. */
export const revokeSessionsPolicy = (now: Date): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Deny",
        Action: ["*"],
        Resource: ["*"],
        Condition: { DateLessThan: { "aws:TokenIssueTime": now.toISOString() } },
      },
    ],
  });

/**
 * Revokes every session of a role or user issued before `now`. Disruptive: running workloads that use the role
 * lose access until they obtain new credentials.
 */
export const revokeOlderSessions = async (
  iam: IAMClient,
  target: { kind: "role" | "user"; name: string },
  now: Date,
): Promise<void> => {
  if (!ROLE_NAME_PATTERN.test(target.name))
    throw new ContainmentError("refusing to call IAM with an invalid name");
  const PolicyDocument = revokeSessionsPolicy(now);
  if (target.kind === "role") {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: target.name, PolicyName: REVOKE_POLICY_NAME, PolicyDocument }),
    );
  } else {
    await iam.send(
      new PutUserPolicyCommand({ UserName: target.name, PolicyName: REVOKE_POLICY_NAME, PolicyDocument }),
    );
  }
};
