// Every IAM policy the project packages, checked against the Service Authorization Reference as data: each action
// exists, is granted only on ARNs of the resource types it acts on ("*" for one without resource-level permission),
// and every condition key is global or supported by the action. The checks return problems; each is run on the
// real policies (expecting none) and on broken copies (expecting the problem).
import { describe, expect, it } from "vitest";
import {
  AuthorizationReference,
  arnMeetsFormat,
  conditionKeyProblems,
  patternsMeet,
  referenceProblems,
  resourceTypeProblems,
  unknownActionProblems,
} from "../support/iam-reference";
import {
  ACCOUNT,
  INFRA_TEMPLATES,
  infraConditions,
  infraParameters,
  loadInfra,
  MEMBER_ACCOUNT,
  PARTITION,
  type PackagedPolicy,
  type PackagedRole,
  type PolicyStatement,
  packagedRoles,
  REGION,
  resourcePolicies,
} from "../support/packaged-policies";
import { loadPackaged, STACK_CONFIGURATIONS, stackConditions } from "../support/template";

/** Loaded once for the file: the reference is read from disk lazily and cached. */
const reference = new AuthorizationReference();

const rolePolicies = (role: PackagedRole): PackagedPolicy[] => [
  ...role.policies,
  { where: `${role.logicalId} trust policy`, document: role.trust },
];

const stackPolicies = (configuration: (typeof STACK_CONFIGURATIONS)[number]) => {
  const template = loadPackaged(configuration.packaged);
  const conditions = stackConditions(template, configuration);
  return {
    roles: packagedRoles(template, conditions).flatMap(rolePolicies),
    resources: resourcePolicies(template, conditions),
  };
};

const problemsOf = async (policies: PackagedPolicy[]): Promise<string[]> =>
  (await Promise.all(policies.map((policy) => referenceProblems(reference, policy)))).flat();

const RESPONDER_ROLE_NAME = "access-key-responder-ci-us-east-1-lambdaRole";

const infraPolicies = (file: string, option: "minimal" | "allOn"): PackagedPolicy[] => {
  const template = loadInfra(file);
  const place = {
    account: MEMBER_ACCOUNT,
    region: REGION,
    partition: PARTITION,
    parameters: infraParameters(RESPONDER_ROLE_NAME)[option],
  };
  const conditions = infraConditions(template, place);
  return [
    ...packagedRoles(template, conditions, place).flatMap(rolePolicies),
    ...resourcePolicies(template, conditions, place),
  ].map((policy) => ({ ...policy, where: `${file} ${policy.where}` }));
};

describe("the Service Authorization Reference data", () => {
  it("knows the actions the responder relies on, as the reference lists them today", async () => {
    const update = await reference.action("iam:UpdateAccessKey");
    expect(update?.arnFormats).toEqual([
      { type: "user", arn: "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}" },
    ]);
    expect(update?.conditionKeys).toEqual(
      expect.arrayContaining(["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"]),
    );
    for (const action of [
      "guardduty:CreateSampleFindings",
      "guardduty:ListDetectors",
      "sts:GetAccessKeyInfo",
      "cloudtrail:LookupEvents",
    ]) {
      expect((await reference.action(action))?.arnFormats, action).toEqual([]);
    }
  });

  it("reads wildcards in both an ARN and a format", () => {
    expect(patternsMeet("a*c", "*b*")).toBe(true);
    expect(patternsMeet("a*c", "b*")).toBe(false);
    expect(patternsMeet("a?c", "*bc")).toBe(true);
    const user = "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}";
    const role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
    expect(arnMeetsFormat("arn:aws:iam::111111111111:user/*", user)).toBe(true);
    expect(arnMeetsFormat("arn:aws:iam::*:role/Member", role)).toBe(true);
    // A format's variable stands for one field: ${Account} is not "111111111111:role/x".
    expect(arnMeetsFormat("arn:aws:iam::111111111111:role/*", user)).toBe(false);
    expect(
      arnMeetsFormat(
        "arn:aws:logs:r:1:log-group:/aws/lambda/x*:*",
        "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
      ),
    ).toBe(true);
    expect(
      arnMeetsFormat("arn:aws:sns:r:1:topic", "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}"),
    ).toBe(false);
  });
});

describe.each(STACK_CONFIGURATIONS)("the packaged stack's policies, $name", (configuration) => {
  it("name only actions of the reference, on their resource types, with supported condition keys (roles)", async () => {
    const { roles } = stackPolicies(configuration);
    expect(roles.length).toBeGreaterThan(0);
    expect(await problemsOf(roles)).toEqual([]);
  });

  it("do so too in the topic, queue, key, bus and bucket policies", async () => {
    const { resources } = stackPolicies(configuration);
    expect(resources.map((policy) => policy.protects)).toEqual(
      expect.arrayContaining(["AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::KMS::Key"]),
    );
    expect(await problemsOf(resources)).toEqual([]);
  });
});

describe.each(INFRA_TEMPLATES)("infra/%s", (file) => {
  it.each(["minimal", "allOn"] as const)(
    "names only actions of the reference, on their resource types, with supported condition keys (%s)",
    async (option) => {
      const policies = infraPolicies(file, option);
      expect(policies.length).toBeGreaterThan(0);
      expect(await problemsOf(policies)).toEqual([]);
    },
  );
});

