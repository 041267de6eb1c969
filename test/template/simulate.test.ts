// The packaged roles and resource policies through an IAM policy simulator (@cloud-copilot/iam-simulate, which
// evaluates identity and resource policies as IAM documents it, same-account and cross-account): what IAM would
// decide for the calls the code makes, for calls it never makes, and for callers from other accounts. Roles are read
// from the packaged template generically (every AWS::IAM::Role and the functions that run with it).
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { AUDIT_TAG_KEY, QUARANTINE_POLICY_NAME } from "../../src/contain/audit";
import { DECLARED_ACTIONS, drillGrantedActions, grantedActions } from "../../src/entry/permissions";
import {
  ACCOUNT,
  evaluate,
  HOME,
  infraConditions,
  infraParameters,
  loadInfra,
  MEMBER_ACCOUNT,
  ORGANIZATION_ID,
  OTHER_ACCOUNT,
  OTHER_ORGANIZATION_ID,
  PARTITION,
  type PackagedRole,
  type Place,
  type PolicyDocument,
  packagedRoles,
  REGION,
  type ResourcePolicy,
  resourcePolicies,
} from "../support/packaged-policies";
import {
  loadPackaged,
  STACK_CONFIGURATIONS,
  type StackConfiguration,
  stackConditions,
  type Template,
} from "../support/template";

type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

interface Request {
  principal: string;
  action: string;
  resource: string;
  /** The account that owns the resource. */
  account: string;
  context?: Record<string, string | string[]>;
}

const ALLOW_ALL: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

/** What IAM decides for one request, with no SCPs or RCPs; an input the simulator rejects throws. */
const decide = async (
  request: Request,
  identity: PolicyDocument[],
  resourcePolicy?: PolicyDocument,
): Promise<Decision> => {
  const simulation: Simulation = {
    identityPolicies: identity.map((policy, index) => ({ name: `policy${index + 1}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy } : {}),
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.account },
      contextVariables: request.context ?? {},
    },
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") {
    throw new Error(`the simulator refused ${request.action}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
};

const documents = (role: PackagedRole): PolicyDocument[] => role.policies.map((policy) => policy.document);
const sessionOf = (role: PackagedRole, account = ACCOUNT) =>
  `arn:${PARTITION}:sts::${account}:assumed-role/${role.name}/session`;

const USER = `arn:${PARTITION}:iam::${ACCOUNT}:user/alice`;
const WORKLOAD_ROLE = `arn:${PARTITION}:iam::${ACCOUNT}:role/workload`;
const MEMBER_ROLE_NAME = "AccessKeyResponderMember";
const QUARANTINE_ARN = `arn:${PARTITION}:iam::aws:policy/${QUARANTINE_POLICY_NAME}`;
const PROTECTED_TAG = "access-key-responder-protected";
const SECURITY_HUB = `arn:${PARTITION}:securityhub:${REGION}:${ACCOUNT}:hub/default`;
const SECURITY_HUB_V2 = `arn:${PARTITION}:securityhub:${REGION}:${ACCOUNT}:hubv2/0123456789abcdef`;

/** Calls the code never makes, which no role may be allowed (beside the declared calls of other functions). */
const NEVER_CALLED = [
  "iam:DeleteAccessKey",
  "iam:CreateAccessKey",
  "iam:CreateUser",
  "iam:DeleteUser",
  "iam:AttachRolePolicy",
  "iam:UpdateAssumeRolePolicy",
  "iam:CreateLoginProfile",
  "sts:AssumeRole",
  "sns:Subscribe",
  "guardduty:UpdateDetector",
];

/** Each call as the code makes it: on what, in which account, with which request context. */
const requestFor = (template: Template, action: string): Omit<Request, "principal"> => {
  const here = { account: ACCOUNT };
  switch (action) {
    case "iam:PutRolePolicy":
    case "iam:AttachRolePolicy":
    case "iam:UpdateAssumeRolePolicy":
      return { ...here, action, resource: WORKLOAD_ROLE };
    case "iam:TagUser":
      return {
        ...here,
        action,
        resource: USER,
        context: { "aws:TagKeys": [AUDIT_TAG_KEY], [`aws:RequestTag/${AUDIT_TAG_KEY}`]: "Inactive" },
      };
    case "iam:AttachUserPolicy":
      return { ...here, action, resource: USER, context: { "iam:PolicyARN": QUARANTINE_ARN } };
    case "sns:Publish":
    case "sns:Subscribe":
      return { ...here, action, resource: String(evaluate(template, { Ref: "AlertTopic" }, HOME)) };
    case "sts:AssumeRole":
      return {
        action,
        account: MEMBER_ACCOUNT,
        resource: `arn:${PARTITION}:iam::${MEMBER_ACCOUNT}:role/${MEMBER_ROLE_NAME}`,
        context: { "aws:ResourceAccount": MEMBER_ACCOUNT, "aws:ResourceOrgID": ORGANIZATION_ID },
      };
    case "securityhub:BatchUpdateFindings":
      // The account's Security Hub (CSPM) hub; the V2 API is authorized on hubv2 (tested on its own below).
      return { ...here, action, resource: SECURITY_HUB };
    default:
      if (action.startsWith("iam:")) return { ...here, action, resource: USER };
      // sts:GetAccessKeyInfo, cloudtrail:LookupEvents and GuardDuty's: no resource-level permission.
      return { ...here, action, resource: "*" };
  }
};

/** The drill function is the framework's DrillLambdaFunction; every other function is a responder. */
const callsOf = (functionId: string, configuration: StackConfiguration): string[] =>
  functionId === "DrillLambdaFunction"
    ? drillGrantedActions(configuration.drill)
    : grantedActions(configuration.enabled);

/** What each role may call: the union of the calls of the functions that run with it. */
const expectedCalls = (role: PackagedRole, configuration: StackConfiguration): Set<string> =>
  new Set(role.functions.flatMap((id) => callsOf(id, configuration)));

const UNIVERSE = [...new Set([...DECLARED_ACTIONS, ...NEVER_CALLED])].sort();

/**
 * A member role that trusts the whole responder account: across accounts IAM then asks the caller's own policies,
 * so the simulation answers whether the role's policies allow AssumeRole.
 */
const TRUSTS_THE_RESPONDER_ACCOUNT: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: `arn:${PARTITION}:iam::${ACCOUNT}:root` },
      Action: "sts:AssumeRole",
    },
  ],
};

