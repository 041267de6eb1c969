import { ALERT_PERMISSIONS } from "../alert/publish";
import { ENRICH_PERMISSIONS } from "../enrich/cloudtrail";
import { ACCESS_KEY_PERMISSIONS } from "./access-keys";
import { AUDIT_PERMISSIONS } from "./audit";
import { MEMBER_ACCOUNT_PERMISSIONS } from "./member-account";
import { SESSION_PERMISSIONS } from "./sessions";

/** Every IAM action the adapters call in the account they act in. The deployment grants exactly this set. */
export const IAM_ACTIONS_IN_ACCOUNT = [
  ...ACCESS_KEY_PERMISSIONS,
  ...SESSION_PERMISSIONS,
  ...AUDIT_PERMISSIONS,
] as const;

// sts:GetCallerIdentity is called too, but needs no permission: IAM cannot grant or deny it.
export const RESPONDER_ONLY_ACTIONS = [
  ...MEMBER_ACCOUNT_PERMISSIONS,
  ...ALERT_PERMISSIONS,
  ...ENRICH_PERMISSIONS,
] as const;
