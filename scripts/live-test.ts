/**
 * Opt-in live test against a sandbox account: `npm run test:live` with credentials for that account
 * (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and AWS_REGION. Never part of `npm test`.
 *
 * It creates a throwaway IAM user and key, a temporary SNS topic and an SQS queue subscribed to it, runs the
 * real handlers in this process with those credentials (a manual request, then a GuardDuty-shaped finding),
 * checks that the key is Inactive and the alert arrived, then removes everything it created.
 */
import { IAMClient } from "@aws-sdk/client-iam";
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { Context } from "aws-lambda";
import { createHandler } from "../src/entry/handler";
import {
  createThrowawayKey,
  guardDutyFindingFor,
  keyStatus,
  manualRequestFor,
  removeThrowawayKey,
  type ThrowawayKey,
} from "../test/support/scenario";

const hasCredentials = (env: NodeJS.ProcessEnv): boolean =>
  Boolean(
    env.AWS_PROFILE ||
      (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE,
  );

const check = (condition: boolean, what: string): void => {
  if (!condition) throw new Error(`live test failed: ${what}`);
  console.log(`  ok  ${what}`);
};

const waitForAlert = async (sqs: SQSClient, queueUrl: string, accessKeyId: string): Promise<boolean> => {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 10, MaxNumberOfMessages: 10 }),
    );
    if (Messages.some((m) => m.Body?.includes(accessKeyId))) return true;
  }
  return false;
};

const context = (account: string, partition: string, region: string): Context =>
  ({
    awsRequestId: `live-${Date.now()}`,
    functionName: "live-test",
    invokedFunctionArn: `arn:${partition}:lambda:${region}:${account}:function:live-test`,
  }) as Context;

const main = async (): Promise<number> => {
  if (!hasCredentials(process.env)) {
    console.log(
      "test:live skipped: no AWS credentials in the environment. Set AWS_PROFILE (or AWS_ACCESS_KEY_ID and " +
        "AWS_SECRET_ACCESS_KEY) for a SANDBOX account and AWS_REGION to run it. It creates and deletes a " +
        "throwaway IAM user, key, SNS topic and SQS queue.",
    );
    return 0;
  }
  const region = process.env.AWS_REGION ?? "us-east-1";
  process.env.AWS_REGION = region;
  const identity = await new STSClient({ region }).send(new GetCallerIdentityCommand({}));
  const account = identity.Account ?? "";
  const partition = identity.Arn?.split(":")[1] ?? "aws";
  console.log(`test:live in account ${account}, region ${region}`);

  const iam = new IAMClient({ region });
  const sns = new SNSClient({ region });
  const sqs = new SQSClient({ region });
  const suffix = Date.now().toString(36);
  let key: ThrowawayKey | undefined;
  let topicArn: string | undefined;
  let queueUrl: string | undefined;
  try {
    key = await createThrowawayKey(iam);
    topicArn = (await sns.send(new CreateTopicCommand({ Name: `akr-live-${suffix}` }))).TopicArn;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `akr-live-${suffix}` }))).QueueUrl;
    if (!topicArn || !queueUrl) throw new Error("could not create the temporary topic and queue");
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    const queueArn = Attributes?.QueueArn ?? "";
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "sns.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
              },
            ],
          }),
        },
      }),
    );
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn }));
    process.env.ALERT_TOPIC_ARN = topicArn;

    const ctx = context(account, partition, region);
    const manual = await createHandler("manual")(manualRequestFor(key), ctx);
    check(manual.outcomes[0]?.status === "disabled", "a manual request disables the key");
    check((await keyStatus(iam, key)) === "Inactive", "IAM shows the key Inactive");
    check(
      await waitForAlert(sqs, queueUrl, key.accessKeyId),
      "the alert arrived through the SQS subscription",
    );

    await createHandler("manual")(manualRequestFor(key, "Active"), ctx);
    check((await keyStatus(iam, key)) === "Active", "a manual request with a reason reactivates the key");

    const finding = await createHandler("guardduty")(guardDutyFindingFor(key, account), ctx);
    check(finding.outcomes[0]?.status === "disabled", "a GuardDuty-shaped finding disables the key");
    check((await keyStatus(iam, key)) === "Inactive", "IAM shows the key Inactive again");
    console.log("test:live passed");
    return 0;
  } finally {
    // Clean up whatever was created, even after a failure.
    if (key)
      await removeThrowawayKey(iam, key).catch((e) => console.error(`cleanup: user ${key?.userName}: ${e}`));
    if (topicArn) await sns.send(new DeleteTopicCommand({ TopicArn: topicArn })).catch(() => undefined);
    if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