/** Actions IAM allows the role among the project's own calls and the calls it never makes. */
const allowedCalls = async (template: Template, role: PackagedRole, identity = documents(role)) => {
  const decisions = await Promise.all(
    UNIVERSE.map(async (action) => {
      const request = { principal: sessionOf(role), ...requestFor(template, action) };
      const trust = action === "sts:AssumeRole" ? TRUSTS_THE_RESPONDER_ACCOUNT : undefined;
      return [action, await decide(request, identity, trust)] as const;
    }),
  );
  return decisions.filter(([, decision]) => decision === "Allowed").map(([action]) => action);
};

const rolesOf = (configuration: StackConfiguration) => {
  const template = loadPackaged(configuration.packaged);
  return { template, roles: packagedRoles(template, stackConditions(template, configuration)) };
};

describe.each(STACK_CONFIGURATIONS)("the packaged roles, simulated, $name", (configuration) => {
  it("allow each function's role exactly the calls its functions make, and none of the others", async () => {
    const { template, roles } = rolesOf(configuration);
    const withFunctions = roles.filter((role) => role.functions.length > 0);
    expect(withFunctions.length).toBeGreaterThan(0);
    for (const role of withFunctions) {
      const expected = [...expectedCalls(role, configuration)].sort();
      expect(await allowedCalls(template, role), `${role.logicalId} (${role.functions.join(", ")})`).toEqual(
        expected,
      );
    }
  });

  it(`deny every IAM write they allow on a user tagged ${PROTECTED_TAG}, whatever its value`, async () => {
    const { template, roles } = rolesOf(configuration);
    const writes = ["iam:UpdateAccessKey", "iam:TagUser", "iam:AttachUserPolicy", "iam:PutUserPolicy"];
    for (const role of roles) {
      for (const action of writes) {
        const request = requestFor(template, action);
        const plain = await decide({ principal: sessionOf(role), ...request }, documents(role));
        if (plain !== "Allowed") continue;
        for (const value of ["true", ""]) {
          const tagged = {
            ...request,
            context: { ...request.context, [`aws:ResourceTag/${PROTECTED_TAG}`]: value },
          };
          expect(await decide({ principal: sessionOf(role), ...tagged }, documents(role)), action).toBe(
            "ExplicitlyDenied",
          );
        }
      }
    }
  });
});

