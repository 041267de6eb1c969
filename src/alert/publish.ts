import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Alert } from "./render";

export const ALERT_PERMISSIONS = ["sns:Publish"] as const;

/** An AWS Chatbot custom notification, so the alert reads well in Slack, Teams or Chime. */
export const chatCard = (alert: Alert): object => ({
  version: "1.0",
  source: "custom",
  content: {
    textType: "client-markdown",
    title: alert.subject,
    description:
      alert.document.keys
        .map((k) => `*${k.status}* \`${k.accessKeyId}\`${k.userName ? ` (${k.userName})` : ""}: ${k.detail}`)
        .join("\n") ||
      (alert.document.problem ?? ""),
    nextSteps: alert.document.keys.flatMap((k) => k.nextSteps).slice(0, 6),
    keywords: [alert.document.verdict, alert.document.source ?? "unknown"],
  },
  metadata: {
    threadId: alert.document.eventId,
    summary: alert.subject,
    eventType: "access-key-responder",
    relatedResources: alert.document.keys.map((k) => k.accessKeyId),
    additionalContext: alert.attributes,
  },
});

/** One message per protocol: readable text for people, the versioned document for programs, a card for chat. */
export const snsMessage = (alert: Alert): string => {
  const document = JSON.stringify(alert.document);
  return JSON.stringify({
    default: alert.text,
    email: alert.text,
    "email-json": document,
    sqs: document,
    lambda: document,
    https: JSON.stringify(chatCard(alert)),
  });
};

/** Publishes the alert, or prints it as JSON when no topic is configured (local runs). */
export const publishAlert = async (
  sns: SNSClient | undefined,
  topicArn: string | undefined,
  alert: Alert,
  print: (line: string) => void,
): Promise<"published" | "printed"> => {
  if (!topicArn || !sns) {
    print(
      JSON.stringify(
        { alert: { subject: alert.subject, attributes: alert.attributes, ...alert.document } },
        null,
        2,
      ),
    );
    print(alert.text);
    return "printed";
  }
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      MessageStructure: "json",
      Message: snsMessage(alert),
      MessageAttributes: Object.fromEntries(
        Object.entries(alert.attributes).map(([name, value]) => [
          name,
          { DataType: "String", StringValue: value },
        ]),
      ),
    }),
  );
  return "published";
};
