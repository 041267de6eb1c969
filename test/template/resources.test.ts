// Failure handling and wiring in the packaged template: nothing is lost silently, everything that fails alerts.
import { describe, expect, it } from "vitest";
import { clientConfig } from "../../src/entry/runtime";
import {
  arnOf,
  DRILL_FUNCTION,
  eventRules,
  loadPackaged,
  loadTemplate,
  PACKAGED_CONFIGS,
  type PackagedConfigName,
  RESPONDER_FUNCTIONS,
  ref,
  resource,
  resourcesOfType,
  type Template,
} from "../support/template";

/** Every function: the responders and the drill (deployed always, scheduled only with param drill). */
const FUNCTIONS = [...RESPONDER_FUNCTIONS, DRILL_FUNCTION];

const propertiesOf = (logicalId: string): Record<string, unknown> =>
  resource(loadTemplate(), logicalId).Properties ?? {};

/** The EventInvokeConfig of a function (how the framework renders retries and destinations). */
const invokeConfigOf = (functionId: string): Record<string, unknown> | undefined =>
  resourcesOfType(loadTemplate(), "AWS::Lambda::EventInvokeConfig")
    .map(([, config]) => config.Properties ?? {})
    .find((properties) => JSON.stringify(properties.FunctionName) === JSON.stringify(ref(functionId)));

describe("encryption", () => {
  it.each(["AlertTopic", "FailureQueue"])("%s is encrypted with the alert key", (id) => {
    expect(propertiesOf(id).KmsMasterKeyId).toEqual(ref("AlertKey"));
  });

  it("AlarmTopic is not encrypted: not with the alert key, which may be what broke, nor with aws/sns", () => {
    expect(resource(loadTemplate(), "AlarmTopic").Type).toBe("AWS::SNS::Topic");
    expect(propertiesOf("AlarmTopic").KmsMasterKeyId).toBeUndefined();
  });
});

const ALARM_TOPIC = ref("AlarmTopic");

/**
 * Every alarm of the stack notifies the alarm topic when it fires (and when it clears, if it says so at all), and
 * the alarm topic reaches the same people as the alert topic: the alertEmail address, under the same Condition.
 */
const alarmTopicProblems = (template: Template): string[] => {
  const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm");
  const actions = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const has = (list: unknown[]) => list.some((a) => JSON.stringify(a) === JSON.stringify(ALARM_TOPIC));
  const subscription = (topic: string) =>
    resourcesOfType(template, "AWS::SNS::Subscription").find(
      ([, s]) => JSON.stringify(s.Properties?.TopicArn) === JSON.stringify(ref(topic)),
    )?.[1];
  const alert = subscription("AlertTopic");
  const alarm = subscription("AlarmTopic");
  return [
    ...(alarms.length === 0 ? ["no alarms"] : []),
    ...alarms
      .filter(([, a]) => !has(actions(a.Properties?.AlarmActions)))
      .map(([id]) => `${id} does not notify AlarmTopic when it fires`),
    ...alarms
      .filter(([, a]) => a.Properties?.OKActions !== undefined && !has(actions(a.Properties.OKActions)))
      .map(([id]) => `${id} does not notify AlarmTopic when it clears`),
    ...(alarm &&
    alert &&
    alarm.Condition === alert.Condition &&
    alarm.Properties?.Protocol === "email" &&
    JSON.stringify(alarm.Properties?.Endpoint) === JSON.stringify(alert.Properties?.Endpoint)
      ? []
      : ["AlarmTopic has no e-mail subscription like AlertTopic's"]),
    ...(JSON.stringify((template.Outputs?.AlarmTopicArn as { Value?: unknown } | undefined)?.Value) ===
    JSON.stringify(ALARM_TOPIC)
      ? []
      : ["no output AlarmTopicArn"]),
  ];
};

describe.each(Object.keys(PACKAGED_CONFIGS) as PackagedConfigName[])(
  "the alarm topic, %s package",
  (name) => {
    it("every alarm notifies it; it has the alert e-mail subscription and an output", () => {
      expect(alarmTopicProblems(loadPackaged(name))).toEqual([]);
    });
  },
);

