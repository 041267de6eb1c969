import * as v from "valibot";
import { anything, lazily, lenientText, object } from "./schema";

/** Every attack sequence type (Extended Threat Detection); published ones may carry no `resource` at all. */
const ATTACK_SEQUENCE_PREFIX = "AttackSequence:";
/** Attack sequences about IAM credentials: a credential finding, even when no field names the credential. */
export const CREDENTIAL_SEQUENCE_PREFIX = "AttackSequence:IAM/";

export const schemas = lazily(() => {
  const AccessKeyDetails = object({
    accessKeyId: v.optional(v.string()),
    principalId: v.optional(v.string()),
    userName: v.optional(v.string()),
    userType: v.optional(v.string()),
  });

  const RemoteIp = object({
    ipAddressV4: lenientText(),
    country: v.fallback(v.optional(object({ countryName: lenientText() })), undefined),
    organization: v.fallback(v.optional(object({ asnOrg: lenientText() })), undefined),
  });

  // An Extended Threat Detection attack sequence (AttackSequence:IAM/CompromisedCredentials and others) names its
  // credentials in service.detection.sequence, not in resource.accessKeyDetails. Field names as in the GuardDuty API
  // reference (camelCase in events): Sequence, Actor, User, Account, Session, ResourceV2, ResourceData, AccessKey,
  // Signal and Indicator. Only what the responder reads is typed. Identifiers must have their type (a wrong one
  // makes the finding one a person must look at); what is only shown to people is read leniently.
  const Text = v.optional(v.string());
  /** The API types these as Timestamp: an ISO-8601 string or epoch seconds/milliseconds are both read. */
  const Time = v.fallback(v.optional(v.union([v.string(), v.number()])), undefined);

  const SequenceUser = object({
    name: Text,
    type: Text,
    uid: Text,
    credentialUid: Text,
    /** Where the activity took place, "not necessarily the account that owns the user identity" (API_User). */
    account: v.optional(object({ uid: Text })),
  });

  const SequenceActor = object({
    id: Text,
    user: v.optional(SequenceUser),
    session: v.optional(
      object({ uid: lenientText(), mfaStatus: lenientText(), issuer: Text, createdTime: Time }),
    ),
  });

  const SequenceResource = object({
    resourceType: Text,
    uid: Text,
    /** The account the resource belongs to (API_ResourceV2): for an ACCESS_KEY, the key's owner. */
    accountId: Text,
    data: v.optional(
      object({
        accessKey: v.optional(object({ principalId: Text, userName: Text, userType: Text })),
      }),
    ),
  });

  const Signal = object({
    name: lenientText(),
    type: lenientText(),
    count: anything(),
    firstSeenAt: Time,
    lastSeenAt: Time,
    createdAt: Time,
    updatedAt: Time,
  });

  const Indicator = object({
    key: lenientText(),
    title: lenientText(),
    values: v.fallback(v.optional(v.array(v.string())), undefined),
  });

  const AttackSequence = object({
    uid: lenientText(),
    description: lenientText(),
    actors: v.optional(v.array(SequenceActor)),
    resources: v.optional(v.array(SequenceResource)),
    signals: v.fallback(v.optional(v.array(Signal)), undefined),
    sequenceIndicators: v.fallback(v.optional(v.array(Indicator)), undefined),
  });

  /**
   * The fields of a GuardDuty finding the responder reads; everything else passes through untouched. The finding's
   * id and type, the account and every field that names the credential or its owner must have their documented
   * type; the rest is shown to people only, and read leniently.
   */
  const GuardDutyDetail = v.pipe(
    object({
      id: v.pipe(v.string(), v.minLength(1)),
      type: v.pipe(v.string(), v.minLength(1)),
      accountId: v.optional(v.string()),
      region: lenientText(),
      partition: lenientText(),
      // Read by `severityOf`: a number as a string is read, anything else makes a person decide.
      severity: anything(),
      title: lenientText(),
      createdAt: lenientText(),
      updatedAt: lenientText(),
      // Required for every finding but an attack sequence, whose credentials are elsewhere.
      resource: v.optional(
        object({
          resourceType: lenientText(),
          accessKeyDetails: v.optional(AccessKeyDetails),
        }),
      ),
      service: v.optional(
        object({
          archived: anything(),
          count: anything(),
          eventFirstSeen: lenientText(),
          eventLastSeen: lenientText(),
          // Newer samples wrap the flag in {value, type}; only the boolean counts (FORMATS.md, GuardDuty samples).
          // Any other shape reads as no flag: a sample still names a placeholder key, which marks it anyway.
          additionalInfo: v.fallback(
            v.optional(object({ sample: anything(), value: anything() })),
            undefined,
          ),
          action: v.fallback(
            v.optional(
              object({
                awsApiCallAction: v.optional(
                  object({
                    api: lenientText(),
                    serviceName: lenientText(),
                    remoteIpDetails: v.fallback(v.optional(RemoteIp), undefined),
                    // The account the caller belongs to, when it is not the finding's: a hint of the key's owner.
                    remoteAccountDetails: v.fallback(
                      v.optional(object({ accountId: lenientText() })),
                      undefined,
                    ),
                  }),
                ),
              }),
            ),
            undefined,
          ),
          detection: v.optional(object({ sequence: v.optional(AttackSequence) })),
        }),
      ),
    }),
    v.forward(
      v.check(
        (d) =>
          d.resource !== undefined ||
          d.service?.detection?.sequence !== undefined ||
          d.type.startsWith(ATTACK_SEQUENCE_PREFIX),
        "a finding has a resource (only an attack sequence may do without)",
      ),
      ["resource"],
    ),
  );
  return { AttackSequence, GuardDutyDetail };
});
export type AttackSequence = v.InferOutput<ReturnType<typeof schemas>["AttackSequence"]>;
export type GuardDutyDetail = v.InferOutput<ReturnType<typeof schemas>["GuardDutyDetail"]>;
