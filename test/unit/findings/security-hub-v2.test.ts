import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { parseEvent } from "../../../src/findings";
import type { Finding, ParsedEvent } from "../../../src/findings/finding";
import { Envelope } from "../../../src/findings/schema";
import { parseSecurityHubV2Event } from "../../../src/findings/security-hub-v2";
import { mergePlans, planContainment } from "../../../src/plan/plan";
import { type EditableEvent, loadEvent, MEMBER, ourIdentity, SELF, testConfig } from "../../support/fixtures";

const parse = (event: unknown): ParsedEvent => parseSecurityHubV2Event(v.parse(Envelope(), event));

const findings = (parsed: ParsedEvent): Finding[] => {
  expect(parsed.kind).toBe("findings");
  if (parsed.kind !== "findings") throw new Error(parsed.reason);
  return parsed.findings;
};

const only = (parsed: ParsedEvent): Finding => {
  const all = findings(parsed);
  expect(all).toHaveLength(1);
  return all[0] as Finding;
};

/** The one OCSF finding of a fixture, for editing. */
const ocsf = (event: EditableEvent): EditableEvent => event.detail.findings[0];

const guardDuty = (): EditableEvent => loadEvent("security-hub-v2-guardduty");

const GUARDDUTY_FINDING =
  "arn:aws:guardduty:us-east-1:111111111111:detector/7c2e9a41d05b8f3e6a1d4c9b2e0f5a38/finding/5d9b1f3a7c0e4b28a6d2f8c1e3b5a7d9";
const GUARDDUTY_PRODUCT = "arn:aws:securityhub:us-east-1::productv2/aws/guardduty";

const keyResource = (uid: string | undefined, data: Record<string, unknown> = {}) => ({
  type: "AWS::IAM::AccessKey",
  uid,
  region: "us-east-1",
  cloud_partition: "aws",
  data,
});

