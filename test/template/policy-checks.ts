// Least-privilege checks shared by the template tests. Each takes statements (or a template) and returns problems,
// so the tests run it on the packaged templates (expecting none) and on broken copies (expecting the problem).
import { AUDIT_TAG_KEY, QUARANTINE_POLICY_NAME } from "../../src/contain/audit";
import {
  drillGrantedActions,
  grantedActions,
  OPT_IN_PERMISSIONS,
  OPT_INS,
  type OptIn,
} from "../../src/entry/permissions";
import { arnOf, type Statement } from "../support/template";

/** serverless.yml `NeverTouchProtectedPrincipals`: any value of this tag protects a user or role. */
export const PROTECTED_TAG_KEY = "access-key-responder-protected";
export const PROTECTED_CONDITION_KEY = `aws:ResourceTag/${PROTECTED_TAG_KEY}`;

/** The alert topic and failure queue are encrypted with AlertKey: publishing and dead-lettering need these. */
export const KMS_FOR_ENCRYPTED_TOPIC = ["kms:GenerateDataKey", "kms:Decrypt"];
/** Added by the framework for the functions' log groups; allowed by name only. */
export const FRAMEWORK_LOGS_ACTIONS = [
  "logs:CreateLogStream",
  "logs:CreateLogGroup",
  "logs:TagResource",
  "logs:PutLogEvents",
];
/** Added by the framework for `destinations.onFailure`; allowed only on the failure queue. */
const FRAMEWORK_DESTINATION_ACTION = "sqs:SendMessage";

/** JSON with object keys sorted, so that key order never decides whether two policy fragments are the same. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, item: unknown) =>
    typeof item === "object" && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : item,
  );
export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
export const allows = (statements: Statement[]): Statement[] =>
  statements.filter((s) => s.Effect === "Allow");
export const label = (s: Statement): string => s.Sid ?? JSON.stringify(s.Action);
export const isIamWrite = (action: string): boolean =>
  action.startsWith("iam:") && !/^iam:(Get|List)/.test(action);
const ACCOUNT_ID = { Ref: "AWS::AccountId" };

/** A role of this account, as the templates write its ARN. */
export const arnOfRole = (name: string) => ({
  "Fn::Sub": `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${name}`,
});

/** No wildcard action (`*`, `iam:*`, `sts:*`, `iam:Put*`...) and nothing allowed by exclusion. */
export const wildcardProblems = (statements: Statement[]): string[] =>
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

export const grantedBy = (statements: Statement[]): Set<string> =>
  new Set(allows(statements).flatMap((s) => s.Action.filter((action) => !isFrameworkGrant(s, action))));

/** The Allow statements grant exactly `declared`, plus KMS for the encrypted topic and queue. */
const exactGrantProblems = (statements: Statement[], declared: readonly string[]): string[] => {
  const expected = new Set([...declared, ...KMS_FOR_ENCRYPTED_TOPIC]);
  const granted = grantedBy(statements);
  return [
    ...[...expected].filter((a) => !granted.has(a)).map((a) => `declared but not granted: ${a}`),
    ...[...granted].filter((a) => !expected.has(a)).map((a) => `granted but not declared: ${a}`),
  ];
};

/** The responders' role grants exactly what the enabled opt-ins declare (src/entry/permissions.ts), plus KMS. */
export const declaredVsGrantedProblems = (statements: Statement[], enabled: readonly OptIn[]): string[] =>
  exactGrantProblems(statements, grantedActions(enabled));

/** The drill's role grants exactly what the drill declares while param drill is on, nothing while off, plus KMS. */
export const drillDeclaredVsGrantedProblems = (statements: Statement[], drill: boolean): string[] =>
  exactGrantProblems(statements, drillGrantedActions(drill));

/** Nothing an opt-in that is off would use is granted (said separately, naming the opt-in). */
export const optInLeftOffProblems = (statements: Statement[], enabled: readonly OptIn[]): string[] => {
  const granted = grantedBy(statements);
  return OPT_INS.filter((optIn) => !enabled.includes(optIn)).flatMap((optIn) =>
    OPT_IN_PERMISSIONS[optIn]
      .filter((action) => granted.has(action))
      .map((action) => `${action} is granted, but ${optIn} is off`),
  );
};

