// GuardDuty Extended Threat Detection attack sequences: the credentials are in service.detection.sequence
// (actors[].user.credentialUid, resources[] of type ACCESS_KEY), never in resource.accessKeyDetails.
import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { parseEvent } from "../../../src/findings";
import type { Finding, ParsedEvent } from "../../../src/findings/finding";
import { parseGuardDutyDetail, parseGuardDutyEvent } from "../../../src/findings/guardduty";
import { Envelope } from "../../../src/findings/schema";
import { Action, mergePlans, planContainment, Skip } from "../../../src/plan/plan";
import { type EditableEvent, loadEvent, ourIdentity, SELF, testConfig } from "../../support/fixtures";

const IAM_USER = "guardduty-attack-sequence-iam-user";
const TEMPORARY = "guardduty-attack-sequence-temporary-key";
const TWO_ACTORS = "guardduty-attack-sequence-two-actors";

const ALICE_KEY = "AKIAALICE00000000001";
const ROLE_KEY = "ASIAROLE000000000002";
const BOB_KEY = "AKIABOB0000000000001";
const CAROL_KEY = "AKIACAROL00000000001";

const parse = (event: unknown): ParsedEvent => parseGuardDutyEvent(v.parse(Envelope(), event));

const findingsOf = (parsed: ParsedEvent): Finding[] => {
  if (parsed.kind !== "findings") throw new Error(`${parsed.kind}: ${parsed.reason}`);
  return parsed.findings;
};

const onlyFinding = (parsed: ParsedEvent): Finding => {
  const findings = findingsOf(parsed);
  expect(findings).toHaveLength(1);
  return findings[0] as Finding;
};

/** A fixture's sequence, opened for editing. */
const sequenceOf = (event: EditableEvent): EditableEvent => event.detail.service.detection.sequence;

/** The IAM-user fixture with its sequence replaced by `change(sequence)`. */
const withSequence = (change: (sequence: EditableEvent) => void, name = IAM_USER): EditableEvent => {
  const event = loadEvent(name);
  change(sequenceOf(event));
  return event;
};

const actorUser = (credentialUid: string, name?: string, type?: string, account?: string) => ({
  id: `actor-${credentialUid}`,
  user: {
    ...(name === undefined ? {} : { name }),
    ...(type === undefined ? {} : { type }),
    uid: `AIDA${credentialUid.slice(4)}`,
    credentialUid,
    ...(account === undefined ? {} : { account: { uid: account } }),
  },
});

const accessKeyResource = (uid: string, userName?: string, userType?: string, accountId?: string) => ({
  resourceType: "ACCESS_KEY",
  uid,
  ...(accountId === undefined ? {} : { accountId }),
  data: { accessKey: { principalId: `AIDA${uid.slice(4)}`, userName, userType } },
});

