import { type Finding, PrincipalType, Source } from "../findings";
import type { Config } from "../shared/config";
import { isAccountId, isUserName } from "../shared/identifiers";
import type { Identity } from "./plan-types";

// Who and where a finding is about: the questions the gate asks before any write.

/** A role's name is not the key's owner; only a valid IAM user name is ever passed on. */
export const ownerName = (finding: Finding): string | undefined =>
  finding.principalType !== PrincipalType.AssumedRole && isUserName(finding.userName)
    ? finding.userName
    : undefined;

export const isProtected = (config: Config, name: string | undefined): boolean =>
  name !== undefined && config.protectedUsers.includes(name.toLowerCase());

export const isRoot = (finding: Finding): boolean =>
  finding.principalType === PrincipalType.Root || finding.userName?.toLowerCase() === "root";

/** A person's request, sent straight to the manual function: never a finding, never relayed through SNS. */
export const isDirectRequest = (finding: Finding, identity: Identity): boolean =>
  finding.source === Source.Manual && identity.handler === "manual" && finding.viaSns !== true;

/** Only a person, invoking the manual function directly, may set a key Active. */
export const mayReactivate = isDirectRequest;

const sameName = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * The responder's own role (in our account), the member role it assumes (in any account) or the user it runs as.
 * An IAM Deny also stops it revoking its own sessions; the plan refuses first, so a person is told why.
 */
export const isResponder = (finding: Finding, config: Config, identity: Identity): boolean => {
  const name = finding.userName;
  if (finding.principalType === PrincipalType.IAMUser) return sameName(name, identity.userName);
  const ours = finding.account === undefined || finding.account === identity.account;
  return (ours && sameName(name, identity.roleName)) || sameName(name, config.memberRoleName);
};

/** The finding places the key in another account than ours (both known). */
export const isForeign = (finding: Finding, identity: Identity): boolean =>
  finding.account !== undefined && identity.account !== undefined && finding.account !== identity.account;

/**
 * Whether the key may live in another account than the one the plan would act in: a manual request that names no
 * account (a person may paste any key), or an event that names another account around the key.
 */
export const mayBeElsewhere = (finding: Finding, account: string | undefined): boolean =>
  (finding.source === Source.Manual && finding.account === undefined) ||
  (finding.accountHints ?? []).some((hint) => isAccountId(hint) && hint !== account);
