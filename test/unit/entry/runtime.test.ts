import { IAMClient } from "@aws-sdk/client-iam";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { renderProblemAlert } from "../../../src/alert/render";
import { observabilityFor } from "../../../src/entry/handler";
import {
  clientConfig,
  createRuntime,
  identityFromArn,
  partitionOf,
  principalOf,
} from "../../../src/entry/runtime";
import type { Plan } from "../../../src/plan/plan";
import { ConfigError } from "../../../src/shared/config";
import { silentLog } from "../../../src/shared/log";

const stsMock = mockClient(STSClient);
const snsMock = mockClient(SNSClient);

const FUNCTION_ARN = "arn:aws:lambda:us-east-1:111111111111:function:access-key-responder-guardduty";
const ROLE_ARN = "arn:aws:iam::222222222222:role/ResponderMember";
const TOPIC = "arn:aws:sns:us-east-1:111111111111:access-key-responder-alerts";

const lambdaContext = (invokedFunctionArn = FUNCTION_ARN) => ({
  invokedFunctionArn,
  awsRequestId: "request-1",
  functionName: "access-key-responder-guardduty",
});

const memberPlan = { roleArn: ROLE_ARN } as Plan;
const ownPlan = { roleArn: undefined } as Plan;

beforeEach(() => {
  stsMock.reset();
  snsMock.reset();
  stsMock.on(GetCallerIdentityCommand).resolves({
    Account: "111111111111",
    Arn: "arn:aws-us-gov:sts::111111111111:assumed-role/responder/fn",
  });
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "ASIAMEMBER0000000001",
      SecretAccessKey: "secret",
      SessionToken: "token",
      Expiration: new Date("2026-11-20T15:00:00Z"),
    },
  });
  snsMock.on(PublishCommand).resolves({ MessageId: "message-1" });
});

describe("identityFromArn", () => {
  it("reads our account and partition from the function ARN", () => {
    expect(identityFromArn(FUNCTION_ARN)).toEqual({ account: "111111111111", partition: "aws" });
  });

  it.each([
    ["arn:aws-cn:lambda:cn-north-1:111111111111:function:f", "aws-cn"],
    ["arn:aws-us-gov:lambda:us-gov-west-1:111111111111:function:f", "aws-us-gov"],
    ["arn:aws:lambda:us-east-1:111111111111:function:f:live", "aws"],
  ])("reads %s as partition %s", (arn, partition) => {
    expect(identityFromArn(arn)).toEqual({ account: "111111111111", partition });
  });

  it.each([
    undefined,
    "",
    "not-an-arn",
    "arn:aws:lambda:us-east-1:1111:function:f",
    "arn::lambda:us-east-1:111111111111:function:f",
  ])("gives no identity for %j", (arn) => {
    expect(identityFromArn(arn)).toBeUndefined();
  });
});

