import { describe, expect, it } from "vitest";
import { Action, mergePlans, planContainment, planForAccount, Skip } from "../../../src/plan/plan";
import { findingOf, findingsOf, MEMBER, ourIdentity, SELF, testConfig } from "../../support/fixtures";

const identity = ourIdentity();
/** Only the manual function, invoked directly, may reactivate. */
const manualIdentity = ourIdentity({ handler: "manual" });

describe("planContainment", () => {
  it("disables the long-term key of a named IAM user in our account", () => {
    const finding = findingOf("guardduty-iam-user");

    expect(planContainment(finding, testConfig(), identity)).toEqual({
      finding,
      action: Action.DisableKey,
      why: "UnauthorizedAccess:IAMUser/TorIPCaller at severity 5: the key is set Inactive",
      account: SELF,
      roleArn: undefined,
      userName: "alice",
      resolveOwner: false,
      checkFirst: false,
      dryRun: false,
      verifyAccount: false,
      urgent: false,
    });
  });

  it("looks the owner up first when the event names no user", () => {
    const plan = planContainment(findingOf("health-credentials-compromised"), testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.DisableKey, resolveOwner: true, account: SELF });
    expect(plan.userName).toBeUndefined();
    expect(plan.why).toContain("once its owner is looked up");
  });

  it("plans one write per key of a Health event, each with its owner looked up", () => {
    const plans = findingsOf("health-credentials-exposed-two-keys").map((f) =>
      planContainment(f, testConfig(), identity),
    );

    expect(plans.map((p) => [p.finding.accessKeyId, p.action, p.resolveOwner])).toEqual([
      ["AKIABOB0000000000001", Action.DisableKey, true],
      ["AKIACAROL00000000001", Action.DisableKey, true],
    ]);
  });

  it("reads the key before writing when the finding is an update", () => {
    const plan = planContainment(findingOf("guardduty-iam-user-update"), testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.DisableKey, checkFirst: true, userName: "alice" });
  });

  it("makes no write for a temporary key of a role and says a person must act", () => {
    const plan = planContainment(findingOf("guardduty-assumed-role"), testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.TemporaryKey, urgent: true });
    expect(plan.why).toBe(
      "ASIAROLE000000000001 is a temporary (ASIA) key of role web-instance-role: " +
        "UpdateAccessKey cannot disable it, and session revocation is off",
    );
  });

  it("revokes the role's older sessions for a temporary role key when session revocation is on", () => {
    const plan = planContainment(
      findingOf("guardduty-assumed-role"),
      testConfig({ revokeSessions: true }),
      identity,
    );

    expect(plan).toMatchObject({
      action: Action.RevokeSessions,
      sessionTarget: { kind: "role", name: "web-instance-role" },
      resolveOwner: false,
      urgent: false,
    });
    // A role name is never passed to UpdateAccessKey as a user.
    expect(plan.userName).toBeUndefined();
  });

  it("makes no write for a temporary key of an IAM user while session revocation is off", () => {
    const plan = planContainment(findingOf("guardduty-user-temporary-key"), testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.TemporaryKey, urgent: true });
    expect(plan.why).toContain("of user dave");
  });

  it("revokes the user's older sessions for a user's temporary key when session revocation is on", () => {
    const plan = planContainment(
      findingOf("guardduty-user-temporary-key"),
      testConfig({ revokeSessions: true }),
      identity,
    );

    expect(plan).toMatchObject({
      action: Action.RevokeSessions,
      sessionTarget: { kind: "user", name: "dave" },
    });
  });

  it("cannot revoke sessions of a temporary key whose principal is unknown", () => {
    const finding = findingOf("health-credentials-compromised", { accessKeyId: "ASIABOB0000000000001" });

    const plan = planContainment(finding, testConfig({ revokeSessions: true }), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.TemporaryKey });
    expect(plan.sessionTarget).toBeUndefined();
  });

  it.each([
    ["a GuardDuty root finding", () => findingOf("guardduty-root")],
    ["a Trusted Advisor root item", () => findingOf("trusted-advisor-root")],
    [
      "an IAM-user finding whose user is named root",
      () => findingOf("guardduty-iam-user", { userName: "ROOT" }),
    ],
    [
      "a root finding with a temporary key",
      () => findingOf("guardduty-root", { accessKeyId: "ASIAROOT000000000001" }),
    ],
  ])("makes no write for %s and marks it urgent", (_, build) => {
    const plan = planContainment(build(), testConfig({ revokeSessions: true }), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.Root, urgent: true });
    expect(plan.why).toContain("a person must act on the root user now");
  });

  it("makes no write for a sample finding and does not mark it urgent", () => {
    const plan = planContainment(findingOf("guardduty-sample"), testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.Sample, urgent: false });
  });

  it("checks for a sample before anything else, so a sample that names root is still only a sample", () => {
    const finding = findingOf("guardduty-root", { sample: true });

    expect(planContainment(finding, testConfig(), identity).skip).toBe(Skip.Sample);
  });

  it("makes no write for a protected user", () => {
    const config = testConfig({ protectedUsers: ["breakglass-admin"] });

    const plan = planContainment(findingOf("guardduty-protected-user"), config, identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.Protected, urgent: true });
    expect(plan.why).toBe("breakglass-admin is a protected principal: a person must decide");
  });

  it("compares protected names without regard to case", () => {
    const config = testConfig({ protectedUsers: ["breakglass-admin"] });
    const finding = findingOf("guardduty-protected-user", { userName: "BreakGlass-Admin" });

    expect(planContainment(finding, config, identity).skip).toBe(Skip.Protected);
  });

  it("disables the key of a user that is not on the protected list", () => {
    const config = testConfig({ protectedUsers: ["breakglass-admin"] });

    expect(planContainment(findingOf("guardduty-iam-user"), config, identity).action).toBe(Action.DisableKey);
  });

  it("alerts only for a key of another account when no member role is configured", () => {
    const plan = planContainment(findingOf("guardduty-member-account"), testConfig(), identity);

    expect(plan).toMatchObject({
      action: Action.None,
      skip: Skip.OtherAccount,
      account: MEMBER,
      urgent: true,
    });
    expect(plan.why).toBe(
      "the key belongs to account 222222222222, and no member role is configured to act there",
    );
  });

  it.each(["guardduty-member-account", "security-hub-member-account", "health-member-account"])(
    "acts through the member role in the finding's account for %s",
    (fixture) => {
      const plan = planContainment(
        findingOf(fixture),
        testConfig({ memberRoleName: "ResponderMember" }),
        identity,
      );

      expect(plan).toMatchObject({
        action: Action.DisableKey,
        account: MEMBER,
        roleArn: "arn:aws:iam::222222222222:role/ResponderMember",
      });
    },
  );

  it("builds the member role ARN in our partition", () => {
    const plan = planContainment(
      findingOf("guardduty-member-account"),
      testConfig({ memberRoleName: "ResponderMember" }),
      ourIdentity({ partition: "aws-us-gov" }),
    );

    expect(plan.roleArn).toBe("arn:aws-us-gov:iam::222222222222:role/ResponderMember");
  });

  it("assumes no role for a key of our own account, even with a member role configured", () => {
    const plan = planContainment(
      findingOf("guardduty-iam-user"),
      testConfig({ memberRoleName: "ResponderMember" }),
      identity,
    );

    expect(plan).toMatchObject({ action: Action.DisableKey, account: SELF });
    expect(plan.roleArn).toBeUndefined();
  });

  it("notes a finding below the severity threshold without acting and without urgency", () => {
    const plan = planContainment(findingOf("guardduty-low-severity"), testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.BelowThreshold, urgent: false });
    expect(plan.why).toBe("severity 2 is below the threshold of 4: noted, no action");
  });

  it("acts on a finding exactly at the threshold and honours a configured threshold", () => {
    const atFour = findingOf("guardduty-iam-user", { severity: 4 });

    expect(planContainment(atFour, testConfig(), identity).action).toBe(Action.DisableKey);
    expect(planContainment(atFour, testConfig({ minSeverity: 4.5 }), identity).skip).toBe(
      Skip.BelowThreshold,
    );
    expect(
      planContainment(findingOf("guardduty-low-severity"), testConfig({ minSeverity: 2 }), identity).action,
    ).toBe(Action.DisableKey);
  });

  it("acts on a leak report without severity whatever the threshold", () => {
    const plan = planContainment(
      findingOf("trusted-advisor-exposed-key"),
      testConfig({ minSeverity: 10 }),
      identity,
    );

    expect(plan).toMatchObject({ action: Action.DisableKey, userName: "frank" });
  });

  it("does not hold a person's manual request to the severity threshold", () => {
    const finding = findingOf("manual-disable", { severity: 1 });

    expect(planContainment(finding, testConfig({ minSeverity: 8 }), identity)).toMatchObject({
      action: Action.DisableKey,
      userName: "ivan",
    });
  });

  it.each([
    ["a quote and spaces", "AKIA'; DROP--"],
    ["too few characters", "AKIA123"],
    ["an empty string", ""],
  ])("refuses a key ID with %s and marks it urgent", (_, accessKeyId) => {
    const plan = planContainment(findingOf("guardduty-iam-user", { accessKeyId }), testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.InvalidInput, urgent: true });
    expect(plan.why).toBe("the event's access key ID is not valid");
  });

  it("refuses the invalid-key fixture", () => {
    expect(planContainment(findingOf("guardduty-invalid-key"), testConfig(), identity).skip).toBe(
      Skip.InvalidInput,
    );
  });

  it("refuses a well-formed ID that is neither AKIA nor ASIA", () => {
    const finding = findingOf("guardduty-iam-user", { accessKeyId: "AIDAALICEEXAMPLE00001" });

    const plan = planContainment(finding, testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.InvalidInput, urgent: true });
    expect(plan.why).toBe("not an AWS access key ID (expected AKIA… or ASIA…)");
  });

  it("refuses a user name IAM would not accept", () => {
    const finding = findingOf("guardduty-iam-user", { userName: "alice; rm -rf /" });

    expect(planContainment(finding, testConfig(), identity)).toMatchObject({
      action: Action.None,
      skip: Skip.InvalidInput,
      why: "the event's user name is not a valid IAM user name",
    });
  });

  it("keeps the action in a dry run, marks the plan as dry and says what would be done", () => {
    const live = planContainment(findingOf("guardduty-iam-user"), testConfig(), identity);
    const dry = planContainment(findingOf("guardduty-iam-user"), testConfig({ dryRun: true }), identity);

    expect(dry).toEqual({ ...live, dryRun: true, why: live.why.replace("is set", "would be set") });
    expect(dry.action).toBe(Action.DisableKey);
    expect(live.why).toContain("the key is set Inactive");
    expect(dry.why).toContain("the key would be set Inactive");
  });

  it("marks a plan that makes no write as dry in a dry run too", () => {
    expect(
      planContainment(findingOf("guardduty-root"), testConfig({ dryRun: true }), identity),
    ).toMatchObject({
      action: Action.None,
      dryRun: true,
    });
  });

  it("reactivates a key a person asks to reactivate, giving their reason", () => {
    const plan = planContainment(findingOf("manual-reactivate"), testConfig(), manualIdentity);

    expect(plan).toMatchObject({
      action: Action.ReactivateKey,
      userName: "ivan",
      resolveOwner: false,
      why: "a person asked to reactivate the key: False positive: key belongs to the CI test fixture (ticket SEC-1043)",
    });
  });

  it("does not hold a reactivation to the severity threshold", () => {
    const finding = findingOf("manual-reactivate", { severity: 1 });

    expect(planContainment(finding, testConfig(), manualIdentity).action).toBe(Action.ReactivateKey);
  });

  it("refuses to reactivate a protected user's key", () => {
    const config = testConfig({ protectedUsers: ["ivan"] });

    expect(planContainment(findingOf("manual-reactivate"), config, manualIdentity).skip).toBe(Skip.Protected);
  });

  describe("reactivation outside the manual function", () => {
    it.each([
      ["the guardduty function", findingOf("manual-reactivate"), ourIdentity({ handler: "guardduty" })],
      [
        "the leakedCredentials function",
        findingOf("manual-reactivate"),
        ourIdentity({ handler: "leakedCredentials" }),
      ],
      ["the securityHub function", findingOf("manual-reactivate"), ourIdentity({ handler: "securityHub" })],
      ["an unnamed handler", findingOf("manual-reactivate"), ourIdentity()],
      [
        "an SNS wrapper around the manual function",
        findingOf("manual-reactivate", { viaSns: true }),
        manualIdentity,
      ],
      [
        "a finding that asks for Active",
        findingOf("guardduty-iam-user", { requestedStatus: "Active" }),
        manualIdentity,
      ],
    ])("is refused through %s, urgently", (_, finding, who) => {
      const plan = planContainment(finding, testConfig(), who);

      expect(plan).toMatchObject({ action: Action.None, skip: Skip.ReactivationRefused, urgent: true });
    });

    it("leaves disabling requests through any function unchanged, and through a trusted SNS topic", () => {
      const topic = "arn:aws:sns:us-east-1:111111111111:findings-relay";
      const finding = findingOf("manual-disable", { viaSns: true, snsTopicArn: topic });

      expect(
        planContainment(
          finding,
          testConfig({ trustedTopicArns: [topic] }),
          ourIdentity({ handler: "guardduty" }),
        ).action,
      ).toBe(Action.DisableKey);
      expect(
        planContainment(findingOf("manual-disable"), testConfig(), ourIdentity({ handler: "guardduty" }))
          .action,
      ).toBe(Action.DisableKey);
    });
  });

  it("does not revoke a user's sessions when a person asks to reactivate a temporary key", () => {
    const finding = findingOf("manual-reactivate", { accessKeyId: "ASIAIVAN000000000001" });

    const plan = planContainment(finding, testConfig({ revokeSessions: true }), manualIdentity);

    expect(plan.action).not.toBe(Action.RevokeSessions);
  });

  it("is pure: the same inputs give equal plans and the finding is left unchanged", () => {
    const finding = findingOf("guardduty-member-account");
    const snapshot = structuredClone(finding);
    const config = testConfig({ memberRoleName: "ResponderMember" });

    expect(planContainment(finding, config, identity)).toEqual(planContainment(finding, config, identity));
    expect(finding).toEqual(snapshot);
  });
});