describe("attack sequences: the fixtures", () => {
  it("reads the IAM-user sequence as one finding with the key, user, account, severity and sequence facts", () => {
    expect(onlyFinding(parse(loadEvent(IAM_USER)))).toEqual({
      source: "guardduty",
      findingId: "8d2f4a6c0e1b3d5f7a9c2e4b6d8f0a1c",
      eventId: "c41e7a92-5b08-4d3f-9e61-7a2b0f4d8c15",
      type: "AttackSequence:IAM/CompromisedCredentials",
      title: "Potential credential compromise of IAMUser/alice indicated by a sequence of actions.",
      severity: 9,
      accessKeyId: ALICE_KEY,
      userName: "alice",
      principalType: "IAMUser",
      principalId: "AIDAALICEEXAMPLE00001",
      account: SELF,
      region: "us-east-1",
      partition: "aws",
      sample: false,
      firstSeen: "2026-11-21T06:15:00.000Z",
      observedAt: "2026-11-21T08:36:41.207Z",
      occurrences: 1,
      update: false,
      requestedStatus: "Inactive",
      details: {
        "Attack sequence":
          "A sequence of discovery, persistence and defense evasion actions was performed with the access key AKIAALICE00000000001 of IAM user alice, from a Tor exit node.",
        Signals:
          "Discovery:IAMUser/AnomalousBehavior ×3 (2026-11-21T06:15Z … 2026-11-21T06:52Z); " +
          "CreateUser ×1 (2026-11-21T07:40Z); StopLogging ×2 (2026-11-21T08:25Z … 2026-11-21T08:30Z)",
        Indicators:
          "TOR_IP (Tor exit node): 203.0.113.24; " +
          "ATTACK_TACTIC (MITRE ATT&CK tactics): Discovery, Persistence, Defense Evasion; " +
          "HIGH_RISK_API: iam:CreateUser, cloudtrail:StopLogging",
        "Session MFA": "DISABLED",
        "Finding ARN":
          "arn:aws:guardduty:us-east-1:111111111111:detector/7c2e9a41d05b8f3e6a1d4c9b2e0f5a38/finding/8d2f4a6c0e1b3d5f7a9c2e4b6d8f0a1c",
      },
    });
  });

  it("reads the temporary-key sequence as an ASIA key of the assumed role", () => {
    expect(onlyFinding(parse(loadEvent(TEMPORARY)))).toMatchObject({
      accessKeyId: ROLE_KEY,
      userName: "web-instance-role",
      principalType: "AssumedRole",
      principalId: "AROAEXAMPLEROLEID001:i-0abc1234def567890",
      account: SELF,
      severity: 9,
    });
  });

  it("reads two actors as two findings, one per credential, with the resource naming bob's key again collapsed", () => {
    const findings = findingsOf(parse(loadEvent(TWO_ACTORS)));

    expect(findings.map((f) => [f.accessKeyId, f.userName, f.principalType, f.account])).toEqual([
      [BOB_KEY, "bob", "IAMUser", SELF],
      [CAROL_KEY, "carol", "IAMUser", SELF],
    ]);
    for (const f of findings) {
      expect(f).toMatchObject({ findingId: "1a3c5e7b9d0f2a4c6e8b1d3f5a7c9e0b", severity: 9, sample: false });
      expect(f.details["Attack sequence"]).toContain("bob and carol");
    }
  });

  it("needs no top-level resource when the finding is an attack sequence", () => {
    const event = loadEvent(TWO_ACTORS);

    expect(event.detail.resource).toBeUndefined();
    expect(findingsOf(parse(event))).toHaveLength(2);
  });

  it("is read the same way through parseEvent, and as a bare detail (InputPath $.detail)", () => {
    const event = loadEvent(IAM_USER);

    expect(findingsOf(parseEvent(event)).map((f) => f.accessKeyId)).toEqual([ALICE_KEY]);
    expect(findingsOf(parseEvent(event.detail, "request-9"))).toMatchObject([
      { accessKeyId: ALICE_KEY, eventId: "request-9" },
    ]);
  });
});

