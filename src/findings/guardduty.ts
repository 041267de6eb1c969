import * as z from "zod/mini";
import { isUserName } from "../shared/identifiers";
import {
  anything,
  arrayAt,
  described,
  describeIssues,
  type Envelope,
  facts,
  isPlaceholderKey,
  lazily,
  lenientText,
  mismatch,
  numberOf,
  objectAt,
  principalTypeOf,
  salvaged,
  textOf,
  toIsoTime,
} from "./common";
import { type Finding, type ParsedEvent, PrincipalType, Source } from "./finding";

/** Every attack sequence type (Extended Threat Detection); published ones may carry no `resource` at all. */
const ATTACK_SEQUENCE_PREFIX = "AttackSequence:";
/** Attack sequences about IAM credentials: a credential finding, even when no field names the credential. */
const CREDENTIAL_SEQUENCE_PREFIX = "AttackSequence:IAM/";

const schemas = lazily(() => {
  const AccessKeyDetails = z.looseObject({
    accessKeyId: z.optional(z.string()),
    principalId: z.optional(z.string()),
    userName: z.optional(z.string()),
    userType: z.optional(z.string()),
  });

  const RemoteIp = z.looseObject({
    ipAddressV4: lenientText(),
    country: z.catch(z.optional(z.looseObject({ countryName: lenientText() })), undefined),
    organization: z.catch(z.optional(z.looseObject({ asnOrg: lenientText() })), undefined),
  });

  // An Extended Threat Detection attack sequence (AttackSequence:IAM/CompromisedCredentials and others) names its
  // credentials in service.detection.sequence, not in resource.accessKeyDetails. Field names as in the GuardDuty API
  // reference (camelCase in events): Sequence, Actor, User, Account, Session, ResourceV2, ResourceData, AccessKey,
  // Signal and Indicator. Only what the responder reads is typed. Identifiers must have their type (a wrong one
  // makes the finding one a person must look at); what is only shown to people is read leniently.
  const Text = z.optional(z.string());
  /** The API types these as Timestamp: an ISO-8601 string or epoch seconds/milliseconds are both read. */
  const Time = z.catch(z.optional(z.union([z.string(), z.number()])), undefined);

  const SequenceUser = z.looseObject({
    name: Text,
    type: Text,
    uid: Text,
    credentialUid: Text,
    /** Where the activity took place, "not necessarily the account that owns the user identity" (API_User). */
    account: z.optional(z.looseObject({ uid: Text })),
  });

  const SequenceActor = z.looseObject({
    id: Text,
    user: z.optional(SequenceUser),
    session: z.optional(
      z.looseObject({ uid: lenientText(), mfaStatus: lenientText(), issuer: Text, createdTime: Time }),
    ),
  });

  const SequenceResource = z.looseObject({
    resourceType: Text,
    uid: Text,
    /** The account the resource belongs to (API_ResourceV2): for an ACCESS_KEY, the key's owner. */
    accountId: Text,
    data: z.optional(
      z.looseObject({
        accessKey: z.optional(z.looseObject({ principalId: Text, userName: Text, userType: Text })),
      }),
    ),
  });

  const Signal = z.looseObject({
    name: lenientText(),
    type: lenientText(),
    count: anything(),
    firstSeenAt: Time,
    lastSeenAt: Time,
    createdAt: Time,
    updatedAt: Time,
  });

  const Indicator = z.looseObject({
    key: lenientText(),
    title: lenientText(),
    values: z.catch(z.optional(z.array(z.string())), undefined),
  });

  const AttackSequence = z.looseObject({
    uid: lenientText(),
    description: lenientText(),
    actors: z.optional(z.array(SequenceActor)),
    resources: z.optional(z.array(SequenceResource)),
    signals: z.catch(z.optional(z.array(Signal)), undefined),
    sequenceIndicators: z.catch(z.optional(z.array(Indicator)), undefined),
  });

  /**
   * The fields of a GuardDuty finding the responder reads; everything else passes through untouched. The finding's
   * id and type, the account and every field that names the credential or its owner must have their documented
   * type; the rest is shown to people only, and read leniently.
   */
  const GuardDutyDetail = z
    .looseObject({
      id: z.string().check(z.minLength(1)),
      type: z.string().check(z.minLength(1)),
      accountId: z.optional(z.string()),
      region: lenientText(),
      partition: lenientText(),
      // Read by `severityOf`: a number as a string is read, anything else makes a person decide.
      severity: anything(),
      title: lenientText(),
      createdAt: lenientText(),
      updatedAt: lenientText(),
      // Required for every finding but an attack sequence, whose credentials are elsewhere.
      resource: z.optional(
        z.looseObject({
          resourceType: lenientText(),
          accessKeyDetails: z.optional(AccessKeyDetails),
        }),
      ),
      service: z.optional(
        z.looseObject({
          archived: anything(),
          count: anything(),
          eventFirstSeen: lenientText(),
          eventLastSeen: lenientText(),
          // Newer samples wrap the flag in {value, type}; only the boolean counts (FORMATS.md, GuardDuty samples).
          // Any other shape reads as no flag: a sample still names a placeholder key, which marks it anyway.
          additionalInfo: z.catch(
            z.optional(z.looseObject({ sample: anything(), value: anything() })),
            undefined,
          ),
          action: z.catch(
            z.optional(
              z.looseObject({
                awsApiCallAction: z.optional(
                  z.looseObject({
                    api: lenientText(),
                    serviceName: lenientText(),
                    remoteIpDetails: z.catch(z.optional(RemoteIp), undefined),
                    // The account the caller belongs to, when it is not the finding's: a hint of the key's owner.
                    remoteAccountDetails: z.catch(
                      z.optional(z.looseObject({ accountId: lenientText() })),
                      undefined,
                    ),
                  }),
                ),
              }),
            ),
            undefined,
          ),
          detection: z.optional(z.looseObject({ sequence: z.optional(AttackSequence) })),
        }),
      ),
    })
    .check(
      z.refine(
        (d) =>
          d.resource !== undefined ||
          d.service?.detection?.sequence !== undefined ||
          d.type.startsWith(ATTACK_SEQUENCE_PREFIX),
        {
          message: "a finding has a resource (only an attack sequence may do without)",
          path: ["resource"],
        },
      ),
    );
  return { AttackSequence, GuardDutyDetail };
});
export type AttackSequence = z.infer<ReturnType<typeof schemas>["AttackSequence"]>;
export type GuardDutyDetail = z.infer<ReturnType<typeof schemas>["GuardDutyDetail"]>;

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

