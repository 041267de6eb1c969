// GuardDuty attack sequences (AttackSequence:IAM/CompromisedCredentials) driven through the guardduty handler
// against the loopback IAM/SNS double: every credential the sequence names is planned on its own.
import { describe, expect, it } from "vitest";
import { loadEvent } from "../support/fixtures";
import { container, loopbackDouble, publishedDocument, respondTo, useDouble } from "../support/harness";
import { FIXTURE_KEYS } from "../support/world";

const double = loopbackDouble();

const { alice: ALICE_KEY, bob: BOB_KEY, carol: CAROL_KEY } = FIXTURE_KEYS;
const ROLE_KEY = "ASIAROLE000000000002";

const updates = () => double.calls.filter((c) => c.action === "UpdateAccessKey").map((c) => c.params);

describe("an attack sequence with an IAM user's long-term key", () => {
  it("disables the key with one UpdateAccessKey naming the user, reads it back, then alerts", async () => {
    const { summary, error } = await respondTo("guardduty-attack-sequence-iam-user");

    expect(error).toBeUndefined();
    expect(updates()).toEqual([{ UserName: "alice", AccessKeyId: ALICE_KEY, Status: "Inactive" }]);
    expect(double.keyStatus(ALICE_KEY)).toBe("Inactive");
    expect(double.actions()).toEqual(["UpdateAccessKey", "ListAccessKeys", "Publish"]);
    expect(summary).toMatchObject({
      result: "handled",
      source: "guardduty",
      outcomes: [{ accessKeyId: ALICE_KEY, userName: "alice", status: "disabled" }],
      alert: "published",
    });
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("shows the sequence's description, signals with their counts, and indicators in the alert", async () => {
    await respondTo("guardduty-attack-sequence-iam-user");
    const { text, document } = publishedDocument(double);

    for (const expected of [
      "AttackSequence:IAM/CompromisedCredentials (severity 9)",
      "A sequence of discovery, persistence and defense evasion actions was performed with the access key",
      "Discovery:IAMUser/AnomalousBehavior ×3 (2026-11-21T06:15Z … 2026-11-21T06:52Z)",
      "CreateUser ×1",
      "StopLogging ×2",
      "TOR_IP (Tor exit node): 203.0.113.24",
      "ATTACK_TACTIC (MITRE ATT&CK tactics): Discovery, Persistence, Defense Evasion",
      "HIGH_RISK_API: iam:CreateUser, cloudtrail:StopLogging",
    ]) {
      expect(text).toContain(expected);
    }
    expect(document.keys[0].finding.details).toMatchObject({
      "Attack sequence": expect.stringContaining("AKIAALICE00000000001 of IAM user alice"),
      Signals: expect.stringContaining("StopLogging ×2"),
      Indicators: expect.stringContaining("TOR_IP"),
    });
  });

  it("makes no second write when the same sequence is delivered again", async () => {
    const send = container();
    await send("guardduty-attack-sequence-iam-user");
    await send("guardduty-attack-sequence-iam-user");

    expect(updates()).toHaveLength(1);
    expect(double.keyStatus(ALICE_KEY)).toBe("Inactive");
  });
});

describe("an attack sequence with a temporary (ASIA) key", () => {
  it("makes no UpdateAccessKey and alerts that a person must act", async () => {
    const { summary, error } = await respondTo("guardduty-attack-sequence-temporary-key");

    expect(error).toBeUndefined();
    expect(double.actions("iam")).toEqual([]);
    expect(double.writes()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: ROLE_KEY, status: "skipped", reason: "temporary-key" },
    ]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain("Revoke active sessions");
    expect(text).toContain("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS ×1");
  });

  it("revokes the role's older sessions instead when session revocation is on, never UpdateAccessKey", async () => {
    useDouble(double, { REVOKE_SESSIONS: "true" });

    const { summary } = await respondTo("guardduty-attack-sequence-temporary-key");

    expect(double.actions("iam")).toEqual(["PutRolePolicy"]);
    expect(Object.keys(double.rolePolicies("web-instance-role"))).toEqual([
      "AccessKeyResponderRevokeOlderSessions",
    ]);
    expect(summary?.outcomes).toMatchObject([{ accessKeyId: ROLE_KEY, status: "sessions-revoked" }]);
  });
});

describe("an attack sequence with two actors", () => {
  it("plans and disables both credentials, each for its own user, in one alert", async () => {
    const { summary, error } = await respondTo("guardduty-attack-sequence-two-actors");

    expect(error).toBeUndefined();
    expect(summary?.plans?.map((p) => [p.accessKeyId, p.action])).toEqual([
      [BOB_KEY, "disable-key"],
      [CAROL_KEY, "disable-key"],
    ]);
    expect(updates()).toEqual(
      expect.arrayContaining([
        { UserName: "bob", AccessKeyId: BOB_KEY, Status: "Inactive" },
        { UserName: "carol", AccessKeyId: CAROL_KEY, Status: "Inactive" },
      ]),
    );
    expect(updates()).toHaveLength(2);
    expect(double.keyStatus(BOB_KEY)).toBe("Inactive");
    expect(double.keyStatus(CAROL_KEY)).toBe("Inactive");
    expect(double.actions("sns")).toEqual(["Publish"]);
    const { outcome, text, document } = publishedDocument(double);
    expect(outcome).toBe("contained");
    expect(document.keys.map((k: { accessKeyId: string }) => k.accessKeyId)).toEqual([BOB_KEY, CAROL_KEY]);
    expect(text).toContain(
      "The access keys of IAM users bob and carol were used from the same Tor exit node",
    );
    expect(text).toContain("UnauthorizedAccess:IAMUser/TorIPCaller ×6");
    expect(text).toContain("TOR_IP (Tor exit node): 198.51.100.77");
  });

  it("plans each credential on its own: a protected user's key is kept, the other user's is still disabled", async () => {
    useDouble(double, { PROTECTED_USERS: "carol" });

    const { summary, error } = await respondTo("guardduty-attack-sequence-two-actors");

    expect(error).toBeUndefined();
    expect(updates()).toEqual([{ UserName: "bob", AccessKeyId: BOB_KEY, Status: "Inactive" }]);
    expect(double.keyStatus(BOB_KEY)).toBe("Inactive");
    expect(double.keyStatus(CAROL_KEY)).toBe("Active");
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: BOB_KEY, status: "disabled" },
      { accessKeyId: CAROL_KEY, reason: "protected" },
    ]);
    expect(publishedDocument(double).outcome).toBe("action-required");
  });
});

