import { isUserName } from "../shared/identifiers";
import { PrincipalType } from "./finding";
import { principalTypeOf } from "./finding-fields";
import type { Sighting } from "./guardduty-credentials";
import { present } from "./guardduty-credentials";
import type { AttackSequence } from "./guardduty-schema";
import { numberOf, toIsoTime } from "./values";

// An Extended Threat Detection attack sequence: the credentials its actors and resources name, and what the alert
// shows of it (signals, indicators, the principals its text names).

/** The role named by a session issuer ARN (`arn:<partition>:iam::<account>:role/<path/>name`), if it is one. */
const issuerRole = (issuer: string | undefined): string | undefined =>
  /^arn:[\w-]+:iam::\d{12}:role\/(?:[^/]+\/)*([^/]+)$/.exec(issuer ?? "")?.[1];

/** The account of a session issuer ARN: where the role (or user) that issued the session lives. */
const issuerAccount = (issuer: string | undefined): string | undefined =>
  /^arn:[\w-]+:iam::(\d{12}):/.exec(issuer ?? "")?.[1];

/** Every credential an attack sequence names: its actors' `credentialUid` and its ACCESS_KEY resources. */
export const fromSequence = (sequence: AttackSequence): Sighting[] => {
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

/** What the alert shows of a sequence: its description, signals and indicators, each within a budget. */
export const sequenceFacts = (sequence: AttackSequence): Record<string, unknown> => ({
  "Attack sequence": sequence.description,
  Signals: within((sequence.signals ?? []).map(signalText)),
  Indicators: within((sequence.sequenceIndicators ?? []).map(indicatorText)),
});

/** The earliest signal of a sequence: when the attack was first seen. */
export const earliestSignal = (sequence: AttackSequence | undefined): string | undefined =>
  (sequence?.signals ?? [])
    .map((s) => toIsoTime(s.firstSeenAt ?? s.createdAt))
    .filter((time): time is string => time !== undefined)
    .sort()[0];

/**
 * The principals a text names the way GuardDuty's attack sequences do (`IAMUser/alice`, `AssumedRole/deploy`),
 * each valid as an IAM name. Sentence punctuation after a name is not part of it. Shown to people and used for one
 * read (ListAccessKeys); never written on, since anyone who can name a user in a sentence could name another.
 */
const PRINCIPAL_IN_TEXT = /\b(IAMUser|AssumedRole|Role)\/([\w+=,.@-]{1,80})/g;

export const principalsIn = (...texts: (string | undefined)[]): string[] => {
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