describe("securityhub:BatchUpdateFindings (securityHubUpdates), simulated", () => {
  const responder = (configuration: StackConfiguration) => {
    const role = rolesOf(configuration).roles.find((r) => r.functions.includes("SecurityHubLambdaFunction"));
    if (!role) throw new Error("no responder role");
    return role;
  };
  const update = (role: PackagedRole, resource: string, account = ACCOUNT) =>
    decide(
      { principal: sessionOf(role), action: "securityhub:BatchUpdateFindings", resource, account },
      documents(role),
    );
  const OTHER_HUB = `arn:${PARTITION}:securityhub:${REGION}:${OTHER_ACCOUNT}:hub/default`;
  const OTHER_REGION_HUB = `arn:${PARTITION}:securityhub:eu-west-1:${ACCOUNT}:hub/default`;

  it("is allowed on this account's hub and V2 hub in this Region by default, and nowhere else", async () => {
    const role = responder(STACK_CONFIGURATIONS[0] as StackConfiguration);
    expect(await update(role, SECURITY_HUB)).toBe("Allowed");
    expect(await update(role, SECURITY_HUB_V2)).toBe("Allowed");
    expect(await update(role, OTHER_HUB, OTHER_ACCOUNT)).toBe("ImplicitlyDenied");
    expect(await update(role, OTHER_REGION_HUB)).toBe("ImplicitlyDenied");
  });

  it("is not allowed with securityHubUpdates off", async () => {
    const off = STACK_CONFIGURATIONS.find((c) => c.name === "only drill") as StackConfiguration;
    expect(off.enabled).not.toContain("securityHubUpdates");
    const role = responder(off);
    expect(await update(role, SECURITY_HUB)).toBe("ImplicitlyDenied");
    expect(await update(role, SECURITY_HUB_V2)).toBe("ImplicitlyDenied");
  });
});

/** The member role as infra/member-role.json deploys it in `account`, for the responder `responder`. */
const memberRole = (responder: PackagedRole, account: string, organizationId?: string) => {
  const template = loadInfra("member-role.json");
  const place: Place = {
    account,
    region: REGION,
    partition: PARTITION,
    parameters: {
      ...infraParameters(responder.name).allOn,
      MemberRoleName: MEMBER_ROLE_NAME,
      OrganizationId: organizationId ?? "",
    },
  };
  const [role] = packagedRoles(template, infraConditions(template, place), place);
  return role;
};

const assumeRole = async (
  responder: PackagedRole,
  target: { account: string; org: string },
  principalOrg: string,
  organizationId: string | undefined,
): Promise<Decision> => {
  const member = memberRole(responder, target.account, organizationId);
  // Not deployed there (the template leaves it out): nothing to assume.
  if (!member) return "ImplicitlyDenied";
  return decide(
    {
      principal: sessionOf(responder),
      action: "sts:AssumeRole",
      resource: member.arn,
      account: target.account,
      context: {
        "aws:ResourceAccount": target.account,
        "aws:ResourceOrgID": target.org,
        "aws:PrincipalAccount": ACCOUNT,
        "aws:PrincipalOrgID": principalOrg,
      },
    },
    documents(responder),
    member.trust,
  );
};

