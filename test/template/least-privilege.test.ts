// Each packaged role grants what its functions' enabled features declare and nothing more, in every configuration:
// the responders' role (the framework's, shared by the four responder functions) and the drill's own. Each check is
// a function that returns problems, run on the real statements and on mutated copies (to show it bites).
import { describe, expect, it } from "vitest";
import { DRILL_PERMISSIONS } from "../../src/drill/run-drill";
import {
  ALWAYS_GRANTED,
  DECLARED_ACTIONS,
  ON_BY_DEFAULT,
  OPT_IN_PERMISSIONS,
  OPT_INS,
} from "../../src/entry/permissions";
import {
  arnOf,
  attachedPolicies,
  DRILL_CONDITION,
  DRILL_FUNCTION,
  DRILL_ROLE,
  EXECUTION_ROLE,
  evaluateConditions,
  loadPackaged,
  OPT_IN_CONDITIONS,
  ORGANIZATION_CONDITION,
  PACKAGE_REGION,
  PACKAGED_CONFIGS,
  type PackagedConfigName,
  RESPONDER_FUNCTIONS,
  ref,
  resource,
  roleStatements,
  STACK_CONFIGURATIONS,
  type StackConfiguration,
  type Statement,
  stackConditions,
  type Template,
} from "../support/template";
import {
  allows,
  arnOfRole,
  assumeRoleProblems,
  declaredVsGrantedProblems,
  drillDeclaredVsGrantedProblems,
  FRAMEWORK_LOGS_ACTIONS,
  grantedBy,
  isIamWrite,
  KMS_FOR_ENCRYPTED_TOPIC,
  lockOutDenyProblems,
  narrowedWriteProblems,
  optInLeftOffProblems,
  PROTECTED_CONDITION_KEY,
  protectedDenyProblems,
  resourceProblems,
  wildcardProblems,
} from "./policy-checks";

/** What no default deployment may hold: each is admin-equivalent, disruptive, or reaches beyond this account. */
const OFF_BY_DEFAULT = [
  "iam:PutRolePolicy",
  "iam:PutUserPolicy",
  "iam:TagUser",
  "iam:AttachUserPolicy",
  "cloudtrail:LookupEvents",
  "sts:AssumeRole",
];

const statementsOf = (configuration: StackConfiguration, role = EXECUTION_ROLE): Statement[] => {
  const template = loadPackaged(configuration.packaged);
  return roleStatements(template, { role, conditions: stackConditions(template, configuration) });
};
const drillStatementsOf = (configuration: StackConfiguration): Statement[] =>
  statementsOf(configuration, DRILL_ROLE);

/** The role a function's Role names: `Fn::GetAtt [Role, Arn]` (the framework's) or `Fn::Sub "${Role.Arn}"`. */
const roleOf = (value: unknown): string | undefined => {
  const { "Fn::GetAtt": getAtt, "Fn::Sub": sub } = (value ?? {}) as {
    "Fn::GetAtt"?: unknown;
    "Fn::Sub"?: unknown;
  };
  if (Array.isArray(getAtt) && getAtt[1] === "Arn") return String(getAtt[0]);
  return typeof sub === "string" ? /^\$\{(\w+)\.Arn\}$/.exec(sub)?.[1] : undefined;
};

/** Each responder function runs with the responders' role, the drill with its own, and no function with another. */
const functionRoleProblems = (template: Template): string[] =>
  [...RESPONDER_FUNCTIONS.map((id) => [id, EXECUTION_ROLE] as const), [DRILL_FUNCTION, DRILL_ROLE] as const]
    .filter(([id, role]) => roleOf(resource(template, id).Properties?.Role) !== role)
    .map(([id, role]) => `${id} does not run with ${role}`);

/** The drill's log group, as the framework names it; the drill's role writes only there. */
const DRILL_LOG_GROUP = arnOf("DrillLogGroup");

/** Every check on the drill's role, for one configuration: exact grant, no IAM, each action on its resource only. */
const drillRoleProblems = (statements: Statement[], configuration: StackConfiguration): string[] => [
  ...wildcardProblems(statements),
  ...drillDeclaredVsGrantedProblems(statements, configuration.drill),
  ...KMS_FOR_ENCRYPTED_TOPIC.flatMap((action) => resourceProblems(statements, action, arnOf("AlertKey"))),
  ...resourceProblems(statements, "sqs:SendMessage", arnOf("FailureQueue")),
  ...allows(statements)
    .flatMap((s) => s.Action.filter((a) => a.startsWith("logs:")))
    .flatMap((action) => resourceProblems(statements, action, DRILL_LOG_GROUP)),
  // GuardDuty offers no resource-level permission for either (Service Authorization Reference): only "*" matches.
  ...(configuration.drill
    ? DRILL_PERMISSIONS.flatMap((action) => resourceProblems(statements, action, "*"))
    : []),
];

