import * as v from "valibot";
import { type Finding, type ParsedEvent, PrincipalType, Source } from "./finding";
import { facts, isPlaceholderKey, principalTypeOf } from "./finding-fields";
import { anything, type Envelope, lazily, lenientText, object, recordOf } from "./schema";
import {
  type FindingRead,
  parseSecurityHubFindings,
  type RawSecurityHubFinding,
  RESPONDER_NOTE_PREFIX,
  RESPONDER_UPDATED_BY,
} from "./security-hub-event";
import { awsProductService, isAwsProduct, labelSeverity, mayRepeatGuardDuty } from "./security-hub-product";
import { arrayAt, numberOf, objectAt, textOf, toIsoTime } from "./values";

// Also here, where the alert's Security Hub record has always imported them from.
export { RESPONDER_NOTE_PREFIX, RESPONDER_UPDATED_BY } from "./security-hub-event";
export { isAwsProduct } from "./security-hub-product";

const KEY_RESOURCE_PREFIX = "AWS::IAM::AccessKey:";

const schemas = lazily(() => {
  const KeyDetails = object({
    AccessKeyId: v.optional(v.string()),
    PrincipalName: v.optional(v.string()),
    // Deprecated, but the only name older GuardDuty mappings set.
    UserName: v.optional(v.string()),
    PrincipalType: v.optional(v.string()),
    PrincipalId: v.optional(v.string()),
  });

  const Resource = object({
    Type: v.string(),
    Id: v.string(),
    Region: lenientText(),
    Partition: lenientText(),
    Details: v.optional(object({ AwsIamAccessKey: v.optional(KeyDetails) })),
  });

  const AsffFinding = object({
    Id: v.pipe(v.string(), v.minLength(1)),
    AwsAccountId: v.optional(v.string()),
    ProductArn: v.optional(v.string()),
    Types: v.fallback(v.optional(v.array(v.string())), undefined),
    Title: lenientText(),
    Region: lenientText(),
    CreatedAt: lenientText(),
    UpdatedAt: lenientText(),
    FirstObservedAt: lenientText(),
    Sample: anything(),
    // Read by `severityOf`, leniently: a label, numbers, or numbers sent as strings.
    Severity: v.fallback(v.optional(object({})), undefined),
    FindingProviderFields: v.fallback(
      v.optional(object({ Severity: v.fallback(v.optional(object({})), undefined) })),
      undefined,
    ),
    ProductFields: v.fallback(v.optional(recordOf(v.unknown())), undefined),
    Resources: v.array(Resource),
    // Whether a person closed the case: read as sent, since a wrong reading could write on a closed finding.
    RecordState: v.optional(v.string()),
    Workflow: v.optional(object({ Status: v.optional(v.string()) })),
    // Deprecated in favour of Workflow.Status, but still sent.
    WorkflowState: v.optional(v.string()),
    // Read only to recognise the responder's own note (ownUpdateReason).
    Note: v.fallback(
      v.optional(object({ Text: lenientText(), UpdatedBy: lenientText(), UpdatedAt: lenientText() })),
      undefined,
    ),
  });

  return { AsffFinding };
});
type AsffFinding = v.InferOutput<ReturnType<typeof schemas>["AsffFinding"]>;

/** A severity on GuardDuty's own 0–10 scale, as a number or a string of one. */
const guardDutyScale = (value: unknown): number | undefined => {
  const number = numberOf(value);
  return number !== undefined && number >= 0 && number <= 10 ? number : undefined;
};

/**
 * The severity the finding's maker meant. A GuardDuty finding is judged on GuardDuty's own number, in this order
 * of authority: `FindingProviderFields.Severity.Original` (what the provider set, which only it may change),
 * `Severity.Original`, then the deprecated `Severity.Product`; Security Hub's flattened label maps GuardDuty's 2 to
 * MEDIUM in some findings (FORMATS.md), which would act on a Low finding. Other products: the label as delivered;
 * without one, Normalized (0–100) scaled to 0–10, then Product.
 */