// ---------- credentials ----------

/** One place in the finding that names a credential, with what it says about the owner. */
interface Sighting {
  accessKeyId: string;
  userName?: string;
  principalType: PrincipalType;
  principalId?: string;
  account?: string;
  /** The account is the key's owner (accessKeyDetails, an ACCESS_KEY resource), not where an actor acted. */
  ownerAccount: boolean;
  /** Other accounts the finding names around the key: the caller's remote account, a session issuer's account. */
  hints?: string[];
  mfa?: string;
}

const present = (value: string | undefined): string | undefined =>
  value === undefined || value.length === 0 ? undefined : value;

/** The role named by a session issuer ARN (`arn:<partition>:iam::<account>:role/<path/>name`), if it is one. */
const issuerRole = (issuer: string | undefined): string | undefined =>
  /^arn:[\w-]+:iam::\d{12}:role\/(?:[^/]+\/)*([^/]+)$/.exec(issuer ?? "")?.[1];

/** The account of a session issuer ARN: where the role (or user) that issued the session lives. */
const issuerAccount = (issuer: string | undefined): string | undefined =>
  /^arn:[\w-]+:iam::(\d{12}):/.exec(issuer ?? "")?.[1];

const fromAccessKeyDetails = (d: GuardDutyDetail): Sighting[] => {
  const k = d.resource?.accessKeyDetails;
  const accessKeyId = present(k?.accessKeyId);
  if (!k || !accessKeyId) return [];
  return [
    {
      accessKeyId,
      userName: k.userName,
      principalType: principalTypeOf(k.userType),
      principalId: k.principalId,
      account: d.accountId,
      ownerAccount: true,
      hints: [d.service?.action?.awsApiCallAction?.remoteAccountDetails?.accountId].filter(
        (hint): hint is string => hint !== undefined,
      ),
    },
  ];
};

const fromSequence = (sequence: AttackSequence): Sighting[] => {
  const actors = (sequence.actors ?? []).flatMap((actor): Sighting[] => {
    const user = actor.user;
    const accessKeyId = present(user?.credentialUid);
    if (!user || !accessKeyId) return [];
    const principalType = principalTypeOf(user.type);
    // A role session's issuer is the role itself; the user name may be the session's.
    const role = principalType === PrincipalType.AssumedRole ? issuerRole(actor.session?.issuer) : undefined;
    return [
      {
        accessKeyId,
        userName: role ?? present(user.name),
        principalType,
        principalId: present(user.uid),
        account: present(user.account?.uid),
        ownerAccount: false,
        hints: [issuerAccount(actor.session?.issuer)].filter((hint): hint is string => hint !== undefined),
        mfa: present(actor.session?.mfaStatus),
      },
    ];
  });
  const resources = (sequence.resources ?? []).flatMap((resource): Sighting[] => {
    const accessKeyId = present(resource.uid);
    if (resource.resourceType !== "ACCESS_KEY" || !accessKeyId) return [];
    const key = resource.data?.accessKey;
    return [
      {
        accessKeyId,
        userName: present(key?.userName),
        principalType: principalTypeOf(key?.userType),
        principalId: present(key?.principalId),
        account: present(resource.accountId),
        ownerAccount: true,
      },
    ];
  });
  return [...actors, ...resources];
};