export const resourceProblems = (statements: Statement[], action: string, allowed: unknown): string[] => {
  const granting = allows(statements).filter((s) => s.Action.includes(action));
  if (granting.length === 0) return [`${action} is not granted`];
  return granting.flatMap((s) =>
    s.Resource.filter((r) => !same(r, allowed)).map((r) => `${action} allowed on ${JSON.stringify(r)}`),
  );
};

/**
 * Only `arn:…:iam::*:role/<memberRoleName>` (any account, but never any role), never in this account
 * (`StringNotEquals aws:ResourceAccount`), and with an organization, only in it (`StringEquals aws:ResourceOrgID`).
 */
export const assumeRoleProblems = (
  statements: Statement[],
  memberRoleName: string,
  organizationId?: string,
): string[] => {
  const granting = allows(statements).filter((s) => s.Action.includes("sts:AssumeRole"));
  if (granting.length === 0) return ["sts:AssumeRole is not granted"];
  return granting.flatMap((s) => [
    ...s.Resource.filter((r) => {
      const arn = (r as { "Fn::Sub"?: unknown })["Fn::Sub"];
      return !(
        typeof arn === "string" &&
        arn.includes(":iam::*:role/") &&
        arn.endsWith(`:role/${memberRoleName}`) &&
        !arn.split(":role/")[1]?.includes("*")
      );
    }).map((r) => `sts:AssumeRole allowed on ${JSON.stringify(r)}`),
    ...(same(s.Condition?.StringNotEquals?.["aws:ResourceAccount"], ACCOUNT_ID)
      ? []
      : [`${label(s)} does not exclude this account (StringNotEquals aws:ResourceAccount)`]),
    ...(organizationId === undefined || same(s.Condition?.StringEquals?.["aws:ResourceOrgID"], organizationId)
      ? []
      : [`${label(s)} is not limited to organization ${organizationId} (StringEquals aws:ResourceOrgID)`]),
  ]);
};

/** IAM refuses every write on a tagged principal, even if the code is wrong. */
export const protectedDenyProblems = (statements: Statement[]): string[] => {
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

/** Whenever iam:PutRolePolicy is granted, an unconditional Deny keeps it off `role`, the responder's own. */
export const lockOutDenyProblems = (statements: Statement[], roleArn: unknown): string[] => {
  if (!grantedBy(statements).has("iam:PutRolePolicy")) return [];
  const deny = statements.find(
    (s) =>
      s.Effect === "Deny" &&
      s.Action.includes("iam:PutRolePolicy") &&
      s.Condition === undefined &&
      s.Resource.some((r) => same(r, roleArn)),
  );
  return deny ? [] : [`iam:PutRolePolicy is granted, and no Deny keeps it off ${JSON.stringify(roleArn)}`];
};

/** TagUser only with the audit tag key (never the protected tag); AttachUserPolicy only for the quarantine policy. */
export const narrowedWriteProblems = (statements: Statement[]): string[] =>
  allows(statements).flatMap((s) => [
    ...(s.Action.includes("iam:TagUser") &&
    !same(s.Condition?.["ForAllValues:StringEquals"]?.["aws:TagKeys"], [AUDIT_TAG_KEY])
      ? [`${label(s)} allows iam:TagUser with other tag keys than ${AUDIT_TAG_KEY}`]
      : []),
    ...(s.Action.includes("iam:AttachUserPolicy") &&
    !same(s.Condition?.ArnEquals?.["iam:PolicyARN"], {
      "Fn::Sub": `arn:\${AWS::Partition}:iam::aws:policy/${QUARANTINE_POLICY_NAME}`,
    })
      ? [`${label(s)} allows iam:AttachUserPolicy with other policies than ${QUARANTINE_POLICY_NAME}`]
      : []),
  ]);
