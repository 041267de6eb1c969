// The packaged execution role grants what the adapters declare and nothing more. Each check is a function that
// returns problems, run on the real statements and on mutated copies (to show it bites).
import { describe, expect, it } from "vitest";
import { ALERT_PERMISSIONS } from "../../src/alert/publish";
import { IAM_ACTIONS_IN_ACCOUNT, RESPONDER_ONLY_ACTIONS } from "../../src/contain/permissions";
import { arnOf, loadTemplate, ref, resource, roleStatements, type Statement } from "../support/template";

/** serverless.yml `custom.protectedTagKey`. */
const PROTECTED_TAG_KEY = "access-key-responder-protected";
const PROTECTED_CONDITION_KEY = `aws:ResourceTag/${PROTECTED_TAG_KEY}`;

const DECLARED = new Set<string>([
  ...IAM_ACTIONS_IN_ACCOUNT,
  ...RESPONDER_ONLY_ACTIONS,
  ...ALERT_PERMISSIONS,
]);
/** The alert topic and failure queue are encrypted with AlertKey: publishing and dead-lettering need these. */
const KMS_FOR_ENCRYPTED_TOPIC = ["kms:GenerateDataKey", "kms:Decrypt"];
/** Added by the framework for the functions' log groups; allowed by name only. */
const FRAMEWORK_LOGS_ACTIONS = [
  "logs:CreateLogStream",
  "logs:CreateLogGroup",
  "logs:TagResource",
  "logs:PutLogEvents",
];
/** Added by the framework for `destinations.onFailure`; allowed only on the failure queue. */
const FRAMEWORK_DESTINATION_ACTION = "sqs:SendMessage";

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const allows = (statements: Statement[]): Statement[] => statements.filter((s) => s.Effect === "Allow");
const label = (s: Statement): string => s.Sid ?? JSON.stringify(s.Action);
const isIamWrite = (action: string): boolean => action.startsWith("iam:") && !/^iam:(Get|List)/.test(action);

const wildcardProblems = (statements: Statement[]): string[] =>
  allows(statements).flatMap((s) => [
    ...s.Action.filter((action) => action.includes("*")).map(
      (action) => `${label(s)} allows wildcard ${action}`,
    ),
    ...(s.NotAction || s.NotResource ? [`${label(s)} allows by exclusion (NotAction/NotResource)`] : []),
  ]);

/** Allowed actions that need no declaration: framework logs by name, the destination send on the queue only. */
const isFrameworkGrant = (s: Statement, action: string): boolean =>
  FRAMEWORK_LOGS_ACTIONS.includes(action) ||
  (action === FRAMEWORK_DESTINATION_ACTION && s.Resource.every((r) => same(r, arnOf("FailureQueue"))));

const grantedActions = (statements: Statement[]): Set<string> =>
  new Set(allows(statements).flatMap((s) => s.Action.filter((action) => !isFrameworkGrant(s, action))));

const declaredVsGrantedProblems = (statements: Statement[], declared: Set<string>): string[] => {
  const expected = new Set([...declared, ...KMS_FOR_ENCRYPTED_TOPIC]);
  const granted = grantedActions(statements);
  return [
    ...[...expected].filter((a) => !granted.has(a)).map((a) => `declared but not granted: ${a}`),
    ...[...granted].filter((a) => !expected.has(a)).map((a) => `granted but not declared: ${a}`),
  ];
};

const resourceProblems = (statements: Statement[], action: string, allowed: unknown): string[] => {
  const granting = allows(statements).filter((s) => s.Action.includes(action));
  if (granting.length === 0) return [`${action} is not granted`];
  return granting.flatMap((s) =>
    s.Resource.filter((r) => !same(r, allowed)).map((r) => `${action} allowed on ${JSON.stringify(r)}`),
  );
};

/** Only `arn:…:iam::*:role/<memberRoleName>`: any account, but never any role. */
const assumeRoleProblems = (statements: Statement[], memberRoleName: string): string[] => {
  const granting = allows(statements).filter((s) => s.Action.includes("sts:AssumeRole"));
  if (granting.length === 0) return ["sts:AssumeRole is not granted"];
  return granting.flatMap((s) =>
    s.Resource.filter((r) => {
      const arn = (r as { "Fn::Sub"?: unknown })["Fn::Sub"];
      return !(
        typeof arn === "string" &&
        arn.includes(":iam::*:role/") &&
        arn.endsWith(`:role/${memberRoleName}`) &&
        !arn.split(":role/")[1]?.includes("*")
      );
    }).map((r) => `sts:AssumeRole allowed on ${JSON.stringify(r)}`),
  );
};

/** IAM refuses every write on a tagged principal, even if the code is wrong. */
const protectedDenyProblems = (statements: Statement[]): string[] => {
  const denies = statements.filter((s) => s.Effect === "Deny" && s.Action.includes("iam:UpdateAccessKey"));
  if (denies.length === 0) return ["no Deny statement covers iam:UpdateAccessKey"];
  const deny = denies.find((s) => s.Condition?.Null?.[PROTECTED_CONDITION_KEY] === "false");
  if (!deny) {
    const found = denies.map((s) => JSON.stringify(s.Condition ?? {})).join(", ");
    return [
      `the Deny on iam:UpdateAccessKey has no Null condition ${PROTECTED_CONDITION_KEY} = "false" (has ${found})`,
    ];
  }
  const writes = new Set(allows(statements).flatMap((s) => s.Action.filter(isIamWrite)));
  return [...writes]
    .filter((a) => !deny.Action.includes(a))
    .map((a) => `the protected-principal Deny misses ${a}`);
};

