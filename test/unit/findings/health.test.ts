import * as v from "valibot";
import { describe, expect, it } from "vitest";
import type { Finding, ParsedEvent } from "../../../src/findings/finding";
import { HEALTH_CREDENTIAL_CODES, parseHealthEvent } from "../../../src/findings/health";
import { Envelope } from "../../../src/findings/schema";
import { loadEvent, MEMBER, SELF } from "../../support/fixtures";

const parse = (event: unknown): ParsedEvent => parseHealthEvent(v.parse(Envelope(), event));

const findings = (parsed: ParsedEvent): Finding[] => {
  expect(parsed.kind).toBe("findings");
  if (parsed.kind !== "findings") throw new Error(parsed.reason);
  return parsed.findings;
};

describe("parseHealthEvent", () => {
  it("knows exactly the five credential event codes", () => {
    expect([...HEALTH_CREDENTIAL_CODES].sort()).toEqual([
      "AWS_RISK_CREDENTIALS_COMPROMISED",
      "AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED",
      "AWS_RISK_CREDENTIALS_EXPOSED",
      "AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED",
      "AWS_RISK_IAM_QUARANTINE",
    ]);
  });

  it.each([
    ["health-credentials-exposure-suspected", "AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED"],
    ["health-credentials-compromised", "AWS_RISK_CREDENTIALS_COMPROMISED"],
    ["health-credentials-compromise-suspected", "AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED"],
    ["health-iam-quarantine", "AWS_RISK_IAM_QUARANTINE"],
  ])("turns %s into a finding for bob's key of type %s", (fixture, code) => {
    const event = loadEvent(fixture);

    expect(findings(parse(event))).toEqual([
      expect.objectContaining({
        source: "health",
        findingId: event.detail.eventArn,
        eventId: event.id,
        type: code,
        title: `AWS Health ${code}`,
        accessKeyId: "AKIABOB0000000000001",
        userName: undefined,
        principalType: "Unknown",
        sample: false,
        update: false,
        requestedStatus: "Inactive",
      }),
    ]);
  });

  it("turns every affected entity into its own finding, with no user or account named", () => {
    const result = findings(parse(loadEvent("health-credentials-exposed-two-keys")));

    expect(result.map((f) => f.accessKeyId)).toEqual(["AKIABOB0000000000001", "AKIACAROL00000000001"]);
    for (const finding of result) {
      expect(finding).toMatchObject({
        type: "AWS_RISK_CREDENTIALS_EXPOSED",
        findingId:
          "arn:aws:health:us-east-1::event/RISK/AWS_RISK_CREDENTIALS_EXPOSED/AWS_RISK_CREDENTIALS_EXPOSED-Qm7TzK2wLp",
        principalType: "Unknown",
        region: "us-east-1",
      });
      expect(finding.userName).toBeUndefined();
      expect(finding.account).toBeUndefined();
      expect(finding.severity).toBeUndefined();
    }
  });

  it("collects keys from the entities, the envelope's resources and eventMetadata.publicKey, each once", () => {
    const event = loadEvent("health-credentials-exposed-two-keys");
    event.resources = [
      "AKIACAROL00000000001",
      "AKIADAVE000000000002",
      "arn:aws:iam::111111111111:user/dave",
      "AKIABOB0000000000001",
    ];
    event.detail.eventMetadata = { publicKey: "AKIAERIN000000000001" };

    const keys = findings(parse(event)).map((f) => f.accessKeyId);

    expect(keys).toEqual([
      "AKIABOB0000000000001",
      "AKIACAROL00000000001",
      "AKIADAVE000000000002",
      "AKIAERIN000000000001",
    ]);
  });

  it("reads a key that is only in resources and eventMetadata (the newer format) once", () => {
    const event = loadEvent("health-with-metadata");
    delete event.detail.affectedEntities;

    expect(findings(parse(event)).map((f) => f.accessKeyId)).toEqual(["AKIACAROL00000000001"]);
  });

  it("takes no instance ID or ARN from resources as a key", () => {
    const event = loadEvent("health-credentials-compromised");
    event.resources = ["i-0abc1234def567890", "arn:aws:iam::111111111111:user/bob", "111111111111"];

    expect(findings(parse(event)).map((f) => f.accessKeyId)).toEqual(["AKIABOB0000000000001"]);
  });

  it("reads the user from eventMetadata, the account, the exposure URL and the description", () => {
    const [finding] = findings(parse(loadEvent("health-with-metadata")));

    expect(finding).toMatchObject({
      accessKeyId: "AKIACAROL00000000001",
      userName: "carol",
      account: SELF,
      details: {
        "Exposed at": "https://github.com/example/repo/blob/main/config.env",
        Description: expect.stringContaining("publicly available online"),
      },
    });
  });

  it("gives the metadata's user name only to the key the metadata names", () => {
    const event = loadEvent("health-with-metadata");
    event.detail.affectedEntities.unshift({ entityValue: "AKIABOB0000000000001" });

    const byKey = Object.fromEntries(findings(parse(event)).map((f) => [f.accessKeyId, f.userName]));

    expect(byKey).toEqual({ AKIABOB0000000000001: undefined, AKIACAROL00000000001: "carol" });
  });

  it("names no user when the metadata's key is a different one", () => {
    const event = loadEvent("health-with-metadata");
    event.detail.eventMetadata.publicKey = "AKIADAVE000000000002";
    event.resources = [];

    const byKey = Object.fromEntries(findings(parse(event)).map((f) => [f.accessKeyId, f.userName]));

    expect(byKey).toEqual({ AKIACAROL00000000001: undefined, AKIADAVE000000000002: "carol" });
  });

  it("takes the affected account when it is 12 digits", () => {
    const [finding] = findings(parse(loadEvent("health-member-account")));

    expect(finding).toMatchObject({ accessKeyId: "AKIAERIN000000000001", account: MEMBER });
  });

  it("keeps an affectedAccount that holds a key ID as sent, so that the plan refuses it", () => {
    const event = loadEvent("health-credentials-compromised");
    event.detail.affectedAccount = "AKIABOB0000000000001";

    const result = findings(parse(event));

    expect(result).toHaveLength(1);
    expect(result[0]?.account).toBe("AKIABOB0000000000001");
  });

  it("takes eventMetadata.accountId when there is no affectedAccount", () => {
    const event = loadEvent("health-with-metadata");
    delete event.detail.affectedAccount;
    event.detail.eventMetadata.accountId = MEMBER;

    expect(findings(parse(event))[0]?.account).toBe(MEMBER);
  });

  it("names no usable account when affectedAccount and eventMetadata.accountId disagree", () => {
    const event = loadEvent("health-with-metadata");
    event.detail.eventMetadata.accountId = MEMBER;

    expect(findings(parse(event))[0]?.account).toBe(`${SELF} (metadata says ${MEMBER})`);
  });

  it("parses the RFC-1123 start and update times into ISO-8601", () => {
    const [finding] = findings(parse(loadEvent("health-credentials-compromise-suspected")));

    expect(finding?.firstSeen).toBe("2026-11-20T11:15:00.000Z");
    expect(finding?.observedAt).toBe("2026-11-20T11:15:37.000Z");
  });

  it("falls back to the envelope time when the detail has no usable time", () => {
    const event = loadEvent("health-credentials-compromised");
    delete event.detail.startTime;
    delete event.detail.lastUpdatedTime;

    expect(findings(parse(event))[0]?.observedAt).toBe("2026-11-20T10:41:04.000Z");
  });

  it("ignores an event that is not about credentials", () => {
    expect(parse(loadEvent("health-non-credential"))).toEqual({
      kind: "ignored",
      source: "health",
      eventId: "6a9d1c47-e3b8-4f05-a2c6-7b0e5d9f3a81",
      reason: "not a credential event: AWS_EC2_INSTANCE_STORE_DRIVE_PERFORMANCE_DEGRADED",
    });
  });

  it("ignores an aws.health event of another detail-type", () => {
    const event = loadEvent("health-credentials-compromised");
    event["detail-type"] = "AWS Health Abuse Event";

    expect(parse(event).kind).toBe("ignored");
  });

  it("rejects a credential event that names no key as invalid", () => {
    const event = loadEvent("health-credentials-compromised");
    event.detail.affectedEntities = [];

    expect(parse(event)).toEqual({
      kind: "invalid",
      source: "health",
      eventId: "7e0c3a96-b1d4-4f2e-8a57-c6d9e2b0f341",
      reason: "AWS_RISK_CREDENTIALS_COMPROMISED names no access key",
    });
  });

  it("names the key of an event without eventArn, with the failing path, for a person to decide", () => {
    const event = loadEvent("health-credentials-compromised");
    delete event.detail.eventArn;

    expect(findings(parse(event))).toEqual([
      expect.objectContaining({
        accessKeyId: "AKIABOB0000000000001",
        type: "AWS_RISK_CREDENTIALS_COMPROMISED",
        doubt: expect.stringContaining("detail.eventArn"),
      }),
    ]);
  });

  it("rejects a detail without eventArn that names no valid key as invalid, naming the path", () => {
    const event = loadEvent("health-credentials-compromised");
    delete event.detail.eventArn;
    event.detail.affectedEntities = [{ entityValue: "not a key" }];

    expect(parse(event)).toMatchObject({
      kind: "invalid",
      reason: expect.stringContaining("detail.eventArn"),
    });
  });

  it("names the key, for a person, when the affected account has the wrong type", () => {
    const event = loadEvent("health-credentials-compromised");
    event.detail.affectedAccount = 111111111111;

    expect(findings(parse(event))).toEqual([
      expect.objectContaining({
        accessKeyId: "AKIABOB0000000000001",
        doubt: expect.stringContaining("affectedAccount"),
      }),
    ]);
  });

  it("reads past a null description and times of the wrong type: the key is contained as usual", () => {
    const event = loadEvent("health-credentials-compromised");
    event.detail.eventDescription = null;
    event.detail.startTime = 17;
    event.detail.lastUpdatedTime = null;

    const [finding] = findings(parse(event));

    expect(finding).toMatchObject({ accessKeyId: "AKIABOB0000000000001" });
    expect(finding?.doubt).toBeUndefined();
  });

  it("leaves an event whose code is about something else invalid when it cannot be read", () => {
    const event = loadEvent("health-non-credential");
    event.detail.affectedAccount = 5;

    expect(parse(event).kind).toBe("invalid");
  });
});