const severityOf = (f: AsffFinding): number | undefined => {
  const severity = objectAt(f.Severity);
  if (awsProductService(f.ProductArn) === "guardduty") {
    const fromGuardDuty = [
      objectAt(f.FindingProviderFields?.Severity).Original,
      severity.Original,
      severity.Product,
    ]
      .map(guardDutyScale)
      .find((value) => value !== undefined);
    if (fromGuardDuty !== undefined) return fromGuardDuty;
  }
  const fromLabel = labelSeverity(
    textOf(severity.Label) ?? textOf(objectAt(f.FindingProviderFields?.Severity).Label),
  );
  if (fromLabel !== undefined) return fromLabel;
  const normalized = numberOf(severity.Normalized);
  if (normalized !== undefined) return normalized / 10;
  return numberOf(severity.Product);
};

const productFieldCount = (fields: Record<string, unknown> | undefined): number | undefined => {
  const raw = fields?.["aws/guardduty/service/count"] ?? fields?.count;
  const count = typeof raw === "string" ? Number(raw) : typeof raw === "number" ? raw : Number.NaN;
  return Number.isFinite(count) ? count : undefined;
};

/** GuardDuty's sample flag survives only inside the additionalInfo JSON string of ProductFields. */
const productFieldsSample = (fields: Record<string, unknown> | undefined): boolean => {
  const raw = fields?.additionalInfo ?? fields?.["aws/guardduty/service/additionalInfo/sample"];
  if (raw === "true" || raw === true) return true;
  if (typeof raw !== "string") return false;
  try {
    return (JSON.parse(raw) as { sample?: unknown })?.sample === true;
  } catch {
    return false;
  }
};

/** Workflow statuses that leave a finding open; RESOLVED and SUPPRESSED are a person closing the case. */
const OPEN_WORKFLOW = ["NEW", "NOTIFIED"];
/** The deprecated WorkflowState's closed values. */
const CLOSED_WORKFLOW_STATES = ["RESOLVED", "DEFERRED"];

/**
 * Why a finding is closed, or undefined while it is open. Security Hub re-emits an Imported event when a person
 * archives, resolves or suppresses a finding: that must never disable the key again.
 */
export const closedReason = (f: {
  RecordState?: string;
  Workflow?: { Status?: string };
  WorkflowState?: string;
}): string | undefined => {
  if (f.RecordState !== "ACTIVE") return `RecordState is ${f.RecordState ?? "missing"}, not ACTIVE`;
  const status = f.Workflow?.Status;
  if (status !== undefined && !OPEN_WORKFLOW.includes(status)) return `workflow status is ${status}`;
  if (status === undefined && f.WorkflowState && CLOSED_WORKFLOW_STATES.includes(f.WorkflowState)) {
    return `workflow state is ${f.WorkflowState}`;
  }
  return undefined;
};

/**
 * The finding carries the responder's note and its maker has not changed it since: Security Hub re-emits an
 * Imported event for every BatchUpdateFindings, and acting on it would write and alert again, then again on the echo
 * of that. BatchUpdateFindings leaves `UpdatedAt` alone (its API reference), so a provider's later update (newer
 * `UpdatedAt` than the note) is read as new. RESOLVED echoes are closed anyway; this covers NOTIFIED and dry-run notes.
 */
const isOwnUpdate = (f: AsffFinding): boolean => {
  const note = f.Note;
  if (note?.UpdatedBy !== RESPONDER_UPDATED_BY && !note?.Text?.startsWith(RESPONDER_NOTE_PREFIX))
    return false;
  const noted = Date.parse(note.UpdatedAt ?? "");
  const updated = Date.parse(f.UpdatedAt ?? "");
  return !Number.isFinite(noted) || !Number.isFinite(updated) || noted >= updated;
};

