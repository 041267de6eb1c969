import { describe, expect, it } from "vitest";
import { loadEvent } from "../support/fixtures";
import { container, loopbackDouble, publishedDocument, respondTo } from "../support/harness";

const double = loopbackDouble();

const statuses = (action: string) => double.calls.filter((c) => c.action === action).map((c) => c.status);
const serverError = { code: "ServiceFailure", status: 500, type: "Receiver" as const };

describe("fault injection through the loopback double", () => {
  it("absorbs IAM throttling: two throttles, then exactly one successful write", async () => {
    double.inject({ action: "UpdateAccessKey", error: { code: "Throttling", status: 400 }, times: 2 });
    const { summary, error } = await respondTo("guardduty-iam-user");

    expect(error).toBeUndefined();
    expect(statuses("UpdateAccessKey")).toEqual([400, 400, 200]);
    expect(double.writes()).toHaveLength(1);
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([{ status: "disabled" }]);
  });

  it("retries IAM 500s and succeeds", async () => {
    double.inject({ action: "UpdateAccessKey", error: serverError, times: 3 });
    const { error } = await respondTo("guardduty-iam-user");
    expect(error).toBeUndefined();
    expect(statuses("UpdateAccessKey")).toEqual([500, 500, 500, 200]);
  });

  it("fails the invocation after retries, but only after alerting that containment failed", async () => {
    double.inject({ action: "UpdateAccessKey", error: serverError, times: Number.POSITIVE_INFINITY });
    const { error } = await respondTo("guardduty-iam-user");

    expect(error?.name).toBe("ResponderError");
    expect(error?.message).toContain("AKIAALICE00000000001");
    expect(statuses("UpdateAccessKey")).toHaveLength(6);
    expect(double.actions().at(-1)).toBe("Publish");
    const { document, structured } = publishedDocument(double);
    expect(document.verdict).toBe("failed");
    expect(structured.default).toContain("Disable the key by hand now in account 111111111111");
    // The command stands alone on its line, so that it pastes and runs as is.
    expect((structured.default as string).split("\n").map((line) => line.trim())).toContain(
      "aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Inactive",
    );
  });

  it("retries a request that times out", async () => {
    double.inject({ action: "UpdateAccessKey", delayMs: 6_000 });
    const { error } = await respondTo("guardduty-iam-user");
    expect(error).toBeUndefined();
    expect(double.calls.filter((c) => c.action === "UpdateAccessKey")).toHaveLength(2);
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
  });

  it("reports AccessDenied (not an explicit deny) as a failure and fails the invocation", async () => {
    double.inject({
      action: "UpdateAccessKey",
      error: { code: "AccessDenied", status: 403, message: "not authorized to perform: iam:UpdateAccessKey" },
    });
    const { error } = await respondTo("guardduty-iam-user");
    expect(error?.summary?.outcomes).toMatchObject([{ status: "failed" }]);
    expect(statuses("UpdateAccessKey")).toEqual([403]);
    expect(publishedDocument(double).document.verdict).toBe("failed");
  });

  it("treats NoSuchEntity on the write as key gone when the key itself is not found: no error", async () => {
    for (const action of ["UpdateAccessKey", "GetAccessKeyLastUsed"]) {
      double.inject({ action, error: { code: "NoSuchEntity", status: 404, message: "gone" } });
    }
    const { summary, error } = await respondTo("guardduty-iam-user");
    expect(error).toBeUndefined();
    expect(summary?.outcomes).toMatchObject([{ status: "key-gone" }]);
  });

  it("fails, never reporting the key gone, when IAM says NoSuchEntity yet names the same owner", async () => {
    double.inject({
      action: "UpdateAccessKey",
      error: { code: "NoSuchEntity", status: 404, message: "gone" },
    });
    const { error } = await respondTo("guardduty-iam-user");
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Active");
    expect(error?.summary?.outcomes).toMatchObject([{ status: "failed" }]);
    expect(publishedDocument(double).message.attributes.outcome?.StringValue).toBe("failed");
  });

  it("fails the run when the read-back cannot confirm the new status", async () => {
    double.inject({
      action: "ListAccessKeys",
      error: { code: "NoSuchEntity", status: 404, message: "gone" },
    });
    const { error } = await respondTo("guardduty-iam-user");
    expect(error?.name).toBe("ResponderError");
    expect(error?.summary?.outcomes).toMatchObject([
      { status: "failed", detail: expect.stringContaining("still missing") },
    ]);
  });

  it("with SNS down: the key is disabled and the invocation fails; the retry sends the alert without a second write", async () => {
    double.inject({ action: "Publish", error: serverError, times: 4 });
    const send = container();
    const event = loadEvent("guardduty-iam-user");

    const first = await send(event);
    expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
    expect(first.error?.name).toBe("ResponderError");
    expect(first.error?.message).toContain("alert failed");
    expect(double.published).toHaveLength(0);

    // Lambda's asynchronous retry delivers the same event again.
    const retry = await send(structuredClone(event));
    expect(retry.error).toBeUndefined();
    expect(double.writes().map((c) => c.action)).toEqual(["UpdateAccessKey"]);
    expect(double.published).toHaveLength(1);
    expect(publishedDocument(double).document.keys[0].status).toBe("already-done");
  });

  it("tells people and fails the run when its own account cannot be determined, with no IAM call", async () => {
    double.inject({ action: "GetCallerIdentity", error: serverError, times: 6 });
    const noArn = { awsRequestId: "local", functionName: "local" } as never;
    const { error } = await respondTo("guardduty-iam-user", "guardduty", noArn);

    expect(error?.name).toBe("ResponderError");
    expect(error?.message).toContain("could not determine the responder's own account");
    expect(double.actions("iam")).toEqual([]);
    // AWS could not be reached: a failure to retry, never an "invalid event".
    expect(publishedDocument(double).document).toMatchObject({ verdict: "failed" });
  });
});