describe("parseHealthEvent with copies and pages of one event", () => {
  const updateOf = (event: unknown): boolean[] => findings(parse(event)).map((f) => f.update);

  it("writes without a read first for the copy delivered to us-east-1, where global events arrive first", () => {
    expect(updateOf(loadEvent("health-member-account"))).toEqual([false]);
  });

  it("reads the key first for the backup copy delivered to us-west-2, and says so in the alert's facts", () => {
    const [finding] = findings(parse(loadEvent("health-backup-us-west-2")));

    expect(finding).toMatchObject({ update: true, region: "us-west-2" });
    expect(finding?.details.Delivery).toBe("possibly a backup copy (delivered to us-west-2)");
  });

  it("gives both copies the same finding id (the event ARN), account and key, but keeps each delivery's id", () => {
    const [primary] = findings(parse(loadEvent("health-member-account")));
    const [backup] = findings(parse(loadEvent("health-backup-us-west-2")));

    expect(backup).toMatchObject({
      findingId: primary?.findingId,
      account: MEMBER,
      accessKeyId: primary?.accessKeyId,
    });
    expect(backup?.eventId).not.toBe(primary?.eventId);
  });

  it.each([
    ["true", true],
    ['"true"', "true"],
  ])("reads first when detail.backupEvent is %s, even in us-east-1", (_, flag) => {
    const event = loadEvent("health-member-account");
    event.detail.backupEvent = flag;

    expect(updateOf(event)).toEqual([true]);
  });

  it("still reads first in us-west-2 when detail.backupEvent says false: any sign of a copy adds the read", () => {
    const event = loadEvent("health-backup-us-west-2");
    event.detail.backupEvent = false;

    expect(updateOf(event)).toEqual([true]);
  });

  it("takes the impacted Region from the event ARN when eventRegion is missing", () => {
    const event = loadEvent("health-member-account");
    delete event.detail.eventRegion;
    const backup = loadEvent("health-backup-us-west-2");
    delete backup.detail.eventRegion;

    expect(updateOf(event)).toEqual([false]);
    expect(updateOf(backup)).toEqual([true]);
  });

  it.each([
    {
      what: "a regional event delivered to its own Region",
      eventRegion: "eu-central-1",
      region: "eu-central-1",
      expected: false,
    },
    {
      what: "a regional event delivered to another Region",
      eventRegion: "eu-central-1",
      region: "us-west-2",
      expected: true,
    },
    {
      what: "a global event with no Region on the envelope",
      eventRegion: "global",
      region: undefined,
      expected: true,
    },
  ])("for $what, reads first: $expected", ({ eventRegion, region, expected }) => {
    const event = loadEvent("health-credentials-compromised");
    event.detail.eventRegion = eventRegion;
    if (region === undefined) delete event.region;
    else event.region = region;

    expect(updateOf(event)).toEqual([expected]);
  });

  it.each([
    {
      what: "GovCloud, delivered to us-gov-west-1",
      partition: "aws-us-gov",
      region: "us-gov-west-1",
      expected: false,
    },
    {
      what: "China, where no primary Region for global events is known",
      partition: "aws-cn",
      region: "cn-north-1",
      expected: true,
    },
  ])("for a global event in $what, reads first: $expected", ({ partition, region, expected }) => {
    const event = loadEvent("health-credentials-compromised");
    // The older form of a global event: "global" in the ARN and in eventRegion.
    event.detail.eventArn = event.detail.eventArn.replace(
      /^arn:aws:health:us-east-1:/,
      `arn:${partition}:health:global:`,
    );
    event.detail.eventRegion = "global";
    event.region = region;

    expect(updateOf(event)).toEqual([expected]);
  });

  it("turns each page into findings for its own keys, with one event ARN and the page in the facts", () => {
    const first = findings(parse(loadEvent("health-paged-1-of-2")));
    const second = findings(parse(loadEvent("health-paged-2-of-2")));

    expect(first.map((f) => f.accessKeyId)).toEqual(["AKIABOB0000000000001", "AKIACAROL00000000001"]);
    expect(second.map((f) => f.accessKeyId)).toEqual(["AKIAALICE00000000001", "AKIADAVE000000000002"]);
    expect(new Set([...first, ...second].map((f) => f.findingId)).size).toBe(1);
    expect(first.map((f) => f.details.Page)).toEqual(["1 of 2", "1 of 2"]);
    expect(second.map((f) => f.details.Page)).toEqual(["2 of 2", "2 of 2"]);
  });

  it("never takes a page of the primary delivery for a repeat: each is written without a read first", () => {
    expect(updateOf(loadEvent("health-paged-1-of-2"))).toEqual([false, false]);
    expect(updateOf(loadEvent("health-paged-2-of-2"))).toEqual([false, false]);
  });

  it("adds no page fact to an event that fits on one page", () => {
    const [finding] = findings(parse(loadEvent("health-credentials-compromised")));

    expect(finding?.details).not.toHaveProperty("Page");
    expect(finding?.details).not.toHaveProperty("Delivery");
  });
});
