// Approval mode (RESPONDER_MODE=approve) through the handlers and the real SDK stack against the loopback double:
// a finding gets an alert and no write, a listed source is contained at once, and a person's request is the approval.
import { describe, expect, it } from "vitest";
import { lambdaContext } from "../support/fixtures";
import { loopbackDouble, publishedDocument, respondTo, useDouble } from "../support/harness";
import { FIXTURE_KEYS } from "../support/world";

const double = loopbackDouble();

const { alice: ALICE_KEY, bob: BOB_KEY, ivan: IVAN_KEY } = FIXTURE_KEYS;

describe("RESPONDER_MODE=approve", () => {
  it("makes no IAM call for a GuardDuty finding and publishes an approval-needed alert with the command", async () => {
    useDouble(double, { RESPONDER_MODE: "approve" });

    const { summary, error } = await respondTo("guardduty-iam-user");

    expect(error).toBeUndefined();
    expect(double.writes()).toEqual([]);
    expect(double.actions("iam")).toEqual([]);
    expect(double.keyStatus(ALICE_KEY)).toBe("Active");
    expect(summary?.outcomes).toMatchObject([{ accessKeyId: ALICE_KEY, status: "approval-needed" }]);
    const { outcome, text, document } = publishedDocument(double);
    expect(outcome).toBe("approval-needed");
    expect(document.keys[0]).toMatchObject({ status: "approval-needed" });
    const command = text
      .split("\n")
      .map((line) => line.trim())
      .find((line) =>
        line.startsWith("aws lambda invoke --function-name {manual-function-name} --region us-east-1 "),
      );
    const payload = JSON.parse(/--payload '([^']*)'/.exec(command ?? "")?.[1] ?? "null");
    expect(payload).toMatchObject({ accessKeyId: ALICE_KEY, userName: "alice", requestedBy: "<you>" });
    expect(payload.reason).toMatch(/^approved: /);
    expect(text).toContain(
      "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Inactive",
    );
  });

  it("carries out the approval: the command's request, sent to the manual function, disables the key", async () => {
    useDouble(double, { RESPONDER_MODE: "approve" });
    await respondTo("guardduty-iam-user");
    const command = publishedDocument(double)
      .text.split("\n")
      .find((line) => line.includes("aws lambda invoke"));
    const request = JSON.parse(/--payload '([^']*)'/.exec(command ?? "")?.[1] ?? "null");

    const { summary, error } = await respondTo(
      { ...request, requestedBy: "pat" },
      "manual",
      lambdaContext("manual"),
    );

    expect(error).toBeUndefined();
    expect(double.keyStatus(ALICE_KEY)).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([{ status: "disabled" }]);
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("with CONTAIN_WITHOUT_APPROVAL=health, disables the key of a Health event but not a GuardDuty finding's", async () => {
    useDouble(double, { RESPONDER_MODE: "approve", CONTAIN_WITHOUT_APPROVAL: "health" });

    const health = await respondTo("health-credentials-compromised", "leakedCredentials");
    const guardDuty = await respondTo("guardduty-iam-user");

    expect(health.error).toBeUndefined();
    expect(guardDuty.error).toBeUndefined();
    expect(double.keyStatus(BOB_KEY)).toBe("Inactive");
    expect(double.keyStatus(ALICE_KEY)).toBe("Active");
    expect(double.writes().map((call) => call.params.AccessKeyId)).toEqual([BOB_KEY]);
    expect(health.summary?.outcomes).toMatchObject([{ status: "disabled" }]);
    expect(guardDuty.summary?.outcomes).toMatchObject([{ status: "approval-needed" }]);
    expect(publishedDocument(double).outcome).toBe("approval-needed");
  });

  it("disables a key on a manual request: the person's request is the approval", async () => {
    useDouble(double, { RESPONDER_MODE: "approve" });

    const { summary, error } = await respondTo("manual-disable", "manual", lambdaContext("manual"));

    expect(error).toBeUndefined();
    expect(double.keyStatus(IVAN_KEY)).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([{ status: "disabled", userName: "ivan" }]);
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("asks for approval when a manual request reaches another function", async () => {
    useDouble(double, { RESPONDER_MODE: "approve" });

    const { summary } = await respondTo("manual-disable", "guardduty");

    expect(double.writes()).toEqual([]);
    expect(double.keyStatus(IVAN_KEY)).toBe("Active");
    expect(summary?.outcomes).toMatchObject([{ status: "approval-needed" }]);
  });

  it("fails loudly, naming both variables, when DRY_RUN=true contradicts it", async () => {
    useDouble(double, { RESPONDER_MODE: "approve", DRY_RUN: "true" });

    const { error } = await respondTo("guardduty-iam-user");

    expect(error?.name).toBe("ConfigError");
    expect(error?.message).toContain("DRY_RUN=true contradicts RESPONDER_MODE=approve");
    expect(double.writes()).toEqual([]);
  });
});
