import { type Finding, KeyStatus, PrincipalType } from "../findings";
import type { Config } from "../shared/config";
import { KeyKind, keyKind, ROLE_NAME_PATTERN } from "../shared/identifiers";
import { AWAITING, approvedBecause } from "./approval";
import { Action, type Identity, type Plan, Skip } from "./plan-types";
import { isForeign, mayBeElsewhere, ownerName } from "./principals";
import { noted, noWrite, refusalOf, urgent } from "./refusals";

const describe = (finding: Finding): string =>
  finding.severity === undefined ? finding.type : `${finding.type} at severity ${finding.severity}`;

const planTemporaryKey = (
  finding: Finding,
  config: Config,
  base: Omit<Plan, "action" | "why">,
  approved: string | undefined,
): Plan => {
  const name = finding.userName;
  const kind =
    finding.principalType === PrincipalType.AssumedRole
      ? "role"
      : finding.principalType === PrincipalType.IAMUser
        ? "user"
        : undefined;
  if (config.revokeSessions && kind && name && ROLE_NAME_PATTERN.test(name)) {
    return {
      ...base,
      action: Action.RevokeSessions,
      sessionTarget: { kind, name },
      // A session's role (or user) lives where STS issued the key, which may not be where it was used: never write
      // on a same-named principal of another account.
      verifyAccount: !base.dryRun && !base.awaitsApproval,
      why:
        approved === undefined
          ? `${finding.accessKeyId} is a temporary key of ${kind} ${name}: ${AWAITING} the revocation of sessions issued before now`
          : `${finding.accessKeyId} is a temporary key of ${kind} ${name}: sessions issued before now ${config.dryRun ? "would be" : "are"} revoked${approved}`,
    };
  }
  return noWrite(
    finding,
    config,
    urgent(
      Skip.TemporaryKey,
      `${finding.accessKeyId} is a temporary (ASIA) key${kind && name ? ` of ${kind} ${name}` : ""}: ` +
        "UpdateAccessKey cannot disable it, and session revocation is off",
    ),
  );
};

/**
 * Finding + Config → Plan. Pure: the same finding, configuration and identity always give the same plan. The gate
 * (src/plan/refusals.ts) decides first whether to write at all; this decides which write, where and in which words.
 */
export const planContainment = (finding: Finding, config: Config, identity: Identity): Plan => {
  const refusal = refusalOf(finding, config, identity);
  if (refusal) return noWrite(finding, config, refusal);

  const account = finding.account ?? identity.account;
  const reactivate = finding.requestedStatus === KeyStatus.Active;
  const approved = approvedBecause(finding, config, identity);
  const acts = approved !== undefined && !config.dryRun;
  const base = {
    finding,
    account,
    roleArn: isForeign(finding, identity)
      ? `arn:${identity.partition}:iam::${finding.account}:role/${config.memberRoleName}`
      : undefined,
    userName: ownerName(finding),
    resolveOwner: false,
    // Approval mode waits for a person before any IAM call, reads included: the manual function reads when approved.
    checkFirst: finding.update && approved !== undefined,
    dryRun: config.dryRun,
    ...(approved === undefined ? { awaitsApproval: true } : {}),
    // Only before an IAM call: a dry run and a plan awaiting approval make none.
    verifyAccount: acts && mayBeElsewhere(finding, account),
    urgent: false,
  };
  if (keyKind(finding.accessKeyId) === KeyKind.Temporary) {
    // Revoking sessions is the opposite of what a reactivation asks for.
    if (reactivate) {
      return noWrite(
        finding,
        config,
        noted(Skip.InvalidInput, "a temporary (ASIA) key cannot be reactivated"),
      );
    }
    return planTemporaryKey(finding, config, base, approved);
  }

  const verb = `${config.dryRun ? "would be" : "is"} ${reactivate ? "reactivated" : "set Inactive"}`;
  // The owner is looked up before a write only; a key awaiting approval keeps whatever name the event gave.
  const resolveOwner = base.userName === undefined && approved !== undefined;
  return {
    ...base,
    action: reactivate ? Action.ReactivateKey : Action.DisableKey,
    resolveOwner,
    why: reactivate
      ? `a person asked to reactivate the key: ${finding.reason ?? ""}`.trim()
      : approved === undefined
        ? `${describe(finding)}: ${AWAITING} setting the key Inactive`
        : `${describe(finding)}: the key ${verb}${resolveOwner ? " once its owner is looked up" : ""}${approved}`,
  };
};
