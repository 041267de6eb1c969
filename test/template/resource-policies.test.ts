// The resource policies of the packaged stack (KMS key, topic, queue): every AWS service they let in acts only for
// this account (a source condition against the confused deputy), and only the publishers the stack creates may
// write. Each check returns problems; the last block runs them on broken copies to show they bite.
import { describe, expect, it } from "vitest";
import {
  arnOf,
  evaluateConditions,
  eventRules,
  loadPackaged,
  PACKAGED_CONFIGS,
  type PackagedConfigName,
  ref,
  resolveConditionals,
  resource,
  resourcesOfType,
  roleStatements,
  type Template,
} from "../support/template";
import { allows, same } from "./policy-checks";

interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Located {
  where: string;
  statement: PolicyStatement;
}

/** Resource types whose policy lets principals in, and the property holding the policy. */
const RESOURCE_POLICIES = [
  ["AWS::KMS::Key", "KeyPolicy"],
  ["AWS::SNS::TopicPolicy", "PolicyDocument"],
  ["AWS::SQS::QueuePolicy", "PolicyDocument"],
] as const;

/** Why each service may use the key: everything the stack has write to the encrypted topic or queue. */
const KEY_USERS = {
  "cloudwatch.amazonaws.com": "the alarms publish to the topic",
  "events.amazonaws.com": "the rules dead-letter to the queue",
  "sns.amazonaws.com": "SNS itself, for the encrypted topic's deliveries",
};

const asArray = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const statementsIn = (template: Template, type: string): Located[] =>
  RESOURCE_POLICIES.filter(([policyType]) => policyType === type).flatMap(([, property]) =>
    resourcesOfType(template, type).flatMap(([id, policy]) =>
      asArray((policy.Properties?.[property] as { Statement?: unknown } | undefined)?.Statement).map(
        (statement, i) => ({
          where: `${id} ${(statement as PolicyStatement).Sid ?? `statement ${i}`}`,
          statement: statement as PolicyStatement,
        }),
      ),
    ),
  );

const servicesOf = (statement: PolicyStatement): string[] =>
  asArray((statement.Principal as { Service?: unknown } | undefined)?.Service).map(String);

const allowsAnyone = (statement: PolicyStatement): boolean =>
  statement.Principal === "*" || asArray((statement.Principal as { AWS?: unknown })?.AWS).includes("*");

const conditionValue = (statement: PolicyStatement, key: string): unknown =>
  Object.values(statement.Condition ?? {}).find((operands) => key in operands)?.[key];

/** Every Allow to an AWS service carries aws:SourceAccount (this account) or aws:SourceArn; none lets anyone in. */
const sourceConditionProblems = (template: Template): string[] =>
  RESOURCE_POLICIES.flatMap(([type]) => statementsIn(template, type))
    .filter(({ statement }) => statement.Effect === "Allow")
    .flatMap(({ where, statement }) => {
      if (allowsAnyone(statement)) return [`${where} allows any principal`];
      const services = servicesOf(statement);
      if (services.length === 0) return [];
      const account = statement.Condition?.StringEquals?.["aws:SourceAccount"];
      const ownAccount = same(account, { Ref: "AWS::AccountId" });
      const sourceArn = conditionValue(statement, "aws:SourceArn") !== undefined;
      return ownAccount || sourceArn
        ? []
        : [
            `${where} lets ${services.join(", ")} in without aws:SourceAccount (this account) or aws:SourceArn`,
          ];
    });

/** The key serves exactly the services that write to the topic or queue for this stack. */
const keyUserProblems = (template: Template): string[] => {
  const services = statementsIn(template, "AWS::KMS::Key")
    .filter(({ statement }) => statement.Effect === "Allow")
    .flatMap(({ statement }) => servicesOf(statement));
  const expected = Object.keys(KEY_USERS);
  return [
    ...services
      .filter((s) => !expected.includes(s))
      .map((s) => `the key lets ${s} in, which writes nothing here`),
    ...expected
      .filter((s) => !services.includes(s))
      .map((s) => `the key does not let ${s} in: ${KEY_USERS[s as keyof typeof KEY_USERS]}`),
  ];
};

/**
 * Each topic policy (the alert topic's, the alarm topic's) lets in CloudWatch for exactly the stack's alarms that
 * notify its topic, and nothing else. An alarm with a Condition (DrillMissingAlarm) counts where its Condition holds,
 * and the policy names it by Fn::If.
 */
