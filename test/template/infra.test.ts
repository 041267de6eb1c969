// The two templates shipped beside the stack: the member role (StackSets, every member account) and the us-east-1
// forwarder for global events. Each must stay in step with what the packaged stack does, in every configuration.
import { describe, expect, it } from "vitest";
import { MEMBER_ACCOUNT_OPT_INS, memberAccountActions, type OptIn } from "../../src/entry/permissions";
import {
  evaluateConditions,
  eventRules,
  loadPackaged,
  loadTemplate,
  PROJECT_ROOT,
  resolveConditionals,
  resource,
  roleStatements,
  STACK_CONFIGURATIONS,
  type StackConfiguration,
  type Statement,
  stackConditions,
  type Template,
} from "../support/template";
import { allows, protectedDenyProblems, same } from "./policy-checks";

const memberRole = () => loadTemplate(`${PROJECT_ROOT}infra/member-role.json`);
const forwarder = () => loadTemplate(`${PROJECT_ROOT}infra/global-events-forwarder.json`);

/** The member role's parameter for an opt-in of the stack: `revokeSessions` → `RevokeSessions`. */
const memberParameter = (optIn: OptIn): string => optIn.charAt(0).toUpperCase() + optIn.slice(1);

/** The member role's parameters that mirror a stack configuration. */
const memberParameters = (configuration: StackConfiguration): Record<string, string> => ({
  ...Object.fromEntries(
    MEMBER_ACCOUNT_OPT_INS.map((optIn) => [
      memberParameter(optIn),
      configuration.enabled.includes(optIn) ? "true" : "false",
    ]),
  ),
  OrganizationId: configuration.organizationId ?? "",
});

const memberStatements = (template: Template, parameters: Record<string, string>): Statement[] =>
  roleStatements(template, { role: "MemberRole", conditions: evaluateConditions(template, parameters) });

/** The IAM statements of the responder's own role, minus what only applies to its own role name. */
const responderIamStatements = (configuration: StackConfiguration): Statement[] => {
  const template = loadPackaged(configuration.packaged);
  return roleStatements(template, { conditions: stackConditions(template, configuration) })
    .filter((s) => s.Action.every((action) => action.startsWith("iam:")))
    .filter((s) => s.Sid !== "NeverLockOutTheResponder");
};

/** The member role grants exactly the IAM actions the enabled features call in a member account. */
const memberGrantProblems = (member: Statement[], enabled: readonly OptIn[]): string[] => {
  const granted = new Set(allows(member).flatMap((s) => s.Action));
  const expected = new Set(memberAccountActions(enabled));
  return [
    ...[...expected].filter((a) => !granted.has(a)).map((a) => `the member role does not grant ${a}`),
    ...[...granted].filter((a) => !expected.has(a)).map((a) => `the member role grants ${a}, not declared`),
  ];
};

/** Statement for statement (by Sid), the member role has the responder's IAM statements, and no other Allow. */
const sameStatementProblems = (member: Statement[], responder: Statement[]): string[] => {
  const memberBySid = new Map(member.map((s) => [s.Sid, s]));
  const responderSids = new Set(responder.map((s) => s.Sid));
  return [
    ...responder
      .filter((s) => !same(memberBySid.get(s.Sid), s))
      .map(
        (s) => `the member role's ${s.Sid} differs: ${JSON.stringify(memberBySid.get(s.Sid) ?? "missing")}`,
      ),
    ...allows(member)
      .filter((s) => !responderSids.has(s.Sid))
      .map((s) => `the member role allows ${s.Sid}, which the responder's role does not have`),
  ];
};

interface TrustStatement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string;
  Condition?: unknown;
}

/**
 * Only the responder's role may assume the member role, never in the responder's own account (a StackSet over the
 * organization's OUs may deploy it there too, where a role's trust alone would let a same-account principal in); with
 * an organization, only from within it.
 */
const trustProblems = (template: Template, parameters: Record<string, string>): string[] => {
  const conditions = evaluateConditions(template, parameters);
  const trust = resolveConditionals(
    resource(template, "MemberRole").Properties?.AssumeRolePolicyDocument,
    conditions,
  ) as { Statement: TrustStatement[] };
  const expected: TrustStatement = {
    Sid: "OnlyTheResponder",
    Effect: "Allow",
    Principal: {
      AWS: { "Fn::Sub": "arn:${AWS::Partition}:iam::${ResponderAccountId}:role/${ResponderRoleName}" },
    },
    Action: "sts:AssumeRole",
    Condition: {
      ...(parameters.OrganizationId
        ? { StringEquals: { "aws:PrincipalOrgID": { Ref: "OrganizationId" } } }
        : {}),
      StringNotEquals: { "aws:PrincipalAccount": { Ref: "AWS::AccountId" } },
    },
  };
  return same(trust.Statement, [expected])
    ? []
    : [`the trust policy is ${JSON.stringify(trust.Statement)}, expected ${JSON.stringify([expected])}`];
};

