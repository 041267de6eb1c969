import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, describeMode, loadConfig, Mode } from "../../../src/shared/config";

/** The error loadConfig throws for an environment, so that a test can check its type and message together. */
const errorFor = (env: Record<string, string>): unknown => {
  try {
    loadConfig(env);
  } catch (error) {
    return error;
  }
  throw new Error("loadConfig accepted the environment");
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("loadConfig", () => {
  it("defaults to live, alert-only extras off, act from severity 4, no topic, no member role", () => {
    expect(loadConfig({})).toEqual({
      alertTopicArn: undefined,
      mode: "contain",
      dryRun: false,
      containWithoutApproval: [],
      protectedUsers: [],
      memberRoleName: undefined,
      trustedTopicArns: [],
      minSeverity: 4,
      revokeSessions: false,
      disableSiblingKeys: false,
      tagUser: false,
      attachQuarantinePolicy: false,
      enrichWithCloudTrail: false,
      securityHubUpdates: true,
    });
  });

  it("treats empty and blank values as unset, as serverless.yml passes blank parameters", () => {
    const blank = {
      ALERT_TOPIC_ARN: "",
      RESPONDER_MODE: "",
      DRY_RUN: "",
      CONTAIN_WITHOUT_APPROVAL: "",
      PROTECTED_USERS: "  ",
      MEMBER_ROLE_NAME: "",
      TRUSTED_TOPIC_ARNS: "",
      MIN_SEVERITY: " ",
      REVOKE_SESSIONS: "",
      DISABLE_SIBLING_KEYS: "",
      TAG_USER: "",
      ATTACH_QUARANTINE_POLICY: "",
      ENRICH_CLOUDTRAIL: "",
      SECURITY_HUB_UPDATES: "",
    };

    expect(loadConfig(blank)).toEqual(loadConfig({}));
  });

  it("reads every setting from its documented variable", () => {
    expect(
      loadConfig({
        ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:111111111111:access-key-responder-alerts",
        RESPONDER_MODE: "approve",
        CONTAIN_WITHOUT_APPROVAL: "health",
        PROTECTED_USERS: "breakglass-admin,deployer",
        MEMBER_ROLE_NAME: "ResponderMember",
        TRUSTED_TOPIC_ARNS:
          "arn:aws:sns:us-east-1:222222222222:findings-relay, arn:aws:sns:eu-west-1:333333333333:relay",
        MIN_SEVERITY: "7",
        REVOKE_SESSIONS: "true",
        DISABLE_SIBLING_KEYS: "true",
        TAG_USER: "true",
        ATTACH_QUARANTINE_POLICY: "true",
        ENRICH_CLOUDTRAIL: "true",
        SECURITY_HUB_UPDATES: "false",
      }),
    ).toEqual({
      alertTopicArn: "arn:aws:sns:us-east-1:111111111111:access-key-responder-alerts",
      mode: "approve",
      dryRun: false,
      containWithoutApproval: ["health"],
      protectedUsers: ["breakglass-admin", "deployer"],
      memberRoleName: "ResponderMember",
      trustedTopicArns: [
        "arn:aws:sns:us-east-1:222222222222:findings-relay",
        "arn:aws:sns:eu-west-1:333333333333:relay",
      ],
      minSeverity: 7,
      revokeSessions: true,
      disableSiblingKeys: true,
      tagUser: true,
      attachQuarantinePolicy: true,
      enrichWithCloudTrail: true,
      securityHubUpdates: false,
    });
  });

  it.each(["findings-relay", "arn:aws:sns:us-east-1:*:relay", "arn:aws:sqs:us-east-1:222222222222:relay"])(
    "refuses TRUSTED_TOPIC_ARNS=%j: only whole SNS topic ARNs are trusted",
    (value) => {
      expect(String(errorFor({ TRUSTED_TOPIC_ARNS: value }))).toMatch(
        /TRUSTED_TOPIC_ARNS must be SNS topic ARNs/,
      );
    },
  );

  it("turns writes off only for DRY_RUN=true (surrounding spaces trimmed)", () => {
    expect(loadConfig({ DRY_RUN: "true" }).dryRun).toBe(true);
    expect(loadConfig({ DRY_RUN: " true " }).dryRun).toBe(true);
    expect(loadConfig({ DRY_RUN: "false" }).dryRun).toBe(false);
  });

  it.each(["TRUE", "True", "yes", "1", "ture", "on", "FALSE"])(
    "refuses DRY_RUN=%j instead of silently running live, naming the variable",
    (value) => {
      const error = errorFor({ DRY_RUN: value });

      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^DRY_RUN must be "true" or "false"/);
    },
  );

  it.each([
    "REVOKE_SESSIONS",
    "DISABLE_SIBLING_KEYS",
    "TAG_USER",
    "ATTACH_QUARANTINE_POLICY",
    "ENRICH_CLOUDTRAIL",
    "SECURITY_HUB_UPDATES",
  ])("reads %s as a strict flag", (name) => {
    expect(errorFor({ [name]: "yes" })).toMatchObject({
      name: "ConfigError",
      message: `${name} must be "true" or "false" (or unset), got "yes"`,
    });
  });

  it("records outcomes on Security Hub findings unless SECURITY_HUB_UPDATES is false", () => {
    expect(loadConfig({}).securityHubUpdates).toBe(true);
    expect(loadConfig({ SECURITY_HUB_UPDATES: "true" }).securityHubUpdates).toBe(true);
    expect(loadConfig({ SECURITY_HUB_UPDATES: "false" }).securityHubUpdates).toBe(false);
  });

  it("trims and lower-cases the protected users and drops empty entries", () => {
    expect(
      loadConfig({ PROTECTED_USERS: " BreakGlass-Admin , ,Deployer@Example.com," }).protectedUsers,
    ).toEqual(["breakglass-admin", "deployer@example.com"]);
  });

  it("refuses a protected user name IAM would not accept, naming the variable and the entry", () => {
    expect(errorFor({ PROTECTED_USERS: "alice,bad name" })).toMatchObject({
      name: "ConfigError",
      message: "PROTECTED_USERS has invalid user names: bad name",
    });
  });

  it.each([
    ["0", 0],
    ["10", 10],
    ["6.5", 6.5],
  ])("accepts MIN_SEVERITY=%s", (value, expected) => {
    expect(loadConfig({ MIN_SEVERITY: value }).minSeverity).toBe(expected);
  });

  it.each(["-1", "10.1", "high", "Infinity", "NaN"])(
    "refuses MIN_SEVERITY=%s, naming the variable and range",
    (value) => {
      expect(errorFor({ MIN_SEVERITY: value })).toMatchObject({
        name: "ConfigError",
        message: `MIN_SEVERITY must be a number from 0 to 10, got "${value}"`,
      });
    },
  );

  it("refuses a member role ARN where a role name is expected", () => {
    const error = errorFor({ MEMBER_ROLE_NAME: "arn:aws:iam::222222222222:role/ResponderMember" });

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'MEMBER_ROLE_NAME must be a role name (not an ARN), got "arn:aws:iam::222222222222:role/ResponderMember"',
    );
  });

  it.each([
    "access-key-responder-alerts",
    "arn:aws:sqs:us-east-1:111111111111:queue",
    "arn:aws:sns:us-east-1:1111:alerts",
  ])("refuses ALERT_TOPIC_ARN=%s, naming the variable", (value) => {
    expect(errorFor({ ALERT_TOPIC_ARN: value })).toMatchObject({
      name: "ConfigError",
      message: `ALERT_TOPIC_ARN must be an SNS topic ARN, got "${value}"`,
    });
  });

  it("accepts a topic ARN in another partition", () => {
    const arn = "arn:aws-us-gov:sns:us-gov-west-1:111111111111:alerts";

    expect(loadConfig({ ALERT_TOPIC_ARN: arn }).alertTopicArn).toBe(arn);
  });

  it("reads process.env when given no environment", () => {
    vi.stubEnv("DRY_RUN", "true");
    vi.stubEnv("MIN_SEVERITY", "8");

    expect(loadConfig()).toMatchObject({ dryRun: true, minSeverity: 8 });
  });
});

