import { describe, expect, it } from "vitest";
import type { Finding, ParsedEvent } from "../../../src/findings/finding";
import {
  CHAT_BUTTON_REQUESTED_BY,
  CHAT_BUTTON_REQUESTS,
  isManualRequest,
  parseManualRequest,
} from "../../../src/findings/manual";
import { Action, planContainment } from "../../../src/plan/plan";
import { loadEvent, ourIdentity, SELF, testConfig } from "../../support/fixtures";

const onlyFinding = (parsed: ParsedEvent): Finding => {
  expect(parsed.kind).toBe("findings");
  if (parsed.kind !== "findings") throw new Error(parsed.reason);
  expect(parsed.findings).toHaveLength(1);
  return parsed.findings[0] as Finding;
};

const reasonOf = (parsed: ParsedEvent): string => {
  expect(parsed.kind).toBe("invalid");
  return parsed.kind === "invalid" ? parsed.reason : "";
};

describe("parseManualRequest", () => {
  it("turns a disable request into a manual finding that asks for Inactive", () => {
    expect(onlyFinding(parseManualRequest(loadEvent("manual-disable"), "request-1"))).toEqual({
      source: "manual",
      findingId: "manual/request-1",
      eventId: "request-1",
      type: "ManualRequest",
      title: "Manual request to disable a key",
      accessKeyId: "AKIAIVAN000000000001",
      userName: "ivan",
      principalType: "IAMUser",
      account: undefined,
      sample: false,
      update: false,
      requestedStatus: "Inactive",
      reason: "Key pasted in a public chat channel (ticket SEC-1042)",
      details: {},
    });
  });

  it("defaults the status to Inactive, and states Inactive when it is given", () => {
    const given = { ...loadEvent("manual-disable"), status: "Inactive" };

    expect(onlyFinding(parseManualRequest(loadEvent("manual-disable"))).requestedStatus).toBe("Inactive");
    expect(onlyFinding(parseManualRequest(given)).requestedStatus).toBe("Inactive");
  });

  it("leaves the owner to be looked up when no user is named", () => {
    const finding = onlyFinding(parseManualRequest(loadEvent("manual-disable-no-user"), "request-2"));

    expect(finding).toMatchObject({ accessKeyId: "AKIAIVAN000000000001", principalType: "Unknown" });
    expect(finding.userName).toBeUndefined();
  });

  it("accepts an '@' in the user name", () => {
    expect(onlyFinding(parseManualRequest(loadEvent("manual-at-sign-user"))).userName).toBe(
      "judy@example.com",
    );
  });

  it("turns a reactivation with a reason into a request for Active", () => {
    expect(onlyFinding(parseManualRequest(loadEvent("manual-reactivate"), "request-3"))).toMatchObject({
      type: "ManualReactivation",
      title: "Manual request to reactivate a key",
      requestedStatus: "Active",
      reason: "False positive: key belongs to the CI test fixture (ticket SEC-1043)",
    });
  });

  it("refuses a reactivation without a reason", () => {
    expect(parseManualRequest(loadEvent("manual-reactivate-no-reason"), "request-4")).toEqual({
      kind: "invalid",
      source: "manual",
      eventId: "request-4",
      reason: "invalid manual request: reason: a reason is required to reactivate a key",
    });
  });

  it("refuses a reactivation whose reason is only spaces", () => {
    const request = { ...loadEvent("manual-reactivate"), reason: "   " };

    expect(reasonOf(parseManualRequest(request))).toContain("reason: must not be empty");
  });

  it("explains both problems of the invalid fixture: key length and the space in the user name", () => {
    const reason = reasonOf(parseManualRequest(loadEvent("manual-invalid")));

    expect(reason).toContain("accessKeyId: must be 16–128 letters, digits or underscores (an access key ID)");
    expect(reason).toContain("userName: must be 1–64 characters of letters, digits and + = , . @ _ -");
  });

  it.each([
    ["a key of 15 characters", { accessKeyId: "AKIA00000000000" }, "accessKeyId"],
    ["a key with a quote", { accessKeyId: "AKIA'; DROP TABLE--" }, "accessKeyId"],
    ["a user name with a space", { userName: "ivan smith" }, "userName"],
    ["a user name of 65 characters", { userName: "u".repeat(65) }, "userName"],
    ["an account that is not 12 digits", { account: "12345" }, "account"],
    ["an unknown status", { status: "Deleted" }, "status"],
  ])("rejects %s, naming the field", (_, change, field) => {
    const request = { ...loadEvent("manual-disable"), ...change };

    expect(reasonOf(parseManualRequest(request))).toMatch(new RegExp(`^invalid manual request: ${field}: `));
  });

  it("accepts a key of exactly 16 and a user name of exactly 64 characters", () => {
    const request = { accessKeyId: "AKIA000000000001", userName: "u".repeat(64) };

    expect(onlyFinding(parseManualRequest(request)).userName).toHaveLength(64);
  });

  it("rejects an unknown field instead of ignoring a typo", () => {
    const request = { ...loadEvent("manual-disable"), stauts: "Active" };

    const reason = reasonOf(parseManualRequest(request));

    expect(reason).toContain("stauts");
    expect(reason).toMatch(/unknown field/);
  });

  it("uses the key ID in the finding id when there is no request id", () => {
    expect(onlyFinding(parseManualRequest(loadEvent("manual-disable"))).findingId).toBe(
      "manual/AKIAIVAN000000000001",
    );
  });

  it("carries who asks, as the request states it", () => {
    const request = { ...loadEvent("manual-disable"), requestedBy: "  oncall: mallory  " };

    expect(onlyFinding(parseManualRequest(request)).requestedBy).toBe("oncall: mallory");
  });

  it("refuses an empty or overlong requestedBy", () => {
    expect(
      reasonOf(parseManualRequest({ ...loadEvent<object>("manual-disable"), requestedBy: " " })),
    ).toContain("requestedBy");
    expect(
      reasonOf(parseManualRequest({ ...loadEvent<object>("manual-disable"), requestedBy: "x".repeat(201) })),
    ).toContain("requestedBy");
  });

  it("carries a named account", () => {
    const request = { ...loadEvent("manual-disable"), account: "222222222222" };

    expect(onlyFinding(parseManualRequest(request)).account).toBe("222222222222");
  });
});

