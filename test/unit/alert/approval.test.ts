import { describe, expect, it } from "vitest";
import { metricsFor } from "../../../src/alert/metrics";
import { isSettled, Verdict, verdictOf } from "../../../src/alert/render";
import { type Outcome, Status } from "../../../src/contain/outcome";
import { parseManualRequest } from "../../../src/findings/manual";
import { findingOf, testConfig } from "../../support/fixtures";
import { cardOf, deployed, disabledAlice, outcome, planFor, renderOne } from "./outcomes";

const approve = testConfig({ mode: "approve" });

const awaiting = (fixture = "guardduty-iam-user"): Outcome =>
  outcome(planFor(findingOf(fixture), approve), Status.ApprovalNeeded, {
    detail: "approval needed: no change was made, so the key may still be Active until a person approves",
  });

const ALICE_APPROVAL =
  "aws lambda invoke --function-name access-key-responder-prod-manual --region eu-west-1 " +
  "--cli-binary-format raw-in-base64-out " +
  `--payload '{"accessKeyId":"AKIAALICE00000000001","userName":"alice","account":"111111111111",` +
  `"reason":"approved: finding 3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c","requestedBy":"<you>"}' response.json`;

/** The JSON between the single quotes of `--payload '…'`. */
const payloadOf = (command: string): unknown => JSON.parse(/--payload '([^']*)'/.exec(command)?.[1] ?? "");

describe("verdict of approval mode", () => {
  it("reads approval-needed, never contained or no-action, and is not settled", () => {
    expect(isSettled(awaiting())).toBe(false);
    expect(verdictOf([awaiting()], false)).toBe(Verdict.ApprovalNeeded);
    expect(verdictOf([awaiting(), disabledAlice()], false)).toBe("approval-needed");
  });

  it("ranks failed > action-required > approval-needed", () => {
    const failed = outcome(planFor(findingOf("guardduty-iam-user")), Status.Failed);
    const refused = outcome(planFor(findingOf("guardduty-root")), Status.Skipped);

    expect(verdictOf([awaiting(), refused], false)).toBe(Verdict.ActionRequired);
    expect(verdictOf([awaiting(), refused, failed], false)).toBe(Verdict.Failed);
  });
});

describe("the approval alert", () => {
  it("has the outcome attribute approval-needed and the key's status approval-needed", () => {
    const alert = renderOne([awaiting()]);

    expect(alert.attributes.outcome).toBe("approval-needed");
    expect(alert.document.verdict).toBe("approval-needed");
    expect(alert.document.keys[0]).toMatchObject({ status: "approval-needed", urgent: true });
    expect(alert.subject).toMatch(/^APPROVAL NEEDED: AKIAALICE00000000001 \(alice\)/);
    expect(alert.text).toContain("[APPROVAL NEEDED - NOT CHANGED] AKIAALICE00000000001 - user alice");
  });

  it("gives the exact manual command, whose payload parses as JSON and as a manual request", () => {
    const steps = renderOne([awaiting()], deployed).document.keys[0]?.nextSteps ?? [];

    expect(steps).toContain(ALICE_APPROVAL);
    const payload = payloadOf(ALICE_APPROVAL);
    expect(payload).toEqual({
      accessKeyId: "AKIAALICE00000000001",
      userName: "alice",
      account: "111111111111",
      reason: "approved: finding 3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c",
      requestedBy: "<you>",
    });
    const parsed = parseManualRequest(payload, "request-1");
    expect(parsed).toMatchObject({ kind: "findings", findings: [{ requestedStatus: "Inactive" }] });
  });

  it("gives the update-access-key alternative, and the command line stands alone in the text", () => {
    const alert = renderOne([awaiting()], deployed);
    const cli =
      "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Inactive";

    expect(alert.document.keys[0]?.nextSteps).toContain(cli);
    expect(alert.text.split("\n").map((line) => line.trim())).toContain(ALICE_APPROVAL);
    expect(alert.text.split("\n").map((line) => line.trim())).toContain(cli);
  });

  it("leaves the owner out of the request when the event does not name one, and says how to find it", () => {
    const steps = renderOne([awaiting("health-credentials-compromised")]).document.keys[0]?.nextSteps ?? [];
    const command = steps.find((step) => step.startsWith("aws lambda invoke")) ?? "";

    expect(payloadOf(command)).not.toHaveProperty("userName");
    expect(
      steps.some((step) => step.startsWith("aws iam get-access-key-last-used --access-key-id AKIA")),
    ).toBe(true);
    expect(steps.some((step) => step.includes("--user-name {user-name}"))).toBe(true);
  });

  it("never echoes a finding id that could break the quotes into the command", () => {
    const finding = findingOf("guardduty-iam-user", { findingId: "x' ; rm -rf / '" });
    const alert = renderOne([outcome(planFor(finding, approve), Status.ApprovalNeeded)]);
    const command = alert.document.keys[0]?.nextSteps.find((step) => step.startsWith("aws lambda")) ?? "";

    expect(payloadOf(command)).toMatchObject({ reason: "approved: <why the key must be disabled>" });
  });

  it("names the setting that really exists when a temporary key's session revocation awaits approval", () => {
    const config = testConfig({ mode: "approve", revokeSessions: true });
    const plan = planFor(findingOf("guardduty-assumed-role"), config);
    const steps = renderOne([outcome(plan, Status.ApprovalNeeded)]).document.keys[0]?.nextSteps ?? [];

    expect(plan.action).toBe("revoke-sessions");
    expect(steps.join(" ")).toContain("mode=contain (RESPONDER_MODE)");
    expect(steps.join(" ")).not.toMatch(/\bMODE=contain/);
  });

  it("offers the chat card's Disable key target for the one key awaiting approval", () => {
    expect(cardOf(renderOne([awaiting()])).metadata.additionalContext).toMatchObject({
      outcome: "approval-needed",
      accessKeyId: "AKIAALICE00000000001",
      userName: "alice",
    });
  });
});

describe("metrics of approval mode", () => {
  it("counts ApprovalsRequested, and no key disabled", () => {
    const points = metricsFor([awaiting(), awaiting("health-credentials-compromised")], false);

    expect(points).toContainEqual({ name: "ApprovalsRequested", unit: "Count", value: 2 });
    expect(points.some((p) => p.name === "KeysDisabled")).toBe(false);
  });
});
