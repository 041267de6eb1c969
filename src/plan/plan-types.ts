import type { Finding } from "../findings";

export const Action = {
  DisableKey: "disable-key",
  ReactivateKey: "reactivate-key",
  RevokeSessions: "revoke-sessions",
  None: "none",
} as const;
export type Action = (typeof Action)[keyof typeof Action];

/** Why a finding gets no write. Each has its own alert wording. */
export const Skip = {
  Sample: "sample",
  InvalidInput: "invalid-input",
  Root: "root",
  Protected: "protected",
  TemporaryKey: "temporary-key",
  OtherAccount: "other-account",
  BelowThreshold: "below-threshold",
  /** A Security Hub finding that AWS did not make: anyone allowed to import findings can write one. */
  UntrustedProduct: "untrusted-product",
  /** The finding was archived, resolved or suppressed: a person closed the case. */
  Closed: "closed",
  /** A request to set a key Active that did not come directly to the manual function. */
  ReactivationRefused: "reactivation-refused",
  /** The finding is about the responder's own role or user. */
  Responder: "responder-itself",
  /**
   * The event came inside an SNS notification from a topic not listed as trusted: whoever may publish there wrote it,
   * so it is evidence for a person, never a reason to write.
   */
  UntrustedWrapper: "untrusted-wrapper",
  /**
   * A credential finding that names no key (an attack sequence naming its principal only in its text): nothing to
   * write on, so a person is told, with the principal it names and, for a user of ours, that user's keys.
   */
  NoCredential: "no-credential",
} as const;
export type Skip = (typeof Skip)[keyof typeof Skip];

/** Who the responder is: its own account (unknown only in an offline dry run) and partition. */
export interface Identity {
  account?: string;
  partition: string;
  /** The responder's own role (in our account): never acted on, nor the member role it assumes elsewhere. */
  roleName?: string;
  /** The IAM user the responder runs as, in a local run with a user's credentials: never acted on. */
  userName?: string;
  /** The function that was invoked (`manual`, `guardduty`, …): only `manual` may reactivate a key. */
  handler?: string;
}

export interface Plan {
  finding: Finding;
  action: Action;
  skip?: Skip;
  /** One sentence for people: what will be done and why, or why nothing. */
  why: string;
  /** The account the key lives in (ours unless the finding says otherwise). */
  account?: string;
  /** Role to assume first when the key lives in another account. */
  roleArn?: string;
  /** The key's owner, validated. */
  userName?: string;
  /** The event does not name the owner: look it up with GetAccessKeyLastUsed before writing. */
  resolveOwner: boolean;
  /** Read the key's status before writing, because the event may repeat one already handled. */
  checkFirst: boolean;
  /**
   * Ask STS GetAccessKeyInfo which account owns the key before acting: the event's account may not be the key's (a
   * request naming no account, a finding that names another account too, a temporary key whose role may live
   * elsewhere). The answer is authoritative; the plan is then made again for that account.
   */
  verifyAccount?: boolean;
  /** The account was confirmed by STS GetAccessKeyInfo: "no such key" there means the key is gone. */
  accountVerified?: boolean;
  /** For temporary keys with session revocation on: whose sessions to revoke. */
  sessionTarget?: { kind: "role" | "user"; name: string };
  dryRun: boolean;
  /** Approval mode: the write waits for a person, who approves it through the manual function. No IAM call is made. */
  awaitsApproval?: boolean;
  /** A person must act now (root credentials, protected principals, a key we may not touch). */
  urgent: boolean;
}