describe("planContainment: what the plan does not take on the event's word", () => {
  it.each([["22222222222x"], ["2222"], [""], ["AKIAERIN000000000001"]])(
    "refuses an account field %j that is not a 12-digit account ID",
    (account) => {
      const plan = planContainment(findingOf("guardduty-iam-user", { account }), testConfig(), identity);

      expect(plan).toMatchObject({ action: Action.None, skip: Skip.InvalidInput, urgent: true });
      expect(plan.why).toContain("not a 12-digit account ID");
    },
  );

  it("refuses a Security Hub finding that an account imported for its own product, naming the product", () => {
    const product = "arn:aws:securityhub:us-east-1:333333333333:product/333333333333/default";
    const finding = findingOf("security-hub-principal-name", { provenance: { product, aws: false } });

    const plan = planContainment(finding, testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.UntrustedProduct, urgent: true });
    expect(plan.why).toContain(product);
  });

  it("makes no write for a closed finding, and no urgent alert", () => {
    const finding = findingOf("security-hub-principal-name", { closed: "workflow status is RESOLVED" });

    expect(planContainment(finding, testConfig(), identity)).toMatchObject({
      action: Action.None,
      skip: Skip.Closed,
      urgent: false,
    });
  });

  it("refuses a finding about the responder's own role, even with session revocation on", () => {
    const finding = findingOf("guardduty-assumed-role", {
      userName: "access-key-responder-prod-us-east-1-lambdaRole",
    });
    const own = ourIdentity({ roleName: "access-key-responder-prod-us-east-1-lambdaRole" });

    const plan = planContainment(finding, testConfig({ revokeSessions: true }), own);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.Responder, urgent: true });
  });

  it("refuses a finding about the member role it assumes, in any account", () => {
    const finding = findingOf("guardduty-assumed-role", { userName: "ResponderMember", account: MEMBER });
    const config = testConfig({ revokeSessions: true, memberRoleName: "ResponderMember" });

    expect(planContainment(finding, config, identity).skip).toBe(Skip.Responder);
  });

  it("refuses a key of the user the responder runs as", () => {
    const finding = findingOf("guardduty-iam-user");

    const plan = planContainment(finding, testConfig(), ourIdentity({ userName: "Alice" }));

    expect(plan.skip).toBe(Skip.Responder);
  });

  it("acts on a role of the same name in another account, which is not the responder", () => {
    const finding = findingOf("guardduty-assumed-role", { userName: "responder-role", account: MEMBER });
    const config = testConfig({ revokeSessions: true, memberRoleName: "ResponderMember" });

    const plan = planContainment(finding, config, ourIdentity({ roleName: "responder-role" }));

    expect(plan.action).toBe(Action.RevokeSessions);
  });
});

