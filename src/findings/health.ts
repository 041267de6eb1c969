import * as v from "valibot";
import { isAccessKeyId } from "../shared/identifiers";
import { type Finding, type ParsedEvent, PrincipalType, Source } from "./finding";
import { facts } from "./finding-fields";
import { anything, type Envelope, lazily, lenientText, object } from "./schema";
import { describeIssues, mismatch, salvaged } from "./schema-failure";
import { arrayAt, objectAt, textOf, toIsoTime } from "./values";

/** Every AWS Health code that reports a leaked or misused credential. Missing one means never firing on a leak. */
export const HEALTH_CREDENTIAL_CODES = [
  "AWS_RISK_CREDENTIALS_EXPOSED",
  "AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED",
  "AWS_RISK_CREDENTIALS_COMPROMISED",
  "AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED",
  "AWS_RISK_IAM_QUARANTINE",
] as const;

const schemas = lazily(() => {
  const HealthDetail = object({
    eventArn: v.pipe(v.string(), v.minLength(1)),
    service: lenientText(),
    eventTypeCode: v.pipe(v.string(), v.minLength(1)),
    startTime: lenientText(),
    lastUpdatedTime: lenientText(),
    affectedAccount: v.optional(v.string()),
    affectedEntities: v.optional(v.array(object({ entityValue: anything() }))),
    eventMetadata: v.optional(
      object({
        publicKey: anything(),
        userName: anything(),
        accountId: anything(),
        exposedUrl: anything(),
      }),
    ),
    eventDescription: v.fallback(
      v.optional(v.array(object({ latestDescription: lenientText() }))),
      undefined,
    ),
    eventRegion: anything(),
    backupEvent: anything(),
    // Strings in real events ("1"), numbers in some examples: both are read.
    page: anything(),
    totalPages: anything(),
  });
  return { HealthDetail };
});
type HealthDetail = v.InferOutput<ReturnType<typeof schemas>["HealthDetail"]>;

const accountOf = (affected: string | undefined, fromMetadata: unknown): string | undefined => {
  const metadata = typeof fromMetadata === "string" && fromMetadata !== "" ? fromMetadata : undefined;
  if (affected === undefined || affected === "") return metadata;
  // Two fields that disagree name no account we can trust.
  if (metadata !== undefined && metadata !== affected) return `${affected} (metadata says ${metadata})`;
  return affected;
};

const isCredentialCode = (code: string): boolean =>
  (HEALTH_CREDENTIAL_CODES as readonly string[]).includes(code);

/**
 * Where each partition first delivers global events (IAM's among them); AWS Health sends a backup copy to us-west-2
 * (Health user guide, "Creating EventBridge rules for AWS Region coverage"). A partition not listed has no known
 * primary Region, so every copy there is treated as a possible backup.
 */
const GLOBAL_EVENTS_REGION: Readonly<Record<string, string>> = {
  aws: "us-east-1",
  "aws-us-gov": "us-gov-west-1",
};

/** The Region an event is about: `detail.eventRegion`, else the Region in its ARN; "global" for IAM events. */
const impactedRegion = (d: HealthDetail): string | undefined => {
  if (typeof d.eventRegion === "string" && d.eventRegion !== "") return d.eventRegion;
  return d.eventArn.split(":")[3] || undefined;
};

/**
 * Whether this delivery may be the second copy of an event: `detail.backupEvent` says so (documented only for the
 * China Regions), or it was delivered to another Region than the one the event is first delivered to (us-west-2 for
 * a global event). Either way the key is read before the write, so a copy of a contained key makes no second write;
 * a read is all that it adds, so a primary copy taken for a backup costs one call and never a skipped write.
 */
const mayBeBackupCopy = (envelope: Envelope, d: HealthDetail): boolean => {
  if (String(d.backupEvent).toLowerCase() === "true") return true;
  const impacted = impactedRegion(d);
  const partition = d.eventArn.split(":")[1] ?? "";
  const primary = impacted === "global" ? GLOBAL_EVENTS_REGION[partition] : impacted;
  return primary === undefined || envelope.region !== primary;
};

/** "2 of 3" for one page of an event split into pages (each carries its own keys); nothing for a single page. */
const pageOf = (d: HealthDetail): string | undefined => {
  const page = Number(d.page);
  const total = Number(d.totalPages);
  return Number.isInteger(page) && Number.isInteger(total) && total > 1 ? `${page} of ${total}` : undefined;
};

/**
 * A RISK event that failed the schema but names valid keys where Health puts them: each key is reported for a
 * person to decide. An event whose code says it is about something else stays "invalid", as it names no key.
 */
