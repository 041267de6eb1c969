import * as v from "valibot";
import { type Finding, type ParsedEvent, PrincipalType, Source } from "./finding";
import { facts, isPlaceholderKey, principalTypeOf } from "./finding-fields";
import { anything, type Envelope, lazily, lenientText, object } from "./schema";
import {
  type FindingRead,
  parseSecurityHubFindings,
  type RawSecurityHubFinding,
  RESPONDER_NOTE_PREFIX,
} from "./security-hub-event";
import { isAwsProduct, labelSeverity, mayRepeatGuardDuty } from "./security-hub-product";
import { arrayAt, numberOf, objectAt, toIsoTime } from "./values";

/** The detail-type of Security Hub's OCSF findings; its ASFF findings come as "Security Hub Findings - Imported". */
export const FINDINGS_IMPORTED_V2 = "Findings Imported V2";

/** The OCSF resource type of an IAM access key; its `uid` is the bare key ID. */
const KEY_RESOURCE_TYPE = "AWS::IAM::AccessKey";

const schemas = lazily(() => {
  const Time = v.fallback(v.optional(v.union([v.number(), v.string()])), undefined);
  const AccountRef = v.optional(object({ uid: v.optional(v.string()) }));

  /** Only access-key resources are read field by field: another resource's odd shape is none of our business. */
  const KeyResource = object({
    type: v.literal(KEY_RESOURCE_TYPE),
    uid: v.optional(v.string()),
    region: lenientText(),
    cloud_partition: lenientText(),
    owner: v.optional(object({ account: AccountRef })),
    // GuardDuty's key details; `user.name` is the OCSF resource's own user field.
    data: v.optional(
      object({
        access_key_id: v.optional(v.string()),
        user_name: v.optional(v.string()),
        user_type: v.optional(v.string()),
        principal_id: v.optional(v.string()),
      }),
    ),
    user: v.optional(object({ name: v.optional(v.string()) })),
  });

  const OcsfFinding = object({
    finding_info: object({
      uid: v.pipe(v.string(), v.minLength(1)),
      title: lenientText(),
      types: v.fallback(v.optional(v.array(v.unknown())), undefined),
      first_seen_time: Time,
      first_seen_time_dt: lenientText(),
      created_time: Time,
      created_time_dt: lenientText(),
      modified_time: Time,
      modified_time_dt: lenientText(),
    }),
    metadata: v.optional(
      object({
        product: v.optional(object({ uid: v.optional(v.string()), name: lenientText() })),
      }),
    ),
    cloud: v.optional(
      object({
        account: AccountRef,
        region: lenientText(),
        cloud_partition: lenientText(),
      }),
    ),
    // Recommended, not required, in OCSF: a finding without resources names no key.
    resources: v.optional(v.array(object({ type: v.optional(v.unknown()) }))),
    severity: lenientText(),
    severity_id: anything(),
    // Whether a person closed the case: read as sent, since a wrong reading could write on a closed finding.
    status: v.optional(v.string()),
    // Finite, as JSON means numbers: 1e999 parses to Infinity, which no status or activity is.
    status_id: v.optional(v.pipe(v.number(), v.finite())),
    activity_id: v.optional(v.pipe(v.number(), v.finite())),
    activity_name: v.optional(v.string()),
    count: anything(),
    time: Time,
    time_dt: lenientText(),
    // Read only to recognise the responder's own comment (BatchUpdateFindingsV2).
    comment: lenientText(),
  });

  return { KeyResource, OcsfFinding };
});
type KeyResource = v.InferOutput<ReturnType<typeof schemas>["KeyResource"]>;
type OcsfFinding = v.InferOutput<ReturnType<typeof schemas>["OcsfFinding"]>;

/** OCSF severity_id 1–6 (Informational … Fatal) on GuardDuty's 0–10 scale; 0 Unknown and 99 Other have none. */
const SEVERITY_ID: Record<number, number> = { 1: 0, 2: 1, 3: 4, 4: 7, 5: 9, 6: 10 };

/** The normalized severity_id first, then its caption (the labels ASFF uses, plus Fatal); otherwise none. */
const severityOf = (f: OcsfFinding): number | undefined => {
  const id = numberOf(f.severity_id);
  if (id !== undefined && Object.hasOwn(SEVERITY_ID, id)) return SEVERITY_ID[id];
  if (f.severity?.toUpperCase() === "FATAL") return SEVERITY_ID[6];
  return labelSeverity(f.severity);
};

/** OCSF status_id 1 New and 2 In Progress: the case is open. Suppressed, Resolved, Archived, Deleted are not. */
const OPEN_STATUS_IDS = [1, 2];
const OPEN_STATUSES = ["new", "in progress"];
/** OCSF activity_id 3 (Close): Security Hub counts every finding with activity_name Close as closed. */
const CLOSE_ACTIVITY_ID = 3;

