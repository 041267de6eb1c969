import { describe, expect, it } from "vitest";
import { ALERT_SCHEMA, ALERT_VERSION, isSettled, verdictOf } from "../../../src/alert/render";
import { type Outcome, Status } from "../../../src/contain/outcome";
import type { Finding } from "../../../src/findings";
import { Skip } from "../../../src/plan/plan";
import type { Config } from "../../../src/shared/config";
import { findingOf, testConfig } from "../../support/fixtures";
import { disabledAlice, outcome, planFor, renderOne, skipPlan } from "./outcomes";

const skipped = (fixture: string, config?: Config, overrides: Partial<Finding> = {}): Outcome =>
  outcome(planFor(findingOf(fixture, overrides), config), Status.Skipped);

const skippedAs = (skip: Skip, urgent: boolean, overrides: Partial<Finding> = {}): Outcome =>
  outcome(skipPlan(findingOf("guardduty-iam-user", overrides), skip, urgent), Status.Skipped);

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

describe("alertKey", () => {
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
});
