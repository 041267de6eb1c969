import * as v from "valibot";
import { type Finding, type ParsedEvent, PrincipalType, Source } from "./finding";
import { facts, isPlaceholderKey, principalTypeOf } from "./finding-fields";
import { earliestSignal, fromSequence, principalsIn, sequenceFacts } from "./guardduty-attack-sequence";
import { credentialsOf, fromAccessKeyDetails } from "./guardduty-credentials";
import { CREDENTIAL_SEQUENCE_PREFIX, type GuardDutyDetail, schemas } from "./guardduty-schema";
import type { Envelope } from "./schema";
import { describeIssues, mismatch, salvaged } from "./schema-failure";
import { arrayAt, described, numberOf, objectAt, textOf, toIsoTime } from "./values";

// Some producers send the flags as strings ("true"); only the words true and "true" count.
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

const isTrueFlag = (info: { sample?: unknown; value?: unknown } | undefined): boolean =>
  isTrue(info?.sample) || wrappedSample(info?.value);

/** GuardDuty's severity is a number; one sent as a string ("8") is read, anything else is for a person. */
const severityOf = (value: unknown): { severity?: number; doubt?: string } => {
  if (value === undefined || value === null) return {};
  const severity = numberOf(value);
  return severity !== undefined && severity >= 0 && severity <= 10
    ? { severity }
    : { doubt: `its severity could not be read: ${described(value)}, not a number from 0 to 10` };
};

/** GuardDuty re-emits a finding it updates under the same id, with a later `updatedAt`. */
const reissued = (d: GuardDutyDetail): boolean => d.updatedAt !== undefined && d.updatedAt !== d.createdAt;

/** What every Finding made from one GuardDuty finding shares, whichever credential (if any) it is about. */
const findingBase = (d: GuardDutyDetail, eventId: string | undefined) =>
  ({
    source: Source.GuardDuty,
    findingId: d.id,
    eventId,
    type: d.type,
    title: d.title ?? d.type,
    severity: severityOf(d.severity).severity,
    region: d.region,
    partition: d.partition,
    firstSeen: toIsoTime(d.service?.eventFirstSeen) ?? earliestSignal(d.service?.detection?.sequence),
    observedAt: toIsoTime(d.updatedAt ?? d.createdAt),
    occurrences: numberOf(d.service?.count),
    requestedStatus: "Inactive",
    closed: isTrue(d.service?.archived) ? "the finding is archived" : undefined,
  }) satisfies Partial<Finding>;

const ignoredReason = (d: GuardDutyDetail): string =>
  d.service?.detection?.sequence
    ? `GuardDuty attack sequence ${d.type} names no credential (no actor's credentialUid, no ACCESS_KEY resource)`
    : `GuardDuty finding ${d.type} (${d.resource?.resourceType ?? "unknown resource"}) names no access key`;

/**
 * An attack sequence about IAM credentials whose credentials no structured field names (published ones carry
 * `resource.resourceType` AttackSequence, `service.featureName` Correlation, and name the principal only in their
 * title and description). Never ignored: one finding, with no key, naming what the text names.
 */
const unnamedCredential = (d: GuardDutyDetail, eventId: string | undefined): Finding => {
  const description = textOf(d.description);
  const principals = principalsIn(d.title, description);
  const [only] = principals.length === 1 ? principals : [];
  const [kind, name] = only?.split("/") ?? [];
  const sequence = d.service?.detection?.sequence;
  return {
    ...findingBase(d, eventId),
    accessKeyId: "",
    userName: name,
    principalType: kind === undefined ? PrincipalType.Unknown : principalTypeOf(kind),
    account: d.accountId,
    sample: isTrueFlag(d.service?.additionalInfo),
    noCredential: { principals },
    update: reissued(d),
    details: facts({
      "Principals named": principals.length > 0 ? principals.join(", ") : "none that could be read",
      Description: description,
      ...(sequence ? sequenceFacts(sequence) : {}),
      "Finding ARN": textOf(d.arn),
    }),
  };
};

/**
 * A finding that failed the schema but names valid keys where GuardDuty puts them: each key is reported for a
 * person to decide, with what could not be read. Only the raw event's documented places are looked at.
 */