const topicPublisherProblems = (template: Template): string[] => {
  const conditions = evaluateConditions(template);
  const alarmsOf = (topics: unknown[]) =>
    resourcesOfType(template, "AWS::CloudWatch::Alarm")
      .filter(([, alarm]) => alarm.Condition === undefined || conditions[alarm.Condition] === true)
      .filter(([, alarm]) =>
        [...asArray(alarm.Properties?.AlarmActions), ...asArray(alarm.Properties?.OKActions)].some((action) =>
          topics.some((topic) => same(action, topic)),
        ),
      )
      .map(([id]) => arnOf(id));
  return resourcesOfType(template, "AWS::SNS::TopicPolicy").flatMap(([id, policy]) => {
    const alarms = alarmsOf(asArray(policy.Properties?.Topics));
    return statementsIn(template, "AWS::SNS::TopicPolicy")
      .filter(({ where }) => where.startsWith(`${id} `))
      .filter(({ statement }) => statement.Effect === "Allow")
      .flatMap(({ where, statement }) => {
        const services = servicesOf(statement);
        if (!same(services, ["cloudwatch.amazonaws.com"])) {
          return [`${where} lets in ${JSON.stringify(statement.Principal)}, not only the stack's alarms`];
        }
        const arns = asArray(
          resolveConditionals(statement.Condition?.ArnEquals?.["aws:SourceArn"], conditions),
        );
        const sorted = (list: unknown[]) => list.map((item) => JSON.stringify(item)).sort();
        return same(sorted(arns), sorted(alarms))
          ? []
          : [
              `${where} lets alarms ${JSON.stringify(arns)} publish, the stack's are ${JSON.stringify(alarms)}`,
            ];
      });
  });
};

const globMatches = (glob: string, text: string): boolean =>
  new RegExp(
    `^${glob
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  ).test(text);

const RULE_ARN_PREFIX = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/";

/** The queue policy lets in EventBridge for the stack's rules only, in this account and region. */
const queuePublisherProblems = (template: Template): string[] => {
  const ruleNames = eventRules(template)
    .filter((rule) =>
      rule.targets.some((target) => same(target.DeadLetterConfig, { Arn: arnOf("FailureQueue") })),
    )
    .map((rule) => String(resource(template, rule.logicalId).Properties?.Name));
  return statementsIn(template, "AWS::SQS::QueuePolicy")
    .filter(({ statement }) => statement.Effect === "Allow")
    .flatMap(({ where, statement }) => {
      if (!same(servicesOf(statement), ["events.amazonaws.com"])) {
        return [`${where} lets in ${JSON.stringify(statement.Principal)}, not only the stack's rules`];
      }
      const pattern = (
        statement.Condition?.ArnLike?.["aws:SourceArn"] as { "Fn::Sub"?: unknown } | undefined
      )?.["Fn::Sub"];
      if (typeof pattern !== "string" || !pattern.startsWith(RULE_ARN_PREFIX)) {
        return [`${where} does not limit aws:SourceArn to rules of this account and region`];
      }
      const names = pattern.slice(RULE_ARN_PREFIX.length);
      return [
        ...ruleNames
          .filter((name) => !globMatches(names, name))
          .map((name) => `${where} does not let rule ${name} in`),
        ...(globMatches(names, "another-stack-prod-rule-1")
          ? [`${where} lets rules of other stacks in (${names})`]
          : []),
      ];
    });
};

describe.each(Object.keys(PACKAGED_CONFIGS) as PackagedConfigName[])(
  "resource policies, %s package",
  (name) => {
    it.each(RESOURCE_POLICIES.map(([type]) => type))(
      "%s lets at least one AWS service in (checked below)",
      (type) => {
        const services = statementsIn(loadPackaged(name), type).flatMap(({ statement }) =>
          servicesOf(statement),
        );
        expect(services.length).toBeGreaterThan(0);
      },
    );

    it("every statement that lets an AWS service in has aws:SourceAccount or aws:SourceArn", () => {
      expect(sourceConditionProblems(loadPackaged(name))).toEqual([]);
    });

    it("the key serves only what writes to the encrypted topic and queue (not Lambda: destinations use the role)", () => {
      expect(keyUserProblems(loadPackaged(name))).toEqual([]);
    });

    it("each topic policy covers one of the stack's two topics: the alert topic and the alarm topic", () => {
      const topics = resourcesOfType(loadPackaged(name), "AWS::SNS::TopicPolicy").flatMap(
        ([, policy]) => policy.Properties?.Topics as unknown[],
      );
      expect(topics).toEqual([ref("AlertTopic"), ref("AlarmTopic")]);
    });

    it("only the stack's alarms may publish to either topic", () => {
      expect(topicPublisherProblems(loadPackaged(name))).toEqual([]);
    });

    it("only the stack's rules may dead-letter to the queue", () => {
      expect(queuePublisherProblems(loadPackaged(name))).toEqual([]);
    });

    it("the functions' failure destination sends with the execution role, which may send to the queue only", () => {
      const sends = allows(roleStatements(loadPackaged(name))).filter((s) =>
        s.Action.includes("sqs:SendMessage"),
      );
      expect(sends.length).toBeGreaterThan(0);
      for (const s of sends) expect(s.Resource).toEqual([arnOf("FailureQueue")]);
    });
  },
);