const salvage = (envelope: Envelope, error: v.GenericIssue[]): ParsedEvent | undefined => {
  const d = objectAt(envelope.detail);
  const code = textOf(d.eventTypeCode);
  if (code !== undefined && code !== "" && !isCredentialCode(code)) return undefined;
  const meta = objectAt(d.eventMetadata);
  const type = code || "AWS Health event";
  return salvaged(
    [
      ...arrayAt(d.affectedEntities).map((entity) => objectAt(entity).entityValue),
      ...(envelope.resources ?? []),
      meta.publicKey,
    ],
    {
      source: Source.Health,
      findingId: textOf(d.eventArn) || envelope.id || "(no event ARN)",
      eventId: envelope.id,
      type,
      title: `AWS Health ${type}`,
      account: textOf(d.affectedAccount),
      region: envelope.region,
      sample: false,
    },
    `some of its fields could not be read (${describeIssues(error, "detail")})`,
  );
};

/**
 * Turns an AWS Health RISK event into one Finding per distinct key. Keys come from every affected entity, the
 * envelope's resources and the newer eventMetadata, without duplicates.
 */
export const parseHealthEvent = (envelope: Envelope): ParsedEvent => {
  const eventId = envelope.id;
  if (envelope["detail-type"] !== "AWS Health Event") {
    return {
      kind: "ignored",
      source: Source.Health,
      eventId,
      reason: `not a Health event: ${envelope["detail-type"]}`,
    };
  }
  const parsed = v.safeParse(schemas().HealthDetail, envelope.detail);
  if (!parsed.success) {
    return (
      salvage(envelope, parsed.issues) ?? mismatch(Source.Health, eventId, "Health event", parsed.issues)
    );
  }
  const d = parsed.output;
  if (!isCredentialCode(d.eventTypeCode)) {
    return {
      kind: "ignored",
      source: Source.Health,
      eventId,
      reason: `not a credential event: ${d.eventTypeCode}`,
    };
  }
  const meta = d.eventMetadata ?? {};
  // Every entity of a RISK event is meant to be a key: an invalid one is reported, never written. The envelope's
  // resources and the metadata only add values that are key IDs.
  const candidates = [
    ...(d.affectedEntities ?? []).map((entity) => entity.entityValue),
    ...[...(envelope.resources ?? []), meta.publicKey].filter(isAccessKeyId),
  ];
  const keys = [
    ...new Set(candidates.filter((value): value is string => typeof value === "string" && value.length > 0)),
  ];
  if (keys.length === 0) {
    return {
      kind: "invalid",
      source: Source.Health,
      eventId,
      reason: `${d.eventTypeCode} names no access key`,
    };
  }
  // The organizational view names the key's account in affectedAccount; newer events also in the metadata. A value
  // that is not an account ID (one published sample has a key ID there) is kept as sent, and the plan refuses it.
  const account = accountOf(d.affectedAccount, meta.accountId);
  const metaKey = typeof meta.publicKey === "string" ? meta.publicKey : undefined;
  const metaUser = typeof meta.userName === "string" ? meta.userName : undefined;
  const backup = mayBeBackupCopy(envelope, d);
  const findings = keys.map(
    (accessKeyId): Finding => ({
      source: Source.Health,
      findingId: d.eventArn,
      eventId,
      type: d.eventTypeCode,
      title: `AWS Health ${d.eventTypeCode}`,
      accessKeyId,
      // The user is only known when the metadata names this very key; otherwise it is resolved from the key.
      userName: metaUser && metaKey === accessKeyId ? metaUser : undefined,
      principalType: PrincipalType.Unknown,
      account,
      // The account that delivered the event (a member's forwarder) may own the key when the event names none.
      ...(account === undefined && envelope.account !== undefined
        ? { accountHints: [envelope.account] }
        : {}),
      region: envelope.region,
      sample: false,
      firstSeen: toIsoTime(d.startTime),
      observedAt: toIsoTime(d.lastUpdatedTime ?? d.startTime) ?? toIsoTime(envelope.time),
      // A possible backup copy reads the key first. The pages of a large event each list their own keys (Health
      // user guide, "Viewing paginated lists of AWS Health events"): each is handled in full, never as a repeat.
      update: backup,
      requestedStatus: "Inactive",
      details: facts({
        "Exposed at": meta.exposedUrl,
        Description: d.eventDescription?.[0]?.latestDescription,
        Page: pageOf(d),
        Delivery: backup
          ? `possibly a backup copy (delivered to ${envelope.region ?? "an unknown Region"})`
          : undefined,
      }),
    }),
  );
  return { kind: "findings", source: Source.Health, eventId, findings };
};
