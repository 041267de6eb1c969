import { ROLE_NAME_PATTERN, USER_NAME_PATTERN } from "./identifiers";
import { Source } from "./source";

/**
 * What the responder does with a finding it would act on: `contain` sets the key Inactive at once (the default);
 * `approve` makes no write and alerts with the command that approves it, while a person's request to the manual
 * function is carried out; `observe` plans and alerts only, with no IAM or STS call at all (the dry run; DRY_RUN=true
 * is its alias).
 */
export const Mode = { Contain: "contain", Approve: "approve", Observe: "observe" } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Settings read once from the environment. Every name is documented in docs/configuration.md (generated: npm run docs). */
export interface Config {
  /** SNS topic for alerts; unset means the alert is printed on stdout as JSON. */
  alertTopicArn?: string;
  mode: Mode;
  /** Plan and alert, but make no IAM call at all: `mode` is `observe` (RESPONDER_MODE=observe or DRY_RUN=true). */
  dryRun: boolean;
  /** In approve mode, findings contained at once: a source name (`health`) or a finding type prefix (with a ':'). */
  containWithoutApproval: readonly string[];
  /** Users never touched, whatever the finding says (lower-cased for comparison: IAM names are case-insensitive). */
  protectedUsers: readonly string[];
  /** Role to assume in another account of the organization; unset means other accounts get alerts only. */
  memberRoleName?: string;
  /** SNS topics whose notifications may carry findings that lead to a write; any other wrapped event only alerts. */
  trustedTopicArns: readonly string[];
  /** GuardDuty-scale severity from which findings are acted on. */
  minSeverity: number;
  /** Opt-in: revoke older sessions of a role or user whose temporary (ASIA) key was used. */
  revokeSessions: boolean;
  /** Opt-in: also disable the user's other active keys created after the finding was first seen. */
  disableSiblingKeys: boolean;
  /** Opt-in: tag the user with what was done, when and why. */
  tagUser: boolean;
  /** Opt-in: attach the AWS managed quarantine policy to the user. */
  attachQuarantinePolicy: boolean;
  /** Opt-in: add the key's recent CloudTrail activity to the alert, after containment. */
  enrichWithCloudTrail: boolean;
  /** On unless turned off: record the outcome on the Security Hub finding (a note and a workflow status). */
  securityHubUpdates: boolean;
}

export class ConfigError extends Error {
  // The class's own name too: a minified build shortens it, and `sls invoke local` reports errors by it (errorType).
  static {
    Object.defineProperty(ConfigError, "name", { value: "ConfigError" });
  }
  override name = "ConfigError";
}

type Environment = Readonly<Record<string, string | undefined>>;

