import type { IAMClient } from "@aws-sdk/client-iam";
import { KeyStatus } from "../findings";
import { Action, type Identity, type Plan, planForAccount, planForOwner, Skip } from "../plan/plan";
import { type Config, Mode } from "../shared/config";
import type { Log } from "../shared/log";
import { type KeyInfo, listKeys, resolveKeyOwner, setKeyStatus } from "./access-keys";
import { attachQuarantinePolicy, tagUser } from "./audit";
import { errorMessage, isExplicitDeny, isNoSuchEntity } from "./errors";
import { type Outcome, type SiblingKey, Status } from "./outcome";
import { revokeOlderSessions } from "./sessions";

export interface ContainContext {
  config: Config;
  identity: Identity;
  /** The IAM client for the plan's account: ours, or one acting through the member role. */
  iamFor(plan: Plan): Promise<IAMClient>;
  /** The account that owns an access key ID, from STS GetAccessKeyInfo (authoritative, whoever asks). */
  keyAccount(accessKeyId: string): Promise<string>;
  now(): Date;
  log: Log;
}

const outcome = (plan: Plan, status: Status, detail: string, extra: Partial<Outcome> = {}): Outcome => ({
  plan,
  status,
  detail,
  userName: plan.userName,
  account: plan.account,
  siblings: [],
  notes: [],
  ...extra,
});

/** A user's key as the alert shows it: suspicious when created after the finding was first seen. */
const asSiblingKey = (plan: Plan, key: KeyInfo): SiblingKey => {
  const firstSeen = plan.finding.firstSeen ? Date.parse(plan.finding.firstSeen) : Number.NaN;
  return {
    accessKeyId: key.accessKeyId,
    status: key.status,
    created: key.created?.toISOString(),
    suspicious: key.created !== undefined && Number.isFinite(firstSeen) && key.created.getTime() > firstSeen,
    disabled: false,
  };
};

/** The user's other Active keys, which may be the attacker's. */
const siblingsOf = (plan: Plan, keys: KeyInfo[]): SiblingKey[] =>
  keys
    .filter((key) => key.accessKeyId !== plan.finding.accessKeyId && key.status === KeyStatus.Active)
    .map((key) => asSiblingKey(plan, key));

/** Opt-in follow-ups after the key is contained. Their failures are reported, never fatal. */
const followUp = async (
  iam: IAMClient,
  plan: Plan,
  userName: string,
  siblings: SiblingKey[],
  ctx: ContainContext,
) => {
  const notes: string[] = [];
  const attempt = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      notes.push(`${what} failed: ${errorMessage(error)}`);
      ctx.log.warn(`${what} failed`, { error: errorMessage(error) });
    }
  };
  if (ctx.config.disableSiblingKeys) {
    // Only keys created after the finding was first seen: a key the user had before is not the finding's.
    for (const sibling of siblings.filter((key) => key.suspicious)) {
      await attempt(`disabling sibling key ${sibling.accessKeyId}`, async () => {
        await setKeyStatus(iam, userName, sibling.accessKeyId, KeyStatus.Inactive);
        sibling.disabled = true;
        sibling.status = KeyStatus.Inactive;
      });
    }
  }
  if (ctx.config.tagUser) {
    const text = `${plan.finding.accessKeyId} ${plan.finding.requestedStatus} ${ctx.now().toISOString()} ${plan.finding.findingId}`;
    await attempt("tagging the user", () => tagUser(iam, userName, text));
  }
  if (ctx.config.attachQuarantinePolicy && plan.finding.requestedStatus === KeyStatus.Inactive) {
    await attempt("attaching the quarantine policy", () =>
      attachQuarantinePolicy(iam, userName, ctx.identity.partition),
    );
  }
  return notes;
};

const keyGone = (plan: Plan, account: string | undefined): Outcome =>
  outcome(
    plan,
    Status.KeyGone,
    `${plan.finding.accessKeyId} no longer exists in account ${account ?? "(unknown)"}, which STS names as its ` +
      "owner: no action needed",
  );

/** The account the plan acts in: the finding's, or ours. */
const accountOf = (plan: Plan, ctx: ContainContext): string | undefined =>
  plan.account ?? ctx.identity.account;

/**
 * The plan for the account that really owns the key. Asks STS once; the same account confirms the plan, another makes
 * it again for that account (the member role there, or no write and a person told which account owns the key).
 */
const inOwningAccount = async (plan: Plan, ctx: ContainContext): Promise<Plan> =>
  inAccount(plan, await ctx.keyAccount(plan.finding.accessKeyId), ctx);