describe("approve mode", () => {
  const approve = (containWithoutApproval: string[] = []) =>
    testConfig({ mode: "approve", containWithoutApproval });

  it("makes no write for a GuardDuty finding and says it waits for a person", () => {
    const plan = planContainment(findingOf("guardduty-iam-user"), approve(), identity);

    expect(plan).toMatchObject({
      action: Action.DisableKey,
      awaitsApproval: true,
      userName: "alice",
      resolveOwner: false,
      checkFirst: false,
      dryRun: false,
    });
    expect(plan.why).toBe(
      "UnauthorizedAccess:IAMUser/TorIPCaller at severity 5: approve mode, so no change is made until a person " +
        "approves setting the key Inactive",
    );
  });

  it("makes no read either: neither the owner look-up nor the read before a repeat's write", () => {
    const unnamed = planContainment(findingOf("health-credentials-compromised"), approve(), identity);
    const update = planContainment(findingOf("guardduty-iam-user-update"), approve(), identity);

    expect(unnamed).toMatchObject({ awaitsApproval: true, resolveOwner: false });
    expect(update).toMatchObject({ awaitsApproval: true, checkFirst: false });
  });

  it("contains a finding whose source is listed in CONTAIN_WITHOUT_APPROVAL at once, and says why", () => {
    const plan = planContainment(findingOf("health-credentials-compromised"), approve(["health"]), identity);

    expect(plan.awaitsApproval).toBeUndefined();
    expect(plan).toMatchObject({ action: Action.DisableKey, resolveOwner: true });
    expect(plan.why).toContain('contained without approval, CONTAIN_WITHOUT_APPROVAL has "health"');
  });

  it("contains a finding whose type starts with a listed prefix at once, and no other", () => {
    const config = approve(["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration"]);
    const exfiltration = findingOf("guardduty-iam-user", {
      type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    });

    expect(planContainment(exfiltration, config, identity).awaitsApproval).toBeUndefined();
    expect(planContainment(findingOf("guardduty-iam-user"), config, identity).awaitsApproval).toBe(true);
  });

  it("does not take a source name for a type prefix, nor a prefix for a source", () => {
    const health = findingOf("health-credentials-compromised");

    expect(planContainment(health, approve(["guardduty"]), identity).awaitsApproval).toBe(true);
    expect(planContainment(health, approve([`${health.type.slice(0, 3)}:`]), identity).awaitsApproval).toBe(
      true,
    );
  });

  it("carries out a person's disable request to the manual function: the request is the approval", () => {
    const plan = planContainment(findingOf("manual-disable"), approve(), manualIdentity);

    expect(plan.awaitsApproval).toBeUndefined();
    expect(plan.action).toBe(Action.DisableKey);
    expect(plan.why).toContain("a person's request to the manual function is the approval");
  });

  it("waits for approval when a manual request is relayed through a trusted SNS topic or reaches another function", () => {
    const topic = "arn:aws:sns:us-east-1:111111111111:findings-relay";
    const viaSns = findingOf("manual-disable", { viaSns: true, snsTopicArn: topic });

    expect(
      planContainment(viaSns, { ...approve(), trustedTopicArns: [topic] }, manualIdentity).awaitsApproval,
    ).toBe(true);
    expect(planContainment(findingOf("manual-disable"), approve(), identity).awaitsApproval).toBe(true);
  });

  it("keeps the reactivation rules: only the manual function, directly", () => {
    expect(planContainment(findingOf("manual-reactivate"), approve(), manualIdentity)).toMatchObject({
      action: Action.ReactivateKey,
    });
    expect(planContainment(findingOf("manual-reactivate"), approve(), identity)).toMatchObject({
      action: Action.None,
      skip: Skip.ReactivationRefused,
    });
  });

  it("still refuses root and protected keys first", () => {
    expect(planContainment(findingOf("guardduty-root"), approve(), identity).skip).toBe(Skip.Root);
    expect(
      planContainment(
        findingOf("guardduty-iam-user"),
        testConfig({ mode: "approve", protectedUsers: ["alice"] }),
        identity,
      ).skip,
    ).toBe(Skip.Protected);
  });

  it("lets observe win: a dry run never awaits approval", () => {
    const plan = planContainment(
      findingOf("guardduty-iam-user"),
      testConfig({ mode: "observe", dryRun: true }),
      identity,
    );

    expect(plan).toMatchObject({ dryRun: true, action: Action.DisableKey });
    expect(plan.awaitsApproval).toBeUndefined();
  });

  it("asks approval to revoke sessions of a temporary key when revocation is on", () => {
    const plan = planContainment(
      findingOf("guardduty-assumed-role"),
      testConfig({ mode: "approve", revokeSessions: true }),
      identity,
    );

    expect(plan).toMatchObject({ action: Action.RevokeSessions, awaitsApproval: true });
    expect(plan.why).toContain("no change is made until a person approves");
  });

  it("merges a finding contained at once ahead of one awaiting approval for the same key", () => {
    const config = approve(["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration"]);
    const waiting = planContainment(findingOf("guardduty-iam-user"), config, identity);
    const now = planContainment(
      findingOf("guardduty-iam-user", {
        type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
      }),
      config,
      identity,
    );

    expect(mergePlans([waiting, now], config).awaitsApproval).toBeUndefined();
    expect(mergePlans([waiting, waiting], config).awaitsApproval).toBe(true);
  });
});