describe("parseSecurityHubV2Event", () => {
  it("reads a GuardDuty finding: key, account, region, product, severity, times; no user, so none is made up", () => {
    expect(only(parse(guardDuty()))).toEqual({
      source: "security-hub",
      findingId: GUARDDUTY_FINDING,
      eventId: "c4e8a2f6-0b3d-4f71-9e5a-8d2c6b0f4a19",
      type: "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
      title: "ListSecrets was called with an access key from a known malicious IP address.",
      severity: 7,
      accessKeyId: "AKIAGRACE00000000001",
      userName: undefined,
      principalType: "Unknown",
      principalId: undefined,
      account: SELF,
      region: "us-east-1",
      partition: "aws",
      sample: false,
      firstSeen: "2026-11-21T07:58:40.000Z",
      observedAt: "2026-11-21T08:02:11.482Z",
      occurrences: 1,
      // A GuardDuty finding of the bus's own region also reached the guardduty function: read before writing.
      update: true,
      requestedStatus: "Inactive",
      provenance: { product: GUARDDUTY_PRODUCT, aws: true },
      closed: undefined,
      details: {
        "Security Hub finding": GUARDDUTY_FINDING,
        Product: GUARDDUTY_PRODUCT,
        "Product name": "GuardDuty",
      },
    });
  });

  it("plans an owner look-up for the key, as for Health, since the finding names no user", () => {
    const plan = planContainment(only(parse(guardDuty())), testConfig(), ourIdentity());

    expect(plan).toMatchObject({ action: "disable-key", resolveOwner: true, checkFirst: true });
  });

  describe("the key's owner", () => {
    it("takes the user from the resource's data, with its type and principal id", () => {
      const event = guardDuty();
      ocsf(event).resources[0].data = {
        access_key_id: "AKIAGRACE00000000001",
        user_name: "grace",
        user_type: "IAMUser",
        principal_id: "AIDAGRACEEXAMPLE00001",
      };

      expect(only(parse(event))).toMatchObject({
        userName: "grace",
        principalType: "IAMUser",
        principalId: "AIDAGRACEEXAMPLE00001",
      });
    });

    it("takes the user from the resource's user.name", () => {
      const event = guardDuty();
      ocsf(event).resources[0].user = { name: "grace" };

      expect(only(parse(event))).toMatchObject({ userName: "grace", principalType: "IAMUser" });
    });

    it("keeps a role's user type, so the plan never takes the role for the key's owner", () => {
      const event = guardDuty();
      ocsf(event).resources[0].uid = "ASIAROLE000000000001";
      ocsf(event).resources[0].data = { user_name: "web-instance-role", user_type: "AssumedRole" };

      expect(only(parse(event))).toMatchObject({
        accessKeyId: "ASIAROLE000000000001",
        userName: "web-instance-role",
        principalType: "AssumedRole",
      });
    });
  });

  describe("keys", () => {
    it("turns every distinct AWS::IAM::AccessKey resource into one finding and skips other resource types", () => {
      const event = guardDuty();
      ocsf(event).resources = [
        keyResource("AKIAGRACE00000000001", { user_name: "grace" }),
        { type: "AWS::S3::Bucket", uid: "example-bucket", data: "any shape at all" },
        keyResource("AKIAGRACE00000000001"),
        keyResource("AKIAGRACE00000000002", { user_name: "grace" }),
        { type: "AwsIamAccessKey", uid: "AKIAGRACE00000000003" },
      ];

      expect(findings(parse(event)).map((f) => [f.accessKeyId, f.userName])).toEqual([
        ["AKIAGRACE00000000001", "grace"],
        ["AKIAGRACE00000000002", "grace"],
      ]);
    });

    it("keeps both owners when resources name one key for two users, and the plan then refuses to write", () => {
      const event = guardDuty();
      ocsf(event).resources = [
        keyResource("AKIAGRACE00000000001", { user_name: "grace" }),
        keyResource("AKIAGRACE00000000001", { user_name: "heidi" }),
      ];
      const all = findings(parse(event));
      const config = testConfig();

      expect(all.map((f) => f.userName)).toEqual(["grace", "heidi"]);
      const merged = mergePlans(
        all.map((f) => planContainment(f, config, ourIdentity())),
        config,
      );
      expect(merged).toMatchObject({ action: "none", skip: "invalid-input", urgent: true });
    });

    it("takes the key from data.access_key_id when the resource has no uid", () => {
      const event = guardDuty();
      delete ocsf(event).resources[0].uid;

      expect(only(parse(event)).accessKeyId).toBe("AKIAGRACE00000000001");
    });

    it("keeps a uid that is not a key ID as sent, so that the plan refuses it", () => {
      const event = guardDuty();
      ocsf(event).resources[0].uid = "arn:aws:iam::111111111111:user/grace";
      delete ocsf(event).resources[0].data.access_key_id;
      const finding = only(parse(event));

      expect(finding.accessKeyId).toBe("arn:aws:iam::111111111111:user/grace");
      expect(planContainment(finding, testConfig(), ourIdentity())).toMatchObject({
        action: "none",
        skip: "invalid-input",
      });
    });

    it('ignores the event when the only key resource names no key (uid "null", no data)', () => {
      const event = guardDuty();
      ocsf(event).resources = [keyResource("null")];

      expect(parse(event)).toEqual({
        kind: "ignored",
        source: "security-hub",
        eventId: "c4e8a2f6-0b3d-4f71-9e5a-8d2c6b0f4a19",
        reason: "no finding names an access key",
      });
    });

    it.each([
      ["no resources at all", undefined],
      ["an empty list", []],
      ["only other resource types", [{ type: "AWS::EC2::Instance", uid: "i-0a1b2c3d4e5f60718" }]],
    ])("ignores a finding with %s", (_, resources) => {
      const event = guardDuty();
      ocsf(event).resources = resources;

      expect(parse(event)).toMatchObject({ kind: "ignored", reason: "no finding names an access key" });
    });
  });

  describe("account and region", () => {
    it("takes the account from cloud.account.uid, not from the receiving envelope", () => {
      const event = guardDuty();
      ocsf(event).cloud.account.uid = MEMBER;

      expect(only(parse(event)).account).toBe(MEMBER);
    });

    it("falls back to the resource owner's account without cloud.account", () => {
      const event = guardDuty();
      delete ocsf(event).cloud.account;
      ocsf(event).resources[0].owner.account.uid = MEMBER;

      expect(only(parse(event)).account).toBe(MEMBER);
    });

    it("keeps a cloud.account.uid that is not 12 digits as sent, so that the plan refuses it", () => {
      const event = guardDuty();
      ocsf(event).cloud.account.uid = "not-an-account";
      const finding = only(parse(event));

      expect(finding.account).toBe("not-an-account");
      expect(planContainment(finding, testConfig(), ourIdentity())).toMatchObject({ skip: "invalid-input" });
    });

    it("takes the region from cloud.region, else from the resource", () => {
      const fromCloud = guardDuty();
      ocsf(fromCloud).cloud.region = "eu-west-1";
      const fromResource = guardDuty();
      delete ocsf(fromResource).cloud.region;
      ocsf(fromResource).resources[0].region = "ap-south-1";

      expect(only(parse(fromCloud)).region).toBe("eu-west-1");
      expect(only(parse(fromResource)).region).toBe("ap-south-1");
    });
  });

  describe("provenance", () => {
    it.each([
      ["arn:aws:securityhub:us-east-1::productv2/aws/guardduty"],
      ["arn:aws:securityhub:eu-west-1::productv2/aws/securityhub"],
      ["arn:aws:securityhub:us-east-1::productv2/aws/securityhub-coverage"],
      ["arn:aws-us-gov:securityhub:us-gov-west-1::productv2/aws/guardduty"],
      ["arn:aws-cn:securityhub:cn-north-1::productv2/aws/inspector"],
      ["arn:aws:securityhub:us-east-1::product/aws/guardduty"],
    ])("trusts the AWS product %s", (uid) => {
      const event = guardDuty();
      ocsf(event).metadata.product.uid = uid;

      expect(only(parse(event)).provenance).toEqual({ product: uid, aws: true });
    });

    it.each([
      [
        "an account's own default product",
        "arn:aws:securityhub:us-east-1:333333333333:product/333333333333/default",
      ],
      ["a partner product", "arn:aws:securityhub:us-east-1::productv2/crowdstrike/crowdstrike-falcon"],
      [
        "a product named aws by an account",
        "arn:aws:securityhub:us-east-1:333333333333:productv2/aws/guardduty",
      ],
      ["an aws product with a trailing path", "arn:aws:securityhub:us-east-1::productv2/aws/guardduty/extra"],
      ["a look-alike service", "arn:aws:securityhubx:us-east-1::productv2/aws/guardduty"],
      ["a look-alike resource type", "arn:aws:securityhub:us-east-1::productv3/aws/guardduty"],
      ["a look-alike company", "arn:aws:securityhub:us-east-1::productv2/awsx/guardduty"],
      ["a look-alike partition", "arn:evil:securityhub:us-east-1::productv2/aws/guardduty"],
      ["a uid with a line break", "arn:aws:securityhub:us-east-1::productv2/aws/guardduty\nx"],
      ["the product's name instead of its uid", "GuardDuty"],
    ])("does not trust %s", (_, uid) => {
      const event = guardDuty();
      ocsf(event).metadata.product.uid = uid;

      expect(only(parse(event))).toMatchObject({ provenance: { product: uid, aws: false }, update: false });
    });

    it("does not trust a finding without metadata.product.uid, even one named GuardDuty", () => {
      const event = guardDuty();
      delete ocsf(event).metadata.product.uid;

      expect(only(parse(event))).toMatchObject({
        provenance: { product: "(no metadata.product.uid)", aws: false },
        update: false,
      });
    });

    it("plans no write for an untrusted product, and names it", () => {
      const finding = only(parse(loadEvent("security-hub-v2-custom-product")));

      expect(finding).toMatchObject({ userName: "grace", provenance: { aws: false } });
      expect(planContainment(finding, testConfig(), ourIdentity())).toMatchObject({
        action: "none",
        skip: "untrusted-product",
        why: expect.stringContaining(
          "arn:aws:securityhub:us-east-1:333333333333:product/333333333333/default",
        ),
      });
    });
  });

  describe("status", () => {
    it.each([
      [{ status: "Suppressed", status_id: 3 }, "status is Suppressed (status_id 3)"],
      [{ status: "Resolved", status_id: 4 }, "status is Resolved (status_id 4)"],
      [{ status: "Archived", status_id: 5 }, "status is Archived (status_id 5)"],
      [{ status: "Deleted", status_id: 6 }, "status is Deleted (status_id 6)"],
      [{ status: "Unknown", status_id: 0 }, "status is Unknown (status_id 0)"],
      [{ status: undefined, status_id: 99 }, "status is not New or In Progress (status_id 99)"],
      [{ status: "resolved", status_id: undefined }, "status is resolved"],
      [{ status: "Resolved", status_id: 1 }, "status is Resolved"],
      [{ activity_id: 3, activity_name: "Close" }, "activity is Close"],
      [{ activity_id: undefined, activity_name: "Close" }, "activity is Close"],
    ])("marks a finding with %j as closed", (change, reason) => {
      const event = guardDuty();
      Object.assign(ocsf(event), change);

      expect(only(parse(event)).closed).toBe(reason);
    });

    it("marks the resolved fixture as closed, and the plan makes no write", () => {
      const finding = only(parse(loadEvent("security-hub-v2-resolved")));

      expect(finding.closed).toBe("status is Resolved (status_id 4)");
      expect(planContainment(finding, testConfig(), ourIdentity())).toMatchObject({
        action: "none",
        skip: "closed",
      });
    });

    it.each([
      [{ status: "New", status_id: 1 }],
      [{ status: "In Progress", status_id: 2 }],
      [{ status: "in progress", status_id: undefined }],
      [{ status: undefined, status_id: undefined }],
      [{ activity_id: 2, activity_name: "Update" }],
    ])("keeps an active finding with %j open", (change) => {
      const event = guardDuty();
      Object.assign(ocsf(event), change);

      expect(only(parse(event)).closed).toBeUndefined();
    });

    it.each([
      ["status_id", JSON.parse("1e999")],
      ["activity_id", JSON.parse("-1e999")],
    ])(
      "does not close a finding on a %s that JSON parsed to infinity: its keys go to a person",
      (field, value) => {
        const event = guardDuty();
        Object.assign(ocsf(event), { [field]: value });

        const finding = only(parse(event));

        expect(finding.closed).toBeUndefined();
        expect(finding.doubt).toContain(`${field}: Invalid finite`);
      },
    );
  });

  describe("severity", () => {
    it.each([
      [1, "Informational", 0],
      [2, "Low", 1],
      [3, "Medium", 4],
      [4, "High", 7],
      [5, "Critical", 9],
      [6, "Fatal", 10],
    ])("maps severity_id %d (%s) to %d", (id, caption, expected) => {
      const event = guardDuty();
      Object.assign(ocsf(event), { severity_id: id, severity: caption });

      expect(only(parse(event)).severity).toBe(expected);
    });

    it.each([
      ["Medium", 4],
      ["CRITICAL", 9],
      ["informational", 0],
      ["Fatal", 10],
    ])("maps the caption %s to %d without a severity_id", (caption, expected) => {
      const event = guardDuty();
      Object.assign(ocsf(event), { severity_id: undefined, severity: caption });

      expect(only(parse(event)).severity).toBe(expected);
    });

    it("prefers severity_id to its caption, and uses the caption for Other (99)", () => {
      const disagreeing = guardDuty();
      Object.assign(ocsf(disagreeing), { severity_id: 2, severity: "Critical" });
      const other = guardDuty();
      Object.assign(ocsf(other), { severity_id: 99, severity: "High" });

      expect(only(parse(disagreeing)).severity).toBe(1);
      expect(only(parse(other)).severity).toBe(7);
    });

    it("has no severity for Unknown (0) or an unmapped caption, like a leak report", () => {
      const unknown = guardDuty();
      Object.assign(ocsf(unknown), { severity_id: 0, severity: "Unknown" });
      const unmapped = guardDuty();
      Object.assign(ocsf(unmapped), { severity_id: undefined, severity: "Severe" });

      expect(only(parse(unknown)).severity).toBeUndefined();
      expect(only(parse(unmapped)).severity).toBeUndefined();
    });

    it("plans no write for a Low finding below the default threshold", () => {
      const event = guardDuty();
      Object.assign(ocsf(event), { severity_id: 2, severity: "Low" });

      expect(planContainment(only(parse(event)), testConfig(), ourIdentity())).toMatchObject({
        skip: "below-threshold",
      });
    });
  });

  describe("samples", () => {
    it("marks a finding on GuardDuty's GeneratedFinding placeholders as a sample", () => {
      const byKey = guardDuty();
      ocsf(byKey).resources = [keyResource("GeneratedFindingAccessKeyId")];
      const byUser = guardDuty();
      ocsf(byUser).resources[0].data.user_name = "GeneratedFindingUserName";

      expect(only(parse(byKey)).sample).toBe(true);
      // A real key is never a sample by its user's name.
      expect(only(parse(byUser)).sample).toBe(false);
    });

    it("refuses a key resource whose uid and data.access_key_id disagree: both keys named, neither acted on", () => {
      const event = guardDuty();
      ocsf(event).resources[0].uid = "AKIAGRACE00000000002";

      const parsed = findings(parse(event));

      expect(parsed.map((f) => f.accessKeyId)).toEqual(["AKIAGRACE00000000002", "AKIAGRACE00000000001"]);
      for (const f of parsed) {
        expect(f.doubt).toContain("uid AKIAGRACE00000000002, data.access_key_id AKIAGRACE00000000001");
        expect(planContainment(f, testConfig(), ourIdentity())).toMatchObject({
          action: "none",
          skip: "invalid-input",
          urgent: true,
        });
      }
    });

    it("takes the GuardDuty type wherever it is in finding_info.types, after a category such as Threats", () => {
      const event = guardDuty();
      ocsf(event).finding_info.types = ["Threats", "UnauthorizedAccess:IAMUser/MaliciousIPCaller"];

      expect(only(parse(event)).type).toBe("UnauthorizedAccess:IAMUser/MaliciousIPCaller");
    });

    it("contains at once in approve mode when CONTAIN_WITHOUT_APPROVAL names the GuardDuty type behind Threats", () => {
      const event = guardDuty();
      ocsf(event).finding_info.types = ["Threats", "UnauthorizedAccess:IAMUser/MaliciousIPCaller"];
      const config = testConfig({ mode: "approve", containWithoutApproval: ["UnauthorizedAccess:IAMUser/"] });

      const plan = planContainment(only(parse(event)), config, ourIdentity());

      expect(plan.action).toBe("disable-key");
      expect(plan.awaitsApproval).toBeUndefined();
    });

    it("keeps the first type when none is shaped like GuardDuty's", () => {
      const event = guardDuty();
      ocsf(event).finding_info.types = ["Threats", "Unusual Behaviors"];

      expect(only(parse(event)).type).toBe("Threats");
    });

    it("does not mark an ordinary finding as a sample", () => {
      expect(only(parse(guardDuty())).sample).toBe(false);
    });
  });

  describe("reading the key first", () => {
    it("writes directly for a GuardDuty finding of another region, aggregated onto this bus", () => {
      const event = guardDuty();
      ocsf(event).cloud.region = "eu-west-1";
      ocsf(event).resources[0].region = "eu-west-1";

      expect(only(parse(event))).toMatchObject({ region: "eu-west-1", update: false });
    });

    it("reads first when the bus region is unknown", () => {
      const event = guardDuty();
      delete event.region;

      expect(only(parse(event)).update).toBe(true);
    });

    it("writes directly for another AWS product of this region", () => {
      const event = guardDuty();
      ocsf(event).metadata.product.uid = "arn:aws:securityhub:us-east-1::productv2/aws/macie";

      expect(only(parse(event)).update).toBe(false);
    });

    it("reads first for an update (activity Update) or a repeated count, whatever the product", () => {
      const updated = guardDuty();
      Object.assign(ocsf(updated), { activity_id: 2, activity_name: "Update" });
      ocsf(updated).cloud.region = "eu-west-1";
      const counted = guardDuty();
      Object.assign(ocsf(counted), { count: 3 });
      ocsf(counted).metadata.product.uid = "arn:aws:securityhub:us-east-1::productv2/aws/macie";

      expect(only(parse(updated)).update).toBe(true);
      expect(only(parse(counted))).toMatchObject({ update: true, occurrences: 3 });
    });
  });

  it("reads epoch-millisecond times when the _dt strings are missing", () => {
    const event = guardDuty();
    const info = ocsf(event).finding_info;
    delete info.first_seen_time_dt;
    delete info.modified_time_dt;

    expect(only(parse(event))).toMatchObject({
      firstSeen: "2026-11-21T07:58:40.000Z",
      observedAt: "2026-11-21T08:02:11.482Z",
    });
  });

  describe("malformed events", () => {
    it("ignores another detail-type", () => {
      const event = guardDuty();
      event["detail-type"] = "Security Hub Insight Results";

      expect(parse(event)).toMatchObject({
        kind: "ignored",
        reason: "not an OCSF finding: Security Hub Insight Results",
      });
    });

    it.each([
      ["no findings array", (e: EditableEvent) => (e.detail = { findings: "none" }), "detail.findings"],
      ["no detail", (e: EditableEvent) => delete e.detail, "detail"],
      [
        "resources that are not a list",
        (e: EditableEvent) => (ocsf(e).resources = {}),
        "detail.findings.0.resources",
      ],
      [
        "no finding_info and no valid key",
        (e: EditableEvent) => {
          delete ocsf(e).finding_info;
          ocsf(e).resources = [keyResource("not-a-key")];
        },
        "detail.findings.0.finding_info",
      ],
      [
        "a finding that is not an object",
        (e: EditableEvent) => (e.detail.findings = ["x"]),
        "detail.findings.0",
      ],
    ])("rejects an event with %s as invalid, naming the path", (_, spoil, path) => {
      const event = guardDuty();
      spoil(event);

      expect(parse(event)).toMatchObject({
        kind: "invalid",
        source: "security-hub",
        reason: expect.stringContaining(path),
      });
    });

    it.each([
      [
        "no finding_info",
        (e: EditableEvent) => delete ocsf(e).finding_info,
        "detail.findings.0.finding_info",
      ],
      [
        "an empty finding_info.uid",
        (e: EditableEvent) => (ocsf(e).finding_info.uid = ""),
        "detail.findings.0.finding_info.uid",
      ],
      [
        "a key resource whose uid is not a string",
        (e: EditableEvent) => (ocsf(e).resources[0].uid = 42),
        "detail.findings.0.resources.0.uid",
      ],
      [
        "a status_id that is not a number",
        (e: EditableEvent) => (ocsf(e).status_id = "1"),
        "detail.findings.0.status_id",
      ],
      [
        "a user name that is not a string",
        (e: EditableEvent) => (ocsf(e).resources[0].data.user_name = 7),
        "detail.findings.0.resources.0.data.user_name",
      ],
    ])("names the key of an event with %s, for a person to decide, naming the path", (_, spoil, path) => {
      const event = guardDuty();
      spoil(event);

      expect(only(parse(event))).toMatchObject({
        accessKeyId: "AKIAGRACE00000000001",
        doubt: expect.stringContaining(path),
      });
    });

    it("reads past descriptive fields of the wrong type: the key is contained as usual", () => {
      const event = guardDuty();
      Object.assign(ocsf(event), { count: "1", severity: null, time_dt: 5 });
      Object.assign(ocsf(event).finding_info, { title: null, desc: null, created_time_dt: {} });

      const finding = only(parse(event));

      expect(finding).toMatchObject({ accessKeyId: "AKIAGRACE00000000001", occurrences: 1, severity: 7 });
      expect(finding.doubt).toBeUndefined();
    });

    it("never throws and never yields a writable finding from arbitrary JSON in the finding", () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.jsonValue(), (finding, resources) => {
          const event = guardDuty();
          event.detail.findings = [finding];
          const direct = parse(event);
          const withResources = guardDuty();
          ocsf(withResources).resources = resources;
          const other = parse(withResources);
          for (const parsed of [direct, other]) {
            expect(["findings", "ignored", "invalid"]).toContain(parsed.kind);
          }
          // Random findings carry no AWS product uid, so nothing they name is trusted.
          if (direct.kind === "findings") {
            for (const f of direct.findings) expect(f.provenance?.aws).toBe(false);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe("parseEvent dispatch for aws.securityhub", () => {
  it("sends Findings Imported V2 to the OCSF parser", () => {
    const parsed = parseEvent(loadEvent("security-hub-v2-guardduty"));

    expect(findings(parsed).map((f) => f.provenance?.product)).toEqual([GUARDDUTY_PRODUCT]);
  });

  it("keeps Security Hub Findings - Imported on the ASFF parser", () => {
    const parsed = parseEvent(loadEvent("security-hub-principal-name"));

    expect(findings(parsed).map((f) => f.userName)).toEqual(["grace"]);
  });

  it("does not read an ASFF finding sent as V2, nor an OCSF finding sent as ASFF", () => {
    const asffAsV2 = loadEvent("security-hub-principal-name");
    asffAsV2["detail-type"] = "Findings Imported V2";
    const ocsfAsAsff = loadEvent("security-hub-v2-guardduty");
    ocsfAsAsff["detail-type"] = "Security Hub Findings - Imported";

    expect(parseEvent(asffAsV2).kind).toBe("invalid");
    expect(parseEvent(ocsfAsAsff).kind).toBe("invalid");
  });
});