describe("partitionOf", () => {
  it.each([
    ["us-east-1", "aws"],
    ["eu-west-1", "aws"],
    ["cn-north-1", "aws-cn"],
    ["cn-northwest-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
    ["us-gov-east-1", "aws-us-gov"],
  ])("maps %s to %s", (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });

  it.each([
    ["us-iso-east-1", "aws-iso"],
    ["us-isob-east-1", "aws-iso-b"],
  ])("maps the isolated Region %s to %s", (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe("clientConfig", () => {
  it("uses standard retries, six attempts and request timeouts that throw", () => {
    expect(clientConfig({ AWS_REGION: "eu-west-1" })).toEqual({
      region: "eu-west-1",
      maxAttempts: 6,
      retryMode: "standard",
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
    });
  });

  it("falls back to AWS_DEFAULT_REGION, then us-east-1", () => {
    expect(clientConfig({ AWS_DEFAULT_REGION: "eu-central-1" }).region).toBe("eu-central-1");
    expect(clientConfig({}).region).toBe("us-east-1");
    expect(clientConfig({ AWS_REGION: "ap-south-1", AWS_DEFAULT_REGION: "eu-central-1" }).region).toBe(
      "ap-south-1",
    );
  });
});

describe("createRuntime", () => {
  it("takes the identity from the function ARN without calling STS", async () => {
    const responder = createRuntime({}, silentLog)(lambdaContext());

    await expect(responder.identity()).resolves.toEqual({ account: "111111111111", partition: "aws" });
    expect(stsMock).not.toHaveReceivedAnyCommand();
  });

  it("asks STS once per container when the context has no usable ARN", async () => {
    const runtime = createRuntime({}, silentLog);

    const first = await runtime(lambdaContext("")).identity();
    const second = await runtime(lambdaContext("")).identity();

    expect(first).toEqual({ account: "111111111111", partition: "aws-us-gov", roleName: "responder" });
    expect(second).toEqual(first);
    expect(stsMock).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
  });

  it("names the function and the stack's role in the identity, so that the plan can refuse itself", async () => {
    const runtime = createRuntime(
      { RESPONDER_ROLE_NAME: "akr-prod-us-east-1-lambdaRole" },
      silentLog,
      () => {},
      () => {},
      "manual",
    );

    await expect(runtime(lambdaContext()).identity()).resolves.toEqual({
      account: "111111111111",
      partition: "aws",
      roleName: "akr-prod-us-east-1-lambdaRole",
      handler: "manual",
    });
  });

  it.each([
    ["arn:aws:sts::111111111111:assumed-role/responder/fn", { roleName: "responder" }],
    ["arn:aws:iam::111111111111:user/ops/alice", { userName: "alice" }],
    ["arn:aws:iam::111111111111:root", {}],
    [undefined, {}],
  ])("reads who the responder runs as from the STS ARN %s", (arn, expected) => {
    expect(principalOf(arn)).toEqual(expected);
  });

  it("asks STS again after a failed identity look-up", async () => {
    stsMock
      .on(GetCallerIdentityCommand)
      .rejectsOnce(new Error("timeout"))
      .resolves({ Account: "111111111111" });
    const runtime = createRuntime({}, silentLog);

    await expect(runtime(lambdaContext("")).identity()).rejects.toThrow("timeout");
    await expect(runtime(lambdaContext("")).identity()).resolves.toEqual({
      account: "111111111111",
      partition: "aws",
    });
    expect(stsMock).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 2);
  });

  it("makes no AWS call for the identity in a dry run without an ARN", async () => {
    const responder = createRuntime(
      { DRY_RUN: "true", AWS_REGION: "cn-north-1" },
      silentLog,
    )(lambdaContext(""));

    await expect(responder.identity()).resolves.toEqual({ account: undefined, partition: "aws-cn" });
    expect(stsMock).not.toHaveReceivedAnyCommand();
  });

  it("hands out our own IAM client for a plan in our account, the same one every time", async () => {
    const responder = createRuntime({}, silentLog)(lambdaContext());

    const first = await responder.iamFor(ownPlan);

    expect(first).toBeInstanceOf(IAMClient);
    expect(await responder.iamFor(ownPlan)).toBe(first);
    expect(stsMock).not.toHaveReceivedAnyCommand();
  });

  it("assumes the member role once per invocation, named after the request", async () => {
    const responder = createRuntime({}, silentLog)(lambdaContext());

    const [a, b] = await Promise.all([responder.iamFor(memberPlan), responder.iamFor(memberPlan)]);

    expect(a).toBe(b);
    expect(a).not.toBe(await responder.iamFor(ownPlan));
    expect(stsMock).toHaveReceivedCommandExactlyOnceWith(AssumeRoleCommand, {
      RoleArn: ROLE_ARN,
      RoleSessionName: "access-key-responder-request-1",
      DurationSeconds: 900,
    });
  });

  it("prints the alert when no topic is configured", async () => {
    const print = vi.fn();
    const responder = createRuntime({}, silentLog, () => {}, print)(lambdaContext());

    await expect(
      responder.publish(renderProblemAlert({ reason: "bad" }, { dryRun: false, now: new Date(0) })),
    ).resolves.toBe("printed");
    expect(print).toHaveBeenCalled();
    expect(snsMock).not.toHaveReceivedAnyCommand();
  });

  it("publishes to the configured topic", async () => {
    const print = vi.fn();
    const responder = createRuntime({ ALERT_TOPIC_ARN: TOPIC }, silentLog, () => {}, print)(lambdaContext());

    await expect(
      responder.publish(renderProblemAlert({ reason: "bad" }, { dryRun: false, now: new Date(0) })),
    ).resolves.toBe("published");
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC, MessageStructure: "json" });
    expect(print).not.toHaveBeenCalled();
  });

  it("fails the invocation with a ConfigError naming a bad variable", () => {
    const runtime = createRuntime({ DRY_RUN: "yes" }, silentLog);

    expect(() => runtime(lambdaContext())).toThrow(ConfigError);
    expect(() => runtime(lambdaContext())).toThrow(/^DRY_RUN /);
  });

  it("gives the wall clock as now", () => {
    const responder = createRuntime({}, silentLog)(lambdaContext());

    vi.useFakeTimers({ now: new Date("2026-11-20T09:05:03.000Z") });
    try {
      expect(responder.now().toISOString()).toBe("2026-11-20T09:05:03.000Z");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("observabilityFor (where log lines and metrics go)", () => {
  it("changes nothing in Lambda: Powertools' own level, metrics recorded", () => {
    expect(observabilityFor({})).toEqual({ logLevel: undefined, metrics: true });
    expect(observabilityFor({ POWERTOOLS_METRICS_DISABLED: "true" }).metrics).toBe(true);
  });

  it("under sls invoke local keeps stdout for the alert: warnings and errors only, no metrics", () => {
    expect(observabilityFor({ IS_LOCAL: "true" })).toEqual({ logLevel: "WARN", metrics: false });
  });

  it("prints every log line locally when a level is asked for, and metrics when asked for", () => {
    expect(observabilityFor({ IS_LOCAL: "true", LOG_LEVEL: "DEBUG" }).logLevel).toBeUndefined();
    expect(observabilityFor({ IS_LOCAL: "true", POWERTOOLS_LOG_LEVEL: "INFO" }).logLevel).toBeUndefined();
    expect(observabilityFor({ IS_LOCAL: "true", LOG_LEVEL: "" }).logLevel).toBe("WARN");
    expect(observabilityFor({ IS_LOCAL: "true", POWERTOOLS_METRICS_DISABLED: "false" }).metrics).toBe(true);
  });
});