describe("attack sequences: where each field comes from", () => {
  it("reads an actor alone: credentialUid, name, type, uid and account.uid", () => {
    const event = withSequence((s) => {
      s.resources = [];
    });

    expect(onlyFinding(parse(event))).toMatchObject({
      accessKeyId: ALICE_KEY,
      userName: "alice",
      principalType: "IAMUser",
      principalId: "AIDAALICEEXAMPLE00001",
      account: SELF,
    });
  });

  it("reads an ACCESS_KEY resource alone: uid and data.accessKey's principalId, userName and userType", () => {
    const event = withSequence((s) => {
      s.actors = [];
    });

    const finding = onlyFinding(parse(event));

    expect(finding).toMatchObject({
      accessKeyId: ALICE_KEY,
      userName: "alice",
      principalType: "IAMUser",
      principalId: "AIDAALICEEXAMPLE00001",
      account: SELF,
    });
    expect(finding.details["Session MFA"]).toBeUndefined();
  });

  it("fills what the actor leaves out from the resource naming the same key", () => {
    const event = withSequence((s) => {
      s.actors = [{ id: "a", user: { uid: "AIDAALICEEXAMPLE00001", credentialUid: ALICE_KEY } }];
    });

    expect(onlyFinding(parse(event))).toMatchObject({ userName: "alice", principalType: "IAMUser" });
  });

  it("leaves the owner unknown when nothing names it, so that the responder looks it up", () => {
    const event = withSequence((s) => {
      s.actors = [{ id: "a", user: { credentialUid: ALICE_KEY } }];
      s.resources = [];
    });

    expect(onlyFinding(parse(event))).toMatchObject({
      accessKeyId: ALICE_KEY,
      userName: undefined,
      principalType: "Unknown",
    });
  });

  it.each([
    ["IAMUser", "IAMUser"],
    ["AssumedRole", "AssumedRole"],
    ["Role", "AssumedRole"],
    ["Root", "Root"],
    ["FederatedUser", "Unknown"],
    [undefined, "Unknown"],
  ])("maps the actor's user type %s to principal type %s", (type, expected) => {
    const event = withSequence((s) => {
      s.actors = [actorUser(ALICE_KEY, "alice", type)];
      s.resources = [];
    });

    expect(onlyFinding(parse(event)).principalType).toBe(expected);
  });

  it("takes an assumed role's name from the session issuer, not from the session's own name", () => {
    const event = withSequence((s) => {
      s.actors[0].user.name = "i-0abc1234def567890";
    }, TEMPORARY);
    sequenceOf(event).actors[0].session.issuer = "arn:aws:iam::111111111111:role/service/web-instance-role";

    expect(onlyFinding(parse(event))).toMatchObject({
      userName: "web-instance-role",
      principalType: "AssumedRole",
    });
  });

  it("keeps the actor's name when the session issuer is not a role ARN", () => {
    const event = withSequence((s) => {
      s.resources = [];
      s.actors[0].session.issuer = "arn:aws:iam::111111111111:user/web-instance-role";
    }, TEMPORARY);

    expect(onlyFinding(parse(event)).userName).toBe("web-instance-role");
  });

  it("takes the account from the actor's account.uid when no resource names the key's owner", () => {
    const event = withSequence((s) => {
      s.actors = [actorUser(ALICE_KEY, "alice", "IAMUser", "222222222222")];
      s.resources = [];
    });

    expect(onlyFinding(parse(event)).account).toBe("222222222222");
  });

  it("falls back to detail.accountId when neither the actor nor a resource names an account", () => {
    const event = withSequence((s) => {
      s.actors = [actorUser(ALICE_KEY, "alice", "IAMUser")];
      s.resources = [];
    });
    event.detail.accountId = "222222222222";

    expect(onlyFinding(parse(event)).account).toBe("222222222222");
  });

  it("prefers the ACCESS_KEY resource's accountId (the owner) to the account where the actor acted", () => {
    // API_User: the actor's account is where the activity took place, not necessarily the owner's.
    const event = withSequence((s) => {
      s.actors = [actorUser(ALICE_KEY, "alice", "IAMUser", "333333333333")];
    });

    expect(onlyFinding(parse(event)).account).toBe(SELF);
  });

  it("names no trustworthy account when two owners disagree, so that the plan refuses", () => {
    const event = withSequence((s) => {
      s.resources = [
        accessKeyResource(ALICE_KEY, "alice", "IAMUser", SELF),
        accessKeyResource(ALICE_KEY, "alice", "IAMUser", "222222222222"),
      ];
    });

    const finding = onlyFinding(parse(event));

    expect(finding.account).toBe("111111111111 (the finding also names 222222222222)");
    expect(planContainment(finding, testConfig(), ourIdentity())).toMatchObject({
      action: Action.None,
      skip: Skip.InvalidInput,
    });
  });

  it("keeps an account that is not an account ID as sent, for the plan to refuse", () => {
    const event = withSequence((s) => {
      s.actors = [actorUser(ALICE_KEY, "alice", "IAMUser", "not-an-account")];
      s.resources = [];
    });

    expect(onlyFinding(parse(event)).account).toBe("not-an-account");
  });

  it("passes a credentialUid that is not a key ID through as found, for the plan to refuse", () => {
    const event = withSequence((s) => {
      s.actors = [actorUser("AKIA'; DROP--", "alice", "IAMUser")];
      s.resources = [];
    });

    const finding = onlyFinding(parse(event));

    expect(finding.accessKeyId).toBe("AKIA'; DROP--");
    expect(planContainment(finding, testConfig(), ourIdentity()).skip).toBe(Skip.InvalidInput);
  });

  it("takes the type, id, severity, region, title and times from the finding itself", () => {
    const event = loadEvent(IAM_USER);
    event.detail.severity = 9.4;
    event.detail.type = "AttackSequence:IAM/SomethingRenamed";

    expect(onlyFinding(parse(event))).toMatchObject({
      findingId: "8d2f4a6c0e1b3d5f7a9c2e4b6d8f0a1c",
      type: "AttackSequence:IAM/SomethingRenamed",
      severity: 9.4,
      region: "us-east-1",
      observedAt: "2026-11-21T08:36:41.207Z",
    });
  });
});