describe.each(STACK_CONFIGURATIONS.filter((c) => c.memberRoleName !== undefined))(
  "sts:AssumeRole with the member role's trust policy, simulated, $name",
  (configuration) => {
    const responder = () => {
      const { roles } = rolesOf(configuration);
      const found = roles.find((role) => expectedCalls(role, configuration).has("sts:AssumeRole"));
      if (!found) throw new Error("no packaged role is expected to call sts:AssumeRole");
      return found;
    };
    const org = configuration.organizationId;
    const inOrg = org ?? ORGANIZATION_ID;

    it("is allowed into a member account", async () => {
      expect(await assumeRole(responder(), { account: MEMBER_ACCOUNT, org: inOrg }, inOrg, org)).toBe(
        "Allowed",
      );
    });

    // A StackSet over the organization's OUs also deploys the member role in the responder's account. There a trust
    // policy that names the caller's role grants AssumeRole on its own (same-account evaluation), whatever the
    // StringNotEquals aws:ResourceAccount of the responder's grant says: the trust policy must refuse it too.
    it("is never allowed into the responder's own account, even where the member role is deployed", async () => {
      expect(await assumeRole(responder(), { account: ACCOUNT, org: inOrg }, inOrg, org)).not.toBe("Allowed");
    });

    it("is refused to any other role of the responder's account", async () => {
      const member = memberRole(responder(), MEMBER_ACCOUNT, org);
      const other = `arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/other/session`;
      const request = {
        principal: other,
        action: "sts:AssumeRole",
        resource: member?.arn ?? "",
        account: MEMBER_ACCOUNT,
      };
      expect(await decide(request, [ALLOW_ALL], member?.trust)).not.toBe("Allowed");
    });

    it.runIf(org !== undefined)("is refused outside the organization, either way", async () => {
      const outside = { account: OTHER_ACCOUNT, org: OTHER_ORGANIZATION_ID };
      expect(await assumeRole(responder(), outside, inOrg, org)).not.toBe("Allowed");
      // A responder outside the organization (the member role requires aws:PrincipalOrgID).
      expect(
        await assumeRole(responder(), { account: MEMBER_ACCOUNT, org: inOrg }, OTHER_ORGANIZATION_ID, org),
      ).not.toBe("Allowed");
    });
  },
);

describe("the member role, simulated", () => {
  it(`lets the responder set keys Inactive, except on a user tagged ${PROTECTED_TAG}`, async () => {
    const { roles } = rolesOf(STACK_CONFIGURATIONS[1] as StackConfiguration);
    const responder = roles.find((role) => role.functions.includes("GuarddutyLambdaFunction"));
    const member = responder && memberRole(responder, MEMBER_ACCOUNT, ORGANIZATION_ID);
    if (!member) throw new Error("no member role");
    const request = {
      principal: `arn:${PARTITION}:sts::${MEMBER_ACCOUNT}:assumed-role/${MEMBER_ROLE_NAME}/session`,
      action: "iam:UpdateAccessKey",
      resource: `arn:${PARTITION}:iam::${MEMBER_ACCOUNT}:user/alice`,
      account: MEMBER_ACCOUNT,
    };
    expect(await decide(request, documents(member))).toBe("Allowed");
    const tagged = { ...request, context: { [`aws:ResourceTag/${PROTECTED_TAG}`]: "true" } };
    expect(await decide(tagged, documents(member))).toBe("ExplicitlyDenied");
    expect(await decide({ ...request, action: "iam:DeleteAccessKey" }, documents(member))).toBe(
      "ImplicitlyDenied",
    );
  });
});

/** What a caller from another account would try on each kind of resource. */
const FOREIGN_ACTIONS: Record<string, string[]> = {
  "AWS::SNS::Topic": ["sns:Publish", "sns:Subscribe", "sns:SetTopicAttributes"],
  "AWS::SQS::Queue": ["sqs:SendMessage", "sqs:ReceiveMessage"],
  "AWS::KMS::Key": ["kms:Decrypt", "kms:GenerateDataKey", "kms:PutKeyPolicy"],
  "AWS::Events::EventBus": ["events:PutEvents"],
  "AWS::S3::Bucket": ["s3:GetObject", "s3:PutObject"],
};

/** Service principals a resource policy names. */
const servicesIn = (document: PolicyDocument): string[] =>
  document.Statement.flatMap((statement) => {
    const principal = statement.Principal as { Service?: string | string[] } | undefined;
    return [principal?.Service ?? []].flat();
  });

/** Another account's callers: a role allowed everything by its own account, and each named service acting for it. */
const foreignRequests = (policy: ResourcePolicy): Request[] =>
  (FOREIGN_ACTIONS[policy.protects] ?? []).flatMap((action) => {
    const resource = policy.protects === "AWS::S3::Bucket" ? `${policy.arn}/key` : policy.arn;
    const base = { action, resource, account: ACCOUNT };
    return [
      {
        ...base,
        principal: `arn:${PARTITION}:sts::${OTHER_ACCOUNT}:assumed-role/attacker/session`,
        context: { "aws:PrincipalAccount": OTHER_ACCOUNT, "aws:PrincipalOrgID": OTHER_ORGANIZATION_ID },
      },
      ...servicesIn(policy.document).map((service) => ({
        ...base,
        principal: service,
        context: {
          "aws:SourceAccount": OTHER_ACCOUNT,
          "aws:SourceArn": `arn:${PARTITION}:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:x`,
        },
      })),
    ];
  });