describe("parseManualRequest, hints for a person's mistakes", () => {
  const KEY = "AKIAIVAN000000000001";

  it.each([
    [
      "as aws iam list-access-keys prints them",
      { AccessKeyId: KEY, UserName: "ivan" },
      "AccessKeyId",
      "accessKeyId",
    ],
    ["with ID in capitals", { accessKeyID: KEY }, "accessKeyID", "accessKeyId"],
    ["misspelt", { acessKeyId: KEY }, "acessKeyId", "accessKeyId"],
    ["a user name in the wrong case", { accessKeyId: KEY, username: "ivan" }, "username", "userName"],
    ["a misspelt status", { accessKeyId: KEY, stauts: "Inactive" }, "stauts", "status"],
    ["a button's field in capitals", { Disable: KEY }, "Disable", "disable"],
  ])("refuses a field named %s, with the name it meant", (_, request, given, meant) => {
    expect(reasonOf(parseManualRequest(request))).toContain(
      `unknown field "${given}": did you mean "${meant}"?`,
    );
  });

  it("reads every field copied from list-access-keys, and does not also call the misspelt field missing", () => {
    const reason = reasonOf(parseManualRequest({ AccessKeyId: KEY, UserName: "ivan" }));

    expect(reason).toBe(
      'invalid manual request: unknown field "AccessKeyId": did you mean "accessKeyId"?; ' +
        'unknown field "UserName": did you mean "userName"?',
    );
  });

  it("names the fields there are when an unknown one resembles none of them", () => {
    const reason = reasonOf(parseManualRequest({ accessKeyId: KEY, CreateDate: "2026-01-01T00:00:00Z" }));

    expect(reason).toContain('unknown field "CreateDate"; the fields are accessKeyId, userName, account,');
    expect(reason).not.toContain("did you mean");
  });

  it("says a missing key ID is missing", () => {
    expect(reasonOf(parseManualRequest({ userName: "ivan" }))).toBe(
      "invalid manual request: accessKeyId: missing",
    );
  });

  it.each([
    ["a person's request", { accessKeyId: KEY.toLowerCase() }, "accessKeyId"],
    ["a chat button's", { disable: KEY.toLowerCase() }, "disable"],
  ])("refuses a lower-case key ID in %s, with the key in capitals", (_, request, field) => {
    expect(reasonOf(parseManualRequest(request))).toBe(
      `invalid manual request: ${field}: access key IDs are upper case: did you mean "${KEY}"?`,
    );
  });

  it("refuses a status in the wrong case, with the one it meant", () => {
    expect(reasonOf(parseManualRequest({ accessKeyId: KEY, status: "inactive" }))).toContain(
      'status: must be "Inactive" or "Active": did you mean "Inactive"?',
    );
  });

  it.each([
    [
      "single quotes",
      "{'accessKeyId': 'AKIAIVAN000000000001'}",
      /^invalid manual request: the request is not JSON \(.+\): write it as \{"accessKeyId": "AKIA…"\}, names and text in double quotes$/,
    ],
    [
      "a bare key ID",
      KEY,
      /^invalid manual request: the request is not JSON: did you mean \{"accessKeyId": "AKIAIVAN000000000001"\}\?$/,
    ],
    [
      "a JSON string holding the request",
      JSON.stringify({ accessKeyId: KEY }),
      /a JSON string, not an object/,
    ],
  ])("refuses a string payload (%s), saying how to write it", (_, payload, message) => {
    expect(reasonOf(parseManualRequest(payload, "request-6"))).toMatch(message);
  });

  it.each([
    ["an array", [{ accessKeyId: KEY }]],
    ["a number", 42],
    ["null", null],
  ])("refuses %s, naming what a request is", (kind, payload) => {
    expect(reasonOf(parseManualRequest(payload))).toBe(
      `invalid manual request: a request is a JSON object such as {"accessKeyId": "AKIA…"}, got ${kind}`,
    );
  });
});