describe("attack sequences: distinct credentials", () => {
  it("gives one finding per distinct key, in the order the sequence names them", () => {
    const event = withSequence((s) => {
      s.actors = [actorUser(CAROL_KEY, "carol", "IAMUser"), actorUser(BOB_KEY, "bob", "IAMUser")];
      s.resources = [accessKeyResource(ALICE_KEY, "alice", "IAMUser")];
    });

    expect(findingsOf(parse(event)).map((f) => f.accessKeyId)).toEqual([CAROL_KEY, BOB_KEY, ALICE_KEY]);
  });

  it("collapses a key that several actors and resources name into one finding", () => {
    const event = withSequence((s) => {
      s.actors = [actorUser(ALICE_KEY, "alice", "IAMUser"), actorUser(ALICE_KEY, "ALICE")];
      s.resources = [accessKeyResource(ALICE_KEY, "alice", "IAMUser"), accessKeyResource(ALICE_KEY)];
    });

    expect(onlyFinding(parse(event))).toMatchObject({ accessKeyId: ALICE_KEY, userName: "alice" });
  });

  it("gives the planner both owners when the sequence names two for one key, and the planner refuses", () => {
    const event = withSequence((s) => {
      s.actors = [actorUser(ALICE_KEY, "alice", "IAMUser")];
      s.resources = [accessKeyResource(ALICE_KEY, "bob", "IAMUser")];
    });

    const findings = findingsOf(parse(event));
    const config = testConfig();
    const merged = mergePlans(
      findings.map((f) => planContainment(f, config, ourIdentity())),
      config,
    );

    expect(findings.map((f) => [f.accessKeyId, f.userName])).toEqual([
      [ALICE_KEY, "alice"],
      [ALICE_KEY, "bob"],
    ]);
    expect(merged).toMatchObject({ action: Action.None, skip: Skip.InvalidInput, urgent: true });
  });

  it("never lets a root claim be merged away: an actor typed Root and a resource typed IAMUser stay apart", () => {
    const event = withSequence((s) => {
      s.actors = [actorUser(ALICE_KEY, undefined, "Root")];
      s.resources = [accessKeyResource(ALICE_KEY, "alice", "IAMUser")];
    });

    const findings = findingsOf(parse(event));
    const config = testConfig();

    expect(findings.map((f) => f.principalType)).toEqual(["Root", "IAMUser"]);
    expect(
      mergePlans(
        findings.map((f) => planContainment(f, config, ourIdentity())),
        config,
      ),
    ).toMatchObject({ action: Action.None, skip: Skip.Root });
  });

  it("reads only ACCESS_KEY resources, and only actors with a credential", () => {
    const event = withSequence((s) => {
      s.actors = [{ id: "console", user: { name: "alice", type: "IAMUser", uid: "AIDA" } }, { id: "bare" }];
      s.resources = [
        { resourceType: "S3_BUCKET", uid: "AKIANOTAKEY000000001" },
        { resourceType: "EC2_INSTANCE", uid: "i-0abc1234def567890" },
        accessKeyResource(BOB_KEY, "bob", "IAMUser"),
      ];
    });

    expect(findingsOf(parse(event)).map((f) => f.accessKeyId)).toEqual([BOB_KEY]);
  });

  it("skips an empty credentialUid or resource uid", () => {
    const event = withSequence((s) => {
      s.actors = [actorUser("", "alice", "IAMUser")];
      s.resources = [{ resourceType: "ACCESS_KEY", uid: "" }, accessKeyResource(BOB_KEY, "bob", "IAMUser")];
    });

    expect(findingsOf(parse(event)).map((f) => f.accessKeyId)).toEqual([BOB_KEY]);
  });

  it("adds the sequence's keys to the key of accessKeyDetails when a finding carries both", () => {
    const event = loadEvent(TWO_ACTORS);
    event.detail.resource = {
      resourceType: "AccessKey",
      accessKeyDetails: { accessKeyId: ALICE_KEY, userName: "alice", userType: "IAMUser" },
    };

    expect(findingsOf(parse(event)).map((f) => f.accessKeyId)).toEqual([ALICE_KEY, BOB_KEY, CAROL_KEY]);
  });
});