const sameOwner = (a: Sighting, b: Sighting): boolean =>
  (a.userName === undefined ||
    b.userName === undefined ||
    a.userName.toLowerCase() === b.userName.toLowerCase()) &&
  (a.principalType === PrincipalType.Unknown ||
    b.principalType === PrincipalType.Unknown ||
    a.principalType === b.principalType);

const merged = (a: Sighting, b: Sighting): Sighting => ({
  ...a,
  userName: a.userName ?? b.userName,
  principalType: a.principalType === PrincipalType.Unknown ? b.principalType : a.principalType,
  principalId: a.principalId ?? b.principalId,
  hints: [...(a.hints ?? []), ...(b.hints ?? [])],
  mfa: a.mfa ?? b.mfa,
});

/**
 * The key's account: its owner's when a sighting names it, else where an actor used it, else the finding's. Two
 * different answers name no account we can trust: kept as text, so that the plan refuses to write.
 */
const accountOf = (sightings: Sighting[], findingAccount: string | undefined): string | undefined => {
  const owner = sightings.filter((s) => s.ownerAccount && s.account !== undefined);
  const candidates = [
    ...new Set((owner.length > 0 ? owner : sightings).flatMap((s) => (s.account ? [s.account] : []))),
  ];
  const [first, ...others] = candidates;
  if (first === undefined) return findingAccount;
  return others.length === 0 ? first : `${first} (the finding also names ${others.join(", ")})`;
};

type Credential = Omit<Sighting, "ownerAccount">;

/**
 * One credential per distinct key; sightings of a key that agree are merged. Sightings that disagree on its owner
 * stay apart, so that the planner, which merges a key's plans, sees the disagreement and refuses to write.
 */
const credentialsOf = (sightings: Sighting[], findingAccount: string | undefined): Credential[] => {
  const byKey = new Map<string, Sighting[]>();
  for (const s of sightings) byKey.set(s.accessKeyId, [...(byKey.get(s.accessKeyId) ?? []), s]);
  return [...byKey.values()].flatMap((group) => {
    const account = accountOf(group, findingAccount);
    const owners: Sighting[] = [];
    for (const s of group) {
      const i = owners.findIndex((owner) => sameOwner(owner, s));
      if (i === -1) owners.push(s);
      else owners[i] = merged(owners[i] as Sighting, s);
    }
    // Every account a sighting of this key names, other than the one chosen, is a hint for STS to settle.
    const hints = [...new Set(group.flatMap((s) => [...(s.hints ?? []), ...(s.account ? [s.account] : [])]))];
    return owners.map(({ ownerAccount: _, ...owner }) => ({
      ...owner,
      account,
      hints: hints.filter((hint) => hint !== account),
    }));
  });
};

// ---------- what the alert shows ----------

/** Minutes are enough for people: 2026-11-20T09:00Z. */
const shortTime = (value: unknown): string | undefined => toIsoTime(value)?.replace(/:\d{2}\.\d{3}Z$/, "Z");

/** Items joined with "; " while they fit in `budget` characters, then how many were left out. */
const within = (items: string[], budget = 180): string | undefined => {
  const shown: string[] = [];
  let length = 0;
  for (const item of items) {
    if (shown.length > 0 && length + item.length + 2 > budget) break;
    shown.push(item);
    length += item.length + 2;
  }
  const left = items.length - shown.length;
  return shown.length === 0 ? undefined : [...shown, ...(left > 0 ? [`+${left} more`] : [])].join("; ");
};

const signalText = (s: NonNullable<AttackSequence["signals"]>[number]): string => {
  const first = shortTime(s.firstSeenAt ?? s.createdAt);
  const last = shortTime(s.lastSeenAt ?? s.updatedAt);
  const when = first && last && first !== last ? `${first} … ${last}` : (first ?? last);
  const count = numberOf(s.count);
  return `${s.name ?? s.type ?? "unnamed signal"}${count === undefined ? "" : ` ×${count}`}${when ? ` (${when})` : ""}`;
};

const indicatorText = (i: NonNullable<AttackSequence["sequenceIndicators"]>[number]): string => {
  const values = i.values ?? [];
  const shown = values.slice(0, 3).join(", ") + (values.length > 3 ? ` +${values.length - 3} more` : "");
  return `${i.key ?? "indicator"}${i.title ? ` (${i.title})` : ""}${shown ? `: ${shown}` : ""}`;
};

