import { describe, expect, it } from "vitest";
import { FUNCTION_NAMES, loopbackDouble, TOPIC_ARN } from "../support/harness";
import { type SlsRun, sls } from "../support/sls";

/**
 * The documented local commands, run as a user runs them: `sls invoke local` (osls + serverless-esbuild) in a
 * child process, with AWS_ENDPOINT_URL pointing at the loopback double. Each run bundles the function (~5 s), so
 * `npm test` runs one event of every source; SLS_MATRIX=full (CI) runs every event on every function.
 */
const FULL = process.env.SLS_MATRIX === "full";

const double = loopbackDouble({ pointEnv: false });

/** Runs `sls invoke local`; a variable given as undefined is removed from the child's environment. */
const slsInvokeLocal = (args: string[], env: Record<string, string | undefined> = {}): Promise<SlsRun> =>
  sls(["invoke", "local", ...args], env);

/**
 * An isolated, offline environment: only what the test gives, no credentials from the machine, and logging and
 * metrics as in a person's shell (vitest's own settings silence them).
 */
const offline = {
  AWS_PROFILE: "",
  AWS_ACCESS_KEY_ID: "",
  AWS_SECRET_ACCESS_KEY: "",
  AWS_ENDPOINT_URL: "",
  POWERTOOLS_LOG_LEVEL: undefined,
  // Powertools refuses an empty value, so the variable is removed rather than emptied.
  POWERTOOLS_METRICS_DISABLED: undefined,
};

const positives: [string, string[]][] = [
  ["guardduty-iam-user", ["AKIAALICE00000000001"]],
  ["health-credentials-exposed-two-keys", ["AKIABOB0000000000001", "AKIACAROL00000000001"]],
  ["trusted-advisor-exposed-key", ["AKIAFRANK00000000001"]],
  ["security-hub-legacy-user-name", ["AKIAHEIDI00000000001"]],
  ["manual-disable", ["AKIAIVAN000000000001"]],
  ["guardduty-attack-sequence-iam-user", ["AKIAALICE00000000001"]],
];
const extraPositives: [string, string[]][] = [
  ["guardduty-s3-with-key", ["AKIAALICE00000000001"]],
  ["guardduty-attack-sequence-two-actors", ["AKIABOB0000000000001", "AKIACAROL00000000001"]],
  ["health-credentials-exposure-suspected", ["AKIABOB0000000000001"]],
  ["health-credentials-compromised", ["AKIABOB0000000000001"]],
  ["health-credentials-compromise-suspected", ["AKIABOB0000000000001"]],
  ["health-iam-quarantine", ["AKIABOB0000000000001"]],
  ["health-with-metadata", ["AKIACAROL00000000001"]],
  ["security-hub-principal-name", ["AKIAGRACE00000000001"]],
  ["security-hub-other-region", ["AKIAHEIDI00000000001"]],
  ["security-hub-v2-guardduty", ["AKIAGRACE00000000001"]],
  ["manual-disable-no-user", ["AKIAIVAN000000000001"]],
  ["manual-at-sign-user", ["AKIAJUDY000000000001"]],
];
const noWrite = [
  "guardduty-sample",
  "guardduty-root",
  "guardduty-assumed-role",
  "guardduty-user-temporary-key",
  "guardduty-attack-sequence-temporary-key",
  "guardduty-member-account",
  "guardduty-low-severity",
  "guardduty-ec2",
  "guardduty-cloudtrail-api-call",
  "guardduty-missing-detail",
  "guardduty-invalid-key",
  // Its SNS topic is not in trustedTopicArns: an alert for a person, no write.
  "guardduty-sns-wrapped",
  "health-member-account",
  "health-non-credential",
  "trusted-advisor-root",
  "trusted-advisor-ok",
  "security-hub-null-key",
  "security-hub-member-account",
  "security-hub-insight-results",
  "security-hub-custom-product",
  "security-hub-archived",
  "security-hub-v2-custom-product",
  "security-hub-v2-resolved",
  // Run on the guardduty function: only the manual function, invoked directly, may set a key Active.
  "manual-reactivate",
];

/** Every function in the full matrix; otherwise each event on one function, taken in turn. */
const cases = (events: [string, string[]][]) =>
  FULL
    ? FUNCTION_NAMES.flatMap((fn) => events.map(([event, keys]) => [fn, event, keys] as const))
    : events.map(
        ([event, keys], i) => [FUNCTION_NAMES[i % FUNCTION_NAMES.length] as string, event, keys] as const,
      );

