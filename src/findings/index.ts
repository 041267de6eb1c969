import * as v from "valibot";
import type { ParsedEvent } from "./finding";
import { parseGuardDutyDetail, parseGuardDutyEvent } from "./guardduty";
import { parseHealthEvent } from "./health";
import { isManualRequest, parseManualRequest } from "./manual";
import { Envelope } from "./schema";
import { parseSecurityHubEvent } from "./security-hub";
import { FINDINGS_IMPORTED_V2, parseSecurityHubV2Event } from "./security-hub-v2";
import { parseTrustedAdvisorEvent } from "./trusted-advisor";
import { isObject } from "./values";

export type { Finding, ParsedEvent } from "./finding";
export { KeyStatus, PrincipalType, Source } from "./finding";

const PARSERS = new Map<string, (envelope: Envelope) => ParsedEvent>([
  ["aws.guardduty", parseGuardDutyEvent],
  ["aws.health", parseHealthEvent],
  ["aws.trustedadvisor", parseTrustedAdvisorEvent],
  // One source, two formats: OCSF (Security Hub) by its detail-type, everything else to the ASFF parser.
  [
    "aws.securityhub",
    (envelope) =>
      envelope["detail-type"] === FINDINGS_IMPORTED_V2
        ? parseSecurityHubV2Event(envelope)
        : parseSecurityHubEvent(envelope),
  ],
]);

/** A rule with `InputPath: $.detail` hands over the bare GuardDuty finding; an attack sequence may have no resource. */
const isGuardDutyDetail = (event: Record<string, unknown>): boolean =>
  typeof event.schemaVersion === "string" &&
  isObject(event.service) &&
  (isObject(event.resource) || isObject((event.service as Record<string, unknown>).detection));

/** An event that reached the function through an SNS subscription carries the real event as a JSON string. */
const snsRecord = (event: Record<string, unknown>): { message: unknown; topicArn?: string } | undefined => {
  const records = event.Records;
  if (!Array.isArray(records) || records.length !== 1) return undefined;
  const record = records[0] as { Sns?: { Message?: unknown; TopicArn?: unknown } } | undefined;
  const topicArn = record?.Sns?.TopicArn;
  return { message: record?.Sns?.Message, topicArn: typeof topicArn === "string" ? topicArn : undefined };
};

const markViaSns = (parsed: ParsedEvent, topicArn: string | undefined): ParsedEvent =>
  parsed.kind === "findings"
    ? {
        ...parsed,
        findings: parsed.findings.map((finding) => ({ ...finding, viaSns: true, snsTopicArn: topicArn })),
      }
    : parsed;

/** The function people send their requests to (serverless.yml); the chat buttons invoke it too. */
export const MANUAL_HANDLER = "manual";

/**
 * Recognises any supported event by source and detail-type, so every function accepts every shape, and turns it
 * into findings, a reason to ignore it, or a reason it could not be read. Never throws.
 *
 * On the manual function (`handler`), anything that is neither an AWS event nor an SNS notification is a person's
 * request and is read strictly: `{"AccessKeyId": …}` copied from `aws iam list-access-keys` must fail with a hint,
 * never be ignored, or the person believes the key was disabled.
 */
export const parseEvent = (event: unknown, requestId?: string, handler?: string): ParsedEvent => {
  const manual = handler === MANUAL_HANDLER;
  if (!isObject(event)) {
    if (manual) return parseManualRequest(event, requestId);
    return { kind: "invalid", eventId: requestId, reason: "the event is not a JSON object" };
  }
  if ("Records" in event) {
    const record = snsRecord(event);
    const message = record?.message;
    if (typeof message !== "string") {
      return {
        kind: "invalid",
        eventId: requestId,
        reason: "expected exactly one SNS record with a Message",
      };
    }
    let inner: unknown;
    try {
      inner = JSON.parse(message);
    } catch {
      return { kind: "invalid", eventId: requestId, reason: "the SNS message is not JSON" };
    }
    // One level of wrapping only: an SNS message that wraps another is not something AWS sends.
    if (isObject(inner) && "Records" in inner) {
      return { kind: "invalid", eventId: requestId, reason: "nested SNS notifications are not supported" };
    }
    // Whoever may publish to the topic wrote this: the plan must know it did not come directly.
    return markViaSns(parseEvent(inner, requestId, handler), record?.topicArn);
  }
  if (!manual && isManualRequest(event) && !("source" in event)) return parseManualRequest(event, requestId);
  if (isGuardDutyDetail(event)) return parseGuardDutyDetail(event, requestId);
  const envelope = v.safeParse(Envelope(), event);
  if (!envelope.success) {
    if (manual) return parseManualRequest(event, requestId);
    return { kind: "ignored", eventId: requestId, reason: "not an event this responder handles" };
  }
  const parse = PARSERS.get(envelope.output.source);
  if (!parse) {
    return {
      kind: "ignored",
      eventId: envelope.output.id,
      reason: `events from ${envelope.output.source} are not handled`,
    };
  }
  return parse(envelope.output);
};
