import { type Finding, KeyStatus, PrincipalType, Source } from "../findings";
import type { Config } from "../shared/config";
import { isAccessKeyId, isAccountId, isUserName, KeyKind, keyKind } from "../shared/identifiers";
import { Action, type Identity, type Plan, Skip } from "./plan-types";
import { isForeign, isProtected, isResponder, isRoot, mayReactivate, ownerName } from "./principals";

/** Why a finding gets no write: one sentence for people, and whether a person must act now. */
export interface Refusal {
  skip: Skip;
  why: string;
  urgent: boolean;
}

/** A person must act now: nothing was written, and the key may still be in use. */
export const urgent = (skip: Skip, why: string): Refusal => ({ skip, why, urgent: true });

/** Only noted: there is nothing to contain, or a person already decided. */
export const noted = (skip: Skip, why: string): Refusal => ({ skip, why, urgent: false });

/** The plan that makes no write. */
export const noWrite = (finding: Finding, config: Config, refusal: Refusal): Plan => ({
  finding,
  action: Action.None,
  skip: refusal.skip,
  why: refusal.why,
  account: finding.account,
  // Known and valid, so that the alert's by-hand commands can name the user.
  userName: ownerName(finding),
  resolveOwner: false,
  checkFirst: false,
  dryRun: config.dryRun,
  urgent: refusal.urgent,
});

/** A finding that names no key: a person must find the credentials, unless the case was closed. */
const noCredential = (finding: Finding, named: readonly string[]): Refusal =>
  finding.closed
    ? noted(Skip.Closed, `the finding is closed (${finding.closed}): a person decided`)
    : urgent(
        Skip.NoCredential,
        `the finding names no access key${named.length > 0 ? `, only ${named.join(", ")}` : " and no principal that could be read"}: ` +
          "a person must find the credentials it used and contain them",
      );

/**
 * The "should we act?" gate: the first reason not to write, or undefined. Safety checks come first, so that no later
 * rule can turn a sample, root, protected or temporary key into a write; the order decides which reason people read.
 */
export const refusalOf = (finding: Finding, config: Config, identity: Identity): Refusal | undefined => {
  if (finding.sample) return noted(Skip.Sample, "a generated sample finding: nothing to contain");
  // Never silent, never a write: a finding that names no key, or that the parser could read only in part.
  if (finding.noCredential) return noCredential(finding, finding.noCredential.principals);
  if (finding.doubt !== undefined) {
    return urgent(Skip.InvalidInput, `${finding.doubt}: nothing is changed, a person must decide`);
  }
  if (!isAccessKeyId(finding.accessKeyId)) {
    return urgent(Skip.InvalidInput, "the event's access key ID is not valid");
  }
  if (finding.account !== undefined && !isAccountId(finding.account)) {
    return urgent(
      Skip.InvalidInput,
      "the event's account field is not a 12-digit account ID: no key is touched on its word",
    );
  }
  if (finding.requestedStatus === KeyStatus.Active && !mayReactivate(finding, identity)) {
    return urgent(
      Skip.ReactivationRefused,
      "a request to set the key Active is honoured only by the manual function, invoked directly: refused",
    );
  }
  if (finding.viaSns && !config.trustedTopicArns.includes(finding.snsTopicArn ?? "")) {
    // EventBridge delivers only what AWS services made (PutEvents refuses aws.* sources); an SNS message is
    // whatever someone allowed to publish to the topic wrote.
    return urgent(
      Skip.UntrustedWrapper,
      `the event came inside an SNS notification from ${finding.snsTopicArn ?? "a topic it does not name"}, which ` +
        "is not listed in TRUSTED_TOPIC_ARNS (param trustedTopicArns): evidence for a person, never a reason to write",
    );
  }
  if (finding.provenance && !finding.provenance.aws) {
    // Anyone allowed to import findings can write one that names any key; only AWS's own products are evidence.
    return urgent(
      Skip.UntrustedProduct,
      `the finding was imported by ${finding.provenance.product}, not by an AWS service: evidence for a person, never a reason to write`,
    );
  }
  if (finding.closed) {
    return noted(
      Skip.Closed,
      `the finding is closed (${finding.closed}): a person decided, so nothing is changed`,
    );
  }
  if (isRoot(finding)) {
    return urgent(
      Skip.Root,
      "root user credentials: the responder cannot manage them; a person must act on the root user now",
    );
  }
  if (isProtected(config, finding.userName)) {
    return urgent(Skip.Protected, `${finding.userName} is a protected principal: a person must decide`);
  }
  if (isResponder(finding, config, identity)) {
    const what = finding.principalType === PrincipalType.IAMUser ? "user" : "role";
    return urgent(
      Skip.Responder,
      `the finding is about the responder's own ${what} ${finding.userName}: it never acts on itself; a person must act now`,
    );
  }
  if (keyKind(finding.accessKeyId) === KeyKind.Unknown) {
    return urgent(Skip.InvalidInput, "not an AWS access key ID (expected AKIA… or ASIA…)");
  }
  if (finding.userName !== undefined && !isUserName(finding.userName)) {
    return urgent(Skip.InvalidInput, "the event's user name is not a valid IAM user name");
  }
  if (isForeign(finding, identity) && !config.memberRoleName) {
    return urgent(
      Skip.OtherAccount,
      `the key belongs to account ${finding.account}, and no member role is configured to act there`,
    );
  }
  // A reactivation and a person's request are never below a threshold: a person asked.
  const rated = finding.requestedStatus !== KeyStatus.Active && finding.source !== Source.Manual;
  if (rated && finding.severity !== undefined && finding.severity < config.minSeverity) {
    return noted(
      Skip.BelowThreshold,
      `severity ${finding.severity} is below the threshold of ${config.minSeverity}: noted, no action`,
    );
  }
  return undefined;
};
