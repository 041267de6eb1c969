import { describe, expect, it } from "vitest";
import { handler as guarddutyHandler } from "../../handlers/guardduty";
import { loadEvent } from "../support/fixtures";
import {
  container,
  invoke,
  loopbackDouble,
  publishedDocument,
  respondTo,
  useDouble,
} from "../support/harness";

const double = loopbackDouble();

const iamActions = () => double.calls.filter((c) => c.service !== "sts").map((c) => c.action);

describe("guardduty handler against the loopback double", () => {
  it("disables the named key with one UpdateAccessKey, reads it back, then publishes one alert", async () => {
    double.addUser({ name: "alice", keys: [{ id: "AKIAALICE00000000001" }, { id: "AKIAALICE00000000002" }] });
    const { summary, error } = await invoke(guarddutyHandler, loadEvent("guardduty-iam-user"));

    expect(error).toBeUndefined();
    expect(iamActions()).toEqual(["UpdateAccessKey", "ListAccessKeys", "Publish"]);
    expect(double.calls.find((c) => c.action === "UpdateAccessKey")?.params).toEqual({
      UserName: "alice",
      AccessKeyId: "AKIAALICE00000000001",
      Status: "Inactive",
    });
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
    // Only the key the finding names is touched.
    expect(double.keyStatus("AKIAALICE00000000002")).toBe("Active");
    expect(summary?.outcomes).toMatchObject([{ accessKeyId: "AKIAALICE00000000001", status: "disabled" }]);
    expect(summary?.alert).toBe("published");
  });

  it("names the key, user, account, region, finding and the reactivation command in the alert", async () => {
    await invoke(guarddutyHandler, loadEvent("guardduty-iam-user"));
    const { subject, structured, document } = publishedDocument(double);
    const text = structured.default as string;

    expect(subject).toContain("AKIAALICE00000000001");
    for (const expected of [
      "AKIAALICE00000000001",
      "user alice",
      "account 111111111111",
      "Region:   us-east-1",
      "UnauthorizedAccess:IAMUser/TorIPCaller (severity 5)",
      "3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c",
      "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Active",
    ]) {
      expect(text).toContain(expected);
    }
    expect(document.verdict).toBe("contained");
    expect(document.keys[0]).toMatchObject({ status: "disabled", action: "disable-key", userName: "alice" });
  });

  it("publishes one JSON-structured message: every protocol, a short subject, filterable attributes", async () => {
    await invoke(guarddutyHandler, loadEvent("guardduty-iam-user"));
    const { message, structured, document } = publishedDocument(double);

    expect(message.messageStructure).toBe("json");
    expect(Object.keys(structured).sort()).toEqual(["default", "email-json", "https", "lambda", "sqs"]);
    expect(message.subject?.length).toBeLessThanOrEqual(99);
    expect(message.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(JSON.parse(structured.lambda as string)).toEqual(document);
    expect(document).toMatchObject({ schema: "access-key-responder/alert", version: 1 });
    expect(JSON.parse(structured.https as string)).toMatchObject({ version: "1.0", source: "custom" });
    expect(message.attributes).toEqual({
      outcome: { DataType: "String", StringValue: "contained" },
      severity: { DataType: "String", StringValue: "5" },
      account: { DataType: "String", StringValue: "111111111111" },
      source: { DataType: "String", StringValue: "guardduty" },
      audience: { DataType: "String", StringValue: "all" },
    });
  });

  it.each([
    ["guardduty-sample", "sample"],
    ["guardduty-root", "root"],
    ["guardduty-assumed-role", "temporary-key"],
    ["guardduty-user-temporary-key", "temporary-key"],
    ["guardduty-protected-user", "protected"],
    ["guardduty-member-account", "other-account"],
    ["guardduty-low-severity", "below-threshold"],
    ["guardduty-invalid-key", "invalid-input"],
  ])("makes no IAM write for %s and alerts why", async (fixture, reason) => {
    useDouble(double, { PROTECTED_USERS: "BreakGlass-Admin" });
    const { summary, error } = await respondTo(fixture);

    expect(error).toBeUndefined();
    expect(double.writes()).toEqual([]);
    expect(double.actions("iam")).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason }]);
    expect(double.published).toHaveLength(1);
    expect(publishedDocument(double).document.keys[0].skip).toBe(reason);
  });

  it("makes no IAM write in a dry run and says so in the alert", async () => {
    useDouble(double, { DRY_RUN: "true" });
    const { summary } = await respondTo("guardduty-iam-user");

    expect(double.actions("iam")).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ status: "dry-run", action: "disable-key" }]);
    expect(publishedDocument(double).document).toMatchObject({ verdict: "dry-run", dryRun: true });
    expect(publishedDocument(double).structured.default).toContain("DRY RUN");
  });

  it("treats DRY_RUN=false like unset: live", async () => {
    useDouble(double, { DRY_RUN: "false" });
    await respondTo("guardduty-iam-user");
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
  });

  it.each([["guardduty-ec2"], ["guardduty-cloudtrail-api-call"]])(
    "ignores %s: no call, no alert",
    async (fixture) => {
      const { summary, error } = await respondTo(fixture);
      expect(error).toBeUndefined();
      expect(summary?.result).toBe("ignored");
      expect(double.calls).toEqual([]);
    },
  );

  it("gives a clear result for an event without detail: no crash, no write, an alert that it could not be read", async () => {
    const { summary, error } = await respondTo("guardduty-missing-detail");
    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ result: "invalid", reason: "GuardDuty event has no detail" });
    expect(double.writes()).toEqual([]);
    expect(publishedDocument(double).document).toMatchObject({
      verdict: "invalid",
      problem: "GuardDuty event has no detail",
    });
  });

  it("accepts a finding wrapped in a notification of a trusted SNS topic", async () => {
    const event = loadEvent("guardduty-sns-wrapped");
    useDouble(double, { TRUSTED_TOPIC_ARNS: event.Records[0].Sns.TopicArn });
    const { summary } = await respondTo(event);
    expect(summary?.outcomes).toMatchObject([{ accessKeyId: "AKIABOB0000000000001", status: "disabled" }]);
    expect(double.keyStatus("AKIABOB0000000000001")).toBe("Inactive");
  });

  it("acts on a finding delivered with InputPath $.detail", async () => {
    const { summary } = await respondTo(loadEvent("guardduty-iam-user").detail);
    expect(summary?.outcomes).toMatchObject([{ status: "disabled" }]);
  });

  it("acts on a finding that reaches the key through an S3 resource", async () => {
    const { summary } = await respondTo("guardduty-s3-with-key");
    expect(summary?.outcomes).toMatchObject([{ accessKeyId: "AKIAALICE00000000001", status: "disabled" }]);
  });

  it("fails loudly, naming the variable, when the configuration is wrong", async () => {
    useDouble(double, { DRY_RUN: "ture" });
    const { error } = await respondTo("guardduty-iam-user");
    expect(error?.message).toContain("DRY_RUN");
    expect(double.calls).toEqual([]);
  });

  it("looks up its own account with STS once per container when the context has no function ARN", async () => {
    const send = container();
    const context = { awsRequestId: "local", functionName: "local" } as never;
    await send("guardduty-iam-user", context);
    await send("guardduty-low-severity", context);
    expect(double.actions("sts")).toEqual(["GetCallerIdentity"]);
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
  });
});
