// Security Hub's OCSF findings (Findings Imported V2) through the securityHub handler and the loopback double, and
// one GuardDuty finding reaching the responder three ways (natively, as ASFF, as OCSF) with one write among them.
import { describe, expect, it } from "vitest";
import { type EditableEvent, lambdaContext, loadEvent } from "../support/fixtures";
import { guardDutyFindingAbout, loopbackDouble, publishedDocument, respondTo } from "../support/harness";
import { CUSTOM_PRODUCT, FIXTURE_KEYS } from "../support/world";

const double = loopbackDouble();

const { grace: GRACE_KEY, heidi: HEIDI_KEY } = FIXTURE_KEYS;

const securityHub = (event: unknown) => respondTo(event, "securityHub", lambdaContext("securityHub"));

describe("Security Hub V2 (OCSF) findings", () => {
  it("disables grace's key from a GuardDuty finding, looking the owner up from the key", async () => {
    const { summary, error } = await securityHub(loadEvent("security-hub-v2-guardduty"));

    expect(error).toBeUndefined();
    expect(double.keyStatus(GRACE_KEY)).toBe("Inactive");
    // Owner from the key, then (a GuardDuty finding of this region may be a repeat) a read before the write,
    // the write, and the read-back.
    expect(double.actions("iam")).toEqual([
      "GetAccessKeyLastUsed",
      "ListAccessKeys",
      "UpdateAccessKey",
      "ListAccessKeys",
    ]);
    expect(double.writes().map((c) => c.params)).toEqual([
      { AccessKeyId: GRACE_KEY, UserName: "grace", Status: "Inactive" },
    ]);
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: GRACE_KEY, userName: "grace", status: "disabled" },
    ]);
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("makes no write for a finding from a product that is not AWS's, and names the product", async () => {
    const { summary, error } = await securityHub(loadEvent("security-hub-v2-custom-product"));

    expect(error).toBeUndefined();
    expect(double.calls.filter((c) => c.service === "iam")).toEqual([]);
    expect(double.keyStatus(GRACE_KEY)).toBe("Active");
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "untrusted-product" }]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain(CUSTOM_PRODUCT);
  });

  it.each([
    ["resolved", (e: EditableEvent) => e],
    [
      "suppressed",
      (e: EditableEvent) => Object.assign(e.detail.findings[0], { status: "Suppressed", status_id: 3 }),
    ],
    [
      "closed",
      (e: EditableEvent) => Object.assign(e.detail.findings[0], { activity_id: 3, activity_name: "Close" }),
    ],
  ])("never touches the key when a person %s the finding", async (_, change) => {
    const event = loadEvent("security-hub-v2-resolved");
    change(event);

    const { summary } = await securityHub(event);

    expect(double.calls.filter((c) => c.service === "iam")).toEqual([]);
    expect(double.keyStatus(GRACE_KEY)).toBe("Active");
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "closed" }]);
    expect(publishedDocument(double).outcome).toBe("no-action");
  });

  it("tells a person about a malformed V2 event and makes no write", async () => {
    const event = loadEvent("security-hub-v2-guardduty");
    delete event.detail.findings[0].finding_info;
    event.detail.findings[0].resources[0] = { type: "AWS::IAM::AccessKey", uid: 5 };

    const { summary } = await securityHub(event);

    expect(double.calls.filter((c) => c.service === "iam")).toEqual([]);
    expect(summary).toMatchObject({ result: "invalid", reason: expect.stringContaining("finding_info") });
    expect(double.published).toHaveLength(1);
  });

  it("names the key of a malformed V2 event that still names one, asks a person, and makes no write", async () => {
    const event = loadEvent("security-hub-v2-guardduty");
    delete event.detail.findings[0].finding_info;

    const { summary } = await securityHub(event);

    expect(double.calls.filter((c) => c.service === "iam")).toEqual([]);
    expect(summary).toMatchObject({ result: "handled", outcomes: [{ accessKeyId: "AKIAGRACE00000000001" }] });
    expect(publishedDocument(double).outcome).toBe("action-required");
  });
});

describe("one GuardDuty finding, delivered natively, as ASFF and as OCSF", () => {
  /** The native GuardDuty event of events/guardduty-iam-user.json, about grace's key. */
  const nativeForGrace = (): EditableEvent =>
    guardDutyFindingAbout("guardduty-iam-user", {
      accessKeyId: GRACE_KEY,
      principalId: "AIDAGRACEEXAMPLE00001",
      userType: "IAMUser",
      userName: "grace",
    });

  it("is written once; the Security Hub copies read the key and report a repeat", async () => {
    const native = await respondTo(nativeForGrace(), "guardduty", lambdaContext("guardduty"));
    // Each copy reaches a new container, so no memory of recent events helps: only the read does.
    const asff = await securityHub(loadEvent("security-hub-principal-name"));
    const ocsf = await securityHub(loadEvent("security-hub-v2-guardduty"));

    expect(double.keyStatus(GRACE_KEY)).toBe("Inactive");
    expect(double.writes()).toHaveLength(1);
    expect(native.summary?.outcomes).toMatchObject([{ accessKeyId: GRACE_KEY, status: "disabled" }]);
    expect(asff.summary?.outcomes).toMatchObject([{ accessKeyId: GRACE_KEY, status: "already-done" }]);
    expect(ocsf.summary?.outcomes).toMatchObject([{ accessKeyId: GRACE_KEY, status: "already-done" }]);
    expect(double.published.map((m) => m.attributes.outcome?.StringValue)).toEqual([
      "contained",
      "no-action",
      "no-action",
    ]);
    expect(publishedDocument(double, 1).document.keys[0].status).toBe("already-done");
    expect(publishedDocument(double, 2).document.keys[0].status).toBe("already-done");
  });

  it("is written once in the other order too: OCSF first, then ASFF", async () => {
    const ocsf = await securityHub(loadEvent("security-hub-v2-guardduty"));
    const asff = await securityHub(loadEvent("security-hub-principal-name"));

    expect(double.writes()).toHaveLength(1);
    expect(ocsf.summary?.outcomes).toMatchObject([{ status: "disabled" }]);
    expect(asff.summary?.outcomes).toMatchObject([{ status: "already-done" }]);
  });
});

describe("a GuardDuty finding from another region", () => {
  it("is written directly, without reading the key first (ASFF)", async () => {
    const { summary, error } = await securityHub(loadEvent("security-hub-other-region"));

    expect(error).toBeUndefined();
    expect(double.keyStatus(HEIDI_KEY)).toBe("Inactive");
    expect(double.actions("iam")).toEqual(["UpdateAccessKey", "ListAccessKeys"]);
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: HEIDI_KEY, userName: "heidi", status: "disabled" },
    ]);
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("is written directly, without reading the key first (OCSF)", async () => {
    const event = loadEvent("security-hub-v2-guardduty");
    event.detail.findings[0].cloud.region = "eu-west-1";
    event.detail.findings[0].resources[0].region = "eu-west-1";

    await securityHub(event);

    expect(double.keyStatus(GRACE_KEY)).toBe("Inactive");
    expect(double.actions("iam")).toEqual(["GetAccessKeyLastUsed", "UpdateAccessKey", "ListAccessKeys"]);
  });
});