const sequenceFacts = (sequence: AttackSequence): Record<string, unknown> => ({
  "Attack sequence": sequence.description,
  Signals: within((sequence.signals ?? []).map(signalText)),
  Indicators: within((sequence.sequenceIndicators ?? []).map(indicatorText)),
});

/** The earliest signal of a sequence: when the attack was first seen. */
const earliestSignal = (sequence: AttackSequence | undefined): string | undefined =>
  (sequence?.signals ?? [])
    .map((s) => toIsoTime(s.firstSeenAt ?? s.createdAt))
    .filter((time): time is string => time !== undefined)
    .sort()[0];

const ignoredReason = (d: GuardDutyDetail): string =>
  d.service?.detection?.sequence
    ? `GuardDuty attack sequence ${d.type} names no credential (no actor's credentialUid, no ACCESS_KEY resource)`
    : `GuardDuty finding ${d.type} (${d.resource?.resourceType ?? "unknown resource"}) names no access key`;

/**
 * The principals a text names the way GuardDuty's attack sequences do (`IAMUser/alice`, `AssumedRole/deploy`),
 * each valid as an IAM name. Sentence punctuation after a name is not part of it. Shown to people and used for one
 * read (ListAccessKeys); never written on, since anyone who can name a user in a sentence could name another.
 */
const PRINCIPAL_IN_TEXT = /\b(IAMUser|AssumedRole|Role)\/([\w+=,.@-]{1,80})/g;

const principalsIn = (...texts: (string | undefined)[]): string[] => {
  const found: string[] = [];
  for (const text of texts) {
    for (const [, kind, raw] of (text ?? "").matchAll(PRINCIPAL_IN_TEXT)) {
      const name = (raw ?? "").replace(/[.,]+$/, "");
      const principal = `${kind === "IAMUser" ? "IAMUser" : "AssumedRole"}/${name}`;
      if (isUserName(name) && !found.includes(principal)) found.push(principal);
    }
  }
  return found;
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
  const { severity } = severityOf(d.severity);
  return {
    source: Source.GuardDuty,
    findingId: d.id,
    eventId,
    type: d.type,
    title: d.title ?? d.type,
    severity,
    accessKeyId: "",
    userName: name,
    principalType: kind === undefined ? PrincipalType.Unknown : principalTypeOf(kind),
    account: d.accountId,
    region: d.region,
    partition: d.partition,
    sample: isTrueFlag(d.service?.additionalInfo),
    noCredential: { principals },
    firstSeen: toIsoTime(d.service?.eventFirstSeen) ?? earliestSignal(sequence),
    observedAt: toIsoTime(d.updatedAt ?? d.createdAt),
    occurrences: numberOf(d.service?.count),
    update: d.updatedAt !== undefined && d.updatedAt !== d.createdAt,
    requestedStatus: "Inactive",
    closed: isTrue(d.service?.archived) ? "the finding is archived" : undefined,
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
  const parsed = schemas().GuardDutyDetail.safeParse(detail);
  if (!parsed.success) {
    const why = `some of its fields could not be read (${describeIssues(parsed.error, "detail")})`;
    return (
      salvage(detail, eventId, why) ?? mismatch(Source.GuardDuty, eventId, "GuardDuty finding", parsed.error)
    );
  }
  const d = parsed.data;
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
  // Some producers send the flags as strings ("true"); only the words true and "true" count.
  const sampleFlag = isTrueFlag(d.service?.additionalInfo);
  const archived = isTrue(d.service?.archived);
  const count = numberOf(d.service?.count);
  const { severity, doubt } = severityOf(d.severity);
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
      source: Source.GuardDuty,
      findingId: d.id,
      eventId,
      type: d.type,
      title: d.title ?? d.type,
      severity,
      accessKeyId: c.accessKeyId,
      userName: c.userName,
      principalType: c.principalType,
      principalId: c.principalId,
      // Kept as sent when it is not an account ID: the plan then refuses to write.
      account: c.account,
      ...(c.hints && c.hints.length > 0 ? { accountHints: c.hints } : {}),
      region: d.region,
      partition: d.partition,
      // AWS's flag, or a key no credential can have: never a name (anyone can create GeneratedFindingUserName).
      sample: sampleFlag || isPlaceholderKey(c.accessKeyId),
      firstSeen: toIsoTime(d.service?.eventFirstSeen) ?? earliestSignal(sequence),
      observedAt: toIsoTime(d.updatedAt ?? d.createdAt),
      occurrences: count,
      // GuardDuty re-emits the same finding id with a larger count on every update.
      update: (count ?? 1) > 1 || (d.updatedAt !== undefined && d.updatedAt !== d.createdAt),
      requestedStatus: "Inactive",
      closed: archived ? "the finding is archived" : undefined,
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
