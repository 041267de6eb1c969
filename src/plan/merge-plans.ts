import type { Config } from "../shared/config";
import { Action, type Plan, Skip } from "./plan-types";
import { noWrite, urgent } from "./refusals";

/**
 * Urgent refusals (root, protected, temporary, unusable) first, then writes (one made at once before one awaiting
 * approval: a finding that CONTAIN_WITHOUT_APPROVAL lets through is enough on its own), then quiet skips.
 */
const caution = (plan: Plan): number =>
  plan.action === Action.None ? (plan.urgent ? 3 : 0) : plan.awaitsApproval ? 1 : 2;

/**
 * One plan for a key that an event names more than once, the most cautious: a later finding never turns a root
 * or protected key into a write, a sample or a low finding never hides a real one, and findings that disagree on
 * the key's owner or account get no write at all.
 */
export const mergePlans = (plans: Plan[], config: Config): Plan => {
  const ranked = [...plans].sort((a, b) => caution(b) - caution(a));
  const [first] = ranked;
  if (!first) throw new Error("mergePlans needs at least one plan");
  const writes = ranked.filter((plan) => plan.action !== Action.None);
  const owners = new Set(writes.map((plan) => `${plan.account ?? ""}:${plan.userName ?? ""}:${plan.action}`));
  if (first.action !== Action.None && owners.size > 1) {
    return noWrite(
      first.finding,
      config,
      urgent(
        Skip.InvalidInput,
        "the event names this key more than once, for different owners or accounts: a person must decide",
      ),
    );
  }
  return { ...first, checkFirst: plans.some((plan) => plan.checkFirst) };
};
