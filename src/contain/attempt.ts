import type { IAMClient } from "@aws-sdk/client-iam";
import { KeyStatus } from "../findings";
import { Action, type Plan, planForOwner } from "../plan/plan";
import { type KeyInfo, listKeys, resolveKeyOwner, setKeyStatus } from "./access-keys";
import type { ContainContext } from "./context";
import { isNoSuchEntity } from "./errors";
import { followUp, siblingsOf } from "./follow-up";
import { type Outcome, outcomeOf, Status } from "./outcome";
import { accountOf, elsewhere, inAccount, keyGone } from "./owning-account";
import { revokeOlderSessions } from "./sessions";

// The IAM calls for one plan. A NoSuchEntity answer may send the plan round again, for the key's real owner or its
// real account, so these stay together.

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
    return outcomeOf(
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
      ? outcomeOf(replanned, Status.Skipped, "no change was made")
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
          outcomeOf(plan, Status.Failed, `${accessKeyId} was not found under its owner ${userName} either`, {
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
      return outcomeOf(
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
    return outcomeOf(
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
  return outcomeOf(plan, done, `${accessKeyId} of ${userName} is now ${target}`, {
    siblings,
    notes,
    containedAt,
  });
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
  if (target.kind === "role") return outcomeOf(plan, Status.SessionsRevoked, detail, revoked);
  const keys = await listKeys(iam, target.name);
  const active = keys === "gone" ? [] : keys.filter((key) => key.status === KeyStatus.Active);
  if (active.length === 0) return outcomeOf(plan, Status.SessionsRevoked, detail, revoked);
  const open =
    `user ${target.name} still has Active long-term keys (${active.map((key) => key.accessKeyId).join(", ")}) ` +
    "that can mint new sessions: disable them or confirm they are safe";
  return outcomeOf(plan, Status.SessionsRevoked, detail, { ...revoked, openForPerson: open, notes: [open] });
};

/** The calls for a plan in the account it names: the owner looked up if needed, then the write. */
export const attempt = async (initial: Plan, ctx: ContainContext): Promise<Outcome> => {
  let plan = initial;
  const iam = await ctx.iamFor(plan);
  if (plan.resolveOwner) {
    const owner = await resolveKeyOwner(iam, plan.finding.accessKeyId);
    if (owner === "gone") return goneOrElsewhere(plan, ctx);
    plan = planForOwner(plan, owner, ctx.config, ctx.identity);
    if (plan.action === Action.None) return outcomeOf(plan, Status.Skipped, "no change was made");
  }
  if (plan.action === Action.RevokeSessions && plan.sessionTarget) {
    return revokeSessions(iam, plan, plan.sessionTarget, ctx);
  }
  return changeKeyStatus(iam, plan, ctx);
};
