import { type Outcome, Status } from "../contain/outcome";
import type { Finding } from "../findings";
import { Action, Skip } from "../plan/plan";
import { isAccessKeyId, isAccountId, isUserName, KeyKind, keyKind } from "../shared/identifiers";
import { LIMITS, maybe, untrusted } from "./untrusted";

/**
 * Where a person's request must go: the deployed manual function and its region. The function that alerts is not the
 * manual one, so the stack passes the manual function's name (MANUAL_FUNCTION_NAME); the region is the alerting
 * function's own (AWS_REGION), which is the stack's.
 */
export interface CommandTarget {
  manualFunctionName?: string;
  region?: string;
}

/**
 * Shown where a value is unknown or fails its check. Braces are valid in none of these values, so a command pasted
 * unedited fails at AWS, and no shell reads them as a redirection or an expansion (`<stage>` would be one).
 */
export const PLACEHOLDER = {
  user: "{user-name}",
  accessKeyId: "{access-key-id}",
  manualFunction: "{manual-function-name}",
  region: "{region}",
} as const;

/** Identifiers from the event are echoed into shell commands only when they are valid, so nothing is injected. */
const shellSafe = (value: string | undefined, valid: (v: unknown) => boolean, placeholder: string): string =>
  value !== undefined && valid(value) ? value : placeholder;

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
export const isRegion = (value: unknown): value is string =>
  typeof value === "string" && REGION_PATTERN.test(value);

/** Lambda function names: letters, digits, hyphens and underscores, at most 64. */
const isFunctionName = (value: unknown): boolean => typeof value === "string" && /^[\w-]{1,64}$/.test(value);

export const keyCommand = (
  user: string | undefined,
  accessKeyId: string,
  status: "Active" | "Inactive",
): string =>
  `aws iam update-access-key --user-name ${shellSafe(user, isUserName, PLACEHOLDER.user)} ` +
  `--access-key-id ${shellSafe(accessKeyId, isAccessKeyId, PLACEHOLDER.accessKeyId)} --status ${status}`;

const ownerCommand = (finding: Finding): string =>
  `aws iam get-access-key-last-used --access-key-id ${shellSafe(finding.accessKeyId, isAccessKeyId, PLACEHOLDER.accessKeyId)}`;

const regionOption = (region: string | undefined): string => (isRegion(region) ? ` --region ${region}` : "");

/** CloudTrail's event history is regional: the finding's region is where the key was seen. */
const cloudTrailCommand = (finding: Finding): string =>
  "aws cloudtrail lookup-events --lookup-attributes " +
  `AttributeKey=AccessKeyId,AttributeValue=${shellSafe(finding.accessKeyId, isAccessKeyId, PLACEHOLDER.accessKeyId)}` +
  regionOption(finding.region);

/** The key a manual request names, with only the identifiers that pass their checks. */
const keyRequest = (finding: Finding, user: string | undefined) => ({
  accessKeyId: shellSafe(finding.accessKeyId, isAccessKeyId, PLACEHOLDER.accessKeyId),
  ...(isUserName(user) ? { userName: user } : {}),
  ...(isAccountId(finding.account) ? { account: finding.account } : {}),
});

/**
 * A request sent straight to the manual function, in its region: the only way it reactivates a key, or approves a
 * write. The payload is in single quotes and holds only checked identifiers and our own words, none with a quote.
 */
const manualCommand = (request: Record<string, string>, target: CommandTarget): string =>
  `aws lambda invoke --function-name ${shellSafe(target.manualFunctionName, isFunctionName, PLACEHOLDER.manualFunction)} ` +
  `--region ${shellSafe(target.region, isRegion, PLACEHOLDER.region)} ` +
  `--cli-binary-format raw-in-base64-out --payload '${JSON.stringify(request)}' response.json`;

const manualReactivationCommand = (
  finding: Finding,
  user: string | undefined,
  target: CommandTarget,
): string =>
  manualCommand(
    { ...keyRequest(finding, user), status: "Active", reason: "<why the key is safe to use again>" },
    target,
  );

