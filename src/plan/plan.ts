import { type Finding, KeyStatus, PrincipalType, Source } from "../findings";
import { type Config, Mode } from "../shared/config";
import {
  isAccessKeyId,
  isAccountId,
  isUserName,
  KeyKind,
  keyKind,
  ROLE_NAME_PATTERN,
} from "../shared/identifiers";

export const Action = {
  DisableKey: "disable-key",
  ReactivateKey: "reactivate-key",
  RevokeSessions: "revoke-sessions",
  None: "none",
} as const;
export type Action = (typeof Action)[keyof typeof Action];

/** Why a finding gets no write. Each has its own alert wording. */
export const Skip = {
  Sample: "sample",
  InvalidInput: "invalid-input",
  Root: "root",
  Protected: "protected",
  TemporaryKey: "temporary-key",
  OtherAccount: "other-account",
  BelowThreshold: "below-threshold",
  /** A Security Hub finding that AWS did not make: anyone allowed to import findings can write one. */
  UntrustedProduct: "untrusted-product",
  /** The finding was archived, resolved or suppressed: a person closed the case. */
  Closed: "closed",
  /** A request to set a key Active that did not come directly to the manual function. */
  ReactivationRefused: "reactivation-refused",
  /** The finding is about the responder's own role or user. */
  Responder: "responder-itself",
  /**
   * The event came inside an SNS notification from a topic not listed as trusted: whoever may publish there wrote it,
   * so it is evidence for a person, never a reason to write.
   */
  UntrustedWrapper: "untrusted-wrapper",
  /**
   * A credential finding that names no key (an attack sequence naming its principal only in its text): nothing to
   * write on, so a person is told, with the principal it names and, for a user of ours, that user's keys.
   */
  NoCredential: "no-credential",
} as const;
export type Skip = (typeof Skip)[keyof typeof Skip];

/** Who the responder is: its own account (unknown only in an offline dry run) and partition. */
export interface Identity {
  account?: string;
  partition: string;
  /** The responder's own role (in our account): never acted on, nor the member role it assumes elsewhere. */
  roleName?: string;
  /** The IAM user the responder runs as, in a local run with a user's credentials: never acted on. */
  userName?: string;
  /** The function that was invoked (`manual`, `guardduty`, …): only `manual` may reactivate a key. */
  handler?: string;
}

export interface Plan {
  finding: Finding;
  action: Action;
  skip?: Skip;
  /** One sentence for people: what will be done and why, or why nothing. */
  why: string;
  /** The account the key lives in (ours unless the finding says otherwise). */
  account?: string;
  /** Role to assume first when the key lives in another account. */
  roleArn?: string;
  /** The key's owner, validated. */
  userName?: string;
  /** The event does not name the owner: look it up with GetAccessKeyLastUsed before writing. */
  resolveOwner: boolean;
  /** Read the key's status before writing, because the event may repeat one already handled. */
  checkFirst: boolean;
  /**
   * Ask STS GetAccessKeyInfo which account owns the key before acting: the event's account may not be the key's (a
   * request naming no account, a finding that names another account too, a temporary key whose role may live
   * elsewhere). The answer is authoritative; the plan is then made again for that account.
   */
  verifyAccount?: boolean;
  /** The account was confirmed by STS GetAccessKeyInfo: "no such key" there means the key is gone. */
  accountVerified?: boolean;
  /** For temporary keys with session revocation on: whose sessions to revoke. */
  sessionTarget?: { kind: "role" | "user"; name: string };
  dryRun: boolean;
  /** Approval mode: the write waits for a person, who approves it through the manual function. No IAM call is made. */
  awaitsApproval?: boolean;
  /** A person must act now (root credentials, protected principals, a key we may not touch). */
  urgent: boolean;
}

const none = (finding: Finding, config: Config, skip: Skip, why: string, urgent = false): Plan => ({
  finding,
  action: Action.None,
  skip,
  why,
  account: finding.account,
  // Known and valid, so that the alert's by-hand commands can name the user.
  userName: ownerName(finding),
  resolveOwner: false,
  checkFirst: false,
  dryRun: config.dryRun,
  urgent,
});