/** The plan confirmed for `owner`, the account STS named, or made again there when it is another. */
const inAccount = (plan: Plan, owner: string, ctx: ContainContext): Plan => {
  if (owner === accountOf(plan, ctx)) return { ...plan, verifyAccount: false, accountVerified: true };
  ctx.log.warn("the key belongs to another account than the event said", { owningAccount: owner });
  return planForAccount(plan, owner, ctx.config, ctx.identity);
};

/** A plan made again for the owning account that makes no write: a person is told which account owns the key. */
const elsewhere = (plan: Plan, from: string | undefined): Outcome =>
  outcome(
    plan,
    Status.Skipped,
    `STS says ${plan.finding.accessKeyId} belongs to account ${plan.account}` +
      `${from && from !== plan.account ? `, not ${from}` : ""}: no change was made there`,
  );

/**
 * IAM answered NoSuchEntity for the key in the account asked: it may live in another account. "Gone" only when the
 * account that owns it (STS GetAccessKeyInfo) is the one that said so; otherwise the key is contained there, through
 * the member role, or a person is told which account owns it.
 */
const goneOrElsewhere = async (plan: Plan, ctx: ContainContext): Promise<Outcome> => {
  const asked = accountOf(plan, ctx);
  if (plan.accountVerified) return keyGone(plan, asked);
  const owner = await ctx.keyAccount(plan.finding.accessKeyId);
  if (owner === asked) return keyGone({ ...plan, accountVerified: true }, asked);
  const owned = inAccount(plan, owner, ctx);
  if (owned.action === Action.None) return elsewhere(owned, asked);
  return attempt(owned, ctx);
};

/**
 * IAM answered NoSuchEntity for the named user: the user may have been renamed since the finding, a person may have
 * typed another name, or a redelivery names a stale owner. Only the key itself says whose it is, so look it up and
 * plan again with the real owner (a root, protected or responder owner is refused as usual). "Gone" only when the key
 * itself no longer exists.
 */
const withRealOwner = async (iam: IAMClient, plan: Plan, ctx: ContainContext): Promise<Outcome> => {
  const owner = await resolveKeyOwner(iam, plan.finding.accessKeyId);
  if (owner === "gone") return goneOrElsewhere(plan, ctx);
  const named = plan.userName;
  if (!owner.root && owner.userName?.toLowerCase() === named?.toLowerCase()) {
    return outcome(
      plan,
      Status.Failed,
      `IAM says ${plan.finding.accessKeyId} belongs to ${named}, yet answered NoSuchEntity for that user`,
      { error: "owner look-up disagrees with UpdateAccessKey" },
    );
  }
  ctx.log.warn("the key belongs to another user than the event named", { namedUser: named });
  const replanned = planForOwner(plan, owner, ctx.config, ctx.identity);
  const result =
    replanned.action === Action.None
      ? outcome(replanned, Status.Skipped, "no change was made")
      : await changeKeyStatus(iam, replanned, ctx, false);
  return { ...result, namedUser: named };
};

const changeKeyStatus = async (
  iam: IAMClient,
  plan: Plan,
  ctx: ContainContext,
  mayLookUpOwner = true,
): Promise<Outcome> => {
  const { accessKeyId, requestedStatus: target } = plan.finding;
  const userName = plan.userName as string;
  const notFound = (): Promise<Outcome> =>
    mayLookUpOwner
      ? withRealOwner(iam, plan, ctx)
      : Promise.resolve(
          outcome(plan, Status.Failed, `${accessKeyId} was not found under its owner ${userName} either`, {
            error: "key not found under its resolved owner",
          }),
        );
  if (plan.checkFirst) {
    const before = await listKeys(iam, userName);
    const key = before === "gone" ? undefined : before.find((k) => k.accessKeyId === accessKeyId);
    if (!key) return notFound();
    if (key.status === target) {
      // A new finding whose key is already in the state asked for is contained all the same (a retry of an attempt
      // whose alert never went out lands here); an update of a finding handled before is a repeat.
      const first = !plan.finding.update;
      const siblings = siblingsOf(plan, before as KeyInfo[]);
      // Follow-ups run on every delivery: an earlier attempt may have stopped before them.
      const notes = await followUp(iam, plan, userName, siblings, ctx);
      return outcome(
        plan,
        Status.AlreadyDone,
        first
          ? `${accessKeyId} of ${userName} was already ${target} when checked: no second write`
          : `${accessKeyId} is already ${target}: a repeat, no second write`,
        // Contained means Inactive: a reactivation asked again is a repeat whatever the sighting.
        { siblings, notes, ...(first && target === KeyStatus.Inactive ? { countsAsContained: true } : {}) },
      );
    }
  }
  try {
    await setKeyStatus(iam, userName, accessKeyId, target);
  } catch (error) {
    if (isNoSuchEntity(error)) return notFound();
    // An explicit deny (the protected tag) is reported as "protected" by carryOut, like any other step's.
    throw error;
  }
  // Read-back: the run fails if IAM does not show the requested status.
  const after = await listKeys(iam, userName);
  const key = after === "gone" ? undefined : after.find((k) => k.accessKeyId === accessKeyId);
  if (key?.status !== target) {
    return outcome(
      plan,
      Status.Failed,
      `${accessKeyId} is still ${key?.status ?? "missing"} after UpdateAccessKey`,
      {
        error: "read-back mismatch",
      },
    );
  }
  const containedAt = ctx.now().toISOString();
  const siblings = siblingsOf(plan, after as KeyInfo[]);
  const notes = await followUp(iam, plan, userName, siblings, ctx);
  const done = target === KeyStatus.Active ? Status.Reactivated : Status.Disabled;
  return outcome(plan, done, `${accessKeyId} of ${userName} is now ${target}`, {
    siblings,
    notes,
    containedAt,
  });
};