/**
 * Why an OCSF finding is closed, or undefined while it is open. A person suppressing or resolving a finding makes
 * Security Hub send it again: that must never disable the key again. Like ASFF's workflow status, only the open
 * values count as open; a finding that states no status at all is taken as open.
 */
const closedReasonV2 = (f: {
  status?: string;
  status_id?: number;
  activity_id?: number;
  activity_name?: string;
}): string | undefined => {
  if (f.activity_id === CLOSE_ACTIVITY_ID || f.activity_name?.toLowerCase() === "close") {
    return `activity is ${f.activity_name ?? "Close"}`;
  }
  if (f.status_id !== undefined && !OPEN_STATUS_IDS.includes(f.status_id)) {
    return `status is ${f.status ?? "not New or In Progress"} (status_id ${f.status_id})`;
  }
  if (f.status !== undefined && !OPEN_STATUSES.includes(f.status.toLowerCase()))
    return `status is ${f.status}`;
  return undefined;
};

/** OCSF activity_id 2 (Update): the finding was seen before. */
const isUpdate = (f: OcsfFinding): boolean =>
  f.activity_id === 2 ||
  (f.activity_id === undefined && f.activity_name?.toLowerCase() === "update") ||
  (numberOf(f.count) ?? 1) > 1;

/**
 * The finding's type. OCSF 1.6 findings may list a category first (`Threats`); the GuardDuty type is the entry
 * shaped like one (`UnauthorizedAccess:IAMUser/MaliciousIPCaller`: a ':' and then a '/'), wherever it appears. It
 * names the finding in the alert and is what CONTAIN_WITHOUT_APPROVAL's type prefixes match.
 */
const typeOf = (types: unknown[] | undefined): string => {
  const texts = (types ?? []).filter((t): t is string => typeof t === "string" && t !== "");
  return texts.find((t) => /^[^:/]+:[^/]+\/./.test(t)) ?? texts[0] ?? "Security Hub finding";
};

/** A uid that is missing, empty or "null" (as ASFF writes a console sign-in's key) names no key. */
const present = (value: string | undefined): string | undefined =>
  value === undefined || value === "" || value === "null" ? undefined : value;

/** The key and every user a key resource names. Two different names for one key are kept, for the plan to refuse. */
interface NamedKey {
  accessKeyId: string;
  resource: KeyResource;
  userNames: string[];
  /** The resource's `uid` and `data.access_key_id` name different keys: neither is acted on. */
  doubt?: string;
}

/**
 * The keys a resource names: its `uid` and GuardDuty's `data.access_key_id`. When both are there and differ, the
 * finding does not say which key it is about: both are reported, neither written, and a person decides.
 */
const keysOf = (resource: KeyResource): { accessKeyId: string; doubt?: string }[] => {
  const uid = present(resource.uid);
  const fromData = present(resource.data?.access_key_id);
  if (uid !== undefined && fromData !== undefined && uid !== fromData) {
    const doubt = `its key resource names two keys (uid ${uid}, data.access_key_id ${fromData})`;
    return [
      { accessKeyId: uid, doubt },
      { accessKeyId: fromData, doubt },
    ];
  }
  const accessKeyId = uid ?? fromData;
  return accessKeyId === undefined ? [] : [{ accessKeyId }];
};

/** One entry per distinct key: resources that repeat a key add only the user names not seen yet. */
const namedKeys = (resources: KeyResource[]): NamedKey[] => {
  const byKey = new Map<string, NamedKey>();
  for (const resource of resources) {
    for (const { accessKeyId, doubt } of keysOf(resource)) {
      const entry = byKey.get(accessKeyId) ?? { accessKeyId, resource, userNames: [] };
      entry.doubt ??= doubt;
      for (const name of [resource.data?.user_name, resource.user?.name]) {
        if (name && !entry.userNames.includes(name)) entry.userNames.push(name);
      }
      byKey.set(accessKeyId, entry);
    }
  }
  return [...byKey.values()];
};

