import * as z from "zod/mini";
import { type Envelope, facts, looksGenerated, mismatch, toIsoTime } from "./common";
import { type Finding, type ParsedEvent, PrincipalType, Source } from "./finding";

const AccessKeyDetails = z.looseObject({
  accessKeyId: z.optional(z.string()),
  principalId: z.optional(z.string()),
  userName: z.optional(z.string()),
  userType: z.optional(z.string()),
});

const RemoteIp = z.looseObject({
  ipAddressV4: z.optional(z.string()),
  country: z.optional(z.looseObject({ countryName: z.optional(z.string()) })),
  organization: z.optional(z.looseObject({ asnOrg: z.optional(z.string()) })),
});

/** The fields of a GuardDuty finding the responder reads; everything else passes through untouched. */
export const GuardDutyDetail = z.looseObject({
  id: z.string().check(z.minLength(1)),
  type: z.string().check(z.minLength(1)),
  accountId: z.optional(z.string()),
  region: z.optional(z.string()),
  partition: z.optional(z.string()),
  severity: z.optional(z.number()),
  title: z.optional(z.string()),
  createdAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  resource: z.looseObject({
    resourceType: z.optional(z.string()),
    accessKeyDetails: z.optional(AccessKeyDetails),
  }),
  service: z.optional(
    z.looseObject({
      archived: z.optional(z.unknown()),
      count: z.optional(z.number()),
      eventFirstSeen: z.optional(z.string()),
      eventLastSeen: z.optional(z.string()),
      // Newer samples wrap the flag in {value, type}; only the boolean counts (FORMATS.md, GuardDuty samples).
      additionalInfo: z.optional(
        z.looseObject({ sample: z.optional(z.unknown()), value: z.optional(z.unknown()) }),
      ),
      action: z.optional(
        z.looseObject({
          awsApiCallAction: z.optional(
            z.looseObject({
              api: z.optional(z.string()),
              serviceName: z.optional(z.string()),
              remoteIpDetails: z.optional(RemoteIp),
            }),
          ),
        }),
      ),
    }),
  ),
});
export type GuardDutyDetail = z.infer<typeof GuardDutyDetail>;

const principalTypeOf = (userType: string | undefined): PrincipalType => {
  switch (userType) {
    case "IAMUser":
      return PrincipalType.IAMUser;
    case "AssumedRole":
    case "Role":
      return PrincipalType.AssumedRole;
    case "Root":
      return PrincipalType.Root;
    default:
      return PrincipalType.Unknown;
  }
};

const isTrue = (value: unknown): boolean => value === true || value === "true";

/** GuardDuty's current format carries the flag in a JSON string: additionalInfo {value: "{\"sample\":true}"}. */
const wrappedSample = (value: unknown): boolean => {
  if (typeof value !== "string") return false;
  try {
    return isTrue((JSON.parse(value) as { sample?: unknown } | null)?.sample);
  } catch {
    return false;
  }
};

/** Turns a GuardDuty finding (the `detail` of a "GuardDuty Finding" event) into at most one Finding. */
export const parseGuardDutyDetail = (detail: unknown, eventId?: string): ParsedEvent => {
  if (detail === undefined || detail === null) {
    return { kind: "invalid", source: Source.GuardDuty, eventId, reason: "GuardDuty event has no detail" };
  }
  const parsed = GuardDutyDetail.safeParse(detail);
  if (!parsed.success) {
    return mismatch(Source.GuardDuty, eventId, "GuardDuty finding", parsed.error);
  }
  const d = parsed.data;
  const keyDetails = d.resource.accessKeyDetails;
  // EC2, EKS and runtime findings carry no accessKeyDetails at all (a KeyError in other responders).
  if (!keyDetails?.accessKeyId) {
    return {
      kind: "ignored",
      source: Source.GuardDuty,
      eventId,
      reason: `GuardDuty finding ${d.type} (${d.resource.resourceType ?? "unknown resource"}) names no access key`,
    };
  }
  const api = d.service?.action?.awsApiCallAction;
  const info = d.service?.additionalInfo;
  // Some producers send the flags as strings ("true"); only the words true and "true" count.
  const sampleFlag = isTrue(info?.sample) || wrappedSample(info?.value);
  const archived = isTrue(d.service?.archived);
  const count = d.service?.count;
  const finding: Finding = {
    source: Source.GuardDuty,
    findingId: d.id,
    eventId,
    type: d.type,
    title: d.title ?? d.type,
    severity: d.severity,
    accessKeyId: keyDetails.accessKeyId,
    userName: keyDetails.userName,
    principalType: principalTypeOf(keyDetails.userType),
    principalId: keyDetails.principalId,
    // Kept as sent when it is not an account ID: the plan then refuses to write.
    account: d.accountId,
    region: d.region,
    partition: d.partition,
    sample: sampleFlag || looksGenerated(keyDetails.accessKeyId, keyDetails.userName, keyDetails.principalId),
    firstSeen: toIsoTime(d.service?.eventFirstSeen),
    observedAt: toIsoTime(d.updatedAt ?? d.createdAt),
    occurrences: count,
    // GuardDuty re-emits the same finding id with a larger count on every update.
    update: (count ?? 1) > 1 || (d.updatedAt !== undefined && d.updatedAt !== d.createdAt),
    requestedStatus: "Inactive",
    closed: archived ? "the finding is archived" : undefined,
    details: facts({
      "Remote IP": api?.remoteIpDetails?.ipAddressV4,
      Country: api?.remoteIpDetails?.country?.countryName,
      Organization: api?.remoteIpDetails?.organization?.asnOrg,
      "API called": api?.api && api.serviceName ? `${api.serviceName}:${api.api}` : api?.api,
      "Finding ARN": typeof d.arn === "string" ? d.arn : undefined,
    }),
  };
  return { kind: "findings", source: Source.GuardDuty, eventId, findings: [finding] };
};

export const parseGuardDutyEvent = (envelope: Envelope): ParsedEvent => {
  if (envelope["detail-type"] !== "GuardDuty Finding") {
    // A source-only rule also delivers CloudTrail API-call and malware-scan events (FORMATS.md).
    return {
      kind: "ignored",
      source: Source.GuardDuty,
      eventId: envelope.id,
      reason: `not a finding: detail-type "${envelope["detail-type"]}"`,
    };
  }
  return parseGuardDutyDetail(envelope.detail, envelope.id);
};
