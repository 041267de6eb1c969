import * as v from "valibot";
import { describe, expect, it } from "vitest";
import type { Finding, ParsedEvent } from "../../../src/findings/finding";
import { Envelope } from "../../../src/findings/schema";
import { parseSecurityHubEvent } from "../../../src/findings/security-hub";
import { type EditableEvent, loadEvent, MEMBER, SELF } from "../../support/fixtures";

const parse = (event: unknown): ParsedEvent => parseSecurityHubEvent(v.parse(Envelope(), event));

const findings = (parsed: ParsedEvent): Finding[] => {
  expect(parsed.kind).toBe("findings");
  if (parsed.kind !== "findings") throw new Error(parsed.reason);
  return parsed.findings;
};

/** The one ASFF finding of a fixture, for editing. */
const asff = (event: EditableEvent): EditableEvent => event.detail.findings[0];

const keyResource = (id: string, details: Record<string, unknown> = {}) => ({
  Type: "AwsIamAccessKey",
  Id: `AWS::IAM::AccessKey:${id}`,
  Partition: "aws",
  Region: "us-east-1",
  Details: { AwsIamAccessKey: details },
});

describe("parseSecurityHubEvent", () => {
  it("reads the current mapping: PrincipalName, PrincipalType, PrincipalId, account and GuardDuty's severity", () => {
    expect(findings(parse(loadEvent("security-hub-principal-name")))).toEqual([
      {
        source: "security-hub",
        findingId:
          "arn:aws:guardduty:us-east-1:111111111111:detector/7c2e9a41d05b8f3e6a1d4c9b2e0f5a38/finding/e8c2a6f0b4d81357c9e1a5f3b7d0c2e4",
        eventId: "f0a3c7e5-1d8b-4e62-b9f4-3c5a7d1e0b28",
        type: "TTPs/Initial Access/UnauthorizedAccess:IAMUser-MaliciousIPCaller",
        title: "GetSecretValue was called by grace from a known malicious IP address.",
        // GuardDuty's own 5 (Severity.Product), not the label MEDIUM's 4.
        severity: 5,
        accessKeyId: "AKIAGRACE00000000001",
        userName: "grace",
        principalType: "IAMUser",
        principalId: "AIDAGRACEEXAMPLE00001",
        account: SELF,
        region: "us-east-1",
        partition: "aws",
        sample: false,
        firstSeen: "2026-11-20T10:52:18.000Z",
        observedAt: "2026-11-20T11:05:47.219Z",
        occurrences: 1,
        // GuardDuty's own findings reach the guardduty function too: read before writing.
        update: true,
        requestedStatus: "Inactive",
        provenance: { product: "arn:aws:securityhub:us-east-1::product/aws/guardduty", aws: true },
        closed: undefined,
        details: {
          "Security Hub finding":
            "arn:aws:guardduty:us-east-1:111111111111:detector/7c2e9a41d05b8f3e6a1d4c9b2e0f5a38/finding/e8c2a6f0b4d81357c9e1a5f3b7d0c2e4",
          Product: "arn:aws:securityhub:us-east-1::product/aws/guardduty",
        },
      },
    ]);
  });

  it("reads the legacy UserName when PrincipalName is absent, and takes the user for an IAM user", () => {
    const [finding] = findings(parse(loadEvent("security-hub-legacy-user-name")));

    expect(finding).toMatchObject({
      accessKeyId: "AKIAHEIDI00000000001",
      userName: "heidi",
      principalType: "IAMUser",
    });
  });

  it("prefers PrincipalName over the legacy UserName", () => {
    const event = loadEvent("security-hub-principal-name");
    asff(event).Resources[0].Details.AwsIamAccessKey.UserName = "legacy-name";

    expect(findings(parse(event))[0]?.userName).toBe("grace");
  });

  it("skips a resource whose Id is AWS::IAM::AccessKey:null and ignores the event that names no other key", () => {
    expect(parse(loadEvent("security-hub-null-key"))).toEqual({
      kind: "ignored",
      source: "security-hub",
      eventId: "a4e9c2d7-6b1f-4085-9a3e-d8c0f5b7e214",
      reason: "no finding names an access key",
    });
  });

  it("uses Details.AccessKeyId when the resource Id carries null", () => {
    const event = loadEvent("security-hub-null-key");
    asff(event).Resources[0].Details.AwsIamAccessKey.AccessKeyId = "AKIAALICE00000000001";

    expect(findings(parse(event)).map((f) => f.accessKeyId)).toEqual(["AKIAALICE00000000001"]);
  });

  it("turns every AwsIamAccessKey resource into its own finding and skips other resource types", () => {
    const event = loadEvent("security-hub-principal-name");
    asff(event).Resources = [
      keyResource("AKIAGRACE00000000001", { PrincipalName: "grace", PrincipalType: "IAMUser" }),
      { Type: "AwsS3Bucket", Id: "arn:aws:s3:::example-bucket" },
      keyResource("null", { PrincipalName: "grace" }),
      keyResource("AKIAGRACE00000000002", { UserName: "grace" }),
    ];

    expect(findings(parse(event)).map((f) => [f.accessKeyId, f.userName])).toEqual([
      ["AKIAGRACE00000000001", "grace"],
      ["AKIAGRACE00000000002", "grace"],
    ]);
  });

  it.each([
    ["INFORMATIONAL", 0],
    ["LOW", 1],
    ["MEDIUM", 4],
    ["HIGH", 7],
    ["CRITICAL", 9],
    ["high", 7],
  ])("maps Severity.Label %s to severity %d when GuardDuty's own number is missing", (label, expected) => {
    const event = loadEvent("security-hub-principal-name");
    asff(event).Severity = { Label: label, Normalized: 50 };

    expect(findings(parse(event))[0]?.severity).toBe(expected);
  });

  describe("severity as the maker meant it", () => {
    const withSeverity = (severity: EditableEvent, provider?: EditableEvent, product?: string) => {
      const event = loadEvent("security-hub-principal-name");
      asff(event).Severity = severity;
      if (provider) asff(event).FindingProviderFields = { Severity: provider };
      if (product) asff(event).ProductArn = product;
      return findings(parse(event))[0]?.severity;
    };

    it("judges a GuardDuty finding on GuardDuty's number, not the flattened label", () => {
      // GuardDuty's 2 (Low) has been shown as MEDIUM: the label would act on a Low finding.
      expect(withSeverity({ Label: "MEDIUM", Normalized: 40, Product: 2 })).toBe(2);
    });

    it("prefers FindingProviderFields.Severity.Original, then Severity.Original, then Severity.Product", () => {
      expect(
        withSeverity({ Label: "HIGH", Original: "7.5", Product: 2 }, { Label: "LOW", Original: "3" }),
      ).toBe(3);
      expect(withSeverity({ Label: "HIGH", Original: "7.5", Product: 2 })).toBe(7.5);
      expect(withSeverity({ Label: "HIGH", Original: "HIGH", Product: 2 }, { Original: "bad" })).toBe(2);
    });

    it("uses the label for a finding another AWS product made, whatever its Product number", () => {
      expect(
        withSeverity(
          { Label: "HIGH", Product: 2 },
          undefined,
          "arn:aws:securityhub:us-east-1::product/aws/macie",
        ),
      ).toBe(7);
    });

    it("reads Severity leniently: numbers sent as strings, and an unreadable Severity as none", () => {
      expect(withSeverity({ Label: "LOW", Product: "8" })).toBe(8);
      expect(withSeverity("HIGH" as unknown as EditableEvent)).toBeUndefined();
    });
  });

  it("falls back to Normalized / 10 without a label (the legacy fixture's 50 becomes 5)", () => {
    expect(findings(parse(loadEvent("security-hub-legacy-user-name")))[0]?.severity).toBe(5);
  });

  it("falls back to Normalized for an unknown label, and to Product when Normalized is missing too", () => {
    const unknownLabel = loadEvent("security-hub-principal-name");
    asff(unknownLabel).Severity = { Label: "SEVERE", Normalized: 70 };
    const productOnly = loadEvent("security-hub-principal-name");
    asff(productOnly).Severity = { Product: 6 };

    expect(findings(parse(unknownLabel))[0]?.severity).toBe(7);
    expect(findings(parse(productOnly))[0]?.severity).toBe(6);
  });

  it("marks a finding with Sample true as a sample", () => {
    const event = loadEvent("security-hub-principal-name");
    asff(event).Sample = true;

    expect(findings(parse(event))[0]?.sample).toBe(true);
  });

  it("marks a finding as a sample from GuardDuty's flag inside ProductFields", () => {
    const asString = loadEvent("security-hub-principal-name");
    asff(asString).ProductFields["aws/guardduty/service/additionalInfo/sample"] = "true";
    const asJson = loadEvent("security-hub-principal-name");
    asff(asJson).ProductFields.additionalInfo = '{"sample":true}';

    expect(findings(parse(asString))[0]?.sample).toBe(true);
    expect(findings(parse(asJson))[0]?.sample).toBe(true);
  });

  it("marks a finding on a GeneratedFinding key as a sample", () => {
    const event = loadEvent("security-hub-principal-name");
    asff(event).Resources = [keyResource("GeneratedFindingAccessKeyId", { PrincipalName: "grace" })];

    expect(findings(parse(event))[0]?.sample).toBe(true);
  });

  it("does not take a real key for a sample because its user is named like a placeholder", () => {
    const event = loadEvent("security-hub-principal-name");
    asff(event).Resources = [
      keyResource("AKIAGRACE00000000001", {
        PrincipalName: "GeneratedFindingUserName",
        PrincipalType: "IAMUser",
      }),
    ];

    expect(findings(parse(event))[0]).toMatchObject({ userName: "GeneratedFindingUserName", sample: false });
  });

  it("names the key, for a person, when an identifier has the wrong type", () => {
    const event = loadEvent("security-hub-principal-name");
    asff(event).Resources[0].Details.AwsIamAccessKey.PrincipalName = ["grace"];

    expect(findings(parse(event))).toEqual([
      expect.objectContaining({
        accessKeyId: "AKIAGRACE00000000001",
        doubt: expect.stringContaining("PrincipalName"),
        provenance: { product: "arn:aws:securityhub:us-east-1::product/aws/guardduty", aws: true },
      }),
    ]);
  });

  it("reads past descriptive fields of the wrong type: the key is contained as usual", () => {
    const event = loadEvent("security-hub-principal-name");
    Object.assign(asff(event), { Title: null, Description: null, UpdatedAt: 5, Types: "x", Sample: null });
    asff(event).ProductFields = "none";

    const [finding] = findings(parse(event));

    expect(finding).toMatchObject({ accessKeyId: "AKIAGRACE00000000001", userName: "grace", sample: false });
    expect(finding?.doubt).toBeUndefined();
  });

  it("does not mark an ordinary finding as a sample", () => {
    expect(findings(parse(loadEvent("security-hub-principal-name")))[0]?.sample).toBe(false);
  });

  it("takes the key's account from AwsAccountId, not from the receiving envelope", () => {
    const [finding] = findings(parse(loadEvent("security-hub-member-account")));

    expect(finding).toMatchObject({ accessKeyId: "AKIAERIN000000000001", userName: "erin", account: MEMBER });
  });

  it("keeps an AwsAccountId that is not 12 digits as sent, so that the plan refuses it", () => {
    const event = loadEvent("security-hub-principal-name");
    asff(event).AwsAccountId = "not-an-account";

    expect(findings(parse(event))[0]?.account).toBe("not-an-account");
  });

  describe("provenance", () => {
    it.each([
      ["arn:aws:securityhub:us-east-1::product/aws/guardduty"],
      ["arn:aws:securityhub:eu-west-1::product/aws/macie"],
      ["arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/guardduty"],
      ["arn:aws-cn:securityhub:cn-north-1::product/aws/inspector"],
      // The form Security Hub V2 gives AWS products; one rule serves both formats.
      ["arn:aws:securityhub:us-east-1::productv2/aws/guardduty"],
    ])("trusts the AWS product %s", (productArn) => {
      const event = loadEvent("security-hub-principal-name");
      asff(event).ProductArn = productArn;

      expect(findings(parse(event))[0]?.provenance).toEqual({ product: productArn, aws: true });
    });

    it.each([
      [
        "an account's own default product",
        "arn:aws:securityhub:us-east-1:333333333333:product/333333333333/default",
      ],
      ["a partner product", "arn:aws:securityhub:us-east-1::product/crowdstrike/crowdstrike-falcon"],
      [
        "a product named aws by an account",
        "arn:aws:securityhub:us-east-1:333333333333:product/aws/guardduty",
      ],
      ["an aws product with a trailing path", "arn:aws:securityhub:us-east-1::product/aws/guardduty/extra"],
      ["a look-alike service", "arn:aws:securityhubx:us-east-1::product/aws/guardduty"],
      ["a look-alike resource type", "arn:aws:securityhub:us-east-1::productv3/aws/guardduty"],
      [
        "a V2 product named aws by an account",
        "arn:aws:securityhub:us-east-1:333333333333:productv2/aws/guardduty",
      ],
      ["a ProductArn with a line break", "arn:aws:securityhub:us-east-1::product/aws/guardduty\nx"],
    ])("does not trust %s", (_, productArn) => {
      const event = loadEvent("security-hub-principal-name");
      asff(event).ProductArn = productArn;

      expect(findings(parse(event))[0]?.provenance).toEqual({ product: productArn, aws: false });
    });

    it("does not trust a finding without a ProductArn, and does not treat it as GuardDuty's", () => {
      const event = loadEvent("security-hub-principal-name");
      delete asff(event).ProductArn;

      expect(findings(parse(event))[0]).toMatchObject({ provenance: { aws: false }, update: false });
    });
  });

  describe("record and workflow state", () => {
    it.each([
      [{ RecordState: "ARCHIVED" }, "RecordState is ARCHIVED, not ACTIVE"],
      [{ RecordState: undefined }, "RecordState is missing, not ACTIVE"],
      [{ Workflow: { Status: "RESOLVED" } }, "workflow status is RESOLVED"],
      [{ Workflow: { Status: "SUPPRESSED" } }, "workflow status is SUPPRESSED"],
      [{ Workflow: undefined, WorkflowState: "RESOLVED" }, "workflow state is RESOLVED"],
      [{ Workflow: undefined, WorkflowState: "DEFERRED" }, "workflow state is DEFERRED"],
    ])("marks a finding with %j as closed", (change, reason) => {
      const event = loadEvent("security-hub-principal-name");
      Object.assign(asff(event), change);

      expect(findings(parse(event))[0]?.closed).toBe(reason);
    });

    it.each([
      [{ Workflow: { Status: "NEW" } }],
      [{ Workflow: { Status: "NOTIFIED" } }],
      [{ Workflow: undefined, WorkflowState: undefined }],
      [{ Workflow: undefined, WorkflowState: "IN_PROGRESS" }],
    ])("keeps an active finding with %j open", (change) => {
      const event = loadEvent("security-hub-principal-name");
      Object.assign(asff(event), change);

      expect(findings(parse(event))[0]?.closed).toBeUndefined();
    });
  });

  it("treats a new finding from another product as new, and a later UpdatedAt or count as an update", () => {
    const fresh = loadEvent("security-hub-principal-name");
    asff(fresh).ProductArn = "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default";
    const updated = loadEvent("security-hub-principal-name");
    asff(updated).ProductArn = "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default";
    asff(updated).UpdatedAt = "2026-11-20T12:00:00.000Z";
    const counted = loadEvent("security-hub-principal-name");
    asff(counted).ProductArn = "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default";
    asff(counted).ProductFields["aws/guardduty/service/count"] = "3";

    expect(findings(parse(fresh))[0]?.update).toBe(false);
    expect(findings(parse(updated))[0]?.update).toBe(true);
    expect(findings(parse(counted))[0]).toMatchObject({ update: true, occurrences: 3 });
  });

  describe("reading the key first for GuardDuty's findings", () => {
    it("reads first for a GuardDuty finding of the bus's own region: the guardduty function saw it too", () => {
      expect(findings(parse(loadEvent("security-hub-principal-name")))[0]).toMatchObject({
        region: "us-east-1",
        update: true,
      });
    });

    it("writes directly for a GuardDuty finding of another region, aggregated onto this bus", () => {
      const [finding] = findings(parse(loadEvent("security-hub-other-region")));

      expect(finding).toMatchObject({
        accessKeyId: "AKIAHEIDI00000000001",
        userName: "heidi",
        region: "eu-west-1",
        update: false,
      });
    });

    it("takes the finding's region from the resource when the finding has none", () => {
      const event = loadEvent("security-hub-other-region");
      delete asff(event).Region;

      expect(findings(parse(event))[0]).toMatchObject({ region: "eu-west-1", update: false });
    });

    it("reads first when the bus region or the finding's region is unknown", () => {
      const noBus = loadEvent("security-hub-other-region");
      delete noBus.region;
      const noFinding = loadEvent("security-hub-other-region");
      delete asff(noFinding).Region;
      delete asff(noFinding).Resources[0].Region;

      expect(findings(parse(noBus))[0]?.update).toBe(true);
      expect(findings(parse(noFinding))[0]?.update).toBe(true);
    });

    it("writes directly for another AWS product of the bus's own region", () => {
      const event = loadEvent("security-hub-principal-name");
      asff(event).ProductArn = "arn:aws:securityhub:us-east-1::product/aws/macie";

      expect(findings(parse(event))[0]?.update).toBe(false);
    });

    it("still reads first for an update of a finding from another region", () => {
      const updated = loadEvent("security-hub-other-region");
      asff(updated).UpdatedAt = "2026-11-21T10:00:00.000Z";
      const counted = loadEvent("security-hub-other-region");
      asff(counted).ProductFields["aws/guardduty/service/count"] = "2";

      expect(findings(parse(updated))[0]?.update).toBe(true);
      expect(findings(parse(counted))[0]?.update).toBe(true);
    });
  });

  it("ignores insight results", () => {
    expect(parse(loadEvent("security-hub-insight-results"))).toEqual({
      kind: "ignored",
      source: "security-hub",
      eventId: "e7b2d5f0-9a4c-4e18-83d6-b1c9f0a5e273",
      reason: "not an imported finding: Security Hub Insight Results",
    });
  });

  it("rejects an ASFF finding without Resources as invalid, naming the path", () => {
    const event = loadEvent("security-hub-principal-name");
    delete asff(event).Resources;

    expect(parse(event)).toMatchObject({
      kind: "invalid",
      source: "security-hub",
      reason: expect.stringContaining("detail.findings.0.Resources"),
    });
  });

  it("rejects an imported event without a findings array as invalid", () => {
    const event = loadEvent("security-hub-principal-name");
    event.detail = { findings: "none" };

    expect(parse(event)).toMatchObject({
      kind: "invalid",
      reason: expect.stringContaining("detail.findings"),
    });
  });
});
