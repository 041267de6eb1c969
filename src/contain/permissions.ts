import { ACCESS_KEY_PERMISSIONS } from "./access-keys";
import { AUDIT_PERMISSIONS } from "./audit";
import { MEMBER_ACCOUNT_PERMISSIONS } from "./member-account";
import { SESSION_PERMISSIONS } from "./sessions";

/** Every action the adapters call, by the role that needs it. The deployment grants exactly this set. */
export const IAM_ACTIONS_IN_ACCOUNT = [
  ...ACCESS_KEY_PERMISSIONS,
  ...SESSION_PERMISSIONS,
  ...AUDIT_PERMISSIONS,
] as const;
export const RESPONDER_ONLY_ACTIONS = [
  ...MEMBER_ACCOUNT_PERMISSIONS,
  "sns:Publish",
  "sts:GetCallerIdentity",
] as const;
