// Every IAM policy the project packages, as IAM would read it: Conditions decided, `Fn::If` resolved, and `Ref`,
// `Fn::GetAtt`, `Fn::Sub` and `Fn::Join` evaluated for one test account, Region and partition. The checks against
// AWS's own models (the Service Authorization Reference, a policy simulator) read these.
import { readdirSync } from "node:fs";
import {
  attachedPolicies,
  type Conditions,
  evaluateConditions,
  loadTemplate,
  PACKAGE_REGION,
  PACKAGE_STAGE,
  PROJECT_ROOT,
  type Resource,
  resolveConditionals,
  resourcesOfType,
  type Template,
} from "./template";
import { MEMBER_ACCOUNT, SELF_ACCOUNT } from "./world";

/** The account the stack is deployed in, a member account of its organization, and an account outside it. */
export const ACCOUNT = SELF_ACCOUNT;
export { MEMBER_ACCOUNT };
export const OTHER_ACCOUNT = "999999999999";
export const PARTITION = "aws";
export const REGION = PACKAGE_REGION;
/** What `Ref` gives for a KMS key: its key id (the real one is generated at creation). */
export const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const STACK_NAME = `access-key-responder-${PACKAGE_STAGE}`;

/** Where a template is deployed, and its parameter values (a parameter not named keeps its Default). */
export interface Place {
  account: string;
  region: string;
  partition: string;
  parameters?: Readonly<Record<string, string>>;
}

export const HOME: Place = { account: ACCOUNT, region: REGION, partition: PARTITION };

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

/** One policy document and where it comes from, for problem messages. */
export interface PackagedPolicy {
  where: string;
  document: PolicyDocument;
}

export interface PackagedRole {
  logicalId: string;
  name: string;
  arn: string;
  /** Logical ids of the Lambda functions that run with this role. */
  functions: string[];
  /** Its inline policies and every policy resource attached to it whose Condition holds. */
  policies: PackagedPolicy[];
  trust: PolicyDocument;
}

export interface ResourcePolicy extends PackagedPolicy {
  logicalId: string;
  /** The resource type the policy protects, e.g. AWS::SNS::Topic. */
  protects: string;
  /** ARN of the protected resource. */
  arn: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

interface Kind {
  nameProperty?: string;
  ref: (name: string, place: Place) => string;
  arn: (name: string, place: Place) => string;
}

const arnIn = (service: string, { partition, region, account }: Place, resource: string, global = false) =>
  `arn:${partition}:${service}:${global ? "" : region}:${account}:${resource}`;

/** How `Ref` and `Fn::GetAtt … Arn` read for each resource type the templates point a policy at. */
const KINDS: Record<string, Kind> = {
  "AWS::SNS::Topic": {
    nameProperty: "TopicName",
    ref: (name, place) => arnIn("sns", place, name),
    arn: (name, place) => arnIn("sns", place, name),
  },
  "AWS::SQS::Queue": {
    nameProperty: "QueueName",
    ref: (name, { region, account }) => `https://sqs.${region}.amazonaws.com/${account}/${name}`,
    arn: (name, place) => arnIn("sqs", place, name),
  },
  "AWS::KMS::Key": { ref: () => KEY_ID, arn: (_, place) => arnIn("kms", place, `key/${KEY_ID}`) },
  "AWS::IAM::Role": {
    nameProperty: "RoleName",
    ref: (name) => name,
    arn: (name, place) => arnIn("iam", place, `role/${name}`, true),
  },
  "AWS::Lambda::Function": {
    nameProperty: "FunctionName",
    ref: (name) => name,
    arn: (name, place) => arnIn("lambda", place, `function:${name}`),
  },
  "AWS::CloudWatch::Alarm": {
    nameProperty: "AlarmName",
    ref: (name) => name,
    arn: (name, place) => arnIn("cloudwatch", place, `alarm:${name}`),
  },
  "AWS::Events::Rule": {
    nameProperty: "Name",
    ref: (name) => name,
    arn: (name, place) => arnIn("events", place, `rule/${name}`),
  },
  "AWS::Logs::LogGroup": {
    nameProperty: "LogGroupName",
    ref: (name) => name,
    arn: (name, place) => arnIn("logs", place, `log-group:${name}:*`),
  },
  "AWS::S3::Bucket": {
    nameProperty: "BucketName",
    ref: (name) => name,
    arn: (name, { partition }) => `arn:${partition}:s3:::${name}`,
  },
};

const PSEUDO = (place: Place): Record<string, string> => ({
  "AWS::AccountId": place.account,
  "AWS::Region": place.region,
  "AWS::Partition": place.partition,
  "AWS::URLSuffix": "amazonaws.com",
  "AWS::StackName": STACK_NAME,
});

/**
 * `value` with the intrinsics a policy uses evaluated for `place`. `Fn::If` must be resolved first
 * (resolveConditionals); anything else it cannot evaluate throws, so a new intrinsic is noticed, not misread.
 */
export const evaluate = (template: Template, value: unknown, place: Place): unknown => {
  const kindOf = (logicalId: string): [Resource, Kind] => {
    const resource = template.Resources[logicalId];
    if (!resource) throw new Error(`the template has no resource ${logicalId}`);
    const kind = KINDS[resource.Type];
    if (!kind) throw new Error(`cannot evaluate a reference to ${logicalId} (${resource.Type})`);
    return [resource, kind];
  };
  const nameOf = (logicalId: string): string => {
    const [resource, kind] = kindOf(logicalId);
    const given = kind.nameProperty && resource.Properties?.[kind.nameProperty];
    return given === undefined || given === "" ? `${STACK_NAME}-${logicalId}` : String(run(given));
  };
  const ref = (name: string): string => {
    const pseudo = PSEUDO(place)[name];
    if (pseudo !== undefined) return pseudo;
    if (template.Parameters && name in template.Parameters) {
      const parameter = place.parameters?.[name] ?? template.Parameters[name]?.Default;
      if (parameter === undefined) throw new Error(`the parameter ${name} has no value and no Default`);
      return parameter;
    }
    return kindOf(name)[1].ref(nameOf(name), place);
  };
  const getAtt = (logicalId: string, attribute: string): string => {
    if (attribute !== "Arn" && attribute !== "TopicArn") {
      throw new Error(`cannot evaluate Fn::GetAtt ${logicalId}.${attribute}`);
    }
    return kindOf(logicalId)[1].arn(nameOf(logicalId), place);
  };
  const sub = (text: string, variables: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name.startsWith("!")) return whole.replace("!", "");
      if (name in variables) return String(run(variables[name]));
      const [logicalId = "", attribute] = name.split(".");
      return attribute === undefined ? ref(name) : getAtt(logicalId, attribute);
    });
  const run = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(run);
    if (!isObject(item)) return item;
    const keys = Object.keys(item);
    const intrinsic = keys.length === 1 ? keys[0] : undefined;
    const argument = intrinsic === undefined ? undefined : item[intrinsic];
    switch (intrinsic) {
      case "Ref":
        return ref(String(argument));
      case "Fn::GetAtt": {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split(".");
        return getAtt(String(logicalId), String(attribute));
      }
      case "Fn::Sub": {
        const [text, variables = {}] = Array.isArray(argument) ? argument : [argument];
        return sub(String(text), variables as Record<string, unknown>);
      }
      case "Fn::Join": {
        const [separator, items] = argument as [string, unknown[]];
        return (run(items) as unknown[]).map(String).join(separator);
      }
      default:
        if (intrinsic?.startsWith("Fn::") || intrinsic === "Condition") {
          throw new Error(`cannot evaluate ${intrinsic} in ${JSON.stringify(item)}`);
        }
        return Object.fromEntries(Object.entries(item).map(([key, entry]) => [key, run(entry)]));
    }
  };
  return run(value);
};

