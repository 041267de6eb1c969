// The chat buttons (`chatActions`): AWS::Chatbot::CustomAction resources checked against the CloudFormation
// specification in @aws-cdk/aws-service-spec (property names, required properties, the Operator's allowed values)
// and, by hand, against the documented constraints the specification does not carry (CreateCustomAction and
// CustomActionAttachment in the Amazon Q Developer in chat applications API reference), among them the API's
// 100 characters of CommandText, which the CloudFormation schema (5000) does not enforce.
import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import { describe, expect, it } from "vitest";
import { CHAT_CONTEXT } from "../../src/alert/render";
import type { Finding } from "../../src/findings/finding";
import { CHAT_BUTTON_REQUESTED_BY, parseManualRequest } from "../../src/findings/manual";
import {
  loadPackaged,
  PACKAGE_STAGE,
  type Resource,
  resourcesOfType,
  type Template,
} from "../support/template";

const TYPE = "AWS::Chatbot::CustomAction";
const BUTTONS = {
  DisableKeyChatAction: {
    text: "Disable key",
    outcomes: ["dry-run", "approval-needed"],
    request: "disable",
    status: "Inactive",
  },
  ReactivateKeyChatAction: {
    text: "Reactivate key",
    outcomes: ["contained"],
    request: "reactivate",
    status: "Active",
  },
} as const;

/** CustomActionDefinition.CommandText in the service model (chatbot 2017-10-11) and CreateCustomAction. */
const COMMAND_TEXT_MAX = 100;
/** The longest stage name the README's deployments use: the manual function is then named after it. */
const LONGEST_STAGE = "production";
/** The button's variables: the key under a one-letter name (it is written into the command), the rest as named. */
const CHAT_VARIABLES = {
  outcome: CHAT_CONTEXT.outcome,
  k: CHAT_CONTEXT.accessKeyId,
  userName: CHAT_CONTEXT.userName,
  account: CHAT_CONTEXT.account,
} as const;

/** Each function's name as deployed for stage `stage` (the packaged name carries the packaging stage). */
const functionNames = (template: Template, stage: string): Record<string, string> =>
  Object.fromEntries(
    resourcesOfType(template, "AWS::Lambda::Function").map(([id, fn]) => [
      id,
      String(fn.Properties?.FunctionName).replace(`-${PACKAGE_STAGE}-`, `-${stage}-`),
    ]),
  );

/**
 * A CommandText as CloudFormation hands it to the API: `Fn::Sub` evaluated, a function's logical id replaced by its
 * name. The chat variables (`$k`) stay as written; the API counts them so.
 */
const commandTextOf = (definition: Record<string, unknown>, names: Record<string, string>): string => {
  const text = definition.CommandText;
  const sub = (text as { "Fn::Sub"?: unknown } | undefined)?.["Fn::Sub"];
  if (typeof text === "string") return text;
  if (typeof sub !== "string") throw new Error(`cannot evaluate CommandText ${JSON.stringify(text)}`);
  return sub.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    const value = names[name];
    if (value === undefined)
      throw new Error(`CommandText names \${${name}}, which this test cannot evaluate`);
    return value;
  });
};

interface SpecProperty {
  required?: boolean;
  type: {
    type: string;
    allowedValues?: string[];
    reference?: { $ref: string };
    element?: SpecProperty["type"];
  };
}
type SpecProperties = Record<string, SpecProperty>;

const spec = loadAwsServiceSpecSync();
const specResource = spec.lookup("resource", "cloudFormationType", "equals", TYPE)[0] as
  | { properties: SpecProperties }
  | undefined;
