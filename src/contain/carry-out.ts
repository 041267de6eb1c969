import { Action, type Plan, Skip } from "../plan/plan";
import { attempt } from "./attempt";
import type { ContainContext } from "./context";
import { errorMessage, isExplicitDeny } from "./errors";
import { namedUsersKeys } from "./named-user";
import { type Outcome, outcomeOf, Status } from "./outcome";
import { accountOf, elsewhere, inOwningAccount } from "./owning-account";

// The contain step's public face: carryOut, and what the entry and the alert read about keys it made no call for.
export type { ContainContext } from "./context";
export { doneEarlier, type EarlierResult, interrupted, notAttempted } from "./not-called";

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
  if (plan.action === Action.None) return outcomeOf(plan, Status.Skipped, "no change was made");
  if (plan.dryRun) {
    const owner = plan.resolveOwner ? " (after looking up the owner with GetAccessKeyLastUsed)" : "";
    return outcomeOf(plan, Status.DryRun, `dry run: ${DRY_RUN_VERBS[plan.action]}${owner}`);
  }
  if (plan.awaitsApproval) {
    // No IAM call at all, reads included: the approval (a request to the manual function) reads before it writes.
    return outcomeOf(
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
      return outcomeOf(
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
    return outcomeOf(plan, Status.Failed, `containment failed: ${errorMessage(error)}`, {
      error: errorMessage(error),
    });
  }
};
