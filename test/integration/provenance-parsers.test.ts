// Issue 18 items 3, 5 and 6 and issue 19 item 5, through the handlers and the loopback double: samples only by
// AWS's flag or a key no credential can have, never silent on a credential finding, severity and type as the
// finding's maker meant them, and the real shapes of published events.
import { describe, expect, it } from "vitest";
import { type EditableEvent, loadEvent } from "../support/fixtures";
import { loopbackDouble, publishedDocument, respondTo } from "../support/harness";

const double = loopbackDouble();

const iamActions = () => double.calls.filter((c) => c.service === "iam").map((c) => c.action);
const writes = () => iamActions().filter((action) => action === "UpdateAccessKey");

describe("samples are AWS's to mark, never a name's", () => {
  it("contains a real user named like a sample placeholder, with a real key and no sample flag", async () => {
    double.addUser({ name: "GeneratedFindingUserName", keys: [{ id: "AKIAGENERATED0000001" }] });
    const event = loadEvent("guardduty-iam-user");
    Object.assign(event.detail.resource.accessKeyDetails, {
      userName: "GeneratedFindingUserName",
      principalId: "GeneratedFindingPrincipalId",
      accessKeyId: "AKIAGENERATED0000001",
    });

    const { summary, error } = await respondTo(event, "guardduty");

    expect(error).toBeUndefined();
    expect(double.keyStatus("AKIAGENERATED0000001")).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([{ status: "disabled", userName: "GeneratedFindingUserName" }]);
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("still treats AWS's own sample (flag and placeholder key) as a sample: no IAM call", async () => {
    const { summary } = await respondTo("guardduty-sample", "guardduty");

    expect(iamActions()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "sample" }]);
    expect(publishedDocument(double).outcome).toBe("no-action");
  });
});

