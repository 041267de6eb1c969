import type { IAMClient } from "@aws-sdk/client-iam";
import { KeyStatus } from "../findings";
import type { Plan } from "../plan/plan";
import { type KeyInfo, setKeyStatus } from "./access-keys";
import { attachQuarantinePolicy, tagUser } from "./audit";
import type { ContainContext } from "./context";
import { errorMessage } from "./errors";
import type { SiblingKey } from "./outcome";

/** A user's key as the alert shows it: suspicious when created after the finding was first seen. */
export const asSiblingKey = (plan: Plan, key: KeyInfo): SiblingKey => {
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
export const siblingsOf = (plan: Plan, keys: KeyInfo[]): SiblingKey[] =>
  keys
    .filter((key) => key.accessKeyId !== plan.finding.accessKeyId && key.status === KeyStatus.Active)
    .map((key) => asSiblingKey(plan, key));

/** Opt-in follow-ups after the key is contained. Their failures are reported, never fatal. */
export const followUp = async (
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