const salvage = (detail: unknown, eventId: string | undefined, why: string): ParsedEvent | undefined => {
  const d = objectAt(detail);
  const service = objectAt(d.service);
  const sequence = objectAt(objectAt(service.detection).sequence);
  const keys = [
    objectAt(objectAt(d.resource).accessKeyDetails).accessKeyId,
    ...arrayAt(sequence.actors).map((actor) => objectAt(objectAt(actor).user).credentialUid),
    ...arrayAt(sequence.resources)
      .map(objectAt)
      .filter((r) => r.resourceType === "ACCESS_KEY")
      .map((r) => r.uid),
  ];
  const type = textOf(d.type) || "GuardDuty finding";
  const info = objectAt(service.additionalInfo);
  return salvaged(
    keys,
    {
      source: Source.GuardDuty,
      findingId: textOf(d.id) || eventId || "(no finding id)",
      eventId,
      type,
      title: textOf(d.title) ?? type,
      severity: severityOf(d.severity).severity,
      account: textOf(d.accountId),
      region: textOf(d.region),
      sample: isTrueFlag(info),
    },
    why,
  );
};

/**
 * Turns a GuardDuty finding (the `detail` of a "GuardDuty Finding" event) into one Finding per key it names: the
 * key of `resource.accessKeyDetails`, and for an attack sequence every actor's credential and ACCESS_KEY resource.
 */
export const parseGuardDutyDetail = (detail: unknown, eventId?: string): ParsedEvent => {
  if (detail === undefined || detail === null) {
    return { kind: "invalid", source: Source.GuardDuty, eventId, reason: "GuardDuty event has no detail" };
  }
  const parsed = v.safeParse(schemas().GuardDutyDetail, detail);
  if (!parsed.success) {
    const why = `some of its fields could not be read (${describeIssues(parsed.issues, "detail")})`;
    return (
      salvage(detail, eventId, why) ?? mismatch(Source.GuardDuty, eventId, "GuardDuty finding", parsed.issues)
    );
  }
  const d = parsed.output;
  const sequence = d.service?.detection?.sequence;
  // EC2, EKS and runtime findings carry no accessKeyDetails at all (a KeyError in other responders).
  const credentials = credentialsOf(
    [...fromAccessKeyDetails(d), ...(sequence ? fromSequence(sequence) : [])],
    d.accountId,
  );
  if (credentials.length === 0) {
    if (d.type.startsWith(CREDENTIAL_SEQUENCE_PREFIX)) {
      return {
        kind: "findings",
        source: Source.GuardDuty,
        eventId,
        findings: [unnamedCredential(d, eventId)],
      };
    }
    return { kind: "ignored", source: Source.GuardDuty, eventId, reason: ignoredReason(d) };
  }
  const api = d.service?.action?.awsApiCallAction;
  const sampleFlag = isTrueFlag(d.service?.additionalInfo);
  const base = findingBase(d, eventId);
  const { doubt } = severityOf(d.severity);
  const shared = {
    "Remote IP": api?.remoteIpDetails?.ipAddressV4,
    Country: api?.remoteIpDetails?.country?.countryName,
    Organization: api?.remoteIpDetails?.organization?.asnOrg,
    "API called": api?.api && api.serviceName ? `${api.serviceName}:${api.api}` : api?.api,
    ...(sequence ? sequenceFacts(sequence) : {}),
  };
  const arn = textOf(d.arn);
  const findings = credentials.map(
    (c): Finding => ({
      ...base,
      accessKeyId: c.accessKeyId,
      userName: c.userName,
      principalType: c.principalType,
      principalId: c.principalId,
      // Kept as sent when it is not an account ID: the plan then refuses to write.
      account: c.account,
      ...(c.hints && c.hints.length > 0 ? { accountHints: c.hints } : {}),
      // AWS's flag, or a key no credential can have: never a name (anyone can create GeneratedFindingUserName).
      sample: sampleFlag || isPlaceholderKey(c.accessKeyId),
      // GuardDuty re-emits the same finding id with a larger count on every update.
      update: (base.occurrences ?? 1) > 1 || reissued(d),
      ...(doubt ? { doubt } : {}),
      details: facts({ ...shared, "Session MFA": c.mfa, "Finding ARN": arn }),
    }),
  );
  return { kind: "findings", source: Source.GuardDuty, eventId, findings };
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
