// Reads the CloudFormation template that `sls package` writes, so tests check what would really be deployed
// rather than serverless.yml as we think the framework reads it.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ON_BY_DEFAULT, OPT_INS, type OptIn } from "../../src/entry/permissions";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Stage and region of every configuration `npm run package` packages (scripts/package-configs.ts). */
export const PACKAGE_STAGE = "ci";
export const PACKAGE_REGION = "us-east-1";

export interface PackagedConfig {
  /** Where `sls package --package` writes it, relative to the project root. */
  dir: string;
  /** `--param` values; a parameter not named keeps its serverless.yml default (every opt-in off). */
  params: Readonly<Record<string, string>>;
}

/**
 * The configurations the template tests check, each packaged once. The default one stays in .serverless, where
 * `sls` puts it and the benchmarks read it; the other goes to a gitignored directory of its own. Mixed
 * configurations (one opt-in on) are checked on the all-on template by evaluating its Conditions differently.
 */
export const PACKAGED_CONFIGS = {
  default: { dir: ".serverless", params: {} },
  allOptIns: {
    dir: ".build/package/all-opt-ins",
    params: {
      revokeSessions: "true",
      tagUser: "true",
      attachQuarantinePolicy: "true",
      enrichCloudTrail: "true",
      memberRoleName: "AccessKeyResponderMember",
      organizationId: "o-a1b2c3d4e5",
      chatActions: "true",
      drill: "true",
    },
  },
} as const satisfies Record<string, PackagedConfig>;
export type PackagedConfigName = keyof typeof PACKAGED_CONFIGS;

const templatePathOf = (dir: string): string =>
  `${PROJECT_ROOT}${dir}/cloudformation-template-update-stack.json`;
export const TEMPLATE_PATH = templatePathOf(PACKAGED_CONFIGS.default.dir);

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
}