describe("ConfigError", () => {
  it("is an Error named ConfigError", () => {
    const error = new ConfigError("DRY_RUN is wrong");

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConfigError");
  });
});

describe("RESPONDER_MODE and its alias DRY_RUN", () => {
  it.each([
    [{}, Mode.Contain, false],
    [{ RESPONDER_MODE: "contain" }, Mode.Contain, false],
    [{ RESPONDER_MODE: "approve" }, Mode.Approve, false],
    [{ RESPONDER_MODE: "observe" }, Mode.Observe, true],
    [{ RESPONDER_MODE: "observe", DRY_RUN: "false" }, Mode.Observe, true],
    [{ DRY_RUN: "true" }, Mode.Observe, true],
    [{ RESPONDER_MODE: "contain", DRY_RUN: "true" }, Mode.Observe, true],
    [{ RESPONDER_MODE: "observe", DRY_RUN: "true" }, Mode.Observe, true],
    [{ RESPONDER_MODE: "approve", DRY_RUN: "false" }, Mode.Approve, false],
    [{ RESPONDER_MODE: " ", DRY_RUN: "true" }, Mode.Observe, true],
  ])("reads %o as mode %s (dry run: %s)", (env, mode, dryRun) => {
    expect(loadConfig(env)).toMatchObject({ mode, dryRun });
  });

  it("refuses DRY_RUN=true with RESPONDER_MODE=approve, naming both variables", () => {
    const error = errorFor({ RESPONDER_MODE: "approve", DRY_RUN: "true" });

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/DRY_RUN=true contradicts RESPONDER_MODE=approve/);
  });

  it.each(["Approve", "approved", "dry-run", "live", "true"])(
    "refuses RESPONDER_MODE=%s, naming the variable",
    (value) => {
      const error = errorFor({ RESPONDER_MODE: value });

      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(
        `RESPONDER_MODE must be one of contain, approve, observe (or unset), got "${value}"`,
      );
    },
  );
});

