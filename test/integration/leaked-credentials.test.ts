import { describe, expect, it } from "vitest";
import { handler as leakedCredentialsHandler } from "../../handlers/leaked-credentials";
import { handler as manualHandler } from "../../handlers/manual";
import { handler as securityHubHandler } from "../../handlers/security-hub";
import { lambdaContext, loadEvent } from "../support/fixtures";
import { FUNCTION_NAMES, invoke, loopbackDouble, publishedDocument, respondTo } from "../support/harness";

const double = loopbackDouble();

const iamCalls = () => double.calls.filter((c) => c.service === "iam");

describe("AWS Health events", () => {
  it("resolves the owner of every key, disables each for its owner, then sends one alert listing both", async () => {
    const { summary, error } = await invoke(
      leakedCredentialsHandler,
      loadEvent("health-credentials-exposed-two-keys"),
    );

    expect(error).toBeUndefined();
    const lookups = iamCalls().filter((c) => c.action === "GetAccessKeyLastUsed");
    const writes = iamCalls().filter((c) => c.action === "UpdateAccessKey");
    expect(lookups.map((c) => c.params.AccessKeyId).sort()).toEqual([
      "AKIABOB0000000000001",
      "AKIACAROL00000000001",
    ]);
    expect(
      writes.map((c) => c.params).sort((a, b) => String(a.UserName).localeCompare(String(b.UserName))),
    ).toEqual([
      { UserName: "bob", AccessKeyId: "AKIABOB0000000000001", Status: "Inactive" },
      { UserName: "carol", AccessKeyId: "AKIACAROL00000000001", Status: "Inactive" },
    ]);
    // Owner resolution is the only call before each key's write, and the alert comes after every write.
    for (const key of ["AKIABOB0000000000001", "AKIACAROL00000000001"]) {
      const forKey = double.calls.filter((c) => c.params.AccessKeyId === key).map((c) => c.action);
      expect(forKey).toEqual(["GetAccessKeyLastUsed", "UpdateAccessKey"]);
    }
    const actions = double.calls.map((c) => c.action);
    expect(actions.filter((a) => a === "Publish")).toHaveLength(1);
    expect(actions.at(-1)).toBe("Publish");
    expect(double.keyStatus("AKIABOB0000000000001")).toBe("Inactive");
    expect(double.keyStatus("AKIACAROL00000000001")).toBe("Inactive");
    expect(summary?.outcomes.map((o) => o.status)).toEqual(["disabled", "disabled"]);
    const { document } = publishedDocument(double);
    expect(document.keys.map((k: { accessKeyId: string }) => k.accessKeyId)).toEqual([
      "AKIABOB0000000000001",
      "AKIACAROL00000000001",
    ]);
  });

  it.each([
    ["health-credentials-exposure-suspected"],
    ["health-credentials-compromised"],
    ["health-credentials-compromise-suspected"],
    ["health-iam-quarantine"],
  ])("acts on %s", async (fixture) => {
    const { summary } = await respondTo(fixture, "leakedCredentials");
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: "AKIABOB0000000000001", userName: "bob", status: "disabled" },
    ]);
    expect(double.keyStatus("AKIABOB0000000000001")).toBe("Inactive");
  });

  it("uses the user named in eventMetadata and needs no look-up", async () => {
    await respondTo("health-with-metadata", "leakedCredentials");
    expect(iamCalls().map((c) => c.action)).toEqual(["UpdateAccessKey", "ListAccessKeys"]);
    expect(double.keyStatus("AKIACAROL00000000001")).toBe("Inactive");
  });

  it("makes no call and sends no alert for a Health event that is not about credentials", async () => {
    const { summary } = await respondTo("health-non-credential", "leakedCredentials");
    expect(summary?.result).toBe("ignored");
    expect(double.calls).toEqual([]);
  });

  it("takes the account from affectedAccount: a member account's key is not touched without a member role", async () => {
    const { summary } = await respondTo("health-member-account", "leakedCredentials");
    expect(summary?.outcomes).toMatchObject([
      { status: "skipped", reason: "other-account", account: "222222222222" },
    ]);
    expect(double.writes()).toEqual([]);
  });

  it("handles each key on its own: a failure for one key does not stop the other", async () => {
    double.inject({
      action: "GetAccessKeyLastUsed",
      error: { code: "AccessDenied", status: 403, message: "denied" },
    });
    const { summary, error } = await respondTo("health-credentials-exposed-two-keys", "leakedCredentials");
    expect(error?.name).toBe("ResponderError");
    const statuses = (error?.summary ?? summary)?.outcomes.map((o) => o.status).sort();
    expect(statuses).toEqual(["disabled", "failed"]);
    expect(double.writes()).toHaveLength(1);
    expect(double.published).toHaveLength(1);
  });
});

describe("Trusted Advisor events", () => {
  it("disables the exposed key for the named user", async () => {
    const { summary } = await invoke(leakedCredentialsHandler, loadEvent("trusted-advisor-exposed-key"));
    expect(iamCalls()[0]?.params).toEqual({
      UserName: "frank",
      AccessKeyId: "AKIAFRANK00000000001",
      Status: "Inactive",
    });
    expect(summary?.outcomes).toMatchObject([{ status: "disabled", userName: "frank" }]);
  });

  it("alerts urgently for a root key and makes no write", async () => {
    const { summary } = await respondTo("trusted-advisor-root", "leakedCredentials");
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "root" }]);
    expect(double.actions("iam")).toEqual([]);
    expect(publishedDocument(double).structured.default).toContain("URGENT: sign in as the root user");
  });

  it("ignores a refresh to OK", async () => {
    const { summary } = await respondTo("trusted-advisor-ok", "leakedCredentials");
    expect(summary?.result).toBe("ignored");
    expect(double.calls).toEqual([]);
  });
});

