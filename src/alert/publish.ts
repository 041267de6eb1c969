import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Alert } from "./document";
import { messageAttributes, snsMessage } from "./messages";

// The runtime loads this module, and so the SNS client, only when an alert is sent (after the write).
export { SNSClient } from "@aws-sdk/client-sns";

// The message is built by the pure renderer, which measures parts with the same serializer before splitting.
export { chatCard } from "./chat-card";
export { messageBytes, snsMessage } from "./messages";

export const ALERT_PERMISSIONS = ["sns:Publish"] as const;

/**
 * Publishes the alert, or prints it when no topic is configured (local runs): the text a person reads first, then
 * the JSON document programs would receive.
 */
export const publishAlert = async (
  sns: SNSClient | undefined,
  topicArn: string | undefined,
  alert: Alert,
  print: (line: string) => void,
): Promise<"published" | "printed"> => {
  if (!topicArn || !sns) {
    print(alert.text);
    print(
      JSON.stringify(
        { alert: { subject: alert.subject, attributes: alert.attributes, ...alert.document } },
        null,
        2,
      ),
    );
    return "printed";
  }
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      MessageStructure: "json",
      Message: snsMessage(alert),
      MessageAttributes: messageAttributes(alert),
    }),
  );
  return "published";
};
