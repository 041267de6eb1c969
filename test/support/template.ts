// Reads the CloudFormation template that `sls package` writes, so tests check what would really be deployed
// rather than serverless.yml as we think the framework reads it.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const TEMPLATE_PATH = `${PROJECT_ROOT}.serverless/cloudformation-template-update-stack.json`;

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
}

export interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

/** A fresh copy on every call: tests may mutate what they get. */
export const loadTemplate = (path = TEMPLATE_PATH): Template => {
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: run \`npm run package\` first (\`npm test\` does this before vitest).`,
    );
  }
  return JSON.parse(readFileSync(path, "utf8")) as Template;
};

export const resourcesOfType = (template: Template, type: string): Array<[string, Resource]> =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

export const resource = (template: Template, logicalId: string): Resource => {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`The template has no resource ${logicalId}`);
  return found;
};

export const ref = (logicalId: string) => ({ Ref: logicalId });
export const arnOf = (logicalId: string) => ({ "Fn::GetAtt": [logicalId, "Arn"] });

/** The logical id named by `{"Fn::GetAtt": [id, "Arn"]}` (how the framework points a rule at a function). */
const getAttTarget = (value: unknown): string | undefined => {
  const getAtt = (value as { "Fn::GetAtt"?: unknown } | undefined)?.["Fn::GetAtt"];
  return Array.isArray(getAtt) && typeof getAtt[0] === "string" ? getAtt[0] : undefined;
};

export interface EventRule {
  logicalId: string;
  pattern: unknown;
  /** Logical id of the first target's function, if it is `Fn::GetAtt [X, Arn]`. */
  targetFunction: string | undefined;
  targets: Array<Record<string, unknown>>;
  state: unknown;
}

/** Every AWS::Events::Rule with its EventPattern and target. */
export const eventRules = (template: Template): EventRule[] =>
  resourcesOfType(template, "AWS::Events::Rule").map(([logicalId, rule]) => {
    const targets = (rule.Properties?.Targets ?? []) as Array<Record<string, unknown>>;
    return {
      logicalId,
      pattern: rule.Properties?.EventPattern,
      targetFunction: getAttTarget(targets[0]?.Arn),
      targets,
      state: rule.Properties?.State,
    };
  });

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: unknown[];
  NotAction?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asArray = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** One statement with Action and Resource always arrays (IAM allows a bare string for either). */
export const normaliseStatement = (statement: Record<string, unknown>): Statement =>
  ({
    ...statement,
    Action: asArray(statement.Action).map(String),
    Resource: asArray(statement.Resource),
  }) as Statement;

export const EXECUTION_ROLE = "IamRoleLambdaExecution";

/** The statements of every inline policy of the functions' execution role. */
export const roleStatements = (template: Template): Statement[] => {
  const policies = (resource(template, EXECUTION_ROLE).Properties?.Policies ?? []) as Array<{
    PolicyDocument?: { Statement?: unknown };
  }>;
  return policies.flatMap((policy) =>
    asArray(policy.PolicyDocument?.Statement).map((statement) =>
      normaliseStatement(statement as Record<string, unknown>),
    ),
  );
};