const definition = (type: SpecProperty["type"] | undefined): SpecProperties => {
  const reference = type?.reference ?? type?.element?.reference;
  return reference
    ? (spec.get("typeDefinition", reference.$ref) as { properties: SpecProperties }).properties
    : {};
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const namesProblems = (path: string, value: Record<string, unknown>, known: SpecProperties): string[] => [
  ...Object.keys(value)
    .filter((name) => !(name in known))
    .map((name) => `${path}.${name} is not a known property`),
  ...Object.entries(known)
    .filter(([name, property]) => property.required && !(name in value))
    .map(([name]) => `${path} lacks the required property ${name}`),
];

const VARIABLE_NAME = /^[A-Za-z0-9_-]{1,100}$/;
const VARIABLE_PATH = /^[\x21-\x7f]{1,1024}$/;

/** Everything the specification and the documented constraints say about one custom action. */
const customActionProblems = (
  id: string,
  resource: Resource,
  names: Record<string, string> = functionNames(loadPackaged("allOptIns"), LONGEST_STAGE),
): string[] => {
  if (!specResource) return [`${TYPE} is not in @aws-cdk/aws-service-spec`];
  const properties = resource.Properties ?? {};
  const problems = namesProblems(id, properties, specResource.properties);
  const { ActionName, Definition, Attachments } = properties as {
    ActionName?: unknown;
    Definition?: Record<string, unknown>;
    Attachments?: unknown;
  };
  if (typeof ActionName !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(ActionName))
    problems.push(`${id}.ActionName must be 1-64 of [a-zA-Z0-9_-]`);
  if (isObject(Definition)) {
    problems.push(
      ...namesProblems(`${id}.Definition`, Definition, definition(specResource.properties.Definition?.type)),
    );
    const text = commandTextOf(Definition, names);
    if (text.length < 1 || text.length > COMMAND_TEXT_MAX)
      problems.push(
        `${id}.Definition.CommandText is ${text.length} characters with the function names of stage ${LONGEST_STAGE}, not 1-${COMMAND_TEXT_MAX}`,
      );
  }
  const attachmentSpec = definition(specResource.properties.Attachments?.type);
  const criteriaSpec = definition(attachmentSpec.Criteria?.type);
  const operators = criteriaSpec.Operator?.type.allowedValues ?? [];
  if (!Array.isArray(Attachments) || Attachments.length === 0) problems.push(`${id}.Attachments: none`);
  (Array.isArray(Attachments) ? Attachments : []).forEach((attachment: Record<string, unknown>, i) => {
    const at = `${id}.Attachments[${i}]`;
    problems.push(...namesProblems(at, attachment, attachmentSpec));
    const { ButtonText, NotificationType, Variables, Criteria } = attachment;
    if (typeof ButtonText !== "string" || ButtonText.length < 1 || ButtonText.length > 50)
      problems.push(`${at}.ButtonText must be 1-50 characters`);
    if (typeof NotificationType !== "string" || !/^[a-zA-Z0-9-]{1,100}$/.test(NotificationType))
      problems.push(`${at}.NotificationType must be 1-100 of [a-zA-Z0-9-]`);
    const variables = isObject(Variables) ? Variables : {};
    if (Object.keys(variables).length > 5) problems.push(`${at}.Variables: more than 5`);
    for (const [name, path] of Object.entries(variables)) {
      if (!VARIABLE_NAME.test(name)) problems.push(`${at}.Variables.${name}: bad name`);
      if (typeof path !== "string" || !VARIABLE_PATH.test(path))
        problems.push(`${at}.Variables.${name}: bad path`);
    }
    const criteria = Array.isArray(Criteria) ? (Criteria as Array<Record<string, unknown>>) : [];
    if (criteria.length < 1 || criteria.length > 5) problems.push(`${at}.Criteria must have 1-5 entries`);
    criteria.forEach((criterion, j) => {
      const ct = `${at}.Criteria[${j}]`;
      problems.push(...namesProblems(ct, criterion, criteriaSpec));
      if (!operators.includes(String(criterion.Operator)))
        problems.push(`${ct}.Operator ${criterion.Operator}`);
      if (!(String(criterion.VariableName) in variables)) problems.push(`${ct} names an undefined variable`);
      if (criterion.Operator === "EQUALS" && typeof criterion.Value !== "string")
        problems.push(`${ct}: EQUALS needs a Value`);
    });
  });
  return problems;
};

interface Attachment {
  Criteria: Array<{ Operator: string; VariableName: string; Value?: string }>;
}

/** The outcomes each button is shown on must be exactly the intended ones. */
const outcomeProblems = (id: string, resource: Resource): string[] => {
  const expected: readonly string[] = BUTTONS[id as keyof typeof BUTTONS]?.outcomes ?? [];
  const shown = ((resource.Properties?.Attachments ?? []) as Attachment[]).flatMap((a) =>
    a.Criteria.filter((c) => c.Operator === "EQUALS" && c.VariableName === CHAT_CONTEXT.outcome).map(
      (c) => c.Value ?? "",
    ),
  );
  return [
    ...shown.filter((o) => !expected.includes(o)).map((o) => `${id} is shown on ${o}`),
    ...expected.filter((o) => !shown.includes(o)).map((o) => `${id} is not shown on ${o}`),
  ];
};

const chatActions = (name: "default" | "allOptIns") => resourcesOfType(loadPackaged(name), TYPE);

describe("chat buttons (chatActions)", () => {
  it("the CloudFormation specification knows AWS::Chatbot::CustomAction", () => {
    expect(specResource).toBeDefined();
    expect(Object.keys(specResource?.properties ?? {})).toEqual(
      expect.arrayContaining(["ActionName", "Definition", "Attachments"]),
    );
  });

  it("are not created by default: the resources exist only under the ChatActions condition, which is false", () => {
    const template = loadPackaged("default");
    expect(template.Conditions?.ChatActions).toEqual({ "Fn::Equals": ["false", "true"] });
    for (const [, resource] of chatActions("default")) expect(resource.Condition).toBe("ChatActions");
  });

  it("are created with chatActions=true: a Disable and a Reactivate button", () => {
    const template = loadPackaged("allOptIns");
    expect(template.Conditions?.ChatActions).toEqual({ "Fn::Equals": ["true", "true"] });
    expect(
      chatActions("allOptIns")
        .map(([id]) => id)
        .sort(),
    ).toEqual(Object.keys(BUTTONS).sort());
  });

  it.each(Object.entries(BUTTONS))(
    "%s shows on the right outcomes and invokes the manual function",
    (id, button) => {
      const resource = chatActions("allOptIns").find(([logicalId]) => logicalId === id)?.[1] as Resource;
      const properties = resource.Properties as {
        ActionName: string;
        Definition: { CommandText: { "Fn::Sub": string } };
        Attachments: Array<{
          ButtonText: string;
          NotificationType: string;
          Variables: Record<string, string>;
          Criteria: Array<{ Operator: string; VariableName: string; Value?: string }>;
        }>;
      };
      expect(properties.ActionName).toMatch(/^access-key-responder-ci-us-east-1-/);
      // ${ManualLambdaFunction} in a Fn::Sub is the stack's manual function (a Ref: its name).
      const command = properties.Definition.CommandText["Fn::Sub"];
      expect(command).toMatch(/^lambda invoke --function-name \$\{ManualLambdaFunction\} --payload \{/);
      const payload = JSON.parse(command.slice(command.indexOf('{"')));
      expect(payload).toEqual({ [button.request]: "$k" });
      expect(properties.Attachments.map((a) => a.Criteria[0]?.Value)).toEqual(button.outcomes);
      for (const attachment of properties.Attachments) {
        expect(attachment.ButtonText).toBe(button.text);
        expect(attachment.NotificationType).toBe("Custom");
        expect(attachment.Variables).toEqual(
          Object.fromEntries(
            Object.entries(CHAT_VARIABLES).map(([name, field]) => [
              name,
              `event.metadata.additionalContext.${field}`,
            ]),
          ),
        );
        expect(attachment.Criteria).toEqual([
          { Operator: "EQUALS", VariableName: "outcome", Value: expect.any(String) },
          { Operator: "HAS_VALUE", VariableName: "k" },
          { Operator: "HAS_VALUE", VariableName: "userName" },
          { Operator: "HAS_VALUE", VariableName: "account" },
        ]);
      }
    },
  );

  it.each(Object.entries(BUTTONS))(
    "%s sends a payload the manual function accepts, asking for the button's status with a reason",
    (id, button) => {
      const resource = chatActions("allOptIns").find(([logicalId]) => logicalId === id)?.[1] as Resource;
      const command = commandTextOf(
        (resource.Properties as { Definition: Record<string, unknown> }).Definition,
        functionNames(loadPackaged("allOptIns"), LONGEST_STAGE),
      );
      const payload = JSON.parse(command.slice(command.indexOf("{")).replace("$k", "AKIAIVAN000000000001"));
      const parsed = parseManualRequest(payload, "request-1");
      expect(parsed.kind).toBe("findings");
      const [finding] = parsed.kind === "findings" ? parsed.findings : [];
      expect(finding).toMatchObject<Partial<Finding>>({
        accessKeyId: "AKIAIVAN000000000001",
        requestedStatus: button.status,
        requestedBy: CHAT_BUTTON_REQUESTED_BY,
        reason: expect.stringContaining(button.text),
      });
    },
  );

  it(`each CommandText is at most ${COMMAND_TEXT_MAX} characters with the manual function named for stage ${LONGEST_STAGE}`, () => {
    const names = functionNames(loadPackaged("allOptIns"), LONGEST_STAGE);
    expect(names.ManualLambdaFunction).toBe("access-key-responder-production-manual");
    const lengths = chatActions("allOptIns").map(([id, resource]) => [
      id,
      commandTextOf((resource.Properties as { Definition: Record<string, unknown> }).Definition, names)
        .length,
    ]);
    expect(lengths).toHaveLength(2);
    for (const [id, length] of lengths) expect(length, String(id)).toBeLessThanOrEqual(COMMAND_TEXT_MAX);
  });

  it("follow the specification and the documented constraints", () => {
    const found = chatActions("allOptIns");
    expect(found).toHaveLength(2);
    for (const [id, resource] of found) expect(customActionProblems(id, resource)).toEqual([]);
  });

  describe("the checks catch a broken copy", () => {
    const broken = (edit: (attachment: Record<string, unknown>) => void): string[] => {
      const [id, resource] = chatActions("allOptIns")[0] as [string, Resource];
      const copy = JSON.parse(JSON.stringify(resource)) as Resource;
      const attachments = (copy.Properties?.Attachments ?? []) as Array<Record<string, unknown>>;
      edit(attachments[0] as Record<string, unknown>);
      return customActionProblems(id, copy);
    };

    it("a wrong criteria operator", () => {
      expect(
        broken((a) => {
          (a.Criteria as Array<Record<string, unknown>>)[0] = {
            Operator: "EQUAL",
            VariableName: "outcome",
            Value: "x",
          };
        }),
      ).toEqual([expect.stringContaining("Operator EQUAL")]);
    });

    it("a criterion on a variable the attachment does not define", () => {
      expect(
        broken((a) => {
          (a.Criteria as Array<Record<string, unknown>>)[1] = {
            Operator: "HAS_VALUE",
            VariableName: "keyId",
          };
        }),
      ).toEqual([expect.stringContaining("undefined variable")]);
    });

    const withCommand = (command: string, names?: Record<string, string>): string[] => {
      const [id, resource] = chatActions("allOptIns")[0] as [string, Resource];
      const copy = JSON.parse(JSON.stringify(resource)) as Resource & {
        Properties: { Definition: { CommandText: unknown } };
      };
      copy.Properties.Definition.CommandText = { "Fn::Sub": command };
      return customActionProblems(id, copy, names);
    };

    it("a CommandText over 100 characters: the former full payload", () => {
      const former =
        'lambda invoke --function-name ${ManualLambdaFunction} --payload {"accessKeyId": "$k", "userName": "$userName", "account": "$account", "status": "Inactive", "reason": "Disabled with the Disable key button of the chat alert", "requestedBy": "chat button (Amazon Q Developer)"}';
      expect(withCommand(former)).toEqual([
        expect.stringMatching(
          /CommandText is 2\d\d characters with the function names of stage production, not 1-100$/,
        ),
      ]);
    });

    it("a CommandText within 100 characters for stage ci but not for stage production", () => {
      const command =
        'lambda invoke --function-name ${ManualLambdaFunction} --payload {"disable":"$k","x":"yyy"}';
      const ci = functionNames(loadPackaged("allOptIns"), PACKAGE_STAGE);
      expect(withCommand(command, ci)).toEqual([]);
      expect(withCommand(command)).toEqual([expect.stringContaining("CommandText is 105 characters")]);
    });

    it("a missing button text, a misspelt property", () => {
      expect(
        broken((a) => {
          delete a.ButtonText;
          a.Buttontext = "Disable key";
        }),
      ).toEqual(
        expect.arrayContaining([
          expect.stringContaining("Buttontext is not a known property"),
          expect.stringContaining("ButtonText must be 1-50"),
        ]),
      );
    });
  });

  it("a wrong criteria value (Reactivate on a dry run) is caught", () => {
    const [id, resource] = chatActions("allOptIns").find(
      ([logicalId]) => logicalId === "ReactivateKeyChatAction",
    ) as [string, Resource];
    expect(outcomeProblems(id, resource)).toEqual([]);
    const copy = JSON.parse(JSON.stringify(resource)) as Resource & {
      Properties: { Attachments: Attachment[] };
    };
    (copy.Properties.Attachments[0] as Attachment).Criteria[0] = {
      Operator: "EQUALS",
      VariableName: "outcome",
      Value: "dry-run",
    };
    expect(outcomeProblems(id, copy)).toEqual([
      "ReactivateKeyChatAction is shown on dry-run",
      "ReactivateKeyChatAction is not shown on contained",
    ]);
  });
});
