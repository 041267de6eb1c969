import { KeyStatus } from "../findings";
import type { Plan } from "../plan/plan";
import { Mode } from "../shared/config";
import { listKeys } from "./access-keys";
import type { ContainContext } from "./context";
import { errorMessage } from "./errors";
import { asSiblingKey } from "./follow-up";
import { type Outcome, outcomeOf, Status } from "./outcome";

/**
 * A credential finding that names no key, only a principal in its text: when that is an IAM user of our account,
 * its keys are listed (ListAccessKeys, a read) for the person who must act. Nothing is ever written on a name
 * taken from text. Not in an offline run (no account), nor in observe or approve mode; a failure is a note.
 */
export const namedUsersKeys = async (plan: Plan, ctx: ContainContext): Promise<Outcome> => {
  const skipped = outcomeOf(plan, Status.Skipped, "no change was made: the finding names no access key");
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