describe("the member role template", () => {
  it("has a parameter per opt-in it serves, off by default, and an optional OrganizationId", () => {
    const { Parameters = {} } = memberRole();
    for (const optIn of MEMBER_ACCOUNT_OPT_INS) {
      expect(Parameters[memberParameter(optIn)], optIn).toMatchObject({
        Default: "false",
        AllowedValues: ["true", "false"],
      });
    }
    expect(Parameters.OrganizationId?.Default).toBe("");
    expect("o-a1b2c3d4e5").toMatch(new RegExp(Parameters.OrganizationId?.AllowedPattern ?? "^$"));
  });

  it("is named by the same parameter the responder assumes", () => {
    const template = memberRole();
    expect(resource(template, "MemberRole").Properties?.RoleName).toEqual({ Ref: "MemberRoleName" });
    expect(template.Parameters?.MemberRoleName?.Default).toBe("AccessKeyResponderMember");
  });

  it("with its default parameters, grants only what a default responder uses there", () => {
    const member = roleStatements(memberRole(), {
      role: "MemberRole",
      conditions: evaluateConditions(memberRole()),
    });
    expect(memberGrantProblems(member, [])).toEqual([]);
  });
});

describe.each(STACK_CONFIGURATIONS)("the member role mirroring the responder, $name", (configuration) => {
  const parameters = memberParameters(configuration);
  const member = () => memberStatements(memberRole(), parameters);

  it("grants exactly the IAM actions the enabled features call in a member account", () => {
    expect(memberGrantProblems(member(), configuration.enabled)).toEqual([]);
  });

  it("has the same IAM statements as the responder's own role, including the protected-tag Deny", () => {
    expect(sameStatementProblems(member(), responderIamStatements(configuration))).toEqual([]);
    expect(protectedDenyProblems(member())).toEqual([]);
  });

  it(`trusts only the responder's role${configuration.organizationId ? ", within the organization" : ""}`, () => {
    expect(trustProblems(memberRole(), parameters)).toEqual([]);
  });
});

describe("the member role checks catch a drifting template", () => {
  const allOn = STACK_CONFIGURATIONS[1] as StackConfiguration;
  const defaults = STACK_CONFIGURATIONS[0] as StackConfiguration;
  const policies = (t: Template) => resource(t, "MemberRole").Properties?.Policies as unknown[];
  const trustStatement = (t: Template): Record<string, unknown> => {
    const trust = resource(t, "MemberRole").Properties?.AssumeRolePolicyDocument as
      | { Statement: Array<Record<string, unknown>> }
      | undefined;
    const [statement] = trust?.Statement ?? [];
    if (!statement) throw new Error("the member role has no trust statement");
    return statement;
  };
  const problems = (template: Template, configuration: StackConfiguration) => {
    const parameters = memberParameters(configuration);
    const member = memberStatements(template, parameters);
    return [
      ...memberGrantProblems(member, configuration.enabled),
      ...sameStatementProblems(member, responderIamStatements(configuration)),
      ...protectedDenyProblems(member),
      ...trustProblems(template, parameters),
    ];
  };

  it.each([
    {
      what: "an opt-in's policy granted whatever its parameter",
      configuration: defaults,
      change: (t: Template) => {
        const list = policies(t);
        list[1] = (list[1] as { "Fn::If": unknown[] })["Fn::If"][1];
      },
      expected: "the member role grants iam:PutUserPolicy, not declared",
    },
    {
      what: "a statement that differs from the responder's",
      configuration: allOn,
      change: (t: Template) => {
        const list = policies(t);
        const tag = (list[2] as { "Fn::If": Array<{ PolicyDocument: { Statement: Statement[] } }> })[
          "Fn::If"
        ][1];
        delete tag?.PolicyDocument.Statement[0]?.Condition;
      },
      expected: "the member role's TagOnlyTheAuditTag differs",
    },
    {
      what: "a trust policy that ignores OrganizationId",
      configuration: allOn,
      change: (t: Template) => {
        delete trustStatement(t).Condition;
      },
      expected: "the trust policy is",
    },
    {
      what: "a trust policy that would let the responder in where it runs itself",
      configuration: defaults,
      change: (t: Template) => {
        delete trustStatement(t).Condition;
      },
      expected: "the trust policy is",
    },
    {
      what: "a trust policy that lets the whole responder account in",
      configuration: defaults,
      change: (t: Template) => {
        trustStatement(t).Principal = {
          AWS: { "Fn::Sub": "arn:${AWS::Partition}:iam::${ResponderAccountId}:root" },
        };
      },
      expected: "the trust policy is",
    },
  ])("reports $what", ({ configuration, change, expected }) => {
    const template = memberRole();
    expect(problems(template, configuration)).toEqual([]);
    change(template);
    expect(problems(template, configuration)).toEqual(
      expect.arrayContaining([expect.stringContaining(expected)]),
    );
  });
});

describe("the global-events forwarder template", () => {
  it("forwards exactly what the leakedCredentials rules match", () => {
    const responderPatterns = eventRules(loadTemplate())
      .filter((rule) => rule.targetFunction === "LeakedCredentialsLambdaFunction")
      .map((rule) => rule.pattern);
    const forwarded = eventRules(forwarder()).map((rule) => rule.pattern);
    expect(forwarded).toHaveLength(2);
    expect(forwarded).toEqual(expect.arrayContaining(responderPatterns));
  });

  it("sends to the default bus of the responder's region, with a role that may only put events there", () => {
    const target = {
      "Fn::Sub": "arn:${AWS::Partition}:events:${ResponderRegion}:${AWS::AccountId}:event-bus/default",
    };
    for (const rule of eventRules(forwarder())) expect(rule.targets[0]?.Arn).toEqual(target);
    const policy = resource(forwarder(), "ForwardRole").Properties?.Policies as {
      PolicyDocument: { Statement: Record<string, unknown>[] };
    }[];
    expect(policy[0]?.PolicyDocument.Statement).toEqual([
      { Effect: "Allow", Action: "events:PutEvents", Resource: target },
    ]);
  });
});