describe("the alarm topic check catches a broken copy", () => {
  const alarmProperties = (t: Template, id: string) => t.Resources[id]?.Properties as Record<string, unknown>;
  it.each([
    {
      what: "an alarm that notifies only the alert topic",
      change: (t: Template) => {
        alarmProperties(t, "DrillMissingAlarm").AlarmActions = [ref("AlertTopic")];
      },
      expected: "DrillMissingAlarm does not notify AlarmTopic when it fires",
    },
    {
      what: "an alarm that says nothing when it clears",
      change: (t: Template) => {
        alarmProperties(t, "FailureQueueAlarm").OKActions = [ref("AlertTopic")];
      },
      expected: "FailureQueueAlarm does not notify AlarmTopic when it clears",
    },
    {
      what: "no e-mail subscription",
      change: (t: Template) => {
        delete t.Resources.AlarmEmailSubscription;
      },
      expected: "AlarmTopic has no e-mail subscription",
    },
    {
      what: "a subscription to another address",
      change: (t: Template) => {
        alarmProperties(t, "AlarmEmailSubscription").Endpoint = "someone@example.com";
      },
      expected: "AlarmTopic has no e-mail subscription",
    },
    {
      what: "no output",
      change: (t: Template) => {
        delete t.Outputs?.AlarmTopicArn;
      },
      expected: "no output AlarmTopicArn",
    },
  ])("reports $what", ({ change, expected }) => {
    const template = loadPackaged("allOptIns");
    expect(alarmTopicProblems(template)).toEqual([]);
    change(template);
    expect(alarmTopicProblems(template)).toEqual([expect.stringContaining(expected)]);
  });
});

describe("asynchronous invocation", () => {
  it("the template lists exactly the five functions", () => {
    const functions = resourcesOfType(loadTemplate(), "AWS::Lambda::Function").map(([id]) => id);
    expect(functions.sort()).toEqual([...FUNCTIONS].sort());
  });

  it.each(FUNCTIONS)(
    "%s retries a bounded number of times, then sends the event to the failure queue",
    (id) => {
      const config = invokeConfigOf(id);
      expect(config, `${id} has no AWS::Lambda::EventInvokeConfig`).toBeDefined();
      expect(config?.MaximumRetryAttempts).toBeTypeOf("number");
      expect(config?.MaximumEventAgeInSeconds).toBeTypeOf("number");
      expect(config?.DestinationConfig).toEqual({ OnFailure: { Destination: arnOf("FailureQueue") } });
    },
  );
});

describe("alarms", () => {
  it.each(["FunctionErrorsAlarm", "FailureQueueAlarm"])(
    "%s alerts on the alert topic and the alarm topic",
    (id) => {
      expect(resource(loadTemplate(), id).Type).toBe("AWS::CloudWatch::Alarm");
      expect(propertiesOf(id).AlarmActions).toEqual([ref("AlertTopic"), ALARM_TOPIC]);
    },
  );

  it("FunctionErrorsAlarm counts the errors of every function", () => {
    const metrics = JSON.stringify(propertiesOf("FunctionErrorsAlarm").Metrics);
    for (const id of FUNCTIONS) expect(metrics, id).toContain(JSON.stringify(ref(id)));
  });

  it("FailureQueueAlarm watches the failure queue", () => {
    expect(propertiesOf("FailureQueueAlarm").Dimensions).toEqual([
      { Name: "QueueName", Value: { "Fn::GetAtt": ["FailureQueue", "QueueName"] } },
    ]);
  });
});

describe("functions", () => {
  const sdk = clientConfig({});
  // Worst case of one attempt: connecting, then waiting for the reply.
  const sdkWorstCaseMs =
    (sdk.requestHandler.connectionTimeout + sdk.requestHandler.requestTimeout) * sdk.maxAttempts;

  it.each(FUNCTIONS)("%s runs on nodejs22.x", (id) => {
    expect(propertiesOf(id).Runtime).toBe("nodejs22.x");
  });

  it.each(FUNCTIONS)("%s has time for IAM throttling: at least 30 s, more than the SDK can spend", (id) => {
    const timeout = propertiesOf(id).Timeout as number;
    expect(timeout).toBeGreaterThanOrEqual(30);
    expect(sdk.requestHandler.requestTimeout * sdk.maxAttempts).toBeLessThan(timeout * 1000);
    expect(sdkWorstCaseMs).toBeLessThan(timeout * 1000);
  });

  it.each(RESPONDER_FUNCTIONS)("%s is told the alert topic and whether this is a dry run", (id) => {
    const variables = (propertiesOf(id).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.ALERT_TOPIC_ARN).toEqual(ref("AlertTopic"));
    expect(["true", "false"]).toContain(variables.DRY_RUN);
  });
});

describe("EventBridge targets", () => {
  it("every rule has a target", () => {
    for (const rule of eventRules(loadTemplate()))
      expect(rule.targets.length, rule.logicalId).toBeGreaterThan(0);
  });

  it("every target retries and dead-letters to the failure queue", () => {
    for (const rule of eventRules(loadTemplate())) {
      for (const target of rule.targets) {
        expect(target.DeadLetterConfig, rule.logicalId).toEqual({ Arn: arnOf("FailureQueue") });
        expect(target.RetryPolicy, rule.logicalId).toEqual({
          MaximumEventAgeInSeconds: expect.any(Number),
          MaximumRetryAttempts: expect.any(Number),
        });
      }
    }
  });
});