/** Whether a resource exists under these Conditions. */
const exists = (resource: Resource, conditions: Conditions): boolean => {
  if (resource.Condition === undefined) return true;
  const holds = conditions[resource.Condition];
  if (holds === undefined) throw new Error(`a resource names an unknown condition ${resource.Condition}`);
  return holds;
};

const documentOf = (value: unknown): PolicyDocument => {
  const document = value as { Statement?: unknown } | undefined;
  return { ...(document as object), Statement: asArray(document?.Statement) as PolicyStatement[] };
};

/** `value` as IAM reads it for this configuration and place. */
const readAs = (template: Template, value: unknown, conditions: Conditions, place: Place): unknown =>
  evaluate(template, resolveConditionals(value, conditions), place);

/** The logical id a Lambda function's Role points at (`Fn::GetAtt [id, Arn]`), if it is one of the template's. */
const roleOfFunction = (fn: Resource): string | undefined => {
  const role = fn.Properties?.Role as { "Fn::GetAtt"?: unknown } | undefined;
  const getAtt = role?.["Fn::GetAtt"];
  return Array.isArray(getAtt) && typeof getAtt[0] === "string" ? getAtt[0] : undefined;
};

/** Every AWS::IAM::Role of the template that exists under `conditions`, with what it is granted. */
export const packagedRoles = (
  template: Template,
  conditions: Conditions,
  place: Place = HOME,
): PackagedRole[] =>
  resourcesOfType(template, "AWS::IAM::Role")
    .filter(([, role]) => exists(role, conditions))
    .map(([logicalId, role]) => {
      const properties = role.Properties ?? {};
      if (properties.ManagedPolicyArns !== undefined || properties.PermissionsBoundary !== undefined) {
        throw new Error(`${logicalId} has managed policies or a boundary these checks cannot read`);
      }
      const inline = asArray(readAs(template, properties.Policies, conditions, place)) as Array<{
        PolicyName: string;
        PolicyDocument: unknown;
      }>;
      const attached = attachedPolicies(template, logicalId)
        .filter(([, policy]) => exists(policy, conditions))
        .map(([policyId, policy]) => {
          const read = readAs(template, policy.Properties, conditions, place) as { PolicyDocument: unknown };
          return { where: `${logicalId} ${policyId}`, document: documentOf(read.PolicyDocument) };
        });
      return {
        logicalId,
        name: String(evaluate(template, { Ref: logicalId }, place)),
        arn: String(evaluate(template, { "Fn::GetAtt": [logicalId, "Arn"] }, place)),
        functions: resourcesOfType(template, "AWS::Lambda::Function")
          .filter(([, fn]) => exists(fn, conditions) && roleOfFunction(fn) === logicalId)
          .map(([id]) => id),
        policies: [
          ...inline.map((policy) => ({
            where: `${logicalId} ${policy.PolicyName}`,
            document: documentOf(policy.PolicyDocument),
          })),
          ...attached,
        ],
        trust: documentOf(readAs(template, properties.AssumeRolePolicyDocument, conditions, place)),
      };
    });