export interface Template {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, { Default?: string; AllowedValues?: string[]; AllowedPattern?: string }>;
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

/** The packaged template of one configuration, a fresh copy. */
export const loadPackaged = (name: PackagedConfigName): Template =>
  loadTemplate(templatePathOf(PACKAGED_CONFIGS[name].dir));

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

/** Every AWS::Events::Rule that matches events (has an EventPattern), with its target; schedules are not listed. */
export const eventRules = (template: Template): EventRule[] =>
  resourcesOfType(template, "AWS::Events::Rule")
    .filter(([, rule]) => rule.Properties?.EventPattern !== undefined)
    .map(([logicalId, rule]) => {
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

/** The logical IDs of the functions that handle findings and requests, and alert, as the framework names them. */
export const RESPONDER_FUNCTIONS: readonly string[] = [
  "GuarddutyLambdaFunction",
  "LeakedCredentialsLambdaFunction",
  "SecurityHubLambdaFunction",
  "ManualLambdaFunction",
];
/** The drill function's logical ID. */
export const DRILL_FUNCTION = "DrillLambdaFunction";

/** The framework's role, which the four responder functions share. */
export const EXECUTION_ROLE = "IamRoleLambdaExecution";
/** The drill function's own role (serverless.yml). */
export const DRILL_ROLE = "DrillRole";

export type Conditions = Record<string, boolean>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The single key of an intrinsic function object such as `{"Fn::If": [...]}`, if `value` is one. */
const intrinsic = (value: unknown, name: string): unknown =>
  isObject(value) && Object.keys(value).length === 1 ? value[name] : undefined;

/**
 * Every Condition of a template, evaluated. A packaged stack's conditions compare literals (the framework has put
 * the parameter values in); a plain template's compare `Ref`s to its Parameters (`parameters`, else the Default).
 * `overrides` fixes some conditions, as if their parameter had another value; conditions built on them follow.
 */
export const evaluateConditions = (
  template: Template,
  parameters: Readonly<Record<string, string>> = {},
  overrides: Partial<Conditions> = {},
): Conditions => {
  const definitions = template.Conditions ?? {};
  const operandValue = (operand: unknown): string => {
    if (typeof operand === "string") return operand;
    const name = intrinsic(operand, "Ref");
    if (typeof name === "string") {
      const value = parameters[name] ?? template.Parameters?.[name]?.Default;
      if (value !== undefined) return value;
    }
    throw new Error(`cannot evaluate ${JSON.stringify(operand)} in a condition`);
  };
  const truth = (expression: unknown): boolean => {
    const equals = intrinsic(expression, "Fn::Equals");
    if (Array.isArray(equals)) return operandValue(equals[0]) === operandValue(equals[1]);
    const not = intrinsic(expression, "Fn::Not");
    if (Array.isArray(not)) return !truth(not[0]);
    const and = intrinsic(expression, "Fn::And");
    if (Array.isArray(and)) return and.every(truth);
    const or = intrinsic(expression, "Fn::Or");
    if (Array.isArray(or)) return or.some(truth);
    const other = intrinsic(expression, "Condition");
    if (typeof other === "string") return condition(other);
    throw new Error(`cannot evaluate the condition ${JSON.stringify(expression)}`);
  };
  const condition = (name: string): boolean => {
    const fixed = overrides[name];
    if (fixed !== undefined) return fixed;
    if (!(name in definitions)) throw new Error(`the template has no condition ${name}`);
    return truth(definitions[name]);
  };
  for (const name of Object.keys(overrides)) {
    if (!(name in definitions))
      throw new Error(`cannot override ${name}: the template has no such condition`);
  }
  return Object.fromEntries(Object.keys(definitions).map((name) => [name, condition(name)]));
};

const NO_VALUE = Symbol("AWS::NoValue");

/** `value` with every `Fn::If` replaced by its chosen branch and every `Ref: AWS::NoValue` removed. */
export const resolveConditionals = (value: unknown, conditions: Conditions): unknown => {
  const resolve = (item: unknown): unknown => {
    if (intrinsic(item, "Ref") === "AWS::NoValue") return NO_VALUE;
    const choice = intrinsic(item, "Fn::If");
    if (Array.isArray(choice)) {
      const [name, whenTrue, whenFalse] = choice as [string, unknown, unknown];
      const holds = conditions[name];
      if (holds === undefined) throw new Error(`Fn::If names an unknown condition ${name}`);
      return resolve(holds ? whenTrue : whenFalse);
    }
    if (Array.isArray(item)) return item.map(resolve).filter((entry) => entry !== NO_VALUE);
    if (isObject(item)) {
      return Object.fromEntries(
        Object.entries(item)
          .map(([key, entry]) => [key, resolve(entry)] as const)
          .filter(([, entry]) => entry !== NO_VALUE),
      );
    }
    return item;
  };
  const resolved = resolve(value);
  return resolved === NO_VALUE ? undefined : resolved;
};

interface PolicyProperties {
  PolicyDocument?: { Statement?: unknown };
  RoleName?: unknown;
  Roles?: unknown;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Policy resources attached to `role` by reference (RolePolicy, Policy, ManagedPolicy), whatever their Condition. */
export const attachedPolicies = (template: Template, role: string): Array<[string, Resource]> =>
  Object.entries(template.Resources).filter(([, candidate]) => {
    const properties = (candidate.Properties ?? {}) as PolicyProperties;
    const target = { Ref: role };
    if (candidate.Type === "AWS::IAM::RolePolicy") return sameJson(properties.RoleName, target);
    if (candidate.Type === "AWS::IAM::Policy" || candidate.Type === "AWS::IAM::ManagedPolicy") {
      return asArray(properties.Roles).some((entry) => sameJson(entry, target));
    }
    return false;
  });

const statementsOf = (policies: unknown[]): Statement[] =>
  policies.flatMap((policy) =>
    asArray((policy as PolicyProperties | undefined)?.PolicyDocument?.Statement).map((statement) =>
      normaliseStatement(statement as Record<string, unknown>),
    ),
  );

/**
 * The statements a role really gets under `conditions` (by default the template's own): its inline policies and
 * every policy resource attached to it whose Condition holds, with `Fn::If` resolved.
 */
export const roleStatements = (
  template: Template,
  {
    role = EXECUTION_ROLE,
    conditions = evaluateConditions(template),
  }: { role?: string; conditions?: Conditions } = {},
): Statement[] => {
  const inline = asArray(resolveConditionals(resource(template, role).Properties?.Policies, conditions));
  const attached = attachedPolicies(template, role)
    .filter(([id, policy]) => {
      if (policy.Condition === undefined) return true;
      const holds = conditions[policy.Condition];
      if (holds === undefined) throw new Error(`${id} names an unknown condition ${policy.Condition}`);
      return holds;
    })
    .map(([, policy]) => resolveConditionals(policy.Properties, conditions));
  return statementsOf([...inline, ...attached]);
};

/** serverless.yml's Condition that turns each opt-in's grant on (the grant's policy resource carries it). */
export const OPT_IN_CONDITIONS = {
  revokeSessions: "RevokeSessions",
  tagUser: "TagUser",
  attachQuarantinePolicy: "AttachQuarantinePolicy",
  enrichCloudTrail: "EnrichCloudTrail",
  memberRoleName: "HasMemberRole",
  securityHubUpdates: "SecurityHubUpdates",
} as const satisfies Record<OptIn, string>;
export const ORGANIZATION_CONDITION = "HasOrganizationId";
/** serverless.yml's Condition for param drill: the drill's schedule, its role's GuardDuty grant, its alarm. */
export const DRILL_CONDITION = "Drill";

/** One configuration of the stack, as a packaged template and the Conditions that describe it. */
export interface StackConfiguration {
  name: string;
  packaged: PackagedConfigName;
  enabled: readonly OptIn[];
  /** Param drill: it grants nothing to the responders' role, only to the drill's own. */
  drill: boolean;
  memberRoleName?: string;
  organizationId?: string;
}

const ALL_ON = PACKAGED_CONFIGS.allOptIns.params;

/**
 * Default parameters, every opt-in on (with organizationId and the drill), and each opt-in or the drill alone (from
 * the all-on package with the other Conditions false, which is what their parameters left at the default would give).
 */
export const STACK_CONFIGURATIONS: StackConfiguration[] = [
  { name: "default parameters", packaged: "default", enabled: ON_BY_DEFAULT, drill: false },
  {
    name: "every opt-in on, with organizationId and the drill",
    packaged: "allOptIns",
    enabled: OPT_INS,
    drill: true,
    memberRoleName: ALL_ON.memberRoleName,
    organizationId: ALL_ON.organizationId,
  },
  ...OPT_INS.map((optIn) => ({
    name: `only ${optIn}`,
    packaged: "allOptIns" as const,
    enabled: [optIn],
    drill: false,
    ...(optIn === "memberRoleName" ? { memberRoleName: ALL_ON.memberRoleName } : {}),
  })),
  { name: "only drill", packaged: "allOptIns", enabled: [], drill: true },
];

/** The Conditions of `template` (the configuration's package) as that configuration has them. */
export const stackConditions = (template: Template, configuration: StackConfiguration): Conditions => {
  if (configuration.packaged === "default") return evaluateConditions(template);
  const off = OPT_INS.filter((optIn) => !configuration.enabled.includes(optIn));
  return evaluateConditions(
    template,
    {},
    {
      ...Object.fromEntries(off.map((optIn) => [OPT_IN_CONDITIONS[optIn], false])),
      ...(configuration.organizationId === undefined ? { [ORGANIZATION_CONDITION]: false } : {}),
      ...(configuration.drill ? {} : { [DRILL_CONDITION]: false }),
    },
  );
};