describe("sls invoke local", { timeout: 120_000 }, () => {
  it("runs the README's dry run offline with no AWS account: the alert text first, then the result, exits 0", async () => {
    const run = await slsInvokeLocal(
      ["-f", "guardduty", "-p", "events/guardduty-iam-user.json", "-e", "DRY_RUN=true"],
      offline,
    );
    expect(run.code, run.stderr).toBe(0);
    // Our first output is the alert a person reads; the JSON document and the handler's result follow it.
    const text = run.stdout.indexOf("access-key-responder: Dry run");
    expect(text).toBeGreaterThanOrEqual(0);
    expect(run.stdout.indexOf("{")).toBeGreaterThan(text);
    expect(run.stdout.indexOf("[DRY RUN] AKIAALICE00000000001 - user alice")).toBeGreaterThan(text);
    expect(run.stdout.indexOf('"result": "handled"')).toBeGreaterThan(run.stdout.indexOf('"schema"'));
    expect(run.stdout).toContain('"action": "disable-key"');
    expect(run.stdout).toContain('"status": "dry-run"');
    // No log lines or metrics in between: locally they are on stderr (warnings) or off.
    expect(run.stdout).not.toContain('"level":');
    expect(run.stdout).not.toContain('"_aws"');
    expect(`${run.stdout}${run.stderr}`).not.toContain("No application metrics to publish");
  });

  it("prints log lines locally when LOG_LEVEL asks for them", async () => {
    const run = await slsInvokeLocal(
      [
        "-f",
        "guardduty",
        "-p",
        "events/guardduty-iam-user.json",
        "-e",
        "DRY_RUN=true",
        "-e",
        "LOG_LEVEL=DEBUG",
      ],
      offline,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain('"message":"plans made"');
  });

  it("without credentials: reports that AWS could not be reached (never an invalid event), a real error name, exits 1", async () => {
    const run = await slsInvokeLocal(["-f", "guardduty", "-p", "events/guardduty-iam-user.json"], {
      ...offline,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    });
    expect(run.code).toBe(1);
    const text = run.stdout.indexOf("access-key-responder: Could not reach AWS - no change was made");
    expect(text).toBeGreaterThanOrEqual(0);
    expect(run.stdout.indexOf("{")).toBeGreaterThan(text);
    expect(run.stdout).toContain("set DRY_RUN=true to run offline, or provide credentials");
    expect(run.stdout).toContain('"outcome": "failed"');
    expect(run.stdout).not.toContain('"outcome": "invalid"');
    expect(run.stdout).not.toContain("so the parser can be fixed");
    expect(run.stdout).toContain('"errorType": "ResponderError"');
  });

  it.each([
    ["manual-invalid", "accessKeyId"],
    ["manual-reactivate-no-reason", "a reason is required to reactivate a key"],
  ])("refuses the invalid manual request %s with a non-zero exit and no IAM call", async (event, message) => {
    const run = await slsInvokeLocal(["-f", "manual", "-p", `events/${event}.json`], double.env());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('"errorType": "ResponderError"');
    expect(run.stdout).toContain(message);
    expect(double.calls).toEqual([]);
  });

  it.each(cases(FULL ? [...positives, ...extraPositives] : positives))(
    "%s disables the keys of %s against the loopback endpoint",
    async (fn, event, keys) => {
      const run = await slsInvokeLocal(
        ["-f", fn, "-p", `events/${event}.json`, "-e", `ALERT_TOPIC_ARN=${TOPIC_ARN}`],
        double.env(),
      );
      expect(run.code, run.stderr).toBe(0);
      // Live with the shell's credentials: the first line says so, and as whom, before anything is done.
      expect(run.stdout).toMatch(
        /^LIVE local run in account 111111111111 as arn:aws:sts::111111111111:\S+: CONTAIN:/m,
      );
      expect(run.stdout.indexOf("LIVE local run")).toBeLessThan(run.stdout.indexOf('"result": "handled"'));
      for (const key of keys) expect(double.keyStatus(key)).toBe("Inactive");
      expect(double.actions("sns")).toEqual(["Publish"]);
      expect(double.actions().indexOf("Publish")).toBeGreaterThan(
        double.actions().lastIndexOf("UpdateAccessKey"),
      );
    },
  );

  it.each(FULL ? noWrite : ["guardduty-root", "health-non-credential", "guardduty-missing-detail"])(
    "%s makes no IAM write and exits 0",
    async (event) => {
      const run = await slsInvokeLocal(["-f", "guardduty", "-p", `events/${event}.json`], double.env());
      expect(run.code, run.stderr).toBe(0);
      expect(double.writes()).toEqual([]);
    },
  );

  it("refuses a manual request with fields as list-access-keys prints them: exit 1, a hint, no AWS call", async () => {
    const request = JSON.stringify({ AccessKeyId: "AKIAIVAN000000000001", UserName: "ivan" });
    const run = await slsInvokeLocal(["-f", "manual", "-d", request], double.env());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('unknown field \\"AccessKeyId\\": did you mean \\"accessKeyId\\"?');
    expect(double.calls).toEqual([]);
  });

  it("previews approve mode offline, as README shows: exit 0, an approval-needed alert, no credentials", async () => {
    const run = await slsInvokeLocal(
      ["-f", "guardduty", "-p", "events/guardduty-iam-user.json", "-e", "RESPONDER_MODE=approve"],
      {
        ...offline,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: "/dev/null",
        AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^APPROVE preview offline: AWS could not be reached/);
    expect(run.stdout).toContain('"outcome": "approval-needed"');
  });

  it("takes a manual request inline with -d, and -e overrides the configured values", async () => {
    const request = JSON.stringify({ accessKeyId: "AKIAIVAN000000000001", userName: "ivan", reason: "test" });
    const run = await slsInvokeLocal(
      ["-f", "manual", "-d", request, "-e", "PROTECTED_USERS=ivan"],
      double.env(),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('"reason": "protected"');
    expect(double.writes()).toEqual([]);
  });
});