/** Time ran out before the key was started: no call was made for it. */
export const notAttempted = (plan: Plan): Outcome =>
  outcome(
    plan,
    Status.NotAttempted,
    `not attempted: the invocation ran out of time before ${plan.finding.accessKeyId} was started, so no call was ` +
      "made and the key may still be Active; Lambda's retry continues with it",
  );

/** Time ran out while the key's calls were in flight: IAM may or may not have made the write. */
export const interrupted = (plan: Plan): Outcome =>
  outcome(
    plan,
    Status.Interrupted,
    `interrupted: the invocation ran out of time while ${plan.finding.accessKeyId} was being contained; its write ` +
      "may or may not have happened, so the key may still be Active; Lambda's retry reads it first and continues",
  );

/** What an earlier attempt of the same event, in this container, confirmed for a key (UpdateAccessKey + read-back). */
export interface EarlierResult {
  /** When the read-back confirmed it (ISO-8601). */
  at: string;
  status: KeyStatus;
  userName?: string;
  /** The envelope of the attempt: only a retry of the same event may rely on it. */
  eventId?: string;
}

/**
 * The key was contained by an earlier attempt of this event, with no call made again. That attempt's alert may never
 * have gone out, so people are told it was contained, never "no action needed".
 */
export const doneEarlier = (plan: Plan, earlier: EarlierResult): Outcome => {
  const userName = earlier.userName ?? plan.userName;
  return outcome(
    plan,
    Status.AlreadyDone,
    `${plan.finding.accessKeyId}${userName ? ` of ${userName}` : ""} was set ${earlier.status} and read back by an ` +
      `earlier attempt of this event at ${earlier.at}: not called again`,
    {
      userName,
      containedAt: earlier.at,
      ...(earlier.status === KeyStatus.Inactive ? { countsAsContained: true } : {}),
    },
  );
};

/**
 * Revokes a role's or user's older sessions in the account STS named as the key's owner. An IAM user's long-term keys
 * can mint new sessions (GetSessionToken), so while one is Active a person must still act.
 */
const revokeSessions = async (
  iam: IAMClient,
  plan: Plan,
  target: NonNullable<Plan["sessionTarget"]>,
  ctx: ContainContext,
): Promise<Outcome> => {
  const now = ctx.now();
  await revokeOlderSessions(iam, target, now);
  const where = plan.account && plan.account !== ctx.identity.account ? ` in account ${plan.account}` : "";
  const revoked = {
    containedAt: now.toISOString(),
    userName: target.kind === "user" ? target.name : undefined,
  };
  const detail = `sessions of ${target.kind} ${target.name}${where} issued before ${now.toISOString()} are denied`;
  if (target.kind === "role") return outcome(plan, Status.SessionsRevoked, detail, revoked);
  const keys = await listKeys(iam, target.name);
  const active = keys === "gone" ? [] : keys.filter((key) => key.status === KeyStatus.Active);
  if (active.length === 0) return outcome(plan, Status.SessionsRevoked, detail, revoked);
  const open =
    `user ${target.name} still has Active long-term keys (${active.map((key) => key.accessKeyId).join(", ")}) ` +
    "that can mint new sessions: disable them or confirm they are safe";
  return outcome(plan, Status.SessionsRevoked, detail, { ...revoked, openForPerson: open, notes: [open] });
};

