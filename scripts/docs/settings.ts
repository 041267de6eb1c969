// What each setting means: the one place the configuration table's "Meaning" column is written. Names, defaults and
// which parameter sets which variable are not written here: they are read from serverless.yml and src/shared/config.ts
// (scripts/docs/configuration.ts), and a setting either side without a row here fails `npm run docs` and the tests.

/** One row of docs/configuration.md. */
export interface Setting {
  /** The functions' environment variable, if any. */
  variable?: string;
  /** The serverless.yml parameter (`params.default`), if any. */
  parameter?: string;
  /** What the Parameter column says when no parameter sets the variable. */
  setBy?: string;
  /** The Default column when no parameter gives one. */
  defaultText?: string;
  meaning: string;
}

/** Variables the stack sets to fixed values for the libraries (Powertools, the SDK): not settings, so not rows. */
export const LIBRARY_VARIABLES: readonly string[] = [
  "POWERTOOLS_SERVICE_NAME",
  "POWERTOOLS_METRICS_NAMESPACE",
  "AWS_NODEJS_CONNECTION_REUSE_ENABLED",
];

export const SETTINGS: readonly Setting[] = [
  {
    variable: "ALERT_TOPIC_ARN",
    setBy: "(the stack's topic)",
    defaultText: "unset locally",
    meaning: "SNS topic for alerts. Unset: the alert is printed on stdout as text, then as JSON.",
  },
  {
    variable: "RESPONDER_MODE",
    parameter: "mode",
    meaning:
      "`contain`: set a leaked key Inactive at once. `approve`: make no IAM call (no write, no read) and publish an " +
      "`approval-needed` alert with the command that approves it; a request sent directly to the `manual` function " +
      "is the approval and is carried out. `observe`: the dry run (see `DRY_RUN`). Named `RESPONDER_MODE`, not " +
      "`MODE`, because tools such as Vite and Vitest set `MODE` themselves. See " +
      "[Approval mode](alerts.md#approval-mode).",
  },
  {
    variable: "DRY_RUN",
    parameter: "dryRun",
    meaning:
      "The alias of `RESPONDER_MODE=observe`: plan and alert only. No IAM or STS call at all (no write, no read), so " +
      "it also runs offline; the alert is still published when a topic is set. Only `true` turns writes off. With " +
      "`RESPONDER_MODE` unset or `contain`, `true` means observe; with `approve` the contradiction is refused, naming " +
      "both variables.",
  },
  {
    variable: "CONTAIN_WITHOUT_APPROVAL",
    parameter: "containWithoutApproval",
    meaning:
      "Approve mode only. Comma-separated, no spaces: sources (`guardduty`, `health`, `trusted-advisor`, " +
      "`security-hub`) or finding type prefixes with a `:` (`UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration`) " +
      "whose findings are contained at once, as in `contain`. `health` covers the leaks AWS itself confirmed.",
  },
  {
    variable: "PROTECTED_USERS",
    parameter: "protectedUsers",
    meaning: "Comma-separated IAM user names never touched (break-glass, the deployer). Case-insensitive.",
  },
  {
    variable: "MEMBER_ROLE_NAME",
    parameter: "memberRoleName",
    meaning:
      "Role to assume in other accounts of the organization. Empty: findings from other accounts get alerts only.",
  },
  {
    variable: "TRUSTED_TOPIC_ARNS",
    parameter: "trustedTopicArns",
    meaning:
      "Comma-separated SNS topic ARNs whose notifications may carry findings that lead to a write. An event inside " +
      "any other SNS notification has lost EventBridge's word that AWS made it: it gets an `action-required` alert " +
      "naming the topic, and no write.",
  },
  {
    variable: "MIN_SEVERITY",
    parameter: "minSeverity",
    meaning:
      "GuardDuty-scale severity from which findings are acted on (4.0 = Medium). Lower findings get an alert only. " +
      "Leak reports (Health, Trusted Advisor, manual) have no severity and are always acted on.",
  },
  {
    variable: "REVOKE_SESSIONS",
    parameter: "revokeSessions",
    meaning:
      "Opt-in. For a temporary (`ASIA…`) key, put an inline deny-all on the role (or user) for tokens issued before " +
      'now, as the console\'s "Revoke active sessions" does. Policy `AccessKeyResponderRevokeOlderSessions`; a rerun ' +
      "moves the cut-off forward.",
  },
  {
    variable: "DISABLE_SIBLING_KEYS",
    parameter: "disableSiblingKeys",
    meaning:
      "Opt-in. Also disable the user's other active keys created after the finding was first seen (possibly created " +
      "by the attacker). Older keys are never touched.",
  },
  {
    variable: "TAG_USER",
    parameter: "tagUser",
    meaning:
      "Opt-in. Tag the user `access-key-responder:last-action` with the key, status, time and finding id.",
  },
  {
    variable: "ATTACH_QUARANTINE_POLICY",
    parameter: "attachQuarantinePolicy",
    meaning: "Opt-in. Attach the AWS managed policy `AWSCompromisedKeyQuarantineV3` to the user.",
  },
  {
    variable: "ENRICH_CLOUDTRAIL",
    parameter: "enrichCloudTrail",
    meaning:
      "Opt-in. After containment, add the key's CloudTrail activity of the last 24 hours (top actions, source IPs; " +
      "`LookupEvents` in the stack's region, own account only) to the alert. Bounded to 3 s; a failure becomes a note " +
      "in the alert and never fails the run.",
  },
  {
    variable: "SECURITY_HUB_UPDATES",
    parameter: "securityHubUpdates",
    meaning:
      "On by default. After the alert, record the outcome on the Security Hub finding it came from: a note, and " +
      "`RESOLVED` or `NOTIFIED`. Bounded to 3 s; a failure is a log line and the `SecurityHubUpdateFailures` metric, " +
      "never a failed run. `false` turns it off and takes its permission away.",
  },
  {
    variable: "RESPONDER_ROLE_NAME",
    setBy: "(set by the stack)",
    defaultText: "the role name",
    meaning:
      "The functions' own execution role. A finding about it (or about `MEMBER_ROLE_NAME`) is refused with an urgent " +
      "alert: the responder never acts on itself.",
  },
  {
    variable: "MANUAL_FUNCTION_NAME",
    setBy: "(set by the stack)",
    defaultText: "the function's name",
    meaning:
      "The `manual` function's deployed name, which the approval and reactivation commands in an alert invoke " +
      "(with the function's `--region`). Unset, the command shows a placeholder.",
  },
  {
    parameter: "alertEmail",
    meaning:
      "An e-mail address subscribed to the alert topic and the alarm topic (confirm the e-mails AWS sends).",
  },
  {
    parameter: "organizationId",
    meaning:
      "The organization (`o-…`): with `memberRoleName`, the only accounts the member role may be assumed in (and the " +
      "member role requires the responder to belong to it); and the stack lets that organization's region " +
      "forwarders put events on its bus. Empty: any account but this one, and no bus policy.",
  },
  {
    parameter: "securityHubRule",
    meaning:
      "On by default: subscribes the `securityHub` function to Security Hub's findings, ASFF and OCSF (V2), with one " +
      "rule each (see [Event sources](event-sources.md)). `false` turns both rules off.",
  },
  {
    parameter: "chatActions",
    meaning:
      "`true`: chat buttons on the alert cards (custom actions of Amazon Q Developer in chat applications): " +
      "**Disable key** on `dry-run` and `approval-needed` alerts, **Reactivate key** on `contained` ones. See " +
      "[Chat](alerts.md#chat-amazon-q-developer--aws-chatbot).",
  },
  {
    parameter: "drill",
    meaning:
      "`true`: on Mondays and Thursdays (09:00 UTC) the `drill` function asks GuardDuty for a sample credential " +
      "finding, and an alarm fires when none completed the path in 7 days. Needs GuardDuty in the Region. See " +
      "[Weekly drill](operations.md#weekly-drill).",
  },
];