describe("attack sequences: the facts people see", () => {
  const detailsOf = (change: (sequence: EditableEvent) => void) =>
    onlyFinding(parse(withSequence(change))).details;

  it("shows the description, the signals and the indicators", () => {
    const details = detailsOf(() => {});

    expect(Object.keys(details)).toEqual([
      "Attack sequence",
      "Signals",
      "Indicators",
      "Session MFA",
      "Finding ARN",
    ]);
  });

  it("reads signal times given as epoch seconds or milliseconds, and falls back to createdAt/updatedAt", () => {
    const details = detailsOf((s) => {
      s.signals = [
        { name: "ListBuckets", count: 4, firstSeenAt: 1_795_251_600, lastSeenAt: 1_795_255_200_000 },
        {
          name: "GetSecretValue",
          count: 1,
          createdAt: "2026-11-21T07:00:00Z",
          updatedAt: "2026-11-21T07:00:00Z",
        },
      ];
    });

    expect(details.Signals).toBe(
      "ListBuckets ×4 (2026-11-21T09:00Z … 2026-11-21T10:00Z); GetSecretValue ×1 (2026-11-21T07:00Z)",
    );
  });

  it("shows a signal without a count, times or name by what it has", () => {
    const details = detailsOf((s) => {
      s.signals = [{ name: "CreateUser" }, { type: "CLOUD_TRAIL", count: 2 }, {}];
    });

    expect(details.Signals).toBe("CreateUser; CLOUD_TRAIL ×2; unnamed signal");
  });

  it("keeps long signal and indicator lists short, saying how many were left out", () => {
    const details = detailsOf((s) => {
      s.signals = Array.from({ length: 40 }, (_, i) => ({
        name: `Impact:IAMUser/AnomalousBehavior.Variant${i}`,
        count: i + 1,
        firstSeenAt: "2026-11-21T06:00:00Z",
        lastSeenAt: "2026-11-21T07:00:00Z",
      }));
      s.sequenceIndicators = [
        {
          key: "MALICIOUS_IP",
          title: "Known bad addresses",
          values: Array.from({ length: 50 }, (_, i) => `198.51.100.${i}`),
        },
        ...Array.from({ length: 30 }, (_, i) => ({ key: "ATTACK_TECHNIQUE", values: [`T10${i}`] })),
      ];
    });

    expect(details.Signals?.length).toBeLessThanOrEqual(200);
    expect(details.Signals).toMatch(/; \+\d+ more$/);
    expect(details.Indicators).toMatch(
      /^MALICIOUS_IP \(Known bad addresses\): 198\.51\.100\.0, 198\.51\.100\.1, 198\.51\.100\.2 \+47 more; /,
    );
    expect(details.Indicators).toMatch(/; \+\d+ more$/);
    expect(details.Indicators?.length).toBeLessThanOrEqual(200);
  });

  it("shows an indicator without title or values by its key", () => {
    const details = detailsOf((s) => {
      s.sequenceIndicators = [{ key: "UNUSUAL_ASN_FOR_USER" }, { values: ["x"] }];
    });

    expect(details.Indicators).toBe("UNUSUAL_ASN_FOR_USER; indicator: x");
  });

  it("leaves out what the sequence does not say", () => {
    const details = detailsOf((s) => {
      delete s.description;
      delete s.signals;
      s.sequenceIndicators = [];
      delete s.actors[0].session;
    });

    expect(Object.keys(details)).toEqual(["Finding ARN"]);
  });

  it("takes firstSeen from the earliest signal when the service has no eventFirstSeen", () => {
    const event = withSequence((s) => {
      s.signals.push({ name: "Earlier", firstSeenAt: "2026-11-20T23:59:00.000Z" });
    });
    delete event.detail.service.eventFirstSeen;

    expect(onlyFinding(parse(event)).firstSeen).toBe("2026-11-20T23:59:00.000Z");
  });
});