/** The logical id in `{Ref: id}`. */
const refTarget = (value: unknown): string => {
  const target = (value as { Ref?: unknown } | undefined)?.Ref;
  if (typeof target !== "string") throw new Error(`expected a Ref, got ${JSON.stringify(value)}`);
  return target;
};

/** The resource policies of the template's topics, queues, keys, event bus and buckets that exist. */
export const resourcePolicies = (
  template: Template,
  conditions: Conditions,
  place: Place = HOME,
): ResourcePolicy[] => {
  const arnOf = (logicalId: string) =>
    String(evaluate(template, { "Fn::GetAtt": [logicalId, "Arn"] }, place));
  const read = (value: unknown) => documentOf(readAs(template, value, conditions, place));
  return Object.entries(template.Resources)
    .filter(([, resource]) => exists(resource, conditions))
    .flatMap(([logicalId, resource]): ResourcePolicy[] => {
      const properties = resource.Properties ?? {};
      const policy = (protects: string, targets: string[], document: PolicyDocument) =>
        targets.map((arn) => ({ logicalId, where: logicalId, protects, arn, document }));
      switch (resource.Type) {
        case "AWS::SNS::TopicPolicy":
          return policy(
            "AWS::SNS::Topic",
            asArray(properties.Topics).map((topic) => arnOf(refTarget(topic))),
            read(properties.PolicyDocument),
          );
        case "AWS::SQS::QueuePolicy":
          return policy(
            "AWS::SQS::Queue",
            asArray(properties.Queues).map((queue) => arnOf(refTarget(queue))),
            read(properties.PolicyDocument),
          );
        case "AWS::KMS::Key":
          return policy("AWS::KMS::Key", [arnOf(logicalId)], read(properties.KeyPolicy));
        case "AWS::S3::BucketPolicy":
          return policy(
            "AWS::S3::Bucket",
            [arnOf(refTarget(properties.Bucket))],
            read(properties.PolicyDocument),
          );
        case "AWS::Events::EventBusPolicy": {
          const bus = String(readAs(template, properties.EventBusName ?? "default", conditions, place));
          const document =
            properties.Statement === undefined
              ? read(properties.Policy)
              : { Version: "2012-10-17", Statement: read({ Statement: properties.Statement }).Statement };
          return policy("AWS::Events::EventBus", [arnIn("events", place, `event-bus/${bus}`)], document);
        }
        default:
          return [];
      }
    });
};

/** The templates under infra/, by file name. */
export const INFRA_TEMPLATES = readdirSync(`${PROJECT_ROOT}infra`)
  .filter((file) => file.endsWith(".json"))
  .sort();

export const loadInfra = (file: string): Template => loadTemplate(`${PROJECT_ROOT}infra/${file}`);

/** The Conditions of a plain (infra/) template deployed at `place`, pseudo parameters included. */
export const infraConditions = (template: Template, place: Place): Conditions =>
  evaluateConditions(template, { ...PSEUDO(place), ...place.parameters });

/** The organization of the all-on configuration, and one the responder does not belong to. */
export const ORGANIZATION_ID = "o-a1b2c3d4e5";
export const OTHER_ORGANIZATION_ID = "o-z9y8x7w6v5";

/**
 * Parameter values for the infra/ templates: `minimal` gives only the required ones (every option at its Default),
 * `allOn` turns every option on, with an organization. A template ignores the parameters it does not declare.
 */
export const infraParameters = (responderRoleName: string) => {
  const minimal = {
    ResponderAccountId: ACCOUNT,
    ResponderRoleName: responderRoleName,
    ResponderRegion: REGION,
  };
  return {
    minimal,
    allOn: {
      ...minimal,
      OrganizationId: ORGANIZATION_ID,
      RevokeSessions: "true",
      TagUser: "true",
      AttachQuarantinePolicy: "true",
      ForwardSecurityHubV2: "true",
    },
  } as const;
};
