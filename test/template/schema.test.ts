// The packaged template against the CloudFormation resource specification shipped in @aws-cdk/aws-service-spec
// (offline, a few MB): unknown types, misspelt or stale property names and missing required properties would
// otherwise only show up as a failed deployment.
import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import { describe, expect, it } from "vitest";
import {
  loadPackaged,
  loadTemplate,
  PACKAGED_CONFIGS,
  type PackagedConfigName,
  PROJECT_ROOT,
  type Resource,
  type Template,
} from "../support/template";

interface SpecType {
  type: string;
  reference?: { $ref: string };
  element?: SpecType;
  types?: SpecType[];
}
interface SpecProperty {
  required?: boolean;
  type: SpecType;
}
type SpecProperties = Record<string, SpecProperty>;

let database: ReturnType<typeof loadAwsServiceSpecSync> | undefined;
/** Loaded once (about a second): the database is read-only. */
const spec = () => {
  database ??= loadAwsServiceSpecSync();
  return database;
};

const specResource = (type: string): { properties: SpecProperties } | undefined =>
  spec().lookup("resource", "cloudFormationType", "equals", type)[0];

const typeDefinition = (type: SpecType): { name: string; properties: SpecProperties } | undefined =>
  type.reference ? spec().get("typeDefinition", type.reference.$ref) : undefined;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `{Ref}`, `{Fn::…}` and `{Condition}` are resolved at deploy time; their result cannot be checked here. */
const isIntrinsic = (value: unknown): boolean => {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 1 &&
    (keys[0] === "Ref" || keys[0] === "Condition" || keys[0]?.startsWith("Fn::") === true)
  );
};

/** Problems of a value of a given spec type; only property names are checked, not primitive types. */
const valueProblems = (path: string, value: unknown, type: SpecType): string[] => {
  if (isIntrinsic(value)) return [];
  switch (type.type) {
    case "ref": {
      const definition = typeDefinition(type);
      return definition && isPlainObject(value) ? propertyProblems(path, value, definition.properties) : [];
    }
    case "array":
      return Array.isArray(value) && type.element
        ? value.flatMap((item, i) => valueProblems(`${path}[${i}]`, item, type.element as SpecType))
        : [];
    case "map":
      return isPlainObject(value) && type.element
        ? Object.entries(value).flatMap(([key, item]) =>
            valueProblems(`${path}.${key}`, item, type.element as SpecType),
          )
        : [];
    case "union": {
      // The closest member explains the value best: a json or string member accepts anything.
      const candidates = (type.types ?? []).map((member) => valueProblems(path, value, member));
      return candidates.reduce(
        (best, next) => (next.length < best.length ? next : best),
        candidates[0] ?? [],
      );
    }
    default:
      return [];
  }
};

/** Unknown and missing required names at this level; `deep` also checks the structures inside. */
const propertyProblems = (
  path: string,
  properties: Record<string, unknown>,
  known: SpecProperties,
  deep = true,
): string[] => [
  ...Object.keys(properties)
    .filter((name) => !(name in known))
    .map((name) => `${path}.${name} is not a known property`),
  ...Object.entries(known)
    .filter(([name, property]) => property.required && !(name in properties))
    .map(([name]) => `${path} lacks the required property ${name}`),
  ...(deep
    ? Object.entries(properties).flatMap(([name, value]) => {
        const property = known[name];
        return property ? valueProblems(`${path}.${name}`, value, property.type) : [];
      })
    : []),
];

const problemsOf =
  (deep: boolean) =>
  (logicalId: string, resource: Resource): string[] => {
    const definition = specResource(resource.Type);
    if (!definition) return [`${logicalId}: ${resource.Type} is not a CloudFormation resource type`];
    return propertyProblems(logicalId, resource.Properties ?? {}, definition.properties, deep);
  };
const resourceProblems = problemsOf(true);
/** Top-level property names and required properties only. */
const topLevelProblems = problemsOf(false);

const templateProblems = (template: Template, check = resourceProblems): string[] =>
  Object.entries(template.Resources).flatMap(([logicalId, resource]) => check(logicalId, resource));

/** Every `Condition:` of a resource, `Fn::If` and `{"Condition": …}` names a Condition the template defines. */
const conditionReferenceProblems = (template: Template): string[] => {
  const defined = new Set(Object.keys(template.Conditions ?? {}));
  const named = (where: string, name: unknown): string[] =>
    typeof name === "string" && defined.has(name)
      ? []
      : [`${where} names an undefined condition ${String(name)}`];
  const walk = (where: string, value: unknown): string[] => {
    if (Array.isArray(value)) return value.flatMap((item, i) => walk(`${where}[${i}]`, item));
    if (!isPlainObject(value)) return [];
    return Object.entries(value).flatMap(([key, item]) => [
      ...(key === "Fn::If" ? named(where, Array.isArray(item) ? item[0] : undefined) : []),
      ...(key === "Condition" && typeof item === "string" ? named(where, item) : []),
      ...walk(`${where}.${key}`, item),
    ]);
  };
  return [
    ...Object.entries(template.Resources).flatMap(([id, resource]) => [
      ...(resource.Condition === undefined ? [] : named(id, resource.Condition)),
      ...walk(id, resource.Properties),
    ]),
    ...walk("Conditions", template.Conditions),
  ];
};