describe("attack sequences: samples, archived findings and updates", () => {
  it("marks a sequence with additionalInfo.sample as a sample, and the plan makes no write", () => {
    const event = loadEvent(IAM_USER);
    event.detail.service.additionalInfo = { value: '{"sample":true}', type: "default" };

    const finding = onlyFinding(parse(event));

    expect(finding.sample).toBe(true);
    expect(planContainment(finding, testConfig(), ourIdentity()).skip).toBe(Skip.Sample);
  });

  it("marks a sequence as a sample when its credential is a placeholder no AWS key can be", () => {
    const event = withSequence((s) => {
      Object.assign(s.actors[0].user, { credentialUid: "GeneratedFindingAccessKeyId" });
      s.resources = [];
    });

    expect(findingsOf(parse(event)).every((f) => f.sample)).toBe(true);
  });

  it("does not take a real key for a sample because its user is named like a placeholder", () => {
    const event = withSequence((s) => {
      Object.assign(s.actors[0].user, { name: "GeneratedFindingUserName" });
      s.resources = [];
    });

    expect(onlyFinding(parse(event))).toMatchObject({
      accessKeyId: ALICE_KEY,
      userName: "GeneratedFindingUserName",
      sample: false,
    });
  });

  it("marks every credential of an archived sequence as closed", () => {
    const event = loadEvent(TWO_ACTORS);
    event.detail.service.archived = true;

    expect(findingsOf(parse(event)).map((f) => f.closed)).toEqual([
      "the finding is archived",
      "the finding is archived",
    ]);
  });

  it("marks a re-published sequence (count above 1) as an update", () => {
    const event = loadEvent(IAM_USER);
    event.detail.service.count = 3;

    expect(onlyFinding(parse(event))).toMatchObject({ update: true, occurrences: 3 });
  });
});