describe("the resource-policy checks catch a widened policy", () => {
  const statementsOf = (template: Template, id: string): PolicyStatement[] => {
    const properties = resource(template, id).Properties as Record<string, { Statement: PolicyStatement[] }>;
    return (properties.KeyPolicy ?? properties.PolicyDocument)?.Statement as PolicyStatement[];
  };
  const allProblems = (template: Template) => [
    ...sourceConditionProblems(template),
    ...keyUserProblems(template),
    ...topicPublisherProblems(template),
    ...queuePublisherProblems(template),
  ];

  it.each([
    {
      what: "a key statement for services without a source condition",
      change: (t: Template) => {
        for (const s of statementsOf(t, "AlertKey")) if (servicesOf(s).length > 0) delete s.Condition;
      },
      expected: "AlertKey ServicesPublishEncrypted lets cloudwatch.amazonaws.com, events.amazonaws.com",
    },
    {
      what: "a source condition naming another account",
      change: (t: Template) => {
        const [, services] = statementsOf(t, "AlertKey");
        if (services) services.Condition = { StringEquals: { "aws:SourceAccount": "123456789012" } };
      },
      expected: "without aws:SourceAccount (this account)",
    },
    {
      what: "Lambda let into the key again",
      change: (t: Template) => {
        const [, services] = statementsOf(t, "AlertKey");
        if (services) services.Principal = { Service: [...servicesOf(services), "lambda.amazonaws.com"] };
      },
      expected: "the key lets lambda.amazonaws.com in",
    },
    {
      what: "a topic statement for anyone",
      change: (t: Template) => {
        statementsOf(t, "AlertTopicPolicy").push({
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "sns:Publish",
        });
      },
      expected: "AlertTopicPolicy statement 1 allows any principal",
    },
    {
      what: "EventBridge let into the topic",
      change: (t: Template) => {
        const [alarms] = statementsOf(t, "AlertTopicPolicy");
        if (alarms) alarms.Principal = { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] };
      },
      expected: "not only the stack's alarms",
    },
    {
      what: "any alarm of the account let into the topic",
      change: (t: Template) => {
        const [alarms] = statementsOf(t, "AlertTopicPolicy");
        if (alarms?.Condition) delete alarms.Condition.ArnEquals;
      },
      expected: "AlertTopicPolicy AlarmsPublish lets alarms [] publish",
    },
    {
      what: "an alarm topic policy that misses an alarm notifying it",
      change: (t: Template) => {
        const [alarms] = statementsOf(t, "AlarmTopicPolicy");
        const arns = alarms?.Condition?.ArnEquals?.["aws:SourceArn"] as unknown[];
        arns.splice(1, 1);
      },
      expected: "AlarmTopicPolicy AlarmsPublish lets alarms",
    },
    {
      what: "an alarm topic statement for anyone",
      change: (t: Template) => {
        statementsOf(t, "AlarmTopicPolicy").push({ Effect: "Allow", Principal: "*", Action: "sns:Publish" });
      },
      expected: "AlarmTopicPolicy statement 1 allows any principal",
    },
    {
      what: "the alarm topic let in for alarms of another account",
      change: (t: Template) => {
        const [alarms] = statementsOf(t, "AlarmTopicPolicy");
        if (alarms?.Condition) alarms.Condition = { StringEquals: { "aws:SourceAccount": "123456789012" } };
      },
      expected: "AlarmTopicPolicy AlarmsPublish lets cloudwatch.amazonaws.com in without aws:SourceAccount",
    },
    {
      what: "any rule let into the queue",
      change: (t: Template) => {
        const [rules] = statementsOf(t, "FailureQueuePolicy");
        if (rules?.Condition)
          rules.Condition.ArnLike = { "aws:SourceArn": { "Fn::Sub": `${RULE_ARN_PREFIX}*` } };
      },
      expected: "lets rules of other stacks in",
    },
    {
      what: "a queue policy that misses one of the stack's rules",
      change: (t: Template) => {
        const [rules] = statementsOf(t, "FailureQueuePolicy");
        if (rules?.Condition) {
          rules.Condition.ArnLike = {
            "aws:SourceArn": { "Fn::Sub": `${RULE_ARN_PREFIX}access-key-responder-ci-guardduty-*` },
          };
        }
      },
      expected: "does not let rule access-key-responder-ci-leakedCredentials-rule-1 in",
    },
    {
      what: "Lambda let into the queue",
      change: (t: Template) => {
        const [rules] = statementsOf(t, "FailureQueuePolicy");
        if (rules) rules.Principal = { Service: ["events.amazonaws.com", "lambda.amazonaws.com"] };
      },
      expected: "not only the stack's rules",
    },
  ])("reports $what", ({ change, expected }) => {
    const template = loadPackaged("default");
    expect(allProblems(template)).toEqual([]);
    change(template);
    expect(allProblems(template)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });
});