const packagedStatements = (): Statement[] => roleStatements(loadTemplate());

/** MEMBER_ROLE_NAME as the functions see it; the AssumeRole grant must name the same role. */
const memberRoleName = (): string => {
  const env = resource(loadTemplate(), "GuarddutyLambdaFunction").Properties?.Environment as {
    Variables: Record<string, unknown>;
  };
  return String(env.Variables.MEMBER_ROLE_NAME);
};

describe("the packaged execution role", () => {
  it("allows no wildcard action", () => {
    expect(wildcardProblems(packagedStatements())).toEqual([]);
  });

  it("grants exactly the declared actions, plus KMS for the encrypted topic and the framework's own", () => {
    expect(declaredVsGrantedProblems(packagedStatements(), DECLARED)).toEqual([]);
  });

  it("grants exactly the IAM writes the adapters declare", () => {
    const granted = [...grantedActions(packagedStatements())].filter(isIamWrite).sort();
    expect(granted).toEqual([...DECLARED].filter(isIamWrite).sort());
  });

  it("allows logs actions only by name", () => {
    const logs = allows(packagedStatements()).flatMap((s) => s.Action.filter((a) => a.startsWith("logs:")));
    expect(logs.filter((a) => !FRAMEWORK_LOGS_ACTIONS.includes(a))).toEqual([]);
  });

  it("publishes only to the alert topic", () => {
    expect(resourceProblems(packagedStatements(), "sns:Publish", ref("AlertTopic"))).toEqual([]);
  });

  it("uses only the alert key", () => {
    for (const action of KMS_FOR_ENCRYPTED_TOPIC) {
      expect(resourceProblems(packagedStatements(), action, arnOf("AlertKey"))).toEqual([]);
    }
  });

  it("assumes only the member role, in any account", () => {
    expect(assumeRoleProblems(packagedStatements(), memberRoleName())).toEqual([]);
  });

  it(`denies writes on principals tagged ${PROTECTED_TAG_KEY}`, () => {
    expect(protectedDenyProblems(packagedStatements())).toEqual([]);
  });
});

describe("the least-privilege checks catch a widened role", () => {
  const allProblems = (statements: Statement[]): string[] => [
    ...wildcardProblems(statements),
    ...declaredVsGrantedProblems(statements, DECLARED),
    ...resourceProblems(statements, "sns:Publish", ref("AlertTopic")),
    ...assumeRoleProblems(statements, memberRoleName()),
    ...protectedDenyProblems(statements),
  ];
  const grant = (Action: string[], Resource: unknown[] = ["*"]): Statement => ({
    Effect: "Allow",
    Action,
    Resource,
  });
  const isProtectedDeny = (s: Statement) => s.Effect === "Deny" && s.Action.includes("iam:UpdateAccessKey");
  const withoutAction = (statements: Statement[], action: string): Statement[] =>
    statements.map((s) =>
      s.Effect === "Allow" ? { ...s, Action: s.Action.filter((a) => a !== action) } : s,
    );

  /** The packaged statements with the protected-principal condition as intended, so each mutation is new. */
  const baseline = (): Statement[] =>
    packagedStatements().map((s) =>
      isProtectedDeny(s) ? { ...s, Condition: { Null: { [PROTECTED_CONDITION_KEY]: "false" } } } : s,
    );

  it.each([
    {
      what: "an added iam:*",
      mutate: (s: Statement[]) => [...s, grant(["iam:*"])],
      expected: "allows wildcard iam:*",
    },
    { what: "an added *", mutate: (s: Statement[]) => [...s, grant(["*"])], expected: "allows wildcard *" },
    {
      what: "an undeclared write",
      mutate: (s: Statement[]) => [...s, grant(["iam:DeleteAccessKey"])],
      expected: "granted but not declared: iam:DeleteAccessKey",
    },
    {
      what: "a declared action no longer granted",
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
      what: "sns:Publish widened to *",
      mutate: (s: Statement[]) =>
        s.map((x) => (x.Action.includes("sns:Publish") ? { ...x, Resource: ["*"] } : x)),
      expected: 'sns:Publish allowed on "*"',
    },
    {
      what: "sts:AssumeRole on any role",
      mutate: (s: Statement[]) => [...s, grant(["sts:AssumeRole"], [{ "Fn::Sub": "arn:aws:iam::*:role/*" }])],
      expected: "sts:AssumeRole allowed on",
    },
    {
      what: "the protected-principal Deny dropped",
      mutate: (s: Statement[]) => s.filter((x) => !isProtectedDeny(x)),
      expected: "no Deny statement covers iam:UpdateAccessKey",
    },
    {
      what: "a Deny whose condition names another tag",
      mutate: (s: Statement[]) =>
        s.map((x) =>
          isProtectedDeny(x) ? { ...x, Condition: { Null: { "aws:ResourceTag/other": "false" } } } : x,
        ),
      expected: "has no Null condition",
    },
  ])("reports $what", ({ mutate, expected }) => {
    expect(allProblems(baseline())).not.toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
    expect(allProblems(mutate(baseline()))).toEqual(
      expect.arrayContaining([expect.stringContaining(expected)]),
    );
  });

  it("accepts a Deny with the right condition, and names a granted IAM write it does not cover", () => {
    expect(protectedDenyProblems(baseline())).toEqual([]);
    const narrowed = baseline().map((s) =>
      isProtectedDeny(s) ? { ...s, Action: ["iam:UpdateAccessKey"] } : s,
    );
    expect(protectedDenyProblems(narrowed)).toEqual(
      expect.arrayContaining(["the protected-principal Deny misses iam:PutUserPolicy"]),
    );
  });
});