describe("attack sequences that name no credential, or are malformed", () => {
  it("reports an IAM sequence that names no credential, with the principal its title names, never ignoring it", () => {
    const event = withSequence((s) => {
      s.actors = [{ id: "a", user: { name: "alice", type: "IAMUser", uid: "AIDAALICEEXAMPLE00001" } }];
      s.resources = [{ resourceType: "S3_BUCKET", uid: "arn:aws:s3:::example-payroll-exports" }];
    });
    event.detail.title =
      "Potential credential compromise of IAMUser/alice indicated by a sequence of actions.";

    expect(onlyFinding(parse(event))).toMatchObject({
      accessKeyId: "",
      userName: "alice",
      principalType: "IAMUser",
      noCredential: { principals: ["IAMUser/alice"] },
      severity: 9,
    });
  });

  it("reports an IAM sequence with no actors and no resources at all, naming no principal when none can be read", () => {
    const event = withSequence((s) => {
      delete s.actors;
      delete s.resources;
    });
    event.detail.title = "A sequence of suspicious actions.";
    event.detail.description = null;

    expect(onlyFinding(parse(event))).toMatchObject({ accessKeyId: "", noCredential: { principals: [] } });
  });

  it("still ignores an attack sequence about something else that names no credential", () => {
    const event = withSequence((s) => {
      delete s.actors;
      delete s.resources;
    });
    event.detail.type = "AttackSequence:S3/CompromisedData";

    expect(parse(event)).toMatchObject({
      kind: "ignored",
      reason: expect.stringContaining("AttackSequence:S3/CompromisedData names no credential"),
    });
  });

  it.each([
    [
      "the sequence is a string",
      (e: EditableEvent) => Object.assign(e.detail.service.detection, { sequence: "x" }),
      "detail.service.detection.sequence",
    ],
    [
      "detection is a list",
      (e: EditableEvent) => Object.assign(e.detail.service, { detection: [] }),
      "detail.service.detection",
    ],
  ])(
    "rejects a sequence where %s, and no other field names a key, as invalid, naming the path",
    (_, change, path) => {
      const event = loadEvent(IAM_USER);
      change(event);

      const parsed = parse(event);

      expect(parsed.kind).toBe("invalid");
      expect(parsed).toMatchObject({ source: "guardduty", reason: expect.stringContaining(path) });
    },
  );

  it.each([
    [
      "actors is not an array",
      (e: EditableEvent) => Object.assign(sequenceOf(e), { actors: { user: {} } }),
      "detail.service.detection.sequence.actors",
    ],
    [
      "an actor is null",
      (e: EditableEvent) => Object.assign(sequenceOf(e), { actors: [null] }),
      "detail.service.detection.sequence.actors.0",
    ],
    [
      "credentialUid is a number",
      (e: EditableEvent) => Object.assign(sequenceOf(e).actors[0].user, { credentialUid: 42 }),
      "credentialUid",
    ],
    [
      "the actor's account is a string",
      (e: EditableEvent) => Object.assign(sequenceOf(e).actors[0].user, { account: SELF }),
      "actors.0.user.account",
    ],
    [
      "a resource's data.accessKey is a list",
      (e: EditableEvent) => Object.assign(sequenceOf(e).resources[0].data, { accessKey: [] }),
      "resources.0.data.accessKey",
    ],
  ])("names the key, for a person, when %s", (_, change, path) => {
    const event = loadEvent(IAM_USER);
    change(event);

    expect(onlyFinding(parse(event))).toMatchObject({
      accessKeyId: ALICE_KEY,
      doubt: expect.stringContaining(path),
    });
  });

  it.each([
    [
      "a signal's count is a string",
      (e: EditableEvent) => Object.assign(sequenceOf(e).signals[0], { count: "3" }),
    ],
    [
      "a signal's time is an object",
      (e: EditableEvent) => Object.assign(sequenceOf(e).signals[0], { firstSeenAt: {} }),
    ],
    [
      "indicator values are a string",
      (e: EditableEvent) => Object.assign(sequenceOf(e).sequenceIndicators[0], { values: "203.0.113.24" }),
    ],
    ["the description is null", (e: EditableEvent) => Object.assign(sequenceOf(e), { description: null })],
  ])("reads past a sequence where %s: the key is contained as usual", (_, change) => {
    const event = loadEvent(IAM_USER);
    change(event);

    const finding = onlyFinding(parse(event));

    expect(finding).toMatchObject({ accessKeyId: ALICE_KEY, userName: "alice" });
    expect(finding.doubt).toBeUndefined();
  });

  it("still rejects a finding with neither a resource nor a sequence, naming detail.resource", () => {
    const event = loadEvent("guardduty-iam-user");
    delete event.detail.resource;

    expect(parse(event)).toMatchObject({
      kind: "invalid",
      reason: expect.stringContaining("detail.resource"),
    });
  });

  it("never throws, whatever JSON stands in for the sequence or its parts", () => {
    const kinds = new Set(["findings", "ignored", "invalid"]);
    const places = fc.constantFrom(
      "sequence",
      "actors",
      "actor",
      "user",
      "resources",
      "resource",
      "signals",
      "indicators",
    );
    fc.assert(
      fc.property(places, fc.jsonValue(), (place, value) => {
        const event = loadEvent(IAM_USER);
        const s = sequenceOf(event);
        if (place === "sequence") event.detail.service.detection.sequence = value;
        if (place === "actors") s.actors = value;
        if (place === "actor") s.actors = [value];
        if (place === "user") s.actors[0].user = value;
        if (place === "resources") s.resources = value;
        if (place === "resource") s.resources = [value];
        if (place === "signals") s.signals = value;
        if (place === "indicators") s.sequenceIndicators = value;

        const parsed = parseGuardDutyDetail(event.detail, "request-1");

        expect(kinds.has(parsed.kind)).toBe(true);
        if (parsed.kind === "findings") {
          for (const f of parsed.findings) {
            expect(typeof f.accessKeyId).toBe("string");
            // Only a finding that names no credential has no key, and says so.
            expect(f.accessKeyId.length > 0 || f.noCredential !== undefined).toBe(true);
            for (const value of Object.values(f.details)) expect(typeof value).toBe("string");
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