/** A finding id echoed into a command only when nothing in it can end the quotes or the JSON string. */
const SAFE_ID = /^[\w.:/@+=-]{1,200}$/;

/**
 * Approve mode: the request that approves the write. The manual function carries out a person's request at once; it
 * looks the owner up when the request does not name one, and refuses a root or protected owner as usual.
 */
const manualApprovalCommand = (finding: Finding, user: string | undefined, target: CommandTarget): string =>
  manualCommand(
    {
      ...keyRequest(finding, user),
      reason: `approved: ${SAFE_ID.test(finding.findingId) ? `finding ${finding.findingId}` : "<why the key must be disabled>"}`,
      requestedBy: "<you>",
    },
    target,
  );

export const isCommand = (step: string): boolean => step.startsWith("aws ");

/** A step for a person, and the bare command it names: commands stay alone so that they paste and run as is. */
interface Step {
  say: string;
  run?: string;
}

/** Said before a command: the account it must run in. */
const inAccount = (account: string | undefined): string =>
  account ? ` in account ${account} (use credentials or a --profile for that account)` : "";

/** What the steps may show of the key's alert entry: values already made safe to show. */
export interface StepView {
  account?: string;
  product?: string;
}

/** Everything one key's steps are made from. */
interface StepContext {
  o: Outcome;
  f: Finding;
  user: string | undefined;
  where: string;
  view: StepView;
  target: CommandTarget;
  review: Step;
  disableByHand: (say: string) => Step;
}

/**
 * What a person should do next, for each outcome: prose, each followed by the bare command it names (an entry that
 * starts with `aws `), if any.
 */
export const nextSteps = (o: Outcome, view: StepView, target: CommandTarget): string[] => {
  const f = o.plan.finding;
  const user = o.userName ?? o.plan.userName;
  const where = inAccount(view.account);
  const c: StepContext = {
    o,
    f,
    user,
    where,
    view,
    target,
    review: { say: `Review what the key did${where}:`, run: cloudTrailCommand(f) },
    disableByHand: (say) => ({ say: `${say}${where}:`, run: keyCommand(user, f.accessKeyId, "Inactive") }),
  };
  return stepsOf(c).flatMap((s) => (s.run ? [s.say, s.run] : [s.say]));
};

const siblingSteps = ({ o, user, where }: StepContext): Step[] =>
  o.siblings
    .filter((s) => s.suspicious && !s.disabled)
    .slice(0, LIMITS.siblings)
    .map((s) => ({
      say:
        `Key ${untrusted(s.accessKeyId, LIMITS.keyId)} was created after the finding was first seen and may be ` +
        `the attacker's. Unless its owner knows it, disable it${where}:`,
      run: keyCommand(user, s.accessKeyId, "Inactive"),
    }));

const ownerSteps = ({ f, user, where }: StepContext): Step[] =>
  isUserName(user)
    ? []
    : [{ say: `The event does not name the key's owner; to find it${where}:`, run: ownerCommand(f) }];

