// The two templates shipped beside the stack: the member role (StackSets, every member account) and the us-east-1
// forwarder for global events. Each must stay in step with what the packaged stack does.
import { describe, expect, it } from "vitest";
import { IAM_ACTIONS_IN_ACCOUNT } from "../../src/contain/permissions";
import {
  eventRules,
  loadTemplate,
  normaliseStatement,
  PROJECT_ROOT,
  resource,
  roleStatements,
  type Statement,
  type Template,
} from "../support/template";

const memberRole = () => loadTemplate(`${PROJECT_ROOT}infra/member-role.json`);
const forwarder = () => loadTemplate(`${PROJECT_ROOT}infra/global-events-forwarder.json`);

const memberStatements = (template: Template): Statement[] => {
  const policies = resource(template, "MemberRole").Properties?.Policies as {
    PolicyDocument: { Statement: [] };
  }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement.map(normaliseStatement));
};

const allowed = (statements: Statement[]) =>
  new Set(statements.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action));

/** The IAM statements of the responder's own role, minus what only applies to its own role name. */
const responderIamStatements = () =>
  roleStatements(loadTemplate())
    .filter((s) => s.Action.every((action) => action.startsWith("iam:")))
    .filter((s) => s.Sid !== "NeverLockOutTheResponder");

describe("the member role template", () => {
  it("grants exactly the IAM actions the adapters declare", () => {
    expect([...allowed(memberStatements(memberRole()))].sort()).toEqual([...IAM_ACTIONS_IN_ACCOUNT].sort());
  });

  it("has the same IAM statements as the responder's own role, including the protected-tag Deny", () => {
    const byId = (statements: Statement[]) => Object.fromEntries(statements.map((s) => [s.Sid, s]));
    const member = byId(memberStatements(memberRole()));
    for (const [sid, statement] of Object.entries(byId(responderIamStatements()))) {
      expect(member[sid as string], sid).toEqual(statement);
    }
    expect(member.NeverTouchProtectedPrincipals?.Condition).toEqual({
      Null: { "aws:ResourceTag/access-key-responder-protected": "false" },
    });
  });

  it("trusts only the responder's role", () => {
    const trust = resource(memberRole(), "MemberRole").Properties?.AssumeRolePolicyDocument as {
      Statement: { Effect: string; Principal: unknown; Action: string }[];
    };
    expect(trust.Statement).toEqual([
      {
        Sid: "OnlyTheResponder",
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: {
          AWS: { "Fn::Sub": "arn:${AWS::Partition}:iam::${ResponderAccountId}:role/${ResponderRoleName}" },
        },
      },
    ]);
  });

  it("is named by the same parameter the responder assumes", () => {
    const template = memberRole() as Template & { Parameters: Record<string, { Default?: string }> };
    expect(resource(template, "MemberRole").Properties?.RoleName).toEqual({ Ref: "MemberRoleName" });
    expect(template.Parameters.MemberRoleName?.Default).toBe("AccessKeyResponderMember");
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
