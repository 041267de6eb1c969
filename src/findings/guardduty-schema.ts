import * as z from "zod/mini";
import { anything, lazily, lenientText } from "./schema";

/** Every attack sequence type (Extended Threat Detection); published ones may carry no `resource` at all. */
const ATTACK_SEQUENCE_PREFIX = "AttackSequence:";
/** Attack sequences about IAM credentials: a credential finding, even when no field names the credential. */
export const CREDENTIAL_SEQUENCE_PREFIX = "AttackSequence:IAM/";

export const schemas = lazily(() => {
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
