import { ALERT_PERMISSIONS } from "../alert/publish";
import { SECURITY_HUB_PERMISSIONS } from "../alert/security-hub-record";
import { ACCESS_KEY_PERMISSIONS } from "../contain/access-keys";
import { AUDIT_PERMISSIONS } from "../contain/audit";
import { KEY_ACCOUNT_PERMISSIONS } from "../contain/key-account";
import { MEMBER_ACCOUNT_PERMISSIONS } from "../contain/member-account";
import { SESSION_PERMISSIONS } from "../contain/sessions";
import { DRILL_PERMISSIONS } from "../drill/run-drill";
import { ENRICH_PERMISSIONS } from "../enrich/cloudtrail";

/** One action of an adapter's declared list, checked by the compiler to be in that list. */
const declaredBy = <Action extends string>(_declared: readonly Action[], action: NoInfer<Action>): Action =>
  action;

/**
 * Granted whatever the configuration: read the key's owner and owning account, set it Inactive, read it back, publish
 * the alert.
 */
export const ALWAYS_GRANTED = [
  ...ACCESS_KEY_PERMISSIONS,
  ...KEY_ACCOUNT_PERMISSIONS,
  ...ALERT_PERMISSIONS,
] as const;

/**
 * What each opt-in adds to the grant, keyed by the serverless.yml parameter that turns it on (the parameter sets the
 * environment variable config.ts reads). Off, the action is not granted at all, in this account or a member account.
 * `memberRoleName` counts as on when it is not empty; the others when they are exactly "true", as config.ts reads them.
 */
export const OPT_IN_PERMISSIONS = {
  revokeSessions: [...SESSION_PERMISSIONS],
  tagUser: [declaredBy(AUDIT_PERMISSIONS, "iam:TagUser")],
  attachQuarantinePolicy: [declaredBy(AUDIT_PERMISSIONS, "iam:AttachUserPolicy")],
  enrichCloudTrail: [...ENRICH_PERMISSIONS],
  memberRoleName: [...MEMBER_ACCOUNT_PERMISSIONS],
  // On by default ("true"): recording the outcome on the Security Hub finding; "false" turns it off.
  securityHubUpdates: [...SECURITY_HUB_PERMISSIONS],
} as const;

export type OptIn = keyof typeof OPT_IN_PERMISSIONS;
export const OPT_INS = Object.keys(OPT_IN_PERMISSIONS) as OptIn[];

/** Features whose parameter defaults to "true" (serverless.yml): a default deployment grants what they declare. */
export const ON_BY_DEFAULT = ["securityHubUpdates"] as const satisfies readonly OptIn[];

/** Opt-ins whose actions are also called in a member account (through the member role), not only in ours. */
export const MEMBER_ACCOUNT_OPT_INS = [
  "revokeSessions",
  "tagUser",
  "attachQuarantinePolicy",
] as const satisfies readonly OptIn[];

/**
 * Every action the responders' role (the guardduty, leakedCredentials, securityHub and manual functions) is granted
 * with these opt-ins on. The deployment grants exactly this set.
 */
export const grantedActions = (enabled: readonly OptIn[]): string[] => [
  ...ALWAYS_GRANTED,
  ...enabled.flatMap((optIn) => OPT_IN_PERMISSIONS[optIn]),
];

/**
 * Every action the drill function's own role is granted (src/drill/run-drill.ts), only while param drill is "true": an idle
 * drill calls nothing. Its role is not the responders', so none of this reaches them, nor theirs the drill.
 */
export const drillGrantedActions = (drill: boolean): string[] => (drill ? [...DRILL_PERMISSIONS] : []);

/** Every IAM action the member role is granted with these opt-ins on (the member role never publishes or assumes). */
export const memberAccountActions = (enabled: readonly OptIn[]): string[] => [
  ...ACCESS_KEY_PERMISSIONS,
  ...enabled
    .filter((optIn) => (MEMBER_ACCOUNT_OPT_INS as readonly OptIn[]).includes(optIn))
    .flatMap((optIn) => OPT_IN_PERMISSIONS[optIn]),
];

/**
 * Every action some adapter declares; each appears in exactly one place above, for one role (a test checks this). sts:GetCallerIdentity
 * is called too, but needs no permission: IAM cannot grant or deny it.
 */
export const DECLARED_ACTIONS = [
  ...ACCESS_KEY_PERMISSIONS,
  ...KEY_ACCOUNT_PERMISSIONS,
  ...SESSION_PERMISSIONS,
  ...AUDIT_PERMISSIONS,
  ...MEMBER_ACCOUNT_PERMISSIONS,
  ...ALERT_PERMISSIONS,
  ...ENRICH_PERMISSIONS,
  ...SECURITY_HUB_PERMISSIONS,
  ...DRILL_PERMISSIONS,
] as const;