const stepsOf = (c: StepContext): Step[] => {
  const { o, f, user, where, review } = c;
  switch (o.status) {
    case Status.Disabled:
      return [
        review,
        ...siblingSteps(c),
        {
          say: "Rotate: give the owner a new key, update whatever used the old one, then delete the old key once reviewed.",
        },
        {
          say: `If this was a false positive, reactivate it${where}:`,
          run: keyCommand(user, f.accessKeyId, "Active"),
        },
      ];
    case Status.Reactivated:
      return [
        { say: `To disable it again${where}:`, run: keyCommand(user, f.accessKeyId, "Inactive") },
        ...siblingSteps(c),
      ];
    case Status.AlreadyDone:
      return [...(f.requestedStatus === "Inactive" ? [review] : []), ...siblingSteps(c)];
    case Status.SessionsRevoked:
      return [
        review,
        {
          say:
            "Find where the temporary credentials leaked (instance, container, CI job) and fix it; " +
            "workloads pick up new credentials automatically.",
        },
      ];
    case Status.Protected:
      return [c.disableByHand("A person must decide. To disable the key by hand"), review];
    case Status.Failed:
      return [
        c.disableByHand("Disable the key by hand now"),
        { say: "Then look at the responder's logs and failure queue for the cause." },
        ...siblingSteps(c),
      ];
    case Status.DryRun:
      return [
        {
          say:
            "Dry run (observe mode): nothing was changed. Deploy with mode=contain (RESPONDER_MODE) and dryRun=false " +
            "to act on findings like this one, or mode=approve to be asked first.",
        },
        // The key is still Active: a person who reads the finding as real disables it now.
        c.disableByHand("If the key did leak, disable it by hand now"),
      ];
    case Status.ApprovalNeeded:
      return approvalSteps(c);
    case Status.NotAttempted:
    case Status.Interrupted:
      return [
        {
          say:
            "Lambda retries the event and continues with this key. If the retry does not contain it too (see the " +
            `failure queue), disable it by hand${where}:`,
          run: keyCommand(user, f.accessKeyId, "Inactive"),
        },
        ...ownerSteps(c),
      ];
    case Status.Skipped:
      // A finding that names no key lists its user's keys itself, each with its command.
      return o.plan.skip === Skip.NoCredential
        ? noCredentialSteps(c)
        : [...skippedSteps(c), ...siblingSteps(c)];
    default:
      return [];
  }
};

/**
 * A credential finding that names no key, only a principal in its text: what to look at, and for an IAM user the
 * keys the responder listed (each Active one with the command that disables it) or the command that lists them.
 */
const noCredentialSteps = ({ o, f, where }: StepContext): Step[] => {
  const user = o.plan.userName;
  const named = f.noCredential?.principals.map((p) => untrusted(p, LIMITS.user)) ?? [];
  const steps: Step[] = [
    {
      say:
        `URGENT: the finding names no access key${named.length ? `, only ${named.join(", ")}` : ""}. Find the ` +
        "credentials it used (the finding in the GuardDuty console, CloudTrail) and contain them now.",
    },
  ];
  if (isUserName(user) && f.principalType !== "AssumedRole") {
    steps.push({
      say: `Review what ${user} did${where}:`,
      run: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=${user}${regionOption(f.region)}`,
    });
    if (o.siblings.length === 0) {
      steps.push({
        say: `List the access keys of ${user}${where}:`,
        run: `aws iam list-access-keys --user-name ${user}`,
      });
    }
    for (const key of o.siblings.filter((k) => k.status === "Active").slice(0, LIMITS.siblings)) {
      steps.push({
        say:
          `Key ${untrusted(key.accessKeyId, LIMITS.keyId)} of ${user} is Active` +
          `${key.suspicious ? " and was created after the attack was first seen" : ""}. Unless its owner vouches ` +
          `for it, disable it${where}:`,
        run: keyCommand(user, key.accessKeyId, "Inactive"),
      });
    }
  } else if (f.principalType === "AssumedRole" && isUserName(f.userName)) {
    steps.push({
      say: `Revoke the role's active sessions (IAM console: Roles > ${f.userName} > Revoke active sessions), and find where its credentials leaked.`,
    });
  }
  return steps;
};

/** Approve mode: how a person approves the write (or makes it by hand), after looking at what the key did. */
const approvalSteps = (c: StepContext): Step[] => {
  const { o, f, user, where, review } = c;
  if (o.plan.action === Action.RevokeSessions) {
    return [
      review,
      {
        say:
          "Approval needed: nothing was changed. To approve, revoke the sessions by hand (IAM console: the role or " +
          "user > Revoke active sessions), or deploy with mode=contain (RESPONDER_MODE) to have it done automatically.",
      },
    ];
  }
  return [
    {
      say: `Approval needed: nothing was changed and the key may still be Active. Review what it did${where}:`,
      run: review.run,
    },
    {
      say: "To approve, invoke the manual function directly, in the responder's account: it sets the key Inactive.",
      run: manualApprovalCommand(f, user, c.target),
    },
    ...ownerSteps(c),
    { say: `Or set it Inactive by hand${where}:`, run: keyCommand(user, f.accessKeyId, "Inactive") },
  ];
};

