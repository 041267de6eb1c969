import * as v from "valibot";
import { describe, expect, it } from "vitest";
import type { ParsedEvent } from "../../../src/findings/finding";
import { parseGuardDutyDetail, parseGuardDutyEvent } from "../../../src/findings/guardduty";
import { Envelope } from "../../../src/findings/schema";
import { type EditableEvent, loadEvent, MEMBER, SELF } from "../../support/fixtures";

const parse = (event: unknown): ParsedEvent => parseGuardDutyEvent(v.parse(Envelope(), event));

const onlyFinding = (parsed: ParsedEvent) => {
  expect(parsed.kind).toBe("findings");
  if (parsed.kind !== "findings") throw new Error(parsed.reason);
  expect(parsed.findings).toHaveLength(1);
  return parsed.findings[0] as (typeof parsed.findings)[number];
};

describe("parseGuardDutyEvent", () => {
  it("turns an IAM-user finding into one finding with the key, user, account, severity and facts", () => {
    const finding = onlyFinding(parse(loadEvent("guardduty-iam-user")));

    expect(finding).toEqual({
      source: "guardduty",
      findingId: "3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c",
      eventId: "6f1d2c84-3b9e-4a57-8c0d-9e2f41a7b365",
      type: "UnauthorizedAccess:IAMUser/TorIPCaller",
      title: "ListBuckets was called with alice's access key from a Tor exit node.",
      severity: 5,
      accessKeyId: "AKIAALICE00000000001",
      userName: "alice",
      principalType: "IAMUser",
      principalId: "AIDAALICEEXAMPLE00001",
      account: SELF,
      region: "us-east-1",
      partition: "aws",
      sample: false,
      firstSeen: "2026-11-20T09:00:00.000Z",
      observedAt: "2026-11-20T09:04:37.512Z",
      occurrences: 1,
      update: false,
      requestedStatus: "Inactive",
      details: {
        "Remote IP": "203.0.113.24",
        Country: "Netherlands",
        Organization: "Example Anonymity Network",
        "API called": "s3.amazonaws.com:ListBuckets",
        "Finding ARN":
          "arn:aws:guardduty:us-east-1:111111111111:detector/7c2e9a41d05b8f3e6a1d4c9b2e0f5a38/finding/3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c",
      },
    });
  });

  it.each([
    ["guardduty-iam-user", "AKIAALICE00000000001", "alice", "IAMUser", 5, SELF, false],
    ["guardduty-iam-user-update", "AKIAALICE00000000001", "alice", "IAMUser", 5, SELF, true],
    [
      "guardduty-sample",
      "GeneratedFindingAccessKeyId",
      "GeneratedFindingUserName",
      "IAMUser",
      5,
      SELF,
      false,
    ],
    ["guardduty-root", "AKIAROOT000000000001", "Root", "Root", 2, SELF, false],
    ["guardduty-protected-user", "AKIABREAKGLASS000001", "breakglass-admin", "IAMUser", 5, SELF, false],
    ["guardduty-assumed-role", "ASIAROLE000000000001", "web-instance-role", "AssumedRole", 8, SELF, true],
    ["guardduty-user-temporary-key", "ASIADAVE000000000001", "dave", "IAMUser", 5, SELF, false],
    ["guardduty-member-account", "AKIAERIN000000000001", "erin", "IAMUser", 5, MEMBER, false],
    ["guardduty-low-severity", "AKIAALICE00000000001", "alice", "IAMUser", 2, SELF, false],
    ["guardduty-s3-with-key", "AKIAALICE00000000001", "alice", "IAMUser", 5, SELF, true],
    ["guardduty-invalid-key", "AKIA'; DROP--", "alice", "IAMUser", 5, SELF, false],
  ])(
    "reads %s as key %s of %s (%s), severity %d, account %s, update %s",
    (fixture, key, user, type, severity, account, update) => {
      expect(onlyFinding(parse(loadEvent(fixture)))).toMatchObject({
        source: "guardduty",
        accessKeyId: key,
        userName: user,
        principalType: type,
        severity,
        account,
        update,
        requestedStatus: "Inactive",
      });
    },
  );

  it("takes the key's account from detail.accountId, not from the envelope that received the event", () => {
    const event = loadEvent("guardduty-member-account");
    event.account = "333333333333";

    const finding = onlyFinding(parse(event));

    expect(finding.account).toBe(MEMBER);
    expect(finding.userName).toBe("erin");
  });

  it("leaves the account unknown when detail.accountId is missing, even if the envelope has one", () => {
    const missing = loadEvent("guardduty-iam-user");
    delete missing.detail.accountId;

    expect(onlyFinding(parse(missing)).account).toBeUndefined();
  });

  it("keeps a detail.accountId that is not 12 digits as sent, so that the plan refuses it", () => {
    const malformed = loadEvent("guardduty-iam-user");
    malformed.detail.accountId = "AKIAALICE00000000001";

    expect(onlyFinding(parse(malformed)).account).toBe("AKIAALICE00000000001");
  });

  it.each([
    ["IAMUser", "IAMUser"],
    ["AssumedRole", "AssumedRole"],
    ["Role", "AssumedRole"],
    ["Root", "Root"],
    ["AWSAccount", "Unknown"],
    [undefined, "Unknown"],
  ])("maps userType %s to principal type %s", (userType, expected) => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.resource.accessKeyDetails.userType = userType;

    expect(onlyFinding(parse(event)).principalType).toBe(expected);
  });

  it("reads an instance-role finding as a temporary key of an assumed role named by the role", () => {
    const finding = onlyFinding(parse(loadEvent("guardduty-assumed-role")));

    expect(finding).toMatchObject({
      accessKeyId: "ASIAROLE000000000001",
      userName: "web-instance-role",
      principalType: "AssumedRole",
      principalId: "AROAEXAMPLEROLEID001:i-0abc1234def567890",
      severity: 8,
    });
  });

  it("reads a root finding as principal type Root", () => {
    const finding = onlyFinding(parse(loadEvent("guardduty-root")));

    expect(finding).toMatchObject({
      accessKeyId: "AKIAROOT000000000001",
      principalType: "Root",
      severity: 2,
    });
  });

  it("marks the sample fixture as a sample", () => {
    expect(onlyFinding(parse(loadEvent("guardduty-sample"))).sample).toBe(true);
  });

  it("marks a finding as a sample from additionalInfo.sample alone, even with real-looking identifiers", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.service.additionalInfo = { sample: true };

    expect(onlyFinding(parse(event)).sample).toBe(true);
  });

  it.each([
    ["GeneratedFindingAccessKeyId", "GuardDuty's placeholder"],
    ["ACCESS_KEY_ID_HERE", "a template's placeholder"],
    ["AKIAALICE0000000001", "a key one character short"],
    ["akiaalice00000000001", "a key in lower case"],
    ["AIDAALICE00000000001", "a user ID, not a key ID"],
  ])("marks a finding without the flag as a sample when its key is %s (%s): no credential has it", (key) => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.resource.accessKeyDetails.accessKeyId = key;

    expect(event.detail.service.additionalInfo).toEqual({});
    expect(onlyFinding(parse(event)).sample).toBe(true);
  });

  it.each([
    ["userName", "GeneratedFindingUserName"],
    ["principalId", "GeneratedFindingPrincipalId"],
  ])("does not take a real key for a sample because its %s looks like a placeholder", (field, value) => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.resource.accessKeyDetails[field] = value;

    expect(onlyFinding(parse(event))).toMatchObject({ accessKeyId: "AKIAALICE00000000001", sample: false });
  });

  it("leaves a key that is not even made of key characters to the plan, as bad input rather than a sample", () => {
    expect(onlyFinding(parse(loadEvent("guardduty-invalid-key"))).sample).toBe(false);
  });

  it("does not mistake a {value, type} additionalInfo for a sample", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.service.additionalInfo = { value: '{"unusual":{"hoursOfDay":[1]}}', type: "default" };

    expect(onlyFinding(parse(event)).sample).toBe(false);
  });

  it.each([[true], ["true"], ['{"sample":"true"}']])("treats the sample flag %j like the boolean", (flag) => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.service.additionalInfo =
      typeof flag === "string" && flag.startsWith("{") ? { value: flag, type: "default" } : { sample: flag };

    expect(onlyFinding(parse(event)).sample).toBe(true);
  });

  it.each([[false], ["false"], ["yes"], [1]])("does not count the sample flag %j", (flag) => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.service.additionalInfo = { sample: flag };

    expect(onlyFinding(parse(event)).sample).toBe(false);
  });

  it.each([[true], ["true"]])("marks an archived finding (archived %j) as closed", (archived) => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.service.archived = archived;

    expect(onlyFinding(parse(event)).closed).toBe("the finding is archived");
  });

  it("leaves an unarchived finding open", () => {
    expect(onlyFinding(parse(loadEvent("guardduty-iam-user"))).closed).toBeUndefined();
  });

  it("still sees the boolean flag when additionalInfo also carries {value, type}", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.service.additionalInfo = { sample: true, value: '{"sample":true}', type: "default" };

    expect(onlyFinding(parse(event)).sample).toBe(true);
  });

  it("marks the re-published finding (count 4, later updatedAt) as an update", () => {
    const finding = onlyFinding(parse(loadEvent("guardduty-iam-user-update")));

    expect(finding).toMatchObject({
      findingId: "3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c",
      eventId: "a93e5b10-7d42-4c8f-b6e1-0c5d83f92a47",
      occurrences: 4,
      update: true,
      observedAt: "2026-11-20T15:04:48.906Z",
    });
  });

  it("marks a finding with count above 1 as an update even when updatedAt equals createdAt", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.service.count = 2;

    expect(onlyFinding(parse(event)).update).toBe(true);
  });

  it("marks a finding whose updatedAt differs from createdAt as an update even with count 1", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.updatedAt = "2026-11-20T10:00:00.000Z";

    expect(onlyFinding(parse(event)).update).toBe(true);
  });

  it("treats the first occurrence as new", () => {
    expect(onlyFinding(parse(loadEvent("guardduty-iam-user"))).update).toBe(false);
  });

  it("reads the key of an S3 finding that carries accessKeyDetails instead of filtering on resourceType", () => {
    const finding = onlyFinding(parse(loadEvent("guardduty-s3-with-key")));

    expect(finding).toMatchObject({
      accessKeyId: "AKIAALICE00000000001",
      userName: "alice",
      type: "PenTest:S3/KaliLinux",
    });
  });

  it("passes an invalid key ID through as found, for the plan to refuse", () => {
    expect(onlyFinding(parse(loadEvent("guardduty-invalid-key"))).accessKeyId).toBe("AKIA'; DROP--");
  });

  it("ignores an EC2 finding that names no access key", () => {
    const parsed = parse(loadEvent("guardduty-ec2"));

    expect(parsed).toEqual({
      kind: "ignored",
      source: "guardduty",
      eventId: "47b9c2e6-0a3d-4f81-95c7-d2e8a6b04f19",
      reason: "GuardDuty finding Backdoor:EC2/C&CActivity.B!DNS (Instance) names no access key",
    });
  });

  it("ignores a CloudTrail API-call event from aws.guardduty even though it holds a key ID", () => {
    const parsed = parse(loadEvent("guardduty-cloudtrail-api-call"));

    expect(parsed.kind).toBe("ignored");
    expect(parsed).toMatchObject({ reason: 'not a finding: detail-type "AWS API Call via CloudTrail"' });
  });

  it("rejects a GuardDuty Finding envelope without detail as invalid, naming the event", () => {
    expect(parse(loadEvent("guardduty-missing-detail"))).toEqual({
      kind: "invalid",
      source: "guardduty",
      eventId: "a7d24f9b-3c6e-4b10-8f5a-e09b7c2d1e64",
      reason: "GuardDuty event has no detail",
    });
  });

  it("names the key of a finding without an id, with the failing path, for a person to decide", () => {
    const event = loadEvent("guardduty-iam-user");
    delete event.detail.id;

    expect(onlyFinding(parse(event))).toMatchObject({
      accessKeyId: "AKIAALICE00000000001",
      findingId: "6f1d2c84-3b9e-4a57-8c0d-9e2f41a7b365",
      doubt: expect.stringContaining("detail.id"),
    });
  });

  it("rejects a finding without an id that names no valid key as invalid, naming the path", () => {
    const event = loadEvent("guardduty-invalid-key");
    delete event.detail.id;

    expect(parse(event)).toMatchObject({ kind: "invalid", reason: expect.stringContaining("detail.id") });
  });

  it("names the key of a finding whose severity is not a number, and does not guess a severity", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.severity = "HIGH";

    const finding = onlyFinding(parse(event));

    expect(finding).toMatchObject({
      accessKeyId: "AKIAALICE00000000001",
      doubt: expect.stringContaining("HIGH"),
    });
    expect(finding.severity).toBeUndefined();
  });

  it("reads a severity sent as a string of a number, with no doubt", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.severity = "8.0";

    const finding = onlyFinding(parse(event));

    expect(finding.severity).toBe(8);
    expect(finding.doubt).toBeUndefined();
  });

  it.each([
    ["a null title", (d: EditableEvent) => Object.assign(d, { title: null })],
    ["a null description", (d: EditableEvent) => Object.assign(d, { description: null })],
    ["a count sent as a string", (d: EditableEvent) => Object.assign(d.service, { count: "4" })],
    ["a region that is a number", (d: EditableEvent) => Object.assign(d, { region: 1 })],
    ["an updatedAt that is an object", (d: EditableEvent) => Object.assign(d, { updatedAt: {} })],
    [
      "a remote IP that is a list",
      (d: EditableEvent) => Object.assign(d.service.action.awsApiCallAction, { remoteIpDetails: [] }),
    ],
    [
      "an additionalInfo that is a string",
      (d: EditableEvent) => Object.assign(d.service, { additionalInfo: "x" }),
    ],
  ])("reads past %s: the key is still contained as usual", (_, change) => {
    const event = loadEvent("guardduty-iam-user");
    change(event.detail);

    const finding = onlyFinding(parse(event));

    expect(finding).toMatchObject({ accessKeyId: "AKIAALICE00000000001", userName: "alice", sample: false });
    expect(finding.doubt).toBeUndefined();
  });

  it("reads a count sent as a string as the number it is", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.service.count = "4";

    expect(onlyFinding(parse(event))).toMatchObject({ occurrences: 4, update: true });
  });

  it("names the key, for a person, when an identifier has the wrong type (a user name that is a number)", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.resource.accessKeyDetails.userName = 42;

    expect(onlyFinding(parse(event))).toMatchObject({
      accessKeyId: "AKIAALICE00000000001",
      doubt: expect.stringContaining("detail.resource.accessKeyDetails.userName"),
    });
  });

  it("does not read an array where the key's details belong as details naming no key: it is invalid, not ignored", () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.resource.accessKeyDetails = [];

    expect(parse(event)).toMatchObject({
      kind: "invalid",
      reason: expect.stringContaining(
        "detail.resource.accessKeyDetails: Invalid type: Expected Object but received Array",
      ),
    });
  });
});

describe("parseGuardDutyDetail", () => {
  it("accepts the bare detail a rule with InputPath $.detail delivers, with the request id as event id", () => {
    const { detail } = loadEvent("guardduty-iam-user");

    const finding = onlyFinding(parseGuardDutyDetail(detail, "request-7"));

    expect(finding).toMatchObject({
      eventId: "request-7",
      accessKeyId: "AKIAALICE00000000001",
      userName: "alice",
      account: SELF,
    });
  });

  it.each([undefined, null])("treats a %s detail as invalid", (detail) => {
    expect(parseGuardDutyDetail(detail, "request-7")).toEqual({
      kind: "invalid",
      source: "guardduty",
      eventId: "request-7",
      reason: "GuardDuty event has no detail",
    });
  });
});
