import { PublishCommand, type PublishCommandInput, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  ALERT_PERMISSIONS,
  chatCard,
  messageBytes,
  publishAlert,
  snsMessage,
} from "../../../src/alert/publish";
import { type Alert, renderAlerts } from "../../../src/alert/render";
import { Status } from "../../../src/contain/outcome";
import { planContainment } from "../../../src/plan/plan";
import { findingOf, ourIdentity, testConfig } from "../../support/fixtures";

const snsMock = mockClient(SNSClient);
const sns = new SNSClient({ region: "us-east-1" });
const TOPIC = "arn:aws:sns:us-east-1:111111111111:access-key-responder-alerts";
const NOW = new Date("2026-11-20T09:05:04.000Z");

const aliceDisabled = (): Alert => {
  const plan = planContainment(findingOf("guardduty-iam-user"), testConfig(), ourIdentity());
  const [alert] = renderAlerts(
    [
      {
        plan,
        status: Status.Disabled,
        detail: "AKIAALICE00000000001 of alice is now Inactive",
        userName: "alice",
        account: "111111111111",
        siblings: [],
        notes: [],
        containedAt: "2026-11-20T09:05:03.000Z",
      },
    ],
    { dryRun: false, now: NOW },
  );
  if (!alert) throw new Error("nothing was rendered");
  return alert;
};

const sentInput = (): PublishCommandInput => {
  const calls = snsMock.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0]?.args[0].input;
  if (!input) throw new Error("nothing was published");
  return input;
};

beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: "message-1" });
});

describe("publishAlert", () => {
  it("publishes one message with a subject, a per-protocol JSON message and string attributes", async () => {
    const alert = aliceDisabled();
    const print = vi.fn();

    await expect(publishAlert(sns, TOPIC, alert, print)).resolves.toBe("published");

    expect(snsMock).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: alert.subject,
      MessageStructure: "json",
      MessageAttributes: {
        outcome: { DataType: "String", StringValue: "contained" },
        severity: { DataType: "String", StringValue: "5" },
        account: { DataType: "String", StringValue: "111111111111" },
        source: { DataType: "String", StringValue: "guardduty" },
        audience: { DataType: "String", StringValue: "all" },
      },
    });
    expect(print).not.toHaveBeenCalled();
  });

  it("gives every protocol a string: text for people, the versioned document for programs, a card for chat", async () => {
    const alert = aliceDisabled();

    await publishAlert(sns, TOPIC, alert, vi.fn());

    const message = JSON.parse(sentInput().Message ?? "{}") as Record<string, unknown>;
    // E-mail gets `default`: SNS sends it to every protocol without a message of its own.
    expect(Object.keys(message).sort()).toEqual(["default", "email-json", "https", "lambda", "sqs"]);
    for (const value of Object.values(message)) expect(typeof value).toBe("string");
    expect(message.default).toBe(alert.text);
    for (const protocol of ["sqs", "lambda", "email-json"]) {
      const document = JSON.parse(message[protocol] as string);
      expect(document).toEqual(JSON.parse(JSON.stringify(alert.document)));
      expect(document).toMatchObject({
        schema: "access-key-responder/alert",
        version: 1,
        verdict: "contained",
      });
    }
    expect(JSON.parse(message.https as string)).toEqual(JSON.parse(JSON.stringify(chatCard(alert))));
  });

  it("makes every attribute a String with a non-empty value", async () => {
    await publishAlert(sns, TOPIC, aliceDisabled(), vi.fn());

    for (const attribute of Object.values(sentInput().MessageAttributes ?? {})) {
      expect(attribute.DataType).toBe("String");
      expect(attribute.StringValue).toMatch(/.+/);
    }
  });

  it("passes a failed publish on so that the invocation fails", async () => {
    snsMock.on(PublishCommand).rejects(new Error("throttled"));

    await expect(publishAlert(sns, TOPIC, aliceDisabled(), vi.fn())).rejects.toThrow("throttled");
  });

  it("prints the text first, then the alert as JSON, when no topic is configured", async () => {
    const alert = aliceDisabled();
    const print = vi.fn();

    await expect(publishAlert(undefined, undefined, alert, print)).resolves.toBe("printed");

    expect(snsMock).not.toHaveReceivedAnyCommand();
    expect(print).toHaveBeenCalledTimes(2);
    expect(print).toHaveBeenNthCalledWith(1, alert.text);
    const printed = JSON.parse(print.mock.calls[1]?.[0] as string);
    expect(printed.alert).toMatchObject({
      subject: alert.subject,
      attributes: alert.attributes,
      schema: "access-key-responder/alert",
      verdict: "contained",
      keys: [expect.objectContaining({ accessKeyId: "AKIAALICE00000000001" })],
    });
  });

  it("prints rather than publishes when it has a client but no topic", async () => {
    await expect(publishAlert(sns, undefined, aliceDisabled(), vi.fn())).resolves.toBe("printed");

    expect(snsMock).not.toHaveReceivedAnyCommand();
  });
});

describe("snsMessage", () => {
  it("is valid JSON whose keys SNS knows", () => {
    expect(Object.keys(JSON.parse(snsMessage(aliceDisabled())))).toEqual([
      "default",
      "email-json",
      "sqs",
      "lambda",
      "https",
    ]);
  });
});

describe("messageBytes", () => {
  it("counts exactly what publishAlert sends: message, subject, and each attribute's name, type and value", async () => {
    const alert = aliceDisabled();

    await publishAlert(sns, TOPIC, alert, vi.fn());

    const input = sentInput();
    const attributes = Object.entries(input.MessageAttributes ?? {}).reduce(
      (sum, [name, value]) =>
        sum +
        Buffer.byteLength(name) +
        Buffer.byteLength(value.DataType ?? "") +
        Buffer.byteLength(value.StringValue ?? ""),
      0,
    );
    expect(messageBytes(alert)).toBe(
      Buffer.byteLength(input.Message ?? "") + Buffer.byteLength(input.Subject ?? "") + attributes,
    );
  });

  it("counts bytes, not characters", () => {
    const alert = aliceDisabled();
    const wide = { ...alert, text: `${alert.text}é` };

    // Once in the message (default, which e-mail gets too), two bytes.
    expect(messageBytes(wide) - messageBytes(alert)).toBe(2);
  });
});

describe("chatCard", () => {
  it("is an Amazon Q Developer (AWS Chatbot) custom notification naming the key, its status and the next steps", () => {
    const alert = aliceDisabled();

    expect(chatCard(alert)).toMatchObject({
      version: "1.0",
      source: "custom",
      content: {
        textType: "client-markdown",
        title: alert.subject,
        description:
          "*disabled* `AKIAALICE00000000001` (alice): AKIAALICE00000000001 of alice is now Inactive",
        keywords: ["contained", "guardduty"],
      },
      metadata: {
        threadId: "access-key-responder-key-AKIAALICE00000000001",
        relatedResources: ["AKIAALICE00000000001"],
        additionalContext: {
          outcome: "contained",
          source: "guardduty",
          accessKeyId: "AKIAALICE00000000001",
          userName: "alice",
          account: "111111111111",
        },
      },
    });
  });
});

describe("ALERT_PERMISSIONS", () => {
  it("declares sns:Publish", () => {
    expect(ALERT_PERMISSIONS).toEqual(["sns:Publish"]);
  });
});
