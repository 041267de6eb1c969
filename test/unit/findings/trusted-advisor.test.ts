import * as v from "valibot";
import { describe, expect, it } from "vitest";
import type { Finding, ParsedEvent } from "../../../src/findings/finding";
import { Envelope } from "../../../src/findings/schema";
import { parseTrustedAdvisorEvent } from "../../../src/findings/trusted-advisor";
import { loadEvent, SELF } from "../../support/fixtures";

const parse = (event: unknown): ParsedEvent => parseTrustedAdvisorEvent(v.parse(Envelope(), event));

const onlyFinding = (parsed: ParsedEvent): Finding => {
  expect(parsed.kind).toBe("findings");
  if (parsed.kind !== "findings") throw new Error(parsed.reason);
  expect(parsed.findings).toHaveLength(1);
  return parsed.findings[0] as Finding;
};

describe("parseTrustedAdvisorEvent", () => {
  it("reads the spaced field names of an Exposed Access Keys item in status ERROR", () => {
    expect(onlyFinding(parse(loadEvent("trusted-advisor-exposed-key")))).toEqual({
      source: "trusted-advisor",
      findingId: "2f6b9d03-c84e-4a17-9b5f-e3a0d7c16842",
      eventId: "d8f1b4a6-2e7c-4093-b5d8-a1e6c3f02b97",
      type: "Exposed Access Keys",
      title: "Trusted Advisor: Exposed Access Keys (Exposed)",
      accessKeyId: "AKIAFRANK00000000001",
      userName: "frank",
      principalType: "IAMUser",
      account: SELF,
      region: "us-east-1",
      sample: false,
      // "Time Updated" is epoch milliseconds as a string.
      observedAt: "2026-11-20T09:46:53.184Z",
      update: false,
      requestedStatus: "Inactive",
      details: {
        "Fraud type": "Exposed",
        "Exposed at": "https://github.com/example/frank-scripts/blob/main/deploy.sh",
        "Support case": "8c3e1f70-5a2d-4b96-8e4c-d07a9b2f6e15",
      },
    });
  });

  it("reads the root fixture as a Root principal with no user name", () => {
    const finding = onlyFinding(parse(loadEvent("trusted-advisor-root")));

    expect(finding).toMatchObject({ accessKeyId: "AKIAROOT000000000001", principalType: "Root" });
    expect(finding.userName).toBeUndefined();
  });

  it.each(["<root_account>", "root", "Root", " <ROOT> "])(
    "reads the user name %j as the root user",
    (name) => {
      const event = loadEvent("trusted-advisor-exposed-key");
      event.detail["check-item-detail"]["User Name (IAM or Root)"] = name;

      const finding = onlyFinding(parse(event));

      expect(finding.principalType).toBe("Root");
      expect(finding.userName).toBeUndefined();
    },
  );

  it("trims the user name and leaves the principal unknown when none is given", () => {
    const spaced = loadEvent("trusted-advisor-exposed-key");
    spaced.detail["check-item-detail"]["User Name (IAM or Root)"] = "  frank ";
    const missing = loadEvent("trusted-advisor-exposed-key");
    delete missing.detail["check-item-detail"]["User Name (IAM or Root)"];

    expect(onlyFinding(parse(spaced))).toMatchObject({ userName: "frank", principalType: "IAMUser" });
    expect(onlyFinding(parse(missing))).toMatchObject({ userName: undefined, principalType: "Unknown" });
  });

  it.each(["OK", "WARN", "INFO"])("ignores the exposed-keys item in status %s", (status) => {
    const event = loadEvent("trusted-advisor-exposed-key");
    event.detail.status = status;

    expect(parse(event)).toEqual({
      kind: "ignored",
      source: "trusted-advisor",
      eventId: "d8f1b4a6-2e7c-4093-b5d8-a1e6c3f02b97",
      reason: `exposed-keys check item in status ${status}`,
    });
  });

  it("ignores the OK refresh fixture", () => {
    expect(parse(loadEvent("trusted-advisor-ok")).kind).toBe("ignored");
  });

  it("ignores another Trusted Advisor check", () => {
    const event = loadEvent("trusted-advisor-exposed-key");
    event.detail["check-name"] = "IAM Access Key Rotation";

    expect(parse(event)).toMatchObject({
      kind: "ignored",
      reason: "not the exposed-keys check: IAM Access Key Rotation",
    });
  });

  it("rejects an ERROR item without an access key ID as invalid, naming the spaced field", () => {
    const event = loadEvent("trusted-advisor-exposed-key");
    delete event.detail["check-item-detail"]["Access Key ID"];

    expect(parse(event)).toMatchObject({
      kind: "invalid",
      source: "trusted-advisor",
      reason: expect.stringContaining("detail.check-item-detail.Access Key ID"),
    });
  });

  it("names the key of an item without check-name, for a person to decide", () => {
    const event = loadEvent("trusted-advisor-exposed-key");
    delete event.detail["check-name"];

    expect(parse(event)).toMatchObject({
      kind: "findings",
      findings: [{ accessKeyId: "AKIAFRANK00000000001", doubt: expect.stringContaining("check-name") }],
    });
  });

  it("rejects an item without check-name that names no valid key as invalid", () => {
    const event = loadEvent("trusted-advisor-exposed-key");
    delete event.detail["check-name"];
    event.detail["check-item-detail"]["Access Key ID"] = "AKIA'; --";

    expect(parse(event)).toMatchObject({ kind: "invalid", reason: expect.stringContaining("check-name") });
  });

  it("names the key, for a person, when the user name has the wrong type", () => {
    const event = loadEvent("trusted-advisor-exposed-key");
    event.detail["check-item-detail"]["User Name (IAM or Root)"] = null;

    expect(parse(event)).toMatchObject({
      kind: "findings",
      findings: [{ accessKeyId: "AKIAFRANK00000000001", doubt: expect.stringContaining("User Name") }],
    });
  });

  it("reads past descriptive fields of the wrong type: the key is contained as usual", () => {
    const event = loadEvent("trusted-advisor-exposed-key");
    Object.assign(event.detail["check-item-detail"], { "Fraud Type": null, Location: 3, "Time Updated": {} });
    event.detail.uuid = 7;

    const parsed = parse(event);

    expect(parsed).toMatchObject({
      kind: "findings",
      findings: [{ accessKeyId: "AKIAFRANK00000000001", userName: "frank" }],
    });
    expect(parsed.kind === "findings" && parsed.findings[0]?.doubt).toBeUndefined();
  });

  it("leaves an item of another status ignored or invalid, never a finding, when it cannot be read", () => {
    const event = loadEvent("trusted-advisor-ok");
    event.detail["check-item-detail"]["User Name (IAM or Root)"] = null;

    expect(parse(event).kind).not.toBe("findings");
  });
});
