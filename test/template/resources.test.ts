// Failure handling and wiring in the packaged template: nothing is lost silently, everything that fails alerts.
import { describe, expect, it } from "vitest";
import { clientConfig } from "../../src/runtime";
import { arnOf, eventRules, loadTemplate, ref, resource, resourcesOfType } from "../support/template";

/** The functions that handle findings and requests, and alert. */
const RESPONDERS = [
  "GuarddutyLambdaFunction",
  "LeakedCredentialsLambdaFunction",
  "SecurityHubLambdaFunction",
  "ManualLambdaFunction",
];
/** Every function: the responders and the drill (deployed always, scheduled only with param drill). */
const FUNCTIONS = [...RESPONDERS, "DrillLambdaFunction"];

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
  it.each(["FunctionErrorsAlarm", "FailureQueueAlarm"])("%s alerts on the alert topic", (id) => {
    expect(resource(loadTemplate(), id).Type).toBe("AWS::CloudWatch::Alarm");
    expect(propertiesOf(id).AlarmActions).toEqual([ref("AlertTopic")]);
  });

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

  it.each(RESPONDERS)("%s is told the alert topic and whether this is a dry run", (id) => {
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