const findingsOf = (f: OcsfFinding, keyResources: KeyResource[], envelope: Envelope): Finding[] => {
  const info = f.finding_info;
  const product = f.metadata?.product;
  const aws = isAwsProduct(product?.uid);
  const closed = closedReasonV2(f);
  const type = typeOf(info.types);
  const count = numberOf(f.count);
  return namedKeys(keyResources).flatMap(({ accessKeyId, resource, userNames, doubt }) => {
    const region = f.cloud?.region ?? resource.region;
    const data = resource.data;
    const base: Omit<Finding, "userName" | "principalType" | "sample"> = {
      source: Source.SecurityHub,
      findingId: info.uid,
      eventId: envelope.id,
      type,
      title: info.title ?? type,
      severity: severityOf(f),
      accessKeyId,
      principalId: data?.principal_id,
      // Kept as sent when it is not an account ID: the plan then refuses to write. The resource's owner, when it
      // differs, is a hint: STS then says which account owns the key.
      account: f.cloud?.account?.uid ?? resource.owner?.account?.uid,
      ...(resource.owner?.account?.uid !== undefined &&
      resource.owner.account.uid !== (f.cloud?.account?.uid ?? resource.owner.account.uid)
        ? { accountHints: [resource.owner.account.uid] }
        : {}),
      region,
      partition: resource.cloud_partition ?? f.cloud?.cloud_partition,
      firstSeen: toIsoTime(info.first_seen_time_dt ?? info.first_seen_time),
      observedAt: toIsoTime(
        info.modified_time_dt ??
          info.modified_time ??
          info.created_time_dt ??
          info.created_time ??
          f.time_dt ??
          f.time,
      ),
      occurrences: count,
      // As for ASFF: a GuardDuty finding of this region, an update or a repeated count reads the key first.
      update: mayRepeatGuardDuty(product?.uid, region, envelope.region) || isUpdate(f),
      requestedStatus: "Inactive",
      provenance: { product: product?.uid ?? "(no metadata.product.uid)", aws },
      closed,
      ...(doubt ? { doubt } : {}),
      details: facts({
        "Security Hub finding": info.uid,
        Product: product?.uid,
        "Product name": product?.name,
      }),
    };
    // Without a user, the owner is looked up from the key (GetAccessKeyLastUsed), as for Health.
    const owners = userNames.length > 0 ? userNames : [undefined];
    return owners.map(
      (userName): Finding => ({
        ...base,
        userName,
        principalType: data?.user_type
          ? principalTypeOf(data.user_type)
          : userName
            ? PrincipalType.IAMUser
            : PrincipalType.Unknown,
        // OCSF defines no sample flag; a key no credential can have marks GuardDuty's samples. Never a name.
        sample: isPlaceholderKey(accessKeyId),
      }),
    );
  });
};

/** What an OCSF finding that failed its schema still names: the keys of its key resources, among the rest. */
const rawOcsf = (raw: unknown): RawSecurityHubFinding => {
  const f = objectAt(raw);
  const info = objectAt(f.finding_info);
  const keys = arrayAt(f.resources)
    .map(objectAt)
    .filter((r) => r.type === KEY_RESOURCE_TYPE)
    .flatMap((r) => [r.uid, objectAt(r.data).access_key_id]);
  return {
    keys,
    id: info.uid,
    type: typeOf(arrayAt(info.types)),
    title: info.title,
    account: objectAt(objectAt(f.cloud).account).uid,
    sample: false,
    product: objectAt(objectAt(f.metadata).product).uid,
    noProduct: "(no metadata.product.uid)",
  };
};

const readOcsf = (raw: unknown, path: string, envelope: Envelope): FindingRead => {
  const parsed = v.safeParse(schemas().OcsfFinding, raw);
  if (!parsed.success) return { what: "Security Hub finding (OCSF)", issues: parsed.issues, path };
  // The responder's own comment coming back (Security Hub re-emits the finding on every update). OCSF keeps no
  // time of the comment, so a finding carrying it is the echo whatever else changed; the guardduty function still
  // receives GuardDuty's own updates directly.
  if (parsed.output.comment?.startsWith(RESPONDER_NOTE_PREFIX)) return "echo";
  const keyResources: KeyResource[] = [];
  for (const [at, candidate] of (parsed.output.resources ?? []).entries()) {
    if (candidate.type !== KEY_RESOURCE_TYPE) continue;
    const resource = v.safeParse(schemas().KeyResource, candidate);
    if (!resource.success) {
      const where = `${path}.resources.${at}`;
      const why = "its key resource could not be read";
      return { what: "Security Hub key resource (OCSF)", why, issues: resource.issues, path: where };
    }
    keyResources.push(resource.output);
  }
  return findingsOf(parsed.output, keyResources, envelope);
};

/**
 * Turns a "Findings Imported V2" event (Security Hub's OCSF findings) into one Finding per access key named by an
 * `AWS::IAM::AccessKey` resource. The same trust rules as ASFF: only an AWS product may lead to a write, and a
 * closed finding never does.
 */
export const parseSecurityHubV2Event = (envelope: Envelope): ParsedEvent =>
  parseSecurityHubFindings(envelope, {
    detailType: FINDINGS_IMPORTED_V2,
    other: "not an OCSF finding",
    eventName: "Security Hub V2 event",
    read: readOcsf,
    rawFinding: rawOcsf,
  });