const environmentOf = (template: Template, functionId: string): Record<string, unknown> => {
  const environment = resource(template, functionId).Properties?.Environment as
    | { Variables: Record<string, unknown> }
    | undefined;
  if (!environment) throw new Error(`${functionId} has no Environment`);
  return environment.Variables;
};

/** Evaluates the few intrinsics a role name is built from, with the region the stack is packaged for. */
const resolveName = (value: unknown): string => {
  if (typeof value === "string") return value;
  const { Ref: name, "Fn::Join": join } = value as { Ref?: string; "Fn::Join"?: [string, unknown[]] };
  if (name === "AWS::Region") return PACKAGE_REGION;
  if (join) return join[1].map(resolveName).join(join[0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
};

/** RESPONDER_ROLE_NAME, the execution role's RoleName and the NeverLockOutTheResponder Deny name one role. */
const responderRoleNameProblems = (template: Template): string[] => {
  const roleName = resolveName(resource(template, EXECUTION_ROLE).Properties?.RoleName);
  const denied = roleStatements(template).filter(
    (s) => s.Effect === "Deny" && s.Action.includes("iam:PutRolePolicy") && s.Condition === undefined,
  );
  return [
    ...RESPONDER_FUNCTIONS.map((id) => [id, environmentOf(template, id).RESPONDER_ROLE_NAME] as const)
      .filter(([, name]) => name !== roleName)
      .map(([id, name]) => `${id} has RESPONDER_ROLE_NAME ${JSON.stringify(name)}, the role is ${roleName}`),
    ...(denied.some((s) => s.Resource.some((r) => JSON.stringify(r) === JSON.stringify(arnOfRole(roleName))))
      ? []
      : [`no unconditional Deny of iam:PutRolePolicy on the execution role ${roleName}`]),
  ];
};

/** The responder's own role, as the lock-out Deny names it, from what the functions are told. */
const responderRoleArn = (template: Template) =>
  arnOfRole(String(environmentOf(template, "GuarddutyLambdaFunction").RESPONDER_ROLE_NAME));

/** Every check, for one configuration. */
const allProblems = (statements: Statement[], configuration: StackConfiguration, template: Template) => [
  ...wildcardProblems(statements),
  ...declaredVsGrantedProblems(statements, configuration.enabled),
  ...optInLeftOffProblems(statements, configuration.enabled),
  ...resourceProblems(statements, "sns:Publish", ref("AlertTopic")),
  ...(configuration.memberRoleName === undefined
    ? []
    : assumeRoleProblems(statements, configuration.memberRoleName, configuration.organizationId)),
  ...protectedDenyProblems(statements),
  ...lockOutDenyProblems(statements, responderRoleArn(template)),
  ...narrowedWriteProblems(statements),
];

describe("src/entry/permissions.ts", () => {
  it("ties every action an adapter declares to exactly one place: always granted, one opt-in, or the drill's role", () => {
    const placed = [
      ...ALWAYS_GRANTED,
      ...OPT_INS.flatMap((optIn) => OPT_IN_PERMISSIONS[optIn]),
      ...DRILL_PERMISSIONS,
    ];
    expect([...placed].sort()).toEqual([...DECLARED_ACTIONS].sort());
  });
});

describe("each opt-in's grant follows its parameter", () => {
  const grantConditions = (name: PackagedConfigName) => {
    const template = loadPackaged(name);
    const conditions = evaluateConditions(template);
    return Object.fromEntries(
      [...Object.values(OPT_IN_CONDITIONS), ORGANIZATION_CONDITION, DRILL_CONDITION].map((c) => [
        c,
        conditions[c],
      ]),
    );
  };

  it("adds to the execution role only policies whose Condition is an opt-in's", () => {
    const template = loadPackaged("default");
    const byCondition = attachedPolicies(template, EXECUTION_ROLE).map(([, policy]) => policy.Condition);
    expect(byCondition.sort()).toEqual(Object.values(OPT_IN_CONDITIONS).sort());
  });

  it("adds to the drill's role only the drill's grant, under the Drill condition", () => {
    const template = loadPackaged("default");
    const byCondition = attachedPolicies(template, DRILL_ROLE).map(([id, policy]) => [id, policy.Condition]);
    expect(byCondition).toEqual([["DrillGrant", DRILL_CONDITION]]);
  });

  it("with default parameters, every opt-in's Condition is false, and only those on by default are true", () => {
    const onByDefault: string[] = ON_BY_DEFAULT.map((feature) => OPT_IN_CONDITIONS[feature]);
    const conditions = Object.entries(grantConditions("default"));
    expect(conditions.filter(([, holds]) => holds).map(([name]) => name)).toEqual(onByDefault);
    expect(conditions.filter(([name]) => !onByDefault.includes(name)).every(([, holds]) => !holds)).toBe(
      true,
    );
  });

  it("with every opt-in on and an organizationId, every one is true", () => {
    expect(Object.values(grantConditions("allOptIns")).every((holds) => holds === true)).toBe(true);
  });
});

describe.each(STACK_CONFIGURATIONS)("the packaged execution role, $name", (configuration) => {
  const statements = () => statementsOf(configuration);

  it("allows no wildcard action and nothing by exclusion", () => {
    expect(wildcardProblems(statements())).toEqual([]);
  });

  it("grants exactly what the enabled features declare, plus KMS for the encrypted topic and the framework's own", () => {
    expect(declaredVsGrantedProblems(statements(), configuration.enabled)).toEqual([]);
    expect(optInLeftOffProblems(statements(), configuration.enabled)).toEqual([]);
  });

  it("grants exactly the IAM writes the enabled features declare", () => {
    const granted = [...grantedBy(statements())].filter(isIamWrite).sort();
    const declared = [
      "iam:UpdateAccessKey",
      ...configuration.enabled.flatMap((optIn) => OPT_IN_PERMISSIONS[optIn]).filter(isIamWrite),
    ];
    expect(granted).toEqual(declared.sort());
  });

  it("allows logs actions only by name", () => {
    const logs = allows(statements()).flatMap((s) => s.Action.filter((a) => a.startsWith("logs:")));
    expect(logs.filter((a) => !FRAMEWORK_LOGS_ACTIONS.includes(a))).toEqual([]);
  });

  it("publishes only to the alert topic and uses only the alert key", () => {
    expect(resourceProblems(statements(), "sns:Publish", ref("AlertTopic"))).toEqual([]);
    for (const action of KMS_FOR_ENCRYPTED_TOPIC) {
      expect(resourceProblems(statements(), action, { "Fn::GetAtt": ["AlertKey", "Arn"] })).toEqual([]);
    }
  });

  it(`denies writes on principals tagged ${PROTECTED_CONDITION_KEY.split("/")[1]}, and PutRolePolicy on itself`, () => {
    const template = loadPackaged(configuration.packaged);
    expect(protectedDenyProblems(statements())).toEqual([]);
    expect(lockOutDenyProblems(statements(), responderRoleArn(template))).toEqual([]);
  });

  it("tags only with the audit tag and attaches only the quarantine policy", () => {
    expect(narrowedWriteProblems(statements())).toEqual([]);
  });
});

describe.each(STACK_CONFIGURATIONS)("the packaged drill role, $name", (configuration) => {
  const statements = () => drillStatementsOf(configuration);

  it(
    configuration.drill
      ? "grants exactly the drill's GuardDuty calls on \"*\", its logs, its failure queue and the queue's key"
      : "grants no GuardDuty call, only its logs, its failure queue and the queue's key",
    () => {
      expect(drillRoleProblems(statements(), configuration)).toEqual([]);
    },
  );

  it("grants no IAM action at all", () => {
    expect([...grantedBy(statements())].filter((a) => a.startsWith("iam:"))).toEqual([]);
  });
});

describe.each(Object.keys(PACKAGED_CONFIGS) as PackagedConfigName[])(
  "the functions' roles, %s package",
  (name) => {
    it("the four responders share the framework's role; the drill runs with its own", () => {
      expect(functionRoleProblems(loadPackaged(name))).toEqual([]);
    });
  },
);

describe.each(STACK_CONFIGURATIONS.filter((c) => c.memberRoleName !== undefined))(
  "sts:AssumeRole, $name",
  (configuration) => {
    const { memberRoleName = "", organizationId } = configuration;
    it(`is allowed on the member role only, never in this account${organizationId ? ", only in the organization" : ""}`, () => {
      expect(assumeRoleProblems(statementsOf(configuration), memberRoleName, organizationId)).toEqual([]);
    });
  },
);

describe("the packaged execution role with default parameters", () => {
  it(`grants none of ${OFF_BY_DEFAULT.join(", ")}`, () => {
    const granted = grantedBy(statementsOf(STACK_CONFIGURATIONS[0] as StackConfiguration));
    expect(OFF_BY_DEFAULT.filter((action) => granted.has(action))).toEqual([]);
  });
});

describe("RESPONDER_ROLE_NAME", () => {
  it.each(Object.keys(PACKAGED_CONFIGS) as PackagedConfigName[])(
    "is the RoleName the execution role gets, and the role the lock-out Deny names (%s)",
    (name) => {
      expect(responderRoleNameProblems(loadPackaged(name))).toEqual([]);
    },
  );
});

describe("the least-privilege checks catch a widened role", () => {
  const allOn = STACK_CONFIGURATIONS[1] as StackConfiguration;
  const defaults = STACK_CONFIGURATIONS[0] as StackConfiguration;
  const grant = (
    Action: string[],
    Resource: unknown[] = ["*"],
    Condition?: Statement["Condition"],
  ): Statement => ({
    Effect: "Allow",
    Action,
    Resource,
    ...(Condition ? { Condition } : {}),
  });
  const isProtectedDeny = (s: Statement) => s.Effect === "Deny" && s.Action.includes("iam:UpdateAccessKey");
  const isLockOutDeny = (s: Statement) => s.Effect === "Deny" && s.Action.includes("iam:PutRolePolicy");
  const withoutAction = (statements: Statement[], action: string): Statement[] =>
    statements.map((s) =>
      s.Effect === "Allow" ? { ...s, Action: s.Action.filter((a) => a !== action) } : s,
    );
  const changing = (action: string, change: (s: Statement) => Statement) => (statements: Statement[]) =>
    statements.map((s) => (s.Effect === "Allow" && s.Action.includes(action) ? change(s) : s));

  it.each([
    {
      what: "an added iam:*",
      mutate: (s: Statement[]) => [...s, grant(["iam:*"])],
      expected: "allows wildcard iam:*",
    },
    { what: "an added *", mutate: (s: Statement[]) => [...s, grant(["*"])], expected: "allows wildcard *" },
    {
      what: "an added sts:*",
      mutate: (s: Statement[]) => [...s, grant(["sts:*"])],
      expected: "allows wildcard sts:*",
    },
    {
      what: "an Allow by NotAction",
      mutate: (s: Statement[]) => [...s, { ...grant([]), NotAction: ["iam:DeleteUser"] }],
      expected: "allows by exclusion",
    },
    {
      what: "an undeclared write",
      mutate: (s: Statement[]) => [...s, grant(["iam:DeleteAccessKey"])],
      expected: "granted but not declared: iam:DeleteAccessKey",
    },
    {
      what: "an enabled feature's action no longer granted",
      mutate: (s: Statement[]) => withoutAction(s, "iam:TagUser"),
      expected: "declared but not granted: iam:TagUser",
    },
    {
      what: "a logs action beyond the framework's",
      mutate: (s: Statement[]) => [...s, grant(["logs:DeleteLogGroup"])],
      expected: "granted but not declared: logs:DeleteLogGroup",
    },
    {
      what: "sqs:SendMessage beyond the failure queue",
      mutate: (s: Statement[]) => [...s, grant(["sqs:SendMessage"])],
      expected: "granted but not declared: sqs:SendMessage",
    },
    {
      what: "the drill's GuardDuty call on the responders' role",
      mutate: (s: Statement[]) => [...s, grant(["guardduty:CreateSampleFindings"])],
      expected: "granted but not declared: guardduty:CreateSampleFindings",
    },
    {
      what: "sns:Publish widened to *",
      mutate: changing("sns:Publish", (x) => ({ ...x, Resource: ["*"] })),
      expected: 'sns:Publish allowed on "*"',
    },
    {
      what: "sts:AssumeRole on any role",
      mutate: changing("sts:AssumeRole", (x) => ({
        ...x,
        Resource: [{ "Fn::Sub": "arn:aws:iam::*:role/*" }],
      })),
      expected: "sts:AssumeRole allowed on",
    },
    {
      what: "sts:AssumeRole that may pick this account's same-named role",
      mutate: changing("sts:AssumeRole", (x) => ({
        ...x,
        Condition: { StringEquals: x.Condition?.StringEquals ?? {} },
      })),
      expected: "does not exclude this account",
    },
    {
      what: "sts:AssumeRole outside the organization",
      mutate: changing("sts:AssumeRole", (x) => ({
        ...x,
        Condition: { StringNotEquals: x.Condition?.StringNotEquals ?? {} },
      })),
      expected: "is not limited to organization",
    },
    {
      what: "the protected-principal Deny dropped",
      mutate: (s: Statement[]) => s.filter((x) => !isProtectedDeny(x)),
      expected: "no Deny statement covers iam:UpdateAccessKey",
    },
    {
      what: "a protected-principal Deny whose condition names another tag",
      mutate: (s: Statement[]) =>
        s.map((x) =>
          isProtectedDeny(x) ? { ...x, Condition: { Null: { "aws:ResourceTag/other": "false" } } } : x,
        ),
      expected: "has no Null condition",
    },
    {
      what: "the lock-out Deny dropped while iam:PutRolePolicy is granted",
      mutate: (s: Statement[]) => s.filter((x) => !isLockOutDeny(x) || isProtectedDeny(x)),
      expected: "no Deny keeps it off",
    },
    {
      what: "iam:TagUser with any tag key",
      mutate: changing("iam:TagUser", ({ Condition: _, ...x }) => x),
      expected: "allows iam:TagUser with other tag keys",
    },
    {
      what: "iam:AttachUserPolicy with any policy",
      mutate: changing("iam:AttachUserPolicy", ({ Condition: _, ...x }) => x),
      expected: "allows iam:AttachUserPolicy with other policies",
    },
  ])("reports $what (every opt-in on)", ({ mutate, expected }) => {
    const template = loadPackaged("allOptIns");
    const baseline = statementsOf(allOn);
    const problems = (statements: Statement[]) => allProblems(statements, allOn, template);
    expect(problems(baseline)).not.toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
    expect(problems(mutate(baseline))).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it.each(OFF_BY_DEFAULT)("reports %s granted with default parameters", (action) => {
    const template = loadPackaged("default");
    const baseline = statementsOf(defaults);
    const widened = [...baseline, grant([action], ["*"])];
    expect(allProblems(baseline, defaults, template)).toEqual([]);
    expect(allProblems(widened, defaults, template)).toEqual(
      expect.arrayContaining([`granted but not declared: ${action}`, expect.stringMatching(/is off$/)]),
    );
  });

  it("reports an opt-in's policy that lost its Condition, so it is granted with default parameters", () => {
    const template = loadPackaged("default");
    delete template.Resources.RevokeSessionsGrant?.Condition;
    const statements = roleStatements(template, { conditions: stackConditions(template, defaults) });
    expect(allProblems(statements, defaults, template)).toEqual(
      expect.arrayContaining([
        "granted but not declared: iam:PutRolePolicy",
        "iam:PutUserPolicy is granted, but revokeSessions is off",
      ]),
    );
  });

  it("reports an AssumeRole grant that ignores organizationId", () => {
    const template = loadPackaged("allOptIns");
    const grant = template.Resources.MemberAccountsGrant?.Properties as {
      PolicyDocument: { Statement: Array<{ Condition: { "Fn::If": unknown[] } }> };
    };
    const condition = grant.PolicyDocument.Statement[0]?.Condition as { "Fn::If": unknown[] };
    condition["Fn::If"][1] = condition["Fn::If"][2];
    const statements = roleStatements(template, { conditions: stackConditions(template, allOn) });
    expect(allProblems(statements, allOn, template)).toEqual([
      "ActInMemberAccounts is not limited to organization o-a1b2c3d4e5 (StringEquals aws:ResourceOrgID)",
    ]);
  });

  it.each([
    {
      what: "an IAM write on the drill's role",
      mutate: (s: Statement[]) => [
        ...s,
        grant(
          ["iam:UpdateAccessKey"],
          [{ "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*" }],
        ),
      ],
      expected: "granted but not declared: iam:UpdateAccessKey",
    },
    {
      what: "a GuardDuty action the drill never calls",
      mutate: (s: Statement[]) => [...s, grant(["guardduty:CreateDetector"])],
      expected: "granted but not declared: guardduty:CreateDetector",
    },
    {
      what: "a drill call no longer granted",
      mutate: (s: Statement[]) => withoutAction(s, "guardduty:ListDetectors"),
      expected: "declared but not granted: guardduty:ListDetectors",
    },
    {
      what: "CreateSampleFindings on detector ARNs, which never match",
      mutate: changing("guardduty:CreateSampleFindings", (x) => ({
        ...x,
        Resource: [
          { "Fn::Sub": "arn:${AWS::Partition}:guardduty:${AWS::Region}:${AWS::AccountId}:detector/*" },
        ],
      })),
      expected: 'guardduty:CreateSampleFindings allowed on {"Fn::Sub"',
    },
    {
      what: "logs on every log group",
      mutate: changing("logs:PutLogEvents", (x) => ({ ...x, Resource: ["*"] })),
      expected: 'logs:PutLogEvents allowed on "*"',
    },
    {
      what: "sqs:SendMessage beyond the failure queue",
      mutate: changing("sqs:SendMessage", (x) => ({ ...x, Resource: ["*"] })),
      expected: "granted but not declared: sqs:SendMessage",
    },
    {
      what: "the key's use on any key",
      mutate: changing("kms:Decrypt", (x) => ({ ...x, Resource: ["*"] })),
      expected: 'kms:Decrypt allowed on "*"',
    },
  ])("drill role: reports $what (drill on)", ({ mutate, expected }) => {
    const baseline = drillStatementsOf(allOn);
    expect(drillRoleProblems(baseline, allOn)).toEqual([]);
    expect(drillRoleProblems(mutate(baseline), allOn)).toEqual(
      expect.arrayContaining([expect.stringContaining(expected)]),
    );
  });

  it("drill role: reports a DrillGrant that lost its Condition, so it is granted with drill off", () => {
    const template = loadPackaged("default");
    expect(drillRoleProblems(drillStatementsOf(defaults), defaults)).toEqual([]);
    delete template.Resources.DrillGrant?.Condition;
    const statements = roleStatements(template, {
      role: DRILL_ROLE,
      conditions: stackConditions(template, defaults),
    });
    expect(drillRoleProblems(statements, defaults)).toEqual(
      expect.arrayContaining([
        "granted but not declared: guardduty:ListDetectors",
        "granted but not declared: guardduty:CreateSampleFindings",
      ]),
    );
  });

  it.each([
    {
      what: "the drill back on the responders' role",
      id: DRILL_FUNCTION,
      role: EXECUTION_ROLE,
      expected: DRILL_ROLE,
    },
    {
      what: "a responder on the drill's role",
      id: "ManualLambdaFunction",
      role: DRILL_ROLE,
      expected: EXECUTION_ROLE,
    },
  ])("functions' roles: reports $what", ({ id, role, expected }) => {
    const template = loadPackaged("default");
    expect(functionRoleProblems(template)).toEqual([]);
    (resource(template, id).Properties as Record<string, unknown>).Role = arnOf(role);
    expect(functionRoleProblems(template)).toEqual([`${id} does not run with ${expected}`]);
  });

  it.each([
    {
      what: "a function told another role name",
      change: (t: Template) => {
        const variables = environmentOf(t, "ManualLambdaFunction");
        variables.RESPONDER_ROLE_NAME = "access-key-responder-prod-us-east-1-lambdaRole";
      },
      expected: "ManualLambdaFunction has RESPONDER_ROLE_NAME",
    },
    {
      what: "a role named differently from what the functions are told",
      change: (t: Template) => {
        const properties = resource(t, EXECUTION_ROLE).Properties as Record<string, unknown>;
        properties.RoleName = { "Fn::Join": ["-", ["access-key-responder", "ci", "lambdaRole"]] };
      },
      expected: "GuarddutyLambdaFunction has RESPONDER_ROLE_NAME",
    },
  ])("RESPONDER_ROLE_NAME: reports $what", ({ change, expected }) => {
    const template = loadPackaged("default");
    expect(responderRoleNameProblems(template)).toEqual([]);
    change(template);
    expect(responderRoleNameProblems(template)).toEqual(
      expect.arrayContaining([expect.stringContaining(expected)]),
    );
  });
});