describe("provenance of wrappers", () => {
  const topic = "arn:aws:sns:us-east-1:111111111111:findings";

  it.each([
    ["no topic is trusted", [], topic],
    ["another topic is trusted", ["arn:aws:sns:us-east-1:111111111111:other"], topic],
    ["the notification names no topic", [topic], undefined],
  ])(
    "makes no write for a finding inside an SNS notification when %s, and says so urgently",
    (_, trusted, from) => {
      const finding = findingOf("guardduty-iam-user", { viaSns: true, snsTopicArn: from });

      const plan = planContainment(finding, testConfig({ trustedTopicArns: trusted }), identity);

      expect(plan).toMatchObject({ action: Action.None, skip: Skip.UntrustedWrapper, urgent: true });
      expect(plan.why).toContain(from ?? "a topic it does not name");
    },
  );

  it("acts on a finding inside a notification of a trusted topic", () => {
    const finding = findingOf("guardduty-iam-user", { viaSns: true, snsTopicArn: topic });

    expect(planContainment(finding, testConfig({ trustedTopicArns: [topic] }), identity).action).toBe(
      Action.DisableKey,
    );
  });
});

describe("the key's account", () => {
  it("asks STS before writing when a manual request names no account", () => {
    const plan = planContainment(
      findingOf("manual-disable-no-user"),
      testConfig(),
      ourIdentity({ handler: "manual" }),
    );

    expect(plan).toMatchObject({ action: Action.DisableKey, verifyAccount: true });
  });

  it("asks STS when the event names another account around the key", () => {
    const finding = findingOf("guardduty-iam-user", { accountHints: [MEMBER] });

    expect(planContainment(finding, testConfig(), identity).verifyAccount).toBe(true);
    expect(planContainment(findingOf("guardduty-iam-user"), testConfig(), identity).verifyAccount).toBe(
      false,
    );
  });

  it("never asks in a dry run or while a write awaits approval: no call is made at all", () => {
    const finding = findingOf("guardduty-iam-user", { accountHints: [MEMBER] });

    expect(planContainment(finding, testConfig({ dryRun: true }), identity).verifyAccount).toBe(false);
    expect(planContainment(finding, testConfig({ mode: "approve" }), identity).verifyAccount).toBe(false);
  });

  it("always asks where a temporary key's sessions live before revoking them", () => {
    const plan = planContainment(
      findingOf("guardduty-assumed-role"),
      testConfig({ revokeSessions: true }),
      identity,
    );

    expect(plan).toMatchObject({ action: Action.RevokeSessions, verifyAccount: true });
  });

  it("plans again for the account STS names: the member role there, the user looked up there", () => {
    const plan = planContainment(
      findingOf("guardduty-iam-user"),
      testConfig({ memberRoleName: "Member" }),
      identity,
    );

    const moved = planForAccount(plan, MEMBER, testConfig({ memberRoleName: "Member" }), identity);

    expect(moved).toMatchObject({
      action: Action.DisableKey,
      account: MEMBER,
      roleArn: `arn:aws:iam::${MEMBER}:role/Member`,
      resolveOwner: true,
      accountVerified: true,
      verifyAccount: false,
    });
    expect(moved.userName).toBeUndefined();
  });

  it("without a member role, plans no write for the account STS names, and says which", () => {
    const plan = planContainment(findingOf("guardduty-iam-user"), testConfig(), identity);

    const moved = planForAccount(plan, MEMBER, testConfig(), identity);

    expect(moved).toMatchObject({
      action: Action.None,
      skip: Skip.OtherAccount,
      urgent: true,
      account: MEMBER,
    });
    expect(moved.why).toContain(MEMBER);
  });
});