describe("the reference checks catch a broken policy", () => {
  const policy = (...Statement: PolicyStatement[]): PackagedPolicy => ({
    where: "Broken",
    document: { Version: "2012-10-17", Statement },
  });
  const users = `arn:aws:iam::${ACCOUNT}:user/*`;
  const roles = `arn:aws:iam::${ACCOUNT}:role/*`;
  const allow = (Action: string[], Resource: string[], Condition?: PolicyStatement["Condition"]) =>
    ({ Sid: "Grant", Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) }) as const;

  it.each([
    {
      what: "a misspelled action",
      broken: policy(allow(["iam:UpdateAccessKeys"], [users])),
      check: unknownActionProblems,
      expected: "Broken Grant: iam:UpdateAccessKeys is no action of the Service Authorization Reference",
    },
    {
      what: "a wildcard that matches no action",
      broken: policy(allow(["sts:GetAccessKeyInfos*"], ["*"])),
      check: unknownActionProblems,
      expected: "sts:GetAccessKeyInfos* is no action",
    },
    {
      what: "an action of an unknown service",
      broken: policy(allow(["iamx:UpdateAccessKey"], [users])),
      check: unknownActionProblems,
      expected: "iamx:UpdateAccessKey is no action",
    },
    {
      what: "an action without resource-level permission granted on a detector (the drill's)",
      broken: policy(
        allow(["guardduty:CreateSampleFindings"], [`arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/*`]),
      ),
      check: resourceTypeProblems,
      expected: `guardduty:CreateSampleFindings is allowed on arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/*, which matches none of its resource types (none, so only "*")`,
    },
    {
      what: "sts:GetAccessKeyInfo narrowed to users",
      broken: policy(allow(["sts:GetAccessKeyInfo"], [users])),
      check: resourceTypeProblems,
      expected: "sts:GetAccessKeyInfo is allowed on",
    },
    {
      what: "UpdateAccessKey on roles",
      broken: policy(allow(["iam:UpdateAccessKey"], [roles])),
      check: resourceTypeProblems,
      expected: `iam:UpdateAccessKey is allowed on ${roles}, which matches none of its resource types (user arn:`,
    },
    {
      what: "sns:Publish on a queue",
      broken: policy(allow(["sns:Publish"], [`arn:aws:sqs:${REGION}:${ACCOUNT}:failures`])),
      check: resourceTypeProblems,
      expected: "sns:Publish is allowed on arn:aws:sqs",
    },
    {
      what: "a wildcard pattern none of whose actions fits the ARN",
      broken: policy(allow(["kms:GenerateDataKey*"], [`arn:aws:sns:${REGION}:${ACCOUNT}:alerts`])),
      check: resourceTypeProblems,
      expected: "kms:GenerateDataKey* is allowed on arn:aws:sns",
    },
    {
      what: "a protected-principal Deny that names only roles for UpdateAccessKey",
      broken: policy({
        Sid: "NeverTouchProtectedPrincipals",
        Effect: "Deny",
        Action: ["iam:UpdateAccessKey", "iam:PutRolePolicy"],
        Resource: [roles],
      }),
      check: resourceTypeProblems,
      expected: `NeverTouchProtectedPrincipals: the Deny never applies to iam:UpdateAccessKey on ${roles}`,
    },
    {
      what: "a condition key the action does not support",
      broken: policy(
        allow(["iam:TagUser"], [users], { ArnEquals: { "iam:PolicyARN": "arn:aws:iam::aws:policy/X" } }),
      ),
      check: conditionKeyProblems,
      expected:
        "Broken Grant: condition key iam:PolicyARN is neither global nor supported by iam:TagUser or its resource types",
    },
    {
      what: "a misspelled global key",
      broken: policy(
        allow(["sts:AssumeRole"], ["arn:aws:iam::*:role/Member"], {
          StringNotEquals: { "aws:ResourceAcount": ACCOUNT },
        }),
      ),
      check: conditionKeyProblems,
      expected: "condition key aws:ResourceAcount is neither global nor supported by sts:AssumeRole",
    },
    {
      what: "a resource tag key of another service",
      broken: policy(
        allow(["iam:UpdateAccessKey"], [users], {
          Null: { "s3:ResourceTag/access-key-responder-protected": "false" },
        }),
      ),
      check: conditionKeyProblems,
      expected: "condition key s3:ResourceTag/access-key-responder-protected is neither global",
    },
  ])("reports $what", async ({ broken, check, expected }) => {
    expect(await check(reference, broken)).toEqual([expect.stringContaining(expected)]);
  });

  it("accepts what the reference allows: resource tags of the user type, * for actions without resource types", async () => {
    const fine = policy(
      allow(["iam:UpdateAccessKey"], [users], {
        Null: { "iam:ResourceTag/access-key-responder-protected": "false" },
      }),
      allow(["iam:TagUser"], [users], { "ForAllValues:StringEquals": { "aws:TagKeys": ["x"] } }),
      allow(["guardduty:CreateSampleFindings", "guardduty:ListDetectors", "sts:GetAccessKeyInfo"], ["*"]),
      allow(["kms:GenerateDataKey*"], ["*"]),
    );
    expect(await referenceProblems(reference, fine)).toEqual([]);
  });

  it("reports a packaged role's grant moved onto the wrong resource type", async () => {
    const allOn = STACK_CONFIGURATIONS[1] as (typeof STACK_CONFIGURATIONS)[number];
    const { roles } = stackPolicies(allOn);
    const broken = roles.map((policy) => ({
      ...policy,
      document: {
        ...policy.document,
        Statement: policy.document.Statement.map((statement) =>
          statement.Sid === "ContainAccessKeys"
            ? { ...statement, Resource: [asRoleArn(statement)] }
            : statement,
        ),
      },
    }));
    expect(await problemsOf(broken)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("ContainAccessKeys: iam:UpdateAccessKey is allowed on"),
      ]),
    );
  });
});

/** A statement's first ARN with `user/` turned into `role/`. */
const asRoleArn = (statement: PolicyStatement): string =>
  String([statement.Resource].flat()[0]).replace(":user/", ":role/");
