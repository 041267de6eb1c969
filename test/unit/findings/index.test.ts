import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEvent } from "../../../src/findings";
import { loadEvent } from "../../support/fixtures";

describe("parseEvent", () => {
  it.each([
    ["guardduty-iam-user", "findings", "guardduty"],
    ["guardduty-iam-user-update", "findings", "guardduty"],
    ["guardduty-sample", "findings", "guardduty"],
    ["guardduty-root", "findings", "guardduty"],
    ["guardduty-ec2", "ignored", "guardduty"],
    ["guardduty-protected-user", "findings", "guardduty"],
    ["guardduty-assumed-role", "findings", "guardduty"],
    ["guardduty-user-temporary-key", "findings", "guardduty"],
    ["guardduty-member-account", "findings", "guardduty"],
    ["guardduty-low-severity", "findings", "guardduty"],
    ["guardduty-s3-with-key", "findings", "guardduty"],
    ["guardduty-cloudtrail-api-call", "ignored", "guardduty"],
    ["guardduty-missing-detail", "invalid", "guardduty"],
    ["guardduty-invalid-key", "findings", "guardduty"],
    ["guardduty-sns-wrapped", "findings", "guardduty"],
    ["health-credentials-exposed-two-keys", "findings", "health"],
    ["health-credentials-exposure-suspected", "findings", "health"],
    ["health-credentials-compromised", "findings", "health"],
    ["health-credentials-compromise-suspected", "findings", "health"],
    ["health-iam-quarantine", "findings", "health"],
    ["health-with-metadata", "findings", "health"],
    ["health-member-account", "findings", "health"],
    ["health-non-credential", "ignored", "health"],
    ["trusted-advisor-exposed-key", "findings", "trusted-advisor"],
    ["trusted-advisor-root", "findings", "trusted-advisor"],
    ["trusted-advisor-ok", "ignored", "trusted-advisor"],
    ["security-hub-principal-name", "findings", "security-hub"],
    ["security-hub-legacy-user-name", "findings", "security-hub"],
    ["security-hub-null-key", "ignored", "security-hub"],
    ["security-hub-member-account", "findings", "security-hub"],
    ["security-hub-insight-results", "ignored", "security-hub"],
    ["manual-disable", "findings", "manual"],
    ["manual-disable-no-user", "findings", "manual"],
    ["manual-reactivate", "findings", "manual"],
    ["manual-at-sign-user", "findings", "manual"],
    ["manual-reactivate-no-reason", "invalid", "manual"],
    ["manual-invalid", "invalid", "manual"],
  ])("routes %s to %s from %s", (fixture, kind, source) => {
    expect(parseEvent(loadEvent(fixture), "request-1")).toMatchObject({ kind, source });
  });

  it("unwraps an SNS notification and parses the GuardDuty finding inside it", () => {
    const parsed = parseEvent(loadEvent("guardduty-sns-wrapped"), "request-1");

    expect(parsed).toMatchObject({
      kind: "findings",
      source: "guardduty",
      eventId: "94c1f7e2-6d3b-4a08-b5e9-2f7a0c8d4e16",
      findings: [
        {
          accessKeyId: "AKIABOB0000000000001",
          userName: "bob",
          severity: 6,
          account: "111111111111",
          eventId: "94c1f7e2-6d3b-4a08-b5e9-2f7a0c8d4e16",
        },
      ],
    });
  });

  it("unwraps an SNS notification around a manual request too", () => {
    const wrapped = { Records: [{ Sns: { Message: JSON.stringify(loadEvent("manual-disable")) } }] };

    expect(parseEvent(wrapped, "request-9")).toMatchObject({
      kind: "findings",
      source: "manual",
      findings: [{ accessKeyId: "AKIAIVAN000000000001", findingId: "manual/request-9", viaSns: true }],
    });
  });

  it("marks findings that arrived inside an SNS notification, and only those", () => {
    const wrapped = parseEvent(loadEvent("guardduty-sns-wrapped"), "request-1");
    const direct = parseEvent(loadEvent("guardduty-iam-user"), "request-1");

    expect(wrapped).toMatchObject({ kind: "findings", findings: [{ viaSns: true }] });
    expect(direct.kind === "findings" && direct.findings[0]?.viaSns).toBe(undefined);
    expect(direct.kind).toBe("findings");
  });

  it.each([
    [
      "two records",
      () => ({
        Records: [
          loadEvent("guardduty-sns-wrapped").Records[0],
          loadEvent("guardduty-sns-wrapped").Records[0],
        ],
      }),
      "expected exactly one SNS record with a Message",
    ],
    ["no records", () => ({ Records: [] }), "expected exactly one SNS record with a Message"],
    [
      "a Message that is not a string",
      () => ({ Records: [{ Sns: { Message: { id: 1 } } }] }),
      "expected exactly one SNS record with a Message",
    ],
    [
      "a Message that is not JSON",
      () => ({ Records: [{ Sns: { Message: "{not json" } }] }),
      "the SNS message is not JSON",
    ],
    [
      "a notification wrapped in another",
      () => ({ Records: [{ Sns: { Message: JSON.stringify(loadEvent("guardduty-sns-wrapped")) } }] }),
      "nested SNS notifications are not supported",
    ],
  ])("rejects an SNS notification with %s as invalid", (_, build, reason) => {
    expect(parseEvent(build(), "request-1")).toEqual({ kind: "invalid", eventId: "request-1", reason });
  });

  it.each([
    ["null", null],
    ["an array", [loadEvent("guardduty-iam-user")]],
    ["a string", JSON.stringify(loadEvent("guardduty-iam-user"))],
    ["a number", 42],
    ["undefined", undefined],
  ])("rejects %s as invalid: the event is not a JSON object", (_, event) => {
    expect(parseEvent(event, "request-1")).toEqual({
      kind: "invalid",
      eventId: "request-1",
      reason: "the event is not a JSON object",
    });
  });

  it("accepts the bare GuardDuty detail a rule with InputPath $.detail delivers", () => {
    const parsed = parseEvent(loadEvent("guardduty-iam-user").detail, "request-5");

    expect(parsed).toMatchObject({
      kind: "findings",
      source: "guardduty",
      eventId: "request-5",
      findings: [{ accessKeyId: "AKIAALICE00000000001", userName: "alice" }],
    });
  });

  it("accepts a bare attack sequence detail, which has no resource", () => {
    const detail = loadEvent("guardduty-attack-sequence-two-actors").detail;
    delete detail.resource;

    expect(parseEvent(detail, "request-6")).toMatchObject({ kind: "findings", source: "guardduty" });
  });

  it("ignores a bare EC2 detail as it ignores the full event", () => {
    expect(parseEvent(loadEvent("guardduty-ec2").detail)).toMatchObject({
      kind: "ignored",
      source: "guardduty",
    });
  });

  it.each(["__proto__", "constructor", "toString", "hasOwnProperty", "prototype"])(
    "ignores an event whose source is %j without touching object internals",
    (source) => {
      const event = JSON.parse(
        JSON.stringify({ ...loadEvent("guardduty-iam-user"), source }).replace(
          '"detail":',
          '"__proto__":{"polluted":true},"detail":',
        ),
      );

      expect(parseEvent(event)).toEqual({
        kind: "ignored",
        eventId: "6f1d2c84-3b9e-4a57-8c0d-9e2f41a7b365",
        reason: `events from ${source} are not handled`,
      });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it("ignores events from sources it does not handle", () => {
    const event = { ...loadEvent("guardduty-iam-user"), source: "aws.ec2" };

    expect(parseEvent(event)).toMatchObject({
      kind: "ignored",
      reason: "events from aws.ec2 are not handled",
    });
  });

  it("ignores an object that is neither an event, a finding nor a request", () => {
    expect(parseEvent({ hello: "world" }, "request-1")).toEqual({
      kind: "ignored",
      eventId: "request-1",
      reason: "not an event this responder handles",
    });
  });

  it("does not read an event with a source as a manual request, even when it holds accessKeyId", () => {
    const event = { ...loadEvent("guardduty-iam-user"), accessKeyId: "AKIAIVAN000000000001" };

    expect(parseEvent(event)).toMatchObject({ kind: "findings", source: "guardduty" });
  });

  it("never throws for any JSON value and always answers findings, ignored or invalid", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = parseEvent(value, "request-1");
        expect(["findings", "ignored", "invalid"]).toContain(parsed.kind);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws for any detail under a known source and detail-type", () => {
    const envelopes = fc.record({
      "detail-type": fc.constantFrom(
        "GuardDuty Finding",
        "AWS Health Event",
        "Trusted Advisor Check Item Refresh Notification",
        "Security Hub Findings - Imported",
      ),
      source: fc.constantFrom("aws.guardduty", "aws.health", "aws.trustedadvisor", "aws.securityhub"),
      detail: fc.jsonValue(),
    });
    fc.assert(
      fc.property(envelopes, (event) => {
        expect(() => parseEvent(event)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});

describe("parseEvent on the manual function", () => {
  const KEY = "AKIAIVAN000000000001";
  const onManual = (event: unknown) => parseEvent(event, "request-7", "manual");

  it.each([
    [
      "fields as aws iam list-access-keys prints them",
      { AccessKeyId: KEY, UserName: "ivan" },
      '"AccessKeyId": did you mean "accessKeyId"?',
    ],
    ["accessKeyID", { accessKeyID: KEY }, '"accessKeyID": did you mean "accessKeyId"?'],
    ["a request with a source field", { accessKeyId: KEY, source: "oncall" }, 'unknown field "source"'],
    ["an empty object", {}, "accessKeyId: missing"],
    ["a string that is not JSON", "{accessKeyId: AKIAIVAN000000000001}", "the request is not JSON"],
  ])("reads %s as a person's request, refused with a hint", (_, event, hint) => {
    const parsed = onManual(event);

    expect(parsed).toMatchObject({ kind: "invalid", source: "manual", eventId: "request-7" });
    expect(parsed.kind === "invalid" && parsed.reason).toContain(hint);
  });

  it("still ignores a request with AccessKeyId on any other function, as before", () => {
    expect(parseEvent({ AccessKeyId: KEY }, "request-7", "guardduty")).toMatchObject({ kind: "ignored" });
    expect(parseEvent({ AccessKeyId: KEY }, "request-7")).toMatchObject({ kind: "ignored" });
  });

  it.each([
    ["a person's request", loadEvent("manual-disable"), "manual"],
    ["a chat button's request", { disable: KEY }, "manual"],
    ["a GuardDuty event", loadEvent("guardduty-iam-user"), "guardduty"],
    ["a bare GuardDuty detail", loadEvent("guardduty-iam-user").detail, "guardduty"],
    ["a Health event", loadEvent("health-credentials-exposed-two-keys"), "health"],
  ])("reads %s as before", (_, event, source) => {
    expect(onManual(event)).toMatchObject({ kind: "findings", source });
  });

  it("still ignores an AWS event it does not handle", () => {
    expect(onManual(loadEvent("health-non-credential"))).toMatchObject({ kind: "ignored" });
  });

  it("reads an object inside an SNS notification as a person's request too", () => {
    const wrapped = { Records: [{ Sns: { Message: JSON.stringify({ AccessKeyId: KEY }) } }] };

    expect(onManual(wrapped)).toMatchObject({ kind: "invalid", source: "manual" });
  });
});