const describe = (finding: Finding): string =>
  finding.severity === undefined ? finding.type : `${finding.type} at severity ${finding.severity}`;

/** A role's name is not the key's owner; only a valid IAM user name is ever passed on. */
const ownerName = (finding: Finding): string | undefined =>
  finding.principalType !== PrincipalType.AssumedRole && isUserName(finding.userName)
    ? finding.userName
    : undefined;

const isProtected = (config: Config, name: string | undefined): boolean =>
  name !== undefined && config.protectedUsers.includes(name.toLowerCase());

const isRoot = (finding: Finding): boolean =>
  finding.principalType === PrincipalType.Root || finding.userName?.toLowerCase() === "root";

/** A person's request, sent straight to the manual function: never a finding, never relayed through SNS. */
const isDirectRequest = (finding: Finding, identity: Identity): boolean =>
  finding.source === Source.Manual && identity.handler === "manual" && finding.viaSns !== true;

/** Only a person, invoking the manual function directly, may set a key Active. */
const mayReactivate = isDirectRequest;

/** The CONTAIN_WITHOUT_APPROVAL entry that lets this finding be contained at once: its source, or a type prefix. */
const approvalException = (finding: Finding, config: Config): string | undefined =>
  config.containWithoutApproval.find((entry) =>
    entry.includes(":") ? finding.type.startsWith(entry) : entry === finding.source,
  );

/**
 * Why the write goes ahead in approve mode (a person's direct request is the approval; an exception listed in
 * CONTAIN_WITHOUT_APPROVAL), or undefined when it must wait for a person. Always "goes ahead" in the other modes.
 */
const approvedBecause = (finding: Finding, config: Config, identity: Identity): string | undefined => {
  if (config.mode !== Mode.Approve) return "";
  if (isDirectRequest(finding, identity))
    return " (approve mode: a person's request to the manual function is the approval)";
  const entry = approvalException(finding, config);
  return entry === undefined
    ? undefined
    : ` (approve mode: contained without approval, CONTAIN_WITHOUT_APPROVAL has "${entry}")`;
};

const AWAITING = "approve mode, so no change is made until a person approves";

const sameName = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * The responder's own role (in our account), the member role it assumes (in any account) or the user it runs as.
 * An IAM Deny also stops it revoking its own sessions; the plan refuses first, so a person is told why.
 */
const isResponder = (finding: Finding, config: Config, identity: Identity): boolean => {
  const name = finding.userName;
  if (finding.principalType === PrincipalType.IAMUser) return sameName(name, identity.userName);
  const ours = finding.account === undefined || finding.account === identity.account;
  return (ours && sameName(name, identity.roleName)) || sameName(name, config.memberRoleName);
};

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
  return none(
    finding,
    config,
    Skip.TemporaryKey,
    `${finding.accessKeyId} is a temporary (ASIA) key${kind && name ? ` of ${kind} ${name}` : ""}: ` +
      "UpdateAccessKey cannot disable it, and session revocation is off",
    true,
  );
};

/**
 * Whether the key may live in another account than the one the plan would act in: a manual request that names no
 * account (a person may paste any key), or an event that names another account around the key.
 */
const mayBeElsewhere = (finding: Finding, account: string | undefined): boolean =>
  (finding.source === Source.Manual && finding.account === undefined) ||
  (finding.accountHints ?? []).some((hint) => isAccountId(hint) && hint !== account);

/**
 * The "should we act?" gate. Pure: the same finding, configuration and identity always give the same plan.
 * Safety checks come first, so that no later rule can turn a sample, root, protected or temporary key into a write.
 */
