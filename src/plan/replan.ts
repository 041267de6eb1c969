import { PrincipalType } from "../findings";
import type { Config } from "../shared/config";
import { planContainment } from "./plan-containment";
import { Action, type Identity, type Plan } from "./plan-types";

// Plans made again during containment, once IAM or STS has said more than the event did.

/** A plan made again keeps the read before the write that was asked for, and is past its account check. */
const carriedOver = (plan: Plan, replanned: Plan): Plan => ({
  ...replanned,
  checkFirst: replanned.checkFirst || plan.checkFirst,
  verifyAccount: false,
});

/**
 * Plans again once the owner is known, so that a resolved root or protected owner is refused like any other. A
 * read before the write that was asked for (a redelivery) is kept.
 */
export const planForOwner = (
  plan: Plan,
  owner: { userName?: string; root: boolean },
  config: Config,
  identity: Identity,
): Plan => {
  const replanned = planContainment(
    {
      ...plan.finding,
      userName: owner.userName,
      principalType: owner.root ? PrincipalType.Root : PrincipalType.IAMUser,
      account: plan.account ?? plan.finding.account,
    },
    config,
    identity,
  );
  // The account was settled before the owner was looked up in it.
  return { ...carriedOver(plan, replanned), ...(plan.accountVerified ? { accountVerified: true } : {}) };
};

/**
 * Plans again for the account STS GetAccessKeyInfo says owns the key: the member role there, or no write and a person
 * told which account it is. A read before the write that was asked for is kept.
 */
export const planForAccount = (plan: Plan, owner: string, config: Config, identity: Identity): Plan => {
  const replanned = planContainment(
    { ...plan.finding, account: owner, accountHints: undefined },
    config,
    identity,
  );
  return {
    ...carriedOver(plan, replanned),
    accountVerified: true,
    // The user the event named belongs to the event's account, not necessarily the owner's: look it up there.
    ...(replanned.action !== Action.None && owner !== (plan.account ?? identity.account)
      ? { userName: undefined, resolveOwner: replanned.action !== Action.RevokeSessions }
      : {}),
  };
};
