import { clip, isAccessKeyId } from "../shared/identifiers";
import { PrincipalType } from "./finding";

// Finding fields every parser fills the same way, whatever its source calls them.

/** Keeps only string-valued, non-empty facts, clipped: they end up in alerts and are untrusted. */
export const facts = (entries: Record<string, unknown>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (typeof value === "string" && value.length > 0) out[key] = clip(value);
    else if (typeof value === "number" && Number.isFinite(value)) out[key] = String(value);
  }
  return out;
};

/** The shape AWS gives every access key ID it issues: `AKIA` (long-term) or `ASIA` (temporary) and 16 more. */
const REAL_KEY_ID = /^A[KS]IA[A-Z0-9]{16}$/;

/**
 * A key ID no AWS credential can have, in a field that otherwise looks like one (GuardDuty's sample findings say
 * `GeneratedFindingAccessKeyId`). AWS assigns key IDs, nobody chooses one, so a key of another shape can only be a
 * placeholder: the finding is a sample, whatever its names say. A value that is not even made of key characters
 * (`AKIA'; DROP--`) is not a placeholder but bad input, which the plan refuses as such, urgently.
 */
export const isPlaceholderKey = (accessKeyId: string): boolean =>
  isAccessKeyId(accessKeyId) && !REAL_KEY_ID.test(accessKeyId);

/**
 * The principal type a source reports (GuardDuty `userType`, ASFF `PrincipalType`, OCSF `user_type`), which follow
 * CloudTrail's `userIdentity.type`. A role is never an IAM user; anything unknown stays Unknown.
 */
export const principalTypeOf = (type: string | undefined): PrincipalType => {
  switch (type) {
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