describe.each(STACK_CONFIGURATIONS.slice(0, 2))(
  "the resource policies, simulated, $name",
  (configuration) => {
    const policies = () => {
      const template = loadPackaged(configuration.packaged);
      return resourcePolicies(template, stackConditions(template, configuration));
    };

    it("refuse every caller from another account (topics, queue, key, bus, bucket)", async () => {
      const all = policies();
      expect(all.map((p) => p.protects)).toEqual(
        expect.arrayContaining(["AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::KMS::Key"]),
      );
      for (const policy of all) {
        for (const request of foreignRequests(policy)) {
          const decision = await decide(request, [ALLOW_ALL], policy.document);
          expect(decision, `${policy.logicalId}: ${request.principal} ${request.action}`).not.toBe("Allowed");
        }
      }
    });

    it("let this account's alarms publish, its rules dead-letter, and its roles use the key (the requests are real)", async () => {
      const all = policies();
      const alarm = `arn:${PARTITION}:cloudwatch:${REGION}:${ACCOUNT}:alarm:access-key-responder-ci-FunctionErrorsAlarm`;
      const topic = all.find((p) => p.logicalId === "AlertTopicPolicy");
      const queue = all.find((p) => p.protects === "AWS::SQS::Queue");
      const key = all.find((p) => p.protects === "AWS::KMS::Key");
      if (!topic || !queue || !key) throw new Error("a resource policy is missing");
      const own = { "aws:SourceAccount": ACCOUNT };
      expect(
        await decide(
          {
            principal: "cloudwatch.amazonaws.com",
            action: "sns:Publish",
            resource: topic.arn,
            account: ACCOUNT,
            context: { ...own, "aws:SourceArn": alarm },
          },
          [],
          topic.document,
        ),
      ).toBe("Allowed");
      expect(
        await decide(
          {
            principal: "events.amazonaws.com",
            action: "sqs:SendMessage",
            resource: queue.arn,
            account: ACCOUNT,
            context: {
              ...own,
              "aws:SourceArn": `arn:${PARTITION}:events:${REGION}:${ACCOUNT}:rule/access-key-responder-ci-guardduty-rule-1`,
            },
          },
          [],
          queue.document,
        ),
      ).toBe("Allowed");
      const ownRole = `arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/admin/session`;
      const decrypt = { principal: ownRole, action: "kms:Decrypt", resource: key.arn, account: ACCOUNT };
      expect(await decide(decrypt, [ALLOW_ALL], key.document)).toBe("Allowed");
    });

    it.runIf(configuration.organizationId !== undefined)(
      "let the organization's forwarders put events on the bus, and no one else",
      async () => {
        const bus = policies().find((p) => p.protects === "AWS::Events::EventBus");
        if (!bus) throw new Error("no bus policy with organizationId");
        const forwarder = (org: string) => ({
          principal: `arn:${PARTITION}:sts::${MEMBER_ACCOUNT}:assumed-role/forwarder/session`,
          action: "events:PutEvents",
          resource: bus.arn,
          account: ACCOUNT,
          context: { "aws:PrincipalAccount": MEMBER_ACCOUNT, "aws:PrincipalOrgID": org },
        });
        expect(await decide(forwarder(ORGANIZATION_ID), [ALLOW_ALL], bus.document)).toBe("Allowed");
        expect(await decide(forwarder(OTHER_ORGANIZATION_ID), [ALLOW_ALL], bus.document)).not.toBe("Allowed");
      },
    );
  },
);