describe("parseManualRequest, the chat buttons' form", () => {
  const KEY = "AKIAIVAN000000000001";

  it("turns a Disable key button's request into a request for Inactive, with the button's reason and asker", () => {
    expect(onlyFinding(parseManualRequest({ disable: KEY }, "request-5"))).toEqual({
      source: "manual",
      findingId: "manual/request-5",
      eventId: "request-5",
      type: "ManualRequest",
      title: "Manual request to disable a key",
      accessKeyId: KEY,
      userName: undefined,
      principalType: "Unknown",
      account: undefined,
      sample: false,
      update: false,
      requestedStatus: "Inactive",
      reason: CHAT_BUTTON_REQUESTS.disable.reason,
      requestedBy: CHAT_BUTTON_REQUESTED_BY,
      details: {},
    });
  });

  it("turns a Reactivate key button's request into a request for Active that states a reason", () => {
    expect(onlyFinding(parseManualRequest({ reactivate: KEY }))).toMatchObject({
      type: "ManualReactivation",
      accessKeyId: KEY,
      requestedStatus: "Active",
      reason: "Reactivate key button of the chat alert",
      requestedBy: CHAT_BUTTON_REQUESTED_BY,
    });
  });

  it.each([
    ["a second field", { disable: KEY, reason: "mine" }, "reason"],
    ["both buttons at once", { disable: KEY, reactivate: KEY }, "reactivate"],
    ["a user name beside the key", { reactivate: KEY, userName: "ivan" }, "userName"],
  ])("refuses %s, naming the unknown field", (_, request, field) => {
    const reason = reasonOf(parseManualRequest(request));

    expect(reason).toMatch(/unknown field/);
    expect(reason).toContain(field);
  });

  it("refuses a button field in a person's request: the two forms never mix", () => {
    const reason = reasonOf(parseManualRequest({ ...loadEvent<object>("manual-disable"), reactivate: KEY }));

    expect(reason).toMatch(/unknown field/);
    expect(reason).toContain("reactivate");
  });

  it.each([
    ["a key of 15 characters", "AKIA00000000000"],
    ["a key with a quote", "AKIA'; DROP TABLE--"],
    ["the variable left unfilled", "$k"],
    ["a number", 1234567890123456],
  ])("refuses %s as the key, naming the field", (_, key) => {
    expect(reasonOf(parseManualRequest({ reactivate: key }))).toMatch(
      /^invalid manual request: reactivate: /,
    );
  });

  it("plans, in the manual function, to disable the key once its owner is looked up, in our account", () => {
    const finding = onlyFinding(parseManualRequest({ disable: KEY }));

    expect(planContainment(finding, testConfig(), ourIdentity({ handler: "manual" }))).toMatchObject({
      action: Action.DisableKey,
      resolveOwner: true,
      account: SELF,
    });
  });

  it("plans, in the manual function, to reactivate the key once its owner is looked up", () => {
    const finding = onlyFinding(parseManualRequest({ reactivate: KEY }));

    const plan = planContainment(finding, testConfig(), ourIdentity({ handler: "manual" }));

    expect(plan).toMatchObject({ action: Action.ReactivateKey, resolveOwner: true });
    expect(plan.why).toContain("Reactivate key button of the chat alert");
  });

  it("refuses a button's reactivation that reaches another function or comes through SNS", () => {
    const finding = onlyFinding(parseManualRequest({ reactivate: KEY }));
    const manual = ourIdentity({ handler: "manual" });

    expect(planContainment(finding, testConfig(), ourIdentity({ handler: "guardduty" })).action).toBe(
      Action.None,
    );
    expect(planContainment({ ...finding, viaSns: true }, testConfig(), manual).action).toBe(Action.None);
  });
});

describe("isManualRequest", () => {
  it("recognises a chat button's request by its one field", () => {
    expect(isManualRequest({ disable: "AKIAIVAN000000000001" })).toBe(true);
    expect(isManualRequest({ reactivate: "AKIAIVAN000000000001" })).toBe(true);
    expect(isManualRequest({ enable: "AKIAIVAN000000000001" })).toBe(false);
  });

  it("recognises a request by its accessKeyId field and nothing else", () => {
    expect(isManualRequest(loadEvent("manual-disable"))).toBe(true);
    expect(isManualRequest(loadEvent("guardduty-iam-user"))).toBe(false);
    expect(isManualRequest([{ accessKeyId: "AKIAIVAN000000000001" }])).toBe(false);
    expect(isManualRequest(null)).toBe(false);
    expect(isManualRequest("AKIAIVAN000000000001")).toBe(false);
  });
});