export const planContainment = (finding: Finding, config: Config, identity: Identity): Plan => {
  if (finding.sample) {
    return none(finding, config, Skip.Sample, "a generated sample finding: nothing to contain");
  }
  // Never silent, never a write: a finding that names no key, or that the parser could read only in part.
  if (finding.noCredential) {
    if (finding.closed) {
      return none(
        finding,
        config,
        Skip.Closed,
        `the finding is closed (${finding.closed}): a person decided`,
      );
    }
    const named = finding.noCredential.principals;
    return none(
      finding,
      config,
      Skip.NoCredential,
      `the finding names no access key${named.length > 0 ? `, only ${named.join(", ")}` : " and no principal that could be read"}: ` +
        "a person must find the credentials it used and contain them",
      true,
    );
  }
  if (finding.doubt !== undefined) {
    return none(
      finding,
      config,
      Skip.InvalidInput,
      `${finding.doubt}: nothing is changed, a person must decide`,
      true,
    );
  }
  if (!isAccessKeyId(finding.accessKeyId)) {
    return none(finding, config, Skip.InvalidInput, "the event's access key ID is not valid", true);
  }
  if (finding.account !== undefined && !isAccountId(finding.account)) {
    return none(
      finding,
      config,
      Skip.InvalidInput,
      "the event's account field is not a 12-digit account ID: no key is touched on its word",
      true,
    );
  }
  if (finding.requestedStatus === KeyStatus.Active && !mayReactivate(finding, identity)) {
    return none(
      finding,
      config,
      Skip.ReactivationRefused,
      "a request to set the key Active is honoured only by the manual function, invoked directly: refused",
      true,
    );
  }
  if (finding.viaSns && !config.trustedTopicArns.includes(finding.snsTopicArn ?? "")) {
    // EventBridge delivers only what AWS services made (PutEvents refuses aws.* sources); an SNS message is
    // whatever someone allowed to publish to the topic wrote.
    return none(
      finding,
      config,
      Skip.UntrustedWrapper,
      `the event came inside an SNS notification from ${finding.snsTopicArn ?? "a topic it does not name"}, which ` +
        "is not listed in TRUSTED_TOPIC_ARNS (param trustedTopicArns): evidence for a person, never a reason to write",
      true,
    );
  }
  if (finding.provenance && !finding.provenance.aws) {
    // Anyone allowed to import findings can write one that names any key; only AWS's own products are evidence.
    return none(
      finding,
      config,
      Skip.UntrustedProduct,
      `the finding was imported by ${finding.provenance.product}, not by an AWS service: evidence for a person, never a reason to write`,
      true,
    );
  }
  if (finding.closed) {
    return none(
      finding,
      config,
      Skip.Closed,
      `the finding is closed (${finding.closed}): a person decided, so nothing is changed`,
    );
  }
  if (isRoot(finding)) {
    return none(
      finding,
      config,
      Skip.Root,
      "root user credentials: the responder cannot manage them; a person must act on the root user now",
      true,
    );
  }
  if (isProtected(config, finding.userName)) {
    return none(
      finding,
      config,
      Skip.Protected,
      `${finding.userName} is a protected principal: a person must decide`,
      true,
    );
  }
  if (isResponder(finding, config, identity)) {
    return none(
      finding,
      config,
      Skip.Responder,
      `the finding is about the responder's own ${finding.principalType === PrincipalType.IAMUser ? "user" : "role"} ${finding.userName}: it never acts on itself; a person must act now`,
      true,
    );
  }
  const kind = keyKind(finding.accessKeyId);
  if (kind === KeyKind.Unknown) {
    return none(
      finding,
      config,
      Skip.InvalidInput,
      "not an AWS access key ID (expected AKIA… or ASIA…)",
      true,
    );
  }
  if (finding.userName !== undefined && !isUserName(finding.userName)) {
    return none(
      finding,
      config,
      Skip.InvalidInput,
      "the event's user name is not a valid IAM user name",
      true,
    );
  }

  const account = finding.account ?? identity.account;
  const foreign =
    finding.account !== undefined && identity.account !== undefined && finding.account !== identity.account;
  if (foreign && !config.memberRoleName) {
    return none(
      finding,
      config,
      Skip.OtherAccount,
      `the key belongs to account ${finding.account}, and no member role is configured to act there`,
      true,
    );
  }
  const reactivate = finding.requestedStatus === "Active";
  if (
    !reactivate &&
    finding.source !== Source.Manual &&
    finding.severity !== undefined &&
    finding.severity < config.minSeverity
  ) {
    return none(
      finding,
      config,
      Skip.BelowThreshold,
      `severity ${finding.severity} is below the threshold of ${config.minSeverity}: noted, no action`,
    );
  }

  const approved = approvedBecause(finding, config, identity);
  const acts = approved !== undefined && !config.dryRun;
  const base = {
    finding,
    account,
    roleArn: foreign
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
  if (kind === KeyKind.Temporary) {
    // Revoking sessions is the opposite of what a reactivation asks for.
    if (reactivate)
      return none(finding, config, Skip.InvalidInput, "a temporary (ASIA) key cannot be reactivated");
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

/**
 * Plans again once the owner is known, so that a resolved root or protected owner is refused like any other. A
 * read before the write that was asked for (a redelivery) is kept.
 */
export const planForOwner = (
  plan: Plan,
  owner: { userName?: string; root: boolean },
  config: Config,
  identity: Identity,
): Plan => {
  const replanned = planContainment(
    {
      ...plan.finding,
      userName: owner.userName,
      principalType: owner.root ? PrincipalType.Root : PrincipalType.IAMUser,
      account: plan.account ?? plan.finding.account,
    },
    config,
    identity,
  );
  // The account was settled before the owner was looked up in it.
  return { ...carriedOver(plan, replanned), ...(plan.accountVerified ? { accountVerified: true } : {}) };
};

/** A plan made again keeps the read before the write that was asked for, and is past its account check. */
const carriedOver = (plan: Plan, replanned: Plan): Plan => ({
  ...replanned,
  checkFirst: replanned.checkFirst || plan.checkFirst,
  verifyAccount: false,
});

/**
 * Plans again for the account STS GetAccessKeyInfo says owns the key: the member role there, or no write and a person
 * told which account it is. A read before the write that was asked for is kept.
 */
export const planForAccount = (plan: Plan, owner: string, config: Config, identity: Identity): Plan => {
  const replanned = planContainment(
    { ...plan.finding, account: owner, accountHints: undefined },
    config,
    identity,
  );
  return {
    ...carriedOver(plan, replanned),
    accountVerified: true,
    // The user the event named belongs to the event's account, not necessarily the owner's: look it up there.
    ...(replanned.action !== Action.None && owner !== (plan.account ?? identity.account)
      ? { userName: undefined, resolveOwner: replanned.action !== Action.RevokeSessions }
      : {}),
  };
};

/**
 * Urgent refusals (root, protected, temporary, unusable) first, then writes (one made at once before one awaiting
 * approval: a finding that CONTAIN_WITHOUT_APPROVAL lets through is enough on its own), then quiet skips.
 */
const caution = (plan: Plan): number =>
  plan.action === Action.None ? (plan.urgent ? 3 : 0) : plan.awaitsApproval ? 1 : 2;

/**
 * One plan for a key that an event names more than once, the most cautious: a later finding never turns a root
 * or protected key into a write, a sample or a low finding never hides a real one, and findings that disagree on
 * the key's owner or account get no write at all.
 */
export const mergePlans = (plans: Plan[], config: Config): Plan => {
  const ranked = [...plans].sort((a, b) => caution(b) - caution(a));
  const [first] = ranked;
  if (!first) throw new Error("mergePlans needs at least one plan");
  const writes = ranked.filter((plan) => plan.action !== Action.None);
  const owners = new Set(writes.map((plan) => `${plan.account ?? ""}:${plan.userName ?? ""}:${plan.action}`));
  if (first.action !== Action.None && owners.size > 1) {
    return none(
      first.finding,
      config,
      Skip.InvalidInput,
      "the event names this key more than once, for different owners or accounts: a person must decide",
      true,
    );
  }
  return { ...first, checkFirst: plans.some((plan) => plan.checkFirst) };
};