describe("an attack sequence that names no credential", () => {
  it("is never ignored: an action-required alert names the principal, whose keys are listed, not written", async () => {
    const event = loadEvent("guardduty-attack-sequence-iam-user");
    const sequence = event.detail.service.detection.sequence;
    delete sequence.actors[0].user.credentialUid;
    sequence.resources = sequence.resources.filter(
      (r: { resourceType: string }) => r.resourceType !== "ACCESS_KEY",
    );

    const { summary } = await respondTo(event);

    expect(summary).toMatchObject({ result: "handled", outcomes: [{ reason: "no-credential" }] });
    expect(double.writes()).toEqual([]);
    expect(double.calls.filter((c) => c.service === "iam").map((c) => c.action)).toEqual(["ListAccessKeys"]);
    expect(publishedDocument(double).outcome).toBe("action-required");
    expect(publishedDocument(double).text).toContain("IAMUser/alice");
  });

  it("names the key, for a person, when part of the sequence is malformed: no write", async () => {
    const event = loadEvent("guardduty-attack-sequence-iam-user");
    event.detail.service.detection.sequence.actors = "alice";

    const { summary, error } = await respondTo(event);

    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ result: "handled", alert: "published" });
    expect(double.writes()).toEqual([]);
    expect(publishedDocument(double).outcome).toBe("action-required");
    expect(publishedDocument(double).document.keys).toMatchObject([{ accessKeyId: "AKIAALICE00000000001" }]);
  });

  it("is invalid when malformed and no field names a key: no write, and an alert that it could not be read", async () => {
    const event = loadEvent("guardduty-attack-sequence-iam-user");
    event.detail.service.detection.sequence = "alice";

    const { summary, error } = await respondTo(event);

    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ result: "invalid", alert: "published" });
    expect(double.writes()).toEqual([]);
    expect(publishedDocument(double).outcome).toBe("invalid");
  });
});