const findingsOf = (f: AsffFinding, envelope: Envelope): Finding[] => {
  const eventId = envelope.id;
  const count = productFieldCount(f.ProductFields);
  const aws = isAwsProduct(f.ProductArn);
  const closed = closedReason(f);
  // ASFF's Sample (a boolean in the format: a string "true" is not AWS's flag, and a sample never hides what another
  // finding says of the key), or GuardDuty's flag carried over in ProductFields.
  const sampleFlag = f.Sample === true || productFieldsSample(f.ProductFields);
  return f.Resources.filter((r) => r.Type === "AwsIamAccessKey").flatMap((resource): Finding[] => {
    const details = resource.Details?.AwsIamAccessKey;
    const fromId = resource.Id.startsWith(KEY_RESOURCE_PREFIX)
      ? resource.Id.slice(KEY_RESOURCE_PREFIX.length)
      : "";
    const accessKeyId = fromId && fromId !== "null" ? fromId : details?.AccessKeyId;
    // Console sign-in findings carry "AWS::IAM::AccessKey:null": there is no key to act on.
    if (!accessKeyId) return [];
    const userName = details?.PrincipalName ?? details?.UserName;
    const region = f.Region ?? resource.Region;
    return [
      {
        source: Source.SecurityHub,
        findingId: f.Id,
        eventId,
        type: f.Types?.[0] ?? "Security Hub finding",
        title: f.Title ?? f.Types?.[0] ?? f.Id,
        severity: severityOf(f),
        accessKeyId,
        userName,
        principalType: details?.PrincipalType
          ? principalTypeOf(details.PrincipalType)
          : userName
            ? PrincipalType.IAMUser
            : PrincipalType.Unknown,
        principalId: details?.PrincipalId,
        // Kept as sent when it is not an account ID: the plan then refuses to write.
        account: f.AwsAccountId,
        region,
        partition: resource.Partition,
        // AWS's flag, or a key no credential can have: never a name.
        sample: sampleFlag || isPlaceholderKey(accessKeyId),
        firstSeen: toIsoTime(f.FirstObservedAt),
        observedAt: toIsoTime(f.UpdatedAt ?? f.CreatedAt),
        occurrences: count,
        // Workflow updates re-emit the finding, and GuardDuty's own findings of this region were already seen by
        // the guardduty function: check the key before writing so a repeat is reported as one.
        update:
          mayRepeatGuardDuty(f.ProductArn, region, envelope.region) ||
          (count ?? 1) > 1 ||
          (f.UpdatedAt !== undefined && f.UpdatedAt !== f.CreatedAt),
        requestedStatus: "Inactive",
        provenance: { product: f.ProductArn ?? "(no ProductArn)", aws },
        closed,
        details: facts({ "Security Hub finding": f.Id, Product: f.ProductArn }),
      },
    ];
  });
};

/** The key IDs an ASFF finding's AwsIamAccessKey resources name, read from the raw finding without a schema. */
const rawKeys = (raw: unknown): unknown[] =>
  arrayAt(objectAt(raw).Resources)
    .map(objectAt)
    .filter((r) => r.Type === "AwsIamAccessKey")
    .flatMap((r) => {
      const id = textOf(r.Id);
      return [
        id?.startsWith(KEY_RESOURCE_PREFIX) ? id.slice(KEY_RESOURCE_PREFIX.length) : undefined,
        objectAt(objectAt(r.Details).AwsIamAccessKey).AccessKeyId,
      ];
    });

/** What an ASFF finding that failed its schema still names. */
const rawAsff = (raw: unknown): RawSecurityHubFinding => {
  const f = objectAt(raw);
  const type = textOf(arrayAt(f.Types)[0]) ?? "Security Hub finding";
  return {
    keys: rawKeys(raw),
    id: f.Id,
    type,
    title: f.Title,
    account: f.AwsAccountId,
    region: f.Region,
    sample: f.Sample === true,
    product: f.ProductArn,
    noProduct: "(no ProductArn)",
  };
};

const readAsff = (raw: unknown, path: string, envelope: Envelope): FindingRead => {
  const parsed = v.safeParse(schemas().AsffFinding, raw);
  if (!parsed.success) return { what: "Security Hub finding (ASFF)", issues: parsed.issues, path };
  return isOwnUpdate(parsed.output) ? "echo" : findingsOf(parsed.output, envelope);
};

/** Turns a "Security Hub Findings - Imported" event (ASFF) into one Finding per access-key resource. */
export const parseSecurityHubEvent = (envelope: Envelope): ParsedEvent =>
  parseSecurityHubFindings(envelope, {
    detailType: "Security Hub Findings - Imported",
    other: "not an imported finding",
    eventName: "Security Hub event",
    read: readAsff,
    rawFinding: rawAsff,
  });