const skippedSteps = (c: StepContext): Step[] => {
  const { o, f, review, disableByHand } = c;
  const roleSessions = `the role's active sessions (IAM console: Roles > ${maybe(f.userName, LIMITS.user) ?? "<role>"} > Revoke active sessions)`;
  switch (o.plan.skip) {
    case Skip.Root:
      return [
        {
          say: "URGENT: sign in as the root user, delete the root access key, change the root password and check MFA.",
        },
        review,
      ];
    case Skip.TemporaryKey:
      return [
        {
          say:
            f.principalType === "AssumedRole"
              ? `Revoke ${roleSessions}, or deploy with REVOKE_SESSIONS=true to have it done automatically.`
              : "Revoke the user's sessions and disable the long-term key that issued them, " +
                "or deploy with REVOKE_SESSIONS=true to have sessions revoked automatically.",
        },
        { say: "Find where the temporary credentials leaked (instance, container, CI job) and fix it." },
        review,
      ];
    case Skip.Protected:
      return [disableByHand("A person must decide. To disable the key by hand"), review];
    case Skip.OtherAccount:
      return [
        // A temporary key cannot be set Inactive: its sessions are revoked where the role or user lives.
        keyKind(f.accessKeyId) === KeyKind.Temporary
          ? { say: `Revoke ${roleSessions}${inAccount(o.account ?? o.plan.account)}.` }
          : disableByHand("Disable it"),
        { say: "Or deploy the member role to that account and set MEMBER_ROLE_NAME." },
      ];
    case Skip.BelowThreshold:
      return [disableByHand("Review the finding. The key is still Active; to disable it now")];
    case Skip.InvalidInput:
      return [
        { say: "The event did not name a valid key: check the finding in its console. Nothing was changed." },
      ];
    case Skip.UntrustedProduct:
      return [
        {
          say:
            `The finding was imported by ${c.view.product ?? "an unknown product"}, not made by AWS: ` +
            "anyone allowed to import findings into Security Hub can write one, so nothing was changed. " +
            "Check who imported it (BatchImportFindings in CloudTrail).",
        },
        disableByHand("If the key did leak, disable it by hand"),
      ];
    case Skip.UntrustedWrapper:
      return [
        {
          say:
            `The event came inside an SNS notification from ${untrusted(f.snsTopicArn ?? "a topic it does not name", LIMITS.detailValue)}: ` +
            "anyone allowed to publish there could have written it, so nothing was changed. Check the finding in " +
            "its own console; if the topic is yours and only AWS events reach it, list it in trustedTopicArns.",
        },
        disableByHand("If the key did leak, disable it by hand"),
      ];
    case Skip.ReactivationRefused:
      return [
        {
          say:
            "Nothing was changed: only a request sent directly to the manual function may set a key Active, " +
            "not one relayed through SNS, EventBridge or another source.",
        },
        {
          say: "If nobody you know sent it, treat it as an attempt to re-enable a contained key and find its sender.",
        },
        {
          say: "To reactivate the key properly, invoke the manual function directly, in the responder's account, with a reason:",
          run: manualReactivationCommand(f, c.user, c.target),
        },
      ];
    case Skip.Responder:
      return [
        {
          say:
            "URGENT: the finding is about the responder's own role or user, which it never acts on. " +
            "A person must check what these credentials did and replace them now.",
        },
        review,
        keyKind(f.accessKeyId) === KeyKind.Temporary
          ? { say: `For the role's temporary key, revoke ${roleSessions}, then redeploy the responder.` }
          : disableByHand("If the key leaked, disable it by hand"),
      ];
    default:
      return [];
  }
};