describe("the simulated checks catch a widened or weakened policy", () => {
  const allOn = STACK_CONFIGURATIONS[1] as StackConfiguration;
  const responderOf = () => {
    const { template, roles } = rolesOf(allOn);
    const role = roles.find((r) => r.functions.includes("GuarddutyLambdaFunction"));
    if (!role) throw new Error("no responder role");
    return { template, role };
  };
  const withStatements = (role: PackagedRole, change: (document: PolicyDocument) => PolicyDocument) =>
    documents(role).map(change);

  it("reports a role allowed a call its functions never make", async () => {
    const { template, role } = responderOf();
    const widened = [
      ...documents(role),
      {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow" as const, Action: "iam:DeleteAccessKey", Resource: "*" }],
      },
    ];
    expect(await allowedCalls(template, role, widened)).toContain("iam:DeleteAccessKey");
    expect(await allowedCalls(template, role)).not.toContain("iam:DeleteAccessKey");
  });

  it("reports a call its functions make that the role is no longer allowed (grant on the wrong ARN)", async () => {
    const { template, role } = responderOf();
    const narrowed = withStatements(role, (document) => ({
      ...document,
      Statement: document.Statement.map((s) =>
        s.Sid === "ContainAccessKeys"
          ? { ...s, Resource: [`arn:${PARTITION}:iam::${ACCOUNT}:user/other/*`] }
          : s,
      ),
    }));
    expect(await allowedCalls(template, role, narrowed)).not.toContain("iam:UpdateAccessKey");
  });

  it("reports a protected-tag Deny that no longer applies", async () => {
    const { template, role } = responderOf();
    const weakened = withStatements(role, (document) => ({
      ...document,
      Statement: document.Statement.filter((s) => s.Sid !== "NeverTouchProtectedPrincipals"),
    }));
    const request = requestFor(template, "iam:UpdateAccessKey");
    const tagged = { ...request, context: { [`aws:ResourceTag/${PROTECTED_TAG}`]: "true" } };
    expect(await decide({ principal: sessionOf(role), ...tagged }, documents(role))).toBe("ExplicitlyDenied");
    expect(await decide({ principal: sessionOf(role), ...tagged }, weakened)).toBe("Allowed");
  });

  it("reports AssumeRole into this account once the grant stops excluding it", async () => {
    const { template, role } = responderOf();
    const request = { principal: sessionOf(role), ...requestFor(template, "sts:AssumeRole") };
    const own = {
      ...request,
      account: ACCOUNT,
      resource: `arn:${PARTITION}:iam::${ACCOUNT}:role/${MEMBER_ROLE_NAME}`,
      context: { "aws:ResourceAccount": ACCOUNT, "aws:ResourceOrgID": ORGANIZATION_ID },
    };
    const unconditioned = withStatements(role, (document) => ({
      ...document,
      Statement: document.Statement.map(({ Condition, ...s }) =>
        s.Sid === "ActInMemberAccounts" || !Condition ? s : { ...s, Condition },
      ),
    }));
    expect(await decide(own, documents(role))).toBe("ImplicitlyDenied");
    expect(await decide(own, unconditioned)).toBe("Allowed");
  });

  it("reports a topic policy open to every principal", async () => {
    const template = loadPackaged("default");
    const topic = resourcePolicies(
      template,
      stackConditions(template, STACK_CONFIGURATIONS[0] as StackConfiguration),
    ).find((p) => p.logicalId === "AlertTopicPolicy");
    if (!topic) throw new Error("no AlertTopicPolicy");
    const opened: ResourcePolicy = {
      ...topic,
      document: {
        ...topic.document,
        Statement: [
          ...topic.document.Statement,
          { Effect: "Allow", Principal: "*", Action: "sns:Publish", Resource: topic.arn },
        ],
      },
    };
    const refusals = async (policy: ResourcePolicy) =>
      (await Promise.all(foreignRequests(policy).map((r) => decide(r, [ALLOW_ALL], policy.document)))).filter(
        (d) => d === "Allowed",
      ).length;
    expect(await refusals(topic)).toBe(0);
    expect(await refusals(opened)).toBeGreaterThan(0);
  });

  it("reports a member role trust policy that trusts the whole responder account", async () => {
    const { role } = responderOf();
    const member = memberRole(role, MEMBER_ACCOUNT, ORGANIZATION_ID);
    if (!member) throw new Error("no member role");
    const other = {
      principal: `arn:${PARTITION}:sts::${ACCOUNT}:assumed-role/other/session`,
      action: "sts:AssumeRole",
      resource: member.arn,
      account: MEMBER_ACCOUNT,
      context: { "aws:PrincipalOrgID": ORGANIZATION_ID },
    };
    const loose: PolicyDocument = {
      ...member.trust,
      Statement: member.trust.Statement.map((s) => ({
        ...s,
        Principal: { AWS: `arn:${PARTITION}:iam::${ACCOUNT}:root` },
      })),
    };
    expect(await decide(other, [ALLOW_ALL], member.trust)).not.toBe("Allowed");
    expect(await decide(other, [ALLOW_ALL], loose)).toBe("Allowed");
  });
});