describe("Security Hub events", () => {
  it.each([
    ["security-hub-principal-name", "grace", "AKIAGRACE00000000001"],
    ["security-hub-legacy-user-name", "heidi", "AKIAHEIDI00000000001"],
  ])("disables the key of %s for the right user", async (fixture, user, key) => {
    const { summary } = await invoke(securityHubHandler, loadEvent(fixture));
    const write = iamCalls().find((c) => c.action === "UpdateAccessKey");
    expect(write?.params).toEqual({ UserName: user, AccessKeyId: key, Status: "Inactive" });
    expect(double.keyStatus(key)).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([{ status: "disabled" }]);
  });

  it("reports a repeat of a GuardDuty finding whose key is already inactive, without a second write", async () => {
    double.addUser({ name: "grace", keys: [{ id: "AKIAGRACE00000000001", status: "Inactive" }] });
    const { summary, error } = await respondTo("security-hub-principal-name", "securityHub");
    expect(error).toBeUndefined();
    expect(summary?.outcomes).toMatchObject([{ status: "already-done" }]);
    expect(double.writes()).toEqual([]);
    expect(publishedDocument(double).structured.default).toContain("already Inactive: a repeat");
  });

  it("ignores a finding whose key resource is null and an insight result", async () => {
    for (const fixture of ["security-hub-null-key", "security-hub-insight-results"]) {
      const { summary } = await respondTo(fixture, "securityHub");
      expect(summary?.result).toBe("ignored");
    }
    expect(double.calls).toEqual([]);
  });
});

describe("manual requests", () => {
  it("disables the key for the named user", async () => {
    const { summary } = await invoke(manualHandler, loadEvent("manual-disable"), lambdaContext("manual"));
    expect(iamCalls().map((c) => c.action)).toEqual(["UpdateAccessKey", "ListAccessKeys"]);
    expect(double.keyStatus("AKIAIVAN000000000001")).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([{ status: "disabled", userName: "ivan" }]);
    expect(publishedDocument(double).structured.default).toContain("Key pasted in a public chat channel");
  });

  it("resolves the owner when the request names no user", async () => {
    await respondTo("manual-disable-no-user", "manual");
    expect(iamCalls().map((c) => c.action)).toEqual([
      "GetAccessKeyLastUsed",
      "UpdateAccessKey",
      "ListAccessKeys",
    ]);
    expect(double.keyStatus("AKIAIVAN000000000001")).toBe("Inactive");
  });

  it("reactivates a key with a reason and announces it", async () => {
    double.addUser({ name: "ivan", keys: [{ id: "AKIAIVAN000000000001", status: "Inactive" }] });
    const { summary } = await respondTo("manual-reactivate", "manual");
    expect(iamCalls()[0]?.params).toEqual({
      UserName: "ivan",
      AccessKeyId: "AKIAIVAN000000000001",
      Status: "Active",
    });
    expect(double.keyStatus("AKIAIVAN000000000001")).toBe("Active");
    expect(summary?.outcomes).toMatchObject([{ status: "reactivated" }]);
    const { subject, structured } = publishedDocument(double);
    expect(subject).toContain("AKIAIVAN000000000001");
    expect(structured.default).toContain("False positive: key belongs to the CI test fixture");
  });

  it.each([
    ["manual-reactivate-no-reason", "reason: a reason is required to reactivate a key"],
    ["manual-invalid", "accessKeyId: must be 16–128 letters, digits or underscores"],
  ])("refuses %s with a clear error, a failed invocation and no AWS call", async (fixture, message) => {
    const { error } = await respondTo(fixture, "manual");
    // The person who invoked it sees the error (non-zero exit); there is no finding to alert about.
    expect(error?.name).toBe("ResponderError");
    expect(error?.summary?.result).toBe("invalid");
    expect(error?.summary?.reason).toContain(message);
    expect(double.calls).toEqual([]);
  });

  it("accepts a user name with an @", async () => {
    await respondTo("manual-at-sign-user", "manual");
    expect(iamCalls()[0]?.params.UserName).toBe("judy@example.com");
    expect(double.keyStatus("AKIAJUDY000000000001")).toBe("Inactive");
  });
});

describe("every function accepts every supported event", () => {
  const positives: [string, string][] = [
    ["guardduty-iam-user", "AKIAALICE00000000001"],
    ["health-credentials-compromised", "AKIABOB0000000000001"],
    ["trusted-advisor-exposed-key", "AKIAFRANK00000000001"],
    ["security-hub-legacy-user-name", "AKIAHEIDI00000000001"],
    ["manual-disable", "AKIAIVAN000000000001"],
  ];
  for (const name of FUNCTION_NAMES) {
    it.each(positives)(`${name} disables the key of %s`, async (fixture, key) => {
      const { summary } = await respondTo(fixture, name, lambdaContext(name));
      expect(summary?.outcomes).toMatchObject([{ accessKeyId: key, status: "disabled" }]);
      expect(double.keyStatus(key)).toBe("Inactive");
    });
  }
});
