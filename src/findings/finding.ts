import { Source } from "../shared/source";

// The one normalized shape every parser produces. Plain data: no SDK types, no methods.

export { Source };

export const PrincipalType = {
  IAMUser: "IAMUser",
  AssumedRole: "AssumedRole",
  Root: "Root",
  Unknown: "Unknown",
} as const;
export type PrincipalType = (typeof PrincipalType)[keyof typeof PrincipalType];

export const KeyStatus = { Active: "Active", Inactive: "Inactive" } as const;
export type KeyStatus = (typeof KeyStatus)[keyof typeof KeyStatus];

export interface Finding {
  source: Source;
  /** Stable id of the finding (GuardDuty id, Health event ARN, Trusted Advisor item, ASFF Id, manual request). */
  findingId: string;
  /** Id of the delivery (EventBridge envelope id); changes on every new event. */
  eventId?: string;
  /** Finding type, Health event code, Trusted Advisor check or "ManualRequest". */
  type: string;
  title: string;
  /** 0–10 on GuardDuty's scale. Leak reports (Health, Trusted Advisor, manual) have none and are always acted on. */
  severity?: number;
  /**
   * As found in the event. Not yet validated: the plan refuses anything that is not a valid key ID. Empty only for a
   * finding with `noCredential`, which names no key at all.
   */
  accessKeyId: string;
  userName?: string;
  principalType: PrincipalType;
  principalId?: string;
  /** The account the key belongs to, when the event says so (not the envelope's receiving account). */
  account?: string;
  /**
   * Other accounts the event names around the key (a remote account, a resource owner, the account that forwarded
   * the event). Never acted on as such: when one differs from `account`, STS GetAccessKeyInfo decides.
   */
  accountHints?: string[];
  region?: string;
  partition?: string;
  /**
   * A generated test finding: AWS's own sample flag (GuardDuty `additionalInfo.sample`, ASFF `Sample`), or a key ID
   * no AWS credential can have. Never a name: anyone can call a user `GeneratedFindingUserName`. Never acted on.
   */
  sample: boolean;
  /**
   * A credential finding that names no key in any structured field: a GuardDuty attack sequence that names its
   * principal only in its title or description. `accessKeyId` is empty (nothing is guessed), `userName` and
   * `principalType` hold the one principal it names, if exactly one. No write; a person is always told.
   */
  noCredential?: { principals: string[] };
  /**
   * Why the finding, though it names a key, cannot be acted on as read: an essential field of an unexpected type,
   * or two fields that disagree about the key. No write; the alert names the key and asks a person.
   */
  doubt?: string;
  /** When the activity was first seen (ISO-8601); keys created after it may be the attacker's. */
  firstSeen?: string;
  /** When the finding was produced (ISO-8601); the start of the time-to-containment clock. */
  observedAt?: string;
  occurrences?: number;
  /** The event re-announces a finding seen before, so the key may already be contained: read before writing. */
  update: boolean;
  /** What the key should become. Only a manual request may ask for Active. */
  requestedStatus: KeyStatus;
  /** A person's reason (manual requests). */
  reason?: string;
  /** Who asked (manual requests): the invoking identity, or the request's `requestedBy`. Untrusted text. */
  requestedBy?: string;
  /** Who made the finding (Security Hub): only AWS's own products (`product/aws/<service>`) may lead to a write. */
  provenance?: { product: string; aws: boolean };
  /** Why the finding is closed (archived, resolved, suppressed): a person decided, so no write. */
  closed?: string;
  /** The event reached the function inside an SNS notification rather than directly. */
  viaSns?: boolean;
  /** The topic of that notification (`Records[0].Sns.TopicArn`), as the notification states it. */
  snsTopicArn?: string;
  /** Source-specific facts shown to people: remote IP, API called, where the key was exposed, … */
  details: Record<string, string>;
}

/** What parsing an event gives: findings to plan, a reason to ignore it, or a reason it could not be read. */
export type ParsedEvent =
  | { kind: "findings"; source: Source; eventId?: string; findings: Finding[] }
  | { kind: "ignored"; source?: Source; eventId?: string; reason: string }
  | { kind: "invalid"; source?: Source; eventId?: string; reason: string };
