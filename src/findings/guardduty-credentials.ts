import { PrincipalType } from "./finding";
import { principalTypeOf } from "./finding-fields";
import type { GuardDutyDetail } from "./guardduty-schema";

// The credentials a GuardDuty finding names, wherever it names them, merged into one per key and owner.

/** One place in the finding that names a credential, with what it says about the owner. */
export interface Sighting {
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

/** A field that names something: empty text names nothing. */
export const present = (value: string | undefined): string | undefined =>
  value === undefined || value.length === 0 ? undefined : value;

/** The key of `resource.accessKeyDetails`, the place every finding but an attack sequence names it. */
export const fromAccessKeyDetails = (d: GuardDutyDetail): Sighting[] => {
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

export type Credential = Omit<Sighting, "ownerAccount">;

/**
 * One credential per distinct key; sightings of a key that agree are merged. Sightings that disagree on its owner
 * stay apart, so that the planner, which merges a key's plans, sees the disagreement and refuses to write.
 */
export const credentialsOf = (sightings: Sighting[], findingAccount: string | undefined): Credential[] => {
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