/** An empty value means unset: serverless.yml passes empty strings for parameters left blank. */
const read = (env: Environment, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

/** Only the exact words count; a typo such as DRY_RUN=ture must not silently mean "live". */
const readFlag = (env: Environment, name: string, fallback = false): boolean => {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if (value === "false") return false;
  if (value === "true") return true;
  throw new ConfigError(`${name} must be "true" or "false" (or unset), got "${value}"`);
};

const readNumber = (env: Environment, name: string, fallback: number, min: number, max: number): number => {
  const value = read(env, name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < min || number > max) {
    throw new ConfigError(`${name} must be a number from ${min} to ${max}, got "${value}"`);
  }
  return number;
};

/** A comma-separated list (entries trimmed, empty ones dropped) whose every entry must match `pattern`. */
const readList = (env: Environment, name: string, pattern: RegExp, complaint: string): string[] => {
  const entries = (read(env, name) ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const invalid = entries.filter((entry) => !pattern.test(entry));
  if (invalid.length > 0) throw new ConfigError(`${name} ${complaint}: ${invalid.join(", ")}`);
  return entries;
};

/** Lower-cased for comparison: IAM user names are case-insensitive. */
const readUserList = (env: Environment, name: string): string[] =>
  readList(env, name, USER_NAME_PATTERN, "has invalid user names").map((entry) => entry.toLowerCase());

const MODES: readonly string[] = Object.values(Mode);

/**
 * RESPONDER_MODE, with DRY_RUN=true as the alias of observe. RESPONDER_MODE=contain is serverless.yml's default, so DRY_RUN=true wins over
 * it (the safer reading). DRY_RUN=true with RESPONDER_MODE=approve is refused: approve carries out a person's request, observe
 * never writes, and guessing which was meant could mean a write nobody expected, or none that someone approved.
 */
const readMode = (env: Environment): Mode => {
  const value = read(env, "RESPONDER_MODE");
  if (value !== undefined && !MODES.includes(value)) {
    throw new ConfigError(`RESPONDER_MODE must be one of ${MODES.join(", ")} (or unset), got "${value}"`);
  }
  const mode = (value ?? Mode.Contain) as Mode;
  if (!readFlag(env, "DRY_RUN")) return mode;
  if (mode === Mode.Approve) {
    throw new ConfigError(
      "DRY_RUN=true contradicts RESPONDER_MODE=approve: DRY_RUN=true is the alias of RESPONDER_MODE=observe; unset one of them",
    );
  }
  return Mode.Observe;
};

/** A manual request is approved by reaching the manual function directly; relayed ones must not skip approval. */
const SOURCES: readonly string[] = Object.values(Source).filter((source) => source !== Source.Manual);

/** Source names, or finding type prefixes (which have a ':', as GuardDuty types do); a typo fails, naming the variable. */
const readApprovalExceptions = (env: Environment, name: string): string[] => {
  const raw = read(env, name);
  if (raw === undefined) return [];
  const entries = raw.split(",");
  const invalid = entries.filter(
    (entry) =>
      entry === "" ||
      entry !== entry.trim() ||
      /\s/.test(entry) ||
      (!SOURCES.includes(entry) && !(entry.includes(":") && entry.length > 1)),
  );
  if (invalid.length > 0) {
    throw new ConfigError(
      `${name} must be comma-separated sources (${SOURCES.join(", ")}) or finding type prefixes with a ':', ` +
        `with no spaces; invalid: ${invalid.map((entry) => `"${entry}"`).join(", ")}`,
    );
  }
  return entries;
};

const TOPIC_ARN = /^arn:[\w-]+:sns:[\w-]+:\d{12}:[\w-]{1,256}$/;

/** Comma-separated SNS topic ARNs; anything else (a topic name, a wildcard) fails, naming the variable. */
const readTopicList = (env: Environment, name: string): string[] =>
  readList(env, name, TOPIC_ARN, "must be SNS topic ARNs; invalid");

/** What the functions will do with a leaked key, in one line: printed by `sls package` and by a live local run. */
export const describeMode = (config: Pick<Config, "mode" | "containWithoutApproval">): string => {
  if (config.mode === Mode.Observe) return "OBSERVE: dry run, no key will be changed (plans and alerts only)";
  if (config.mode === Mode.Contain) return "CONTAIN: keys will be disabled (set Inactive) as findings arrive";
  const except = config.containWithoutApproval.length
    ? `; contained at once: ${config.containWithoutApproval.join(", ")}`
    : "";
  return `APPROVE: no key will be changed until a person approves (a request to the manual function)${except}`;
};

/** Reads and validates the configuration; a bad value fails loudly, naming the variable. */
export const loadConfig = (env: Environment = process.env): Config => {
  const alertTopicArn = read(env, "ALERT_TOPIC_ARN");
  if (alertTopicArn !== undefined && !TOPIC_ARN.test(alertTopicArn)) {
    throw new ConfigError(`ALERT_TOPIC_ARN must be an SNS topic ARN, got "${alertTopicArn}"`);
  }
  const memberRoleName = read(env, "MEMBER_ROLE_NAME");
  if (memberRoleName !== undefined && !ROLE_NAME_PATTERN.test(memberRoleName)) {
    throw new ConfigError(`MEMBER_ROLE_NAME must be a role name (not an ARN), got "${memberRoleName}"`);
  }
  const mode = readMode(env);
  return {
    alertTopicArn,
    mode,
    dryRun: mode === Mode.Observe,
    containWithoutApproval: readApprovalExceptions(env, "CONTAIN_WITHOUT_APPROVAL"),
    protectedUsers: readUserList(env, "PROTECTED_USERS"),
    memberRoleName,
    trustedTopicArns: readTopicList(env, "TRUSTED_TOPIC_ARNS"),
    minSeverity: readNumber(env, "MIN_SEVERITY", 4, 0, 10),
    revokeSessions: readFlag(env, "REVOKE_SESSIONS"),
    disableSiblingKeys: readFlag(env, "DISABLE_SIBLING_KEYS"),
    tagUser: readFlag(env, "TAG_USER"),
    attachQuarantinePolicy: readFlag(env, "ATTACH_QUARANTINE_POLICY"),
    enrichWithCloudTrail: readFlag(env, "ENRICH_CLOUDTRAIL"),
    securityHubUpdates: readFlag(env, "SECURITY_HUB_UPDATES", true),
  };
};