describe.each(Object.keys(PACKAGED_CONFIGS) as PackagedConfigName[])(
  "the packaged template (%s) against the CloudFormation specification",
  (name) => {
    it("uses only known resource types", () => {
      const unknown = Object.values(loadPackaged(name).Resources)
        .map((resource) => resource.Type)
        .filter((type) => !specResource(type));
      expect(unknown).toEqual([]);
    });

    it("uses only known top-level properties, and sets every required one", () => {
      expect(templateProblems(loadPackaged(name), topLevelProblems)).toEqual([]);
    });

    it("uses only known property names in nested structures too", () => {
      expect(templateProblems(loadPackaged(name))).toEqual([]);
    });

    it("refers only to Conditions it defines", () => {
      expect(conditionReferenceProblems(loadPackaged(name))).toEqual([]);
    });
  },
);

describe.each([
  "infra/member-role.json",
  "infra/global-events-forwarder.json",
  "infra/region-forwarder.json",
])("%s against the specification", (file) => {
  it("uses only known resource types and property names, and sets every required one", () => {
    expect(templateProblems(loadTemplate(`${PROJECT_ROOT}${file}`))).toEqual([]);
  });

  it("refers only to Conditions it defines", () => {
    expect(conditionReferenceProblems(loadTemplate(`${PROJECT_ROOT}${file}`))).toEqual([]);
  });
});

describe("the specification checks catch a broken template", () => {
  const mutated = (change: (template: Template) => void): Template => {
    const template = loadTemplate();
    change(template);
    return template;
  };
  const properties = (template: Template, id: string): Record<string, unknown> =>
    template.Resources[id]?.Properties as Record<string, unknown>;

  it.each([
    {
      what: "an unknown resource type",
      change: (t: Template) => {
        (t.Resources.AlertTopic as Resource).Type = "AWS::SNS::Topics";
      },
      expected: "AlertTopic: AWS::SNS::Topics is not a CloudFormation resource type",
    },
    {
      what: "a misspelt top-level property",
      change: (t: Template) => {
        const queue = properties(t, "FailureQueue");
        queue.KmsMasterKeyID = queue.KmsMasterKeyId;
        delete queue.KmsMasterKeyId;
      },
      expected: "FailureQueue.KmsMasterKeyID is not a known property",
    },
    {
      what: "a missing required property",
      change: (t: Template) => {
        delete properties(t, "ManualLambdaFunction").Role;
      },
      expected: "ManualLambdaFunction lacks the required property Role",
    },
  ])("reports $what at the top level", ({ change, expected }) => {
    expect(templateProblems(loadTemplate(), topLevelProblems)).not.toContain(expected);
    expect(templateProblems(mutated(change), topLevelProblems)).toContain(expected);
  });

  it("reports a misspelt property inside a rule target", () => {
    const template = mutated((t) => {
      const [id] = Object.entries(t.Resources).find(([, r]) => r.Type === "AWS::Events::Rule") ?? [];
      const targets = properties(t, id as string).Targets as Array<Record<string, unknown>>;
      (targets[0] as Record<string, unknown>).DeadLetterConfg = targets[0]?.DeadLetterConfig;
    });
    expect(templateProblems(template)).toEqual([
      expect.stringMatching(/\.Targets\[0\]\.DeadLetterConfg is not a known/),
    ]);
  });

  it.each([
    {
      what: "a resource",
      change: (t: Template) => {
        (t.Resources.TagUserGrant as Resource).Condition = "TagUsers";
      },
      expected: "TagUserGrant names an undefined condition TagUsers",
    },
    {
      what: "an Fn::If",
      change: (t: Template) => {
        delete t.Conditions?.HasOrganizationId;
      },
      expected: "MemberAccountsGrant.PolicyDocument.Statement[0].Condition names an undefined condition",
    },
  ])("reports $what that names an undefined condition", ({ change, expected }) => {
    expect(conditionReferenceProblems(loadTemplate())).toEqual([]);
    expect(conditionReferenceProblems(mutated(change))).toEqual(
      expect.arrayContaining([expect.stringContaining(expected)]),
    );
  });

  it("reports a missing required property inside a structure", () => {
    const template = mutated((t) => {
      const config = properties(t, "GuarddutyLambdaEvConf").DestinationConfig as {
        OnFailure: Record<string, unknown>;
      };
      delete config.OnFailure.Destination;
    });
    expect(templateProblems(template)).toEqual([
      "GuarddutyLambdaEvConf.DestinationConfig.OnFailure lacks the required property Destination",
    ]);
  });
});