describe("CONTAIN_WITHOUT_APPROVAL", () => {
  it("reads sources and finding type prefixes", () => {
    const config = loadConfig({
      RESPONDER_MODE: "approve",
      CONTAIN_WITHOUT_APPROVAL:
        "health,trusted-advisor,UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration",
    });

    expect(config.containWithoutApproval).toEqual([
      "health",
      "trusted-advisor",
      "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration",
    ]);
  });

  it("treats a blank value as unset", () => {
    expect(loadConfig({ CONTAIN_WITHOUT_APPROVAL: "  " }).containWithoutApproval).toEqual([]);
  });

  it.each([
    ["an empty entry", "health,,trusted-advisor", '""'],
    ["a trailing comma", "health,", '""'],
    ["a space after a comma", "health, trusted-advisor", '" trusted-advisor"'],
    ["an unknown source", "helth", '"helth"'],
    ["a source in the wrong case", "Health", '"Health"'],
    ["a type without a ':'", "UnauthorizedAccess", '"UnauthorizedAccess"'],
    ["a space inside a prefix", "Unauthorized Access:IAMUser", '"Unauthorized Access:IAMUser"'],
    ["the manual source, which approves by reaching the manual function", "manual", '"manual"'],
  ])("refuses %s, naming the variable", (_, value, shown) => {
    const error = errorFor({ CONTAIN_WITHOUT_APPROVAL: value });

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^CONTAIN_WITHOUT_APPROVAL must be/);
    expect((error as Error).message).toContain(`invalid: ${shown}`);
  });
});

describe("describeMode", () => {
  it.each([
    [{}, /^CONTAIN: keys will be disabled/],
    [{ DRY_RUN: "true" }, /^OBSERVE: dry run, no key will be changed/],
    [{ RESPONDER_MODE: "approve" }, /^APPROVE: no key will be changed until a person approves[^;]*$/],
    [
      { RESPONDER_MODE: "approve", CONTAIN_WITHOUT_APPROVAL: "health,guardduty" },
      /; contained at once: health, guardduty$/,
    ],
  ])("says in one line what %j does with a leaked key", (env, line) => {
    expect(describeMode(loadConfig(env))).toMatch(line);
  });
});