/** The calls for a plan in the account it names: the owner looked up if needed, then the write. */
const attempt = async (initial: Plan, ctx: ContainContext): Promise<Outcome> => {
  let plan = initial;
  const iam = await ctx.iamFor(plan);
  if (plan.resolveOwner) {
    const owner = await resolveKeyOwner(iam, plan.finding.accessKeyId);
    if (owner === "gone") return goneOrElsewhere(plan, ctx);
    plan = planForOwner(plan, owner, ctx.config, ctx.identity);
    if (plan.action === Action.None) return outcome(plan, Status.Skipped, "no change was made");
  }
  if (plan.action === Action.RevokeSessions && plan.sessionTarget) {
    return revokeSessions(iam, plan, plan.sessionTarget, ctx);
  }
  return changeKeyStatus(iam, plan, ctx);
};

/**
 * A credential finding that names no key, only a principal in its text: when that is an IAM user of our account,
 * its keys are listed (ListAccessKeys, a read) for the person who must act. Nothing is ever written on a name
 * taken from text. Not in an offline run (no account), nor in observe or approve mode; a failure is a note.
 */
const namedUsersKeys = async (plan: Plan, ctx: ContainContext): Promise<Outcome> => {
  const skipped = outcome(plan, Status.Skipped, "no change was made: the finding names no access key");
  const user = plan.userName;
  const ours =
    ctx.identity.account !== undefined && (plan.account ?? ctx.identity.account) === ctx.identity.account;
  // Observe (dry run) and approve modes make no IAM call at all for a finding: the alert gives the command instead.
  const quiet = plan.dryRun || ctx.config.mode === Mode.Approve;
  if (user === undefined || !ours || quiet) return skipped;
  try {
    const keys = await listKeys(await ctx.iamFor({ ...plan, roleArn: undefined }), user);
    if (keys === "gone") {
      return {
        ...skipped,
        detail: `${skipped.detail}; account ${ctx.identity.account} has no IAM user ${user}`,
      };
    }
    const listed = keys.map((key) => asSiblingKey(plan, key));
    const active = listed.filter((key) => key.status === KeyStatus.Active).length;
    return {
      ...skipped,
      detail: `${skipped.detail}; IAM user ${user} has ${listed.length} key(s), ${active} Active (listed, not changed)`,
      siblings: listed,
    };
  } catch (error) {
    ctx.log.warn("listing the named user's keys failed", { error: errorMessage(error) });
    return { ...skipped, notes: [`listing the keys of ${user} failed: ${errorMessage(error)}`] };
  }
};

const DRY_RUN_VERBS: Record<Action, string> = {
  [Action.DisableKey]: "would set the key Inactive",
  [Action.ReactivateKey]: "would reactivate the key",
  [Action.RevokeSessions]: "would revoke older sessions",
  [Action.None]: "would do nothing",
};

/**
 * Carries out one plan and reports what happened. Never throws: an error becomes a Failed outcome, so that one
 * key's failure does not stop the others.
 */
export const carryOut = async (initial: Plan, ctx: ContainContext): Promise<Outcome> => {
  let plan = initial;
  if (plan.skip === Skip.NoCredential) return namedUsersKeys(plan, ctx);
  if (plan.action === Action.None) return outcome(plan, Status.Skipped, "no change was made");
  if (plan.dryRun) {
    const owner = plan.resolveOwner ? " (after looking up the owner with GetAccessKeyLastUsed)" : "";
    return outcome(plan, Status.DryRun, `dry run: ${DRY_RUN_VERBS[plan.action]}${owner}`);
  }
  if (plan.awaitsApproval) {
    // No IAM call at all, reads included: the approval (a request to the manual function) reads before it writes.
    return outcome(
      plan,
      Status.ApprovalNeeded,
      "approval needed: no change was made, so the key may still be Active until a person approves",
    );
  }
  try {
    if (plan.verifyAccount) {
      const from = accountOf(plan, ctx);
      plan = await inOwningAccount(plan, ctx);
      if (plan.action === Action.None) return elsewhere(plan, from);
    }
    return await attempt(plan, ctx);
  } catch (error) {
    if (isExplicitDeny(error)) {
      return outcome(
        plan,
        Status.Protected,
        "IAM refused the change with an explicit deny: a person must decide",
        {
          error: errorMessage(error),
        },
      );
    }
    ctx.log.error("containment failed", {
      accessKeyId: plan.finding.accessKeyId,
      error: errorMessage(error),
    });
    return outcome(plan, Status.Failed, `containment failed: ${errorMessage(error)}`, {
      error: errorMessage(error),
    });
  }
};
