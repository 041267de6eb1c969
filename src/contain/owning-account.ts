import { type Plan, planForAccount } from "../plan/plan";
import type { ContainContext } from "./context";
import { type Outcome, outcomeOf, Status } from "./outcome";

// The account that really owns the key, as STS GetAccessKeyInfo names it: the event's account may not be the key's.

/** The account the plan acts in: the finding's, or ours. */
export const accountOf = (plan: Plan, ctx: ContainContext): string | undefined =>
  plan.account ?? ctx.identity.account;

/** The plan confirmed for `owner`, the account STS named, or made again there when it is another. */
export const inAccount = (plan: Plan, owner: string, ctx: ContainContext): Plan => {
  if (owner === accountOf(plan, ctx)) return { ...plan, verifyAccount: false, accountVerified: true };
  ctx.log.warn("the key belongs to another account than the event said", { owningAccount: owner });
  return planForAccount(plan, owner, ctx.config, ctx.identity);
};

/**
 * The plan for the account that really owns the key. Asks STS once; the same account confirms the plan, another makes
 * it again for that account (the member role there, or no write and a person told which account owns the key).
 */
export const inOwningAccount = async (plan: Plan, ctx: ContainContext): Promise<Plan> =>
  inAccount(plan, await ctx.keyAccount(plan.finding.accessKeyId), ctx);

export const keyGone = (plan: Plan, account: string | undefined): Outcome =>
  outcomeOf(
    plan,
    Status.KeyGone,
    `${plan.finding.accessKeyId} no longer exists in account ${account ?? "(unknown)"}, which STS names as its ` +
      "owner: no action needed",
  );

/** A plan made again for the owning account that makes no write: a person is told which account owns the key. */
export const elsewhere = (plan: Plan, from: string | undefined): Outcome =>
  outcomeOf(
    plan,
    Status.Skipped,
    `STS says ${plan.finding.accessKeyId} belongs to account ${plan.account}` +
      `${from && from !== plan.account ? `, not ${from}` : ""}: no change was made there`,
  );