describe("never silent on a credential finding", () => {
  it("alerts action-required on an attack sequence that names its principal only in its text, listing that user's keys", async () => {
    const { summary, error } = await respondTo("guardduty-attack-sequence-no-credential", "guardduty");

    expect(error).toBeUndefined();
    expect(summary?.result).toBe("handled");
    // One read, never a write on a name taken from text.
    expect(iamActions()).toEqual(["ListAccessKeys"]);
    expect(double.calls.find((c) => c.action === "ListAccessKeys")?.params).toEqual({ UserName: "dave" });
    expect(double.keyStatus("AKIADAVE000000000002")).toBe("Active");
    const { outcome, text, document, subject } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(subject).toContain("no key named (dave)");
    expect(document.keys[0]).toMatchObject({ accessKeyId: "", skip: "no-credential", urgent: true });
    for (const expected of [
      "[NO KEY NAMED - ACT NOW] (no key named) - user dave - account 111111111111",
      "IAMUser/dave",
      "User's key AKIADAVE000000000002 (Active",
      "aws iam update-access-key --user-name dave --access-key-id AKIADAVE000000000002 --status Inactive",
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("names a role it cannot list keys for, and makes no IAM call", async () => {
    const event = loadEvent("guardduty-attack-sequence-no-credential");
    event.detail.title =
      "Potential credential compromise of AssumedRole/web-instance-role indicated by a sequence of actions.";
    event.detail.description = null;

    await respondTo(event, "guardduty");

    expect(iamActions()).toEqual([]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain("AssumedRole/web-instance-role");
    expect(text).toContain("Revoke the role's active sessions");
  });

  it("says when the user it names does not exist, and still asks a person", async () => {
    const event = loadEvent("guardduty-attack-sequence-no-credential");
    event.detail.title =
      "Potential credential compromise of IAMUser/mallory indicated by a sequence of actions.";
    event.detail.description = "Seen for IAMUser/mallory.";

    await respondTo(event, "guardduty");

    expect(iamActions()).toEqual(["ListAccessKeys"]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain("has no IAM user mallory");
  });

  it("contains a key whose finding sends its severity as a string and its description as null", async () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.severity = "8";
    event.detail.description = null;
    event.detail.title = null;

    const { summary } = await respondTo(event, "guardduty");

    expect(writes()).toEqual(["UpdateAccessKey"]);
    expect(summary?.outcomes).toMatchObject([{ accessKeyId: "AKIAALICE00000000001", status: "disabled" }]);
  });

  it.each([
    [
      "GuardDuty",
      "guardduty",
      "guardduty-iam-user",
      (e: EditableEvent): void => {
        e.detail.severity = "HIGH";
      },
      "AKIAALICE00000000001",
    ],
    [
      "GuardDuty",
      "guardduty",
      "guardduty-iam-user",
      (e: EditableEvent): void => {
        delete e.detail.id;
      },
      "AKIAALICE00000000001",
    ],
    [
      "Health",
      "leakedCredentials",
      "health-credentials-compromised",
      (e: EditableEvent): void => {
        delete e.detail.eventArn;
      },
      "AKIABOB0000000000001",
    ],
    [
      "Trusted Advisor",
      "leakedCredentials",
      "trusted-advisor-exposed-key",
      (e: EditableEvent): void => {
        e.detail["check-item-detail"]["User Name (IAM or Root)"] = 7;
      },
      "AKIAFRANK00000000001",
    ],
    [
      "ASFF",
      "securityHub",
      "security-hub-principal-name",
      (e: EditableEvent): void => {
        e.detail.findings[0].AwsAccountId = 111111111111;
      },
      "AKIAGRACE00000000001",
    ],
    [
      "OCSF",
      "securityHub",
      "security-hub-v2-guardduty",
      (e: EditableEvent): void => {
        e.detail.findings[0].status_id = "1";
      },
      "AKIAGRACE00000000001",
    ],
  ] as const)(
    "%s: names the key and asks a person when an essential field has the wrong type, never 'invalid' with no key",
    async (_, handler, fixture, spoil, key) => {
      const event = loadEvent(fixture);
      spoil(event);

      const { summary } = await respondTo(event, handler);

      expect(writes()).toEqual([]);
      expect(summary?.result).toBe("handled");
      const { outcome, document, text } = publishedDocument(double);
      expect(outcome).toBe("action-required");
      expect(document.keys).toMatchObject([{ accessKeyId: key, skip: "invalid-input", urgent: true }]);
      expect(text).toContain("could not be read");
    },
  );
});

describe("severity and type as the maker meant them", () => {
  it("does not contain a GuardDuty Low finding that Security Hub labels MEDIUM", async () => {
    const event = loadEvent("security-hub-principal-name");
    event.detail.findings[0].Severity = { Label: "MEDIUM", Normalized: 40, Product: 2 };

    const { summary } = await respondTo(event, "securityHub");

    expect(writes()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "below-threshold" }]);
  });

  it("contains at once in approve mode when CONTAIN_WITHOUT_APPROVAL names the GuardDuty type behind Threats", async () => {
    process.env.RESPONDER_MODE = "approve";
    process.env.CONTAIN_WITHOUT_APPROVAL = "UnauthorizedAccess:IAMUser/";

    const { summary } = await respondTo("security-hub-v2-guardduty", "securityHub");

    expect(writes()).toEqual(["UpdateAccessKey"]);
    expect(summary?.outcomes).toMatchObject([{ accessKeyId: "AKIAGRACE00000000001", status: "disabled" }]);
    expect(publishedDocument(double).subject).toContain("UnauthorizedAccess:IAMUser/MaliciousIPCaller");
  });
});

describe("published shapes", () => {
  it("never acts on an OCSF key resource whose uid and data.access_key_id disagree, and names both keys", async () => {
    const event = loadEvent("security-hub-v2-guardduty");
    event.detail.findings[0].resources[0].uid = "AKIAALICE00000000001";

    const { summary } = await respondTo(event, "securityHub");

    expect(iamActions()).toEqual([]);
    expect(summary?.outcomes.map((o) => [o.accessKeyId, o.reason])).toEqual([
      ["AKIAALICE00000000001", "invalid-input"],
      ["AKIAGRACE00000000001", "invalid-input"],
    ]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain("uid AKIAALICE00000000001, data.access_key_id AKIAGRACE00000000001");
  });

  it("writes the us-east-1 delivery of a global Health event at once, and reads the us-west-2 backup first", async () => {
    const primary = loadEvent("health-credentials-compromised");
    expect(primary.detail).toMatchObject({ eventRegion: "us-east-1", page: "1", totalPages: "1" });
    expect(primary.detail.eventArn).toMatch(/^arn:aws:health:us-east-1::event\//);

    await respondTo(primary, "leakedCredentials");
    expect(iamActions()).toEqual(["GetAccessKeyLastUsed", "UpdateAccessKey", "ListAccessKeys"]);

    const backup = { ...loadEvent("health-credentials-compromised"), id: "backup-copy", region: "us-west-2" };
    double.calls.length = 0;
    const { summary } = await respondTo(backup, "leakedCredentials");

    expect(writes()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ status: "already-done" }]);
  });
});
