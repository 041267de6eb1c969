import { errorMessage } from "../contain/errors";
import { type Outcome, Status } from "../contain/outcome";
import { type Finding, Source } from "../findings/finding";
import { isAwsProduct, RESPONDER_NOTE_PREFIX, RESPONDER_UPDATED_BY } from "../findings/security-hub";
import { isAccessKeyId, isAccountId, isUserName } from "../shared/identifiers";
import type { Log } from "../shared/log";
import { untrusted, Verdict, verdictOf } from "./render";

/**
 * BatchUpdateFindingsV2 has no action of its own: the Service Authorization Reference authorizes it as
 * securityhub:BatchUpdateFindings, on the `hubv2` resource type.
 */
export const SECURITY_HUB_PERMISSIONS = ["securityhub:BatchUpdateFindings"] as const;

/** Security Hub's limits (BatchUpdateFindings and BatchUpdateFindingsV2): note or comment text, findings per call. */
export const NOTE_MAX_CHARACTERS = 512;
export const FINDINGS_PER_CALL = 100;
/** The whole update step's bound, like the CloudTrail look-up's: it runs after the alert and never delays it. */
export const UPDATE_TIMEOUT_MS = 3_000;

/** A Security Hub finding, as each update API names it. */
export type FindingTarget =
  | { format: "asff"; id: string; productArn: string }
  | { format: "ocsf"; findingInfoUid: string; productUid: string; accountUid: string };

/** ASFF workflow statuses the responder sets; never SUPPRESSED, which reads as a false positive. */
export const Workflow = { Notified: "NOTIFIED", Resolved: "RESOLVED" } as const;
export type Workflow = (typeof Workflow)[keyof typeof Workflow];

/** OCSF status_id for each: 2 In Progress (a person is on it), 4 Resolved. */
const OCSF_STATUS_ID: Record<Workflow, number> = { NOTIFIED: 2, RESOLVED: 4 };

/** What one finding gets: the note and, unless this was a dry run, a status. */
export interface FindingUpdate {
  target: FindingTarget;
  text: string;
  status?: Workflow;
}

/** One call, in the shape of the SDK's input (src/alert/securityhub-client.ts sends it). */
export type FindingsCall =
  | {
      api: "BatchUpdateFindings";
      input: {
        FindingIdentifiers: { Id: string; ProductArn: string }[];
        Note: { Text: string; UpdatedBy: string };
        Workflow?: { Status: Workflow };
      };
    }
  | {
      api: "BatchUpdateFindingsV2";
      input: {
        FindingIdentifiers: { CloudAccountUid: string; FindingInfoUid: string; MetadataProductUid: string }[];
        Comment: string;
        StatusId?: number;
      };
    };

const GUARDDUTY_FINDING_ARN =
  /^arn:(aws[\w-]*):guardduty:([a-z0-9-]+):(\d{12}):detector\/[^/\s]+\/finding\/[^/\s]+$/;
const PRODUCT_V2 = /::productv2\//;

/**
 * The Security Hub finding this finding is, when the responder may record its outcome there: a Security Hub finding
 * from an AWS product (ASFF or OCSF), or a GuardDuty finding received natively, whose Security Hub copy has the
 * GuardDuty finding ARN as its Id. Not a finding that came inside an SNS notification (whoever published it chose
 * its identifiers), a closed one (a note must not reopen what a person closed), or a sample.
 */
export const targetOf = (finding: Finding): FindingTarget | undefined => {
  if (finding.viaSns || finding.closed !== undefined || finding.sample) return undefined;
  if (finding.source === Source.SecurityHub) {
    const product = finding.provenance?.product;
    if (!finding.provenance?.aws || product === undefined || !isAwsProduct(product)) return undefined;
    if (!PRODUCT_V2.test(product)) return { format: "asff", id: finding.findingId, productArn: product };
    if (!isAccountId(finding.account)) return undefined;
    return {
      format: "ocsf",
      findingInfoUid: finding.findingId,
      productUid: product,
      accountUid: finding.account,
    };
  }
  if (finding.source === Source.GuardDuty) {
    const arn = finding.details["Finding ARN"];
    const match = GUARDDUTY_FINDING_ARN.exec(arn ?? "");
    if (!arn || !match) return undefined;
    const [, partition, region] = match;
    return {
      format: "asff",
      id: arn,
      productArn: `arn:${partition}:securityhub:${region}::product/aws/guardduty`,
    };
  }
  return undefined;
};

const targetKey = (target: FindingTarget): string =>
  target.format === "asff"
    ? `asff|${target.productArn}|${target.id}`
    : `ocsf|${target.productUid}|${target.accountUid}|${target.findingInfoUid}`;

/** What was done to one key, in a few words. */
const KEY_RESULTS: Partial<Record<Status, string>> = {
  [Status.Disabled]: "set Inactive",
  [Status.SessionsRevoked]: "sessions revoked",
  [Status.AlreadyDone]: "already Inactive",
  [Status.KeyGone]: "no longer exists",
  [Status.Protected]: "refused by IAM (protected), still Active",
  [Status.DryRun]: "dry run: would be set Inactive",
  [Status.ApprovalNeeded]: "awaiting approval, still Active",
  [Status.Failed]: "containment failed, may be Active",
};

const resultOf = (o: Outcome): string => {
  if (o.status === Status.AlreadyDone && o.countsAsContained) return "set Inactive";
  if (o.status === Status.Skipped) return `not changed (${o.plan.skip ?? "skipped"})`;
  return KEY_RESULTS[o.status] ?? o.status;
};

/** One key's line: its ID, owner and account only when they pass their checks, then what became of it. */
const keyLine = (o: Outcome): string => {
  const user = o.userName ?? o.plan.userName;
  const account = o.account ?? o.plan.finding.account;
  const id = isAccessKeyId(o.plan.finding.accessKeyId) ? o.plan.finding.accessKeyId : "(invalid key ID)";
  const owner = [isUserName(user) ? `user ${user}` : "", isAccountId(account) ? `account ${account}` : ""]
    .filter(Boolean)
    .join(", ");
  return untrusted(`${id}${owner ? ` (${owner})` : ""}: ${resultOf(o)}`, 160);
};

/** The command that undoes the containment, when the note names a key it set Inactive. */
const undoOf = (outcomes: Outcome[]): string | undefined => {
  const done = outcomes.find(
    (o) => o.status === Status.Disabled || (o.status === Status.AlreadyDone && o.countsAsContained),
  );
  const user = done?.userName ?? done?.plan.userName;
  if (!done || !isAccessKeyId(done.plan.finding.accessKeyId) || !isUserName(user)) return undefined;
  return `aws iam update-access-key --user-name ${user} --access-key-id ${done.plan.finding.accessKeyId} --status Active`;
};

const HEADLINES: Record<string, string> = {
  dryRun: "dry run, no key was changed",
  [Verdict.ApprovalNeeded]: "awaiting approval: no key is changed until a person approves",
  [Verdict.ActionRequired]: "action required: a person must act",
  [Verdict.Failed]: "containment failed: a person must act",
  [Verdict.Contained]: "contained",
  [Verdict.NoAction]: "nothing left to contain",
};

/** Cuts text to Security Hub's limit, in characters, with an ellipsis. */
const clipNote = (text: string, max = NOTE_MAX_CHARACTERS): string => {
  const characters = Array.from(text);
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join("")}…`;
};

/**
 * The note for one finding: the responder's prefix (how its own update is recognised when Security Hub re-emits the
 * finding), what became of each key, the undo command's essence, and which function of which stack. At most 512
 * characters; every value from the event passes the identifier checks or the alert's neutralising.
 */
export const noteText = (
  outcomes: Outcome[],
  context: { dryRun: boolean; stack?: string; headline: string },
): string => {
  const keys = outcomes.slice(0, 3).map(keyLine);
  const more = outcomes.length > keys.length ? `; and ${outcomes.length - keys.length} more keys` : "";
  const undo = context.dryRun ? undefined : undoOf(outcomes);
  const by = context.stack ? ` By ${untrusted(context.stack, 64)}.` : "";
  const tail = `${undo ? ` Undo: ${undo}.` : ""}${by} Details in the alert.`;
  const head = `${RESPONDER_NOTE_PREFIX} ${context.headline}. ${keys.join("; ")}${more}.`;
  // The key lines give way first: the undo command and the stack are what an analyst needs most.
  return clipNote(head, NOTE_MAX_CHARACTERS - Array.from(tail).length) + tail;
};

/**
 * The update for every Security Hub finding behind these outcomes. RESOLVED when every key it names is settled (in the
 * state asked for, or gone), NOTIFIED when a person must act or approve; a dry run gets a note and no status.
 */
export const findingUpdates = (
  outcomes: Outcome[],
  context: { dryRun: boolean; stack?: string },
): FindingUpdate[] => {
  const byTarget = new Map<string, { target: FindingTarget; outcomes: Outcome[] }>();
  for (const o of outcomes) {
    const target = targetOf(o.plan.finding);
    if (!target) continue;
    const key = targetKey(target);
    const entry = byTarget.get(key) ?? { target, outcomes: [] };
    entry.outcomes.push(o);
    byTarget.set(key, entry);
  }
  return [...byTarget.values()].map(({ target, outcomes: own }) => {
    const verdict = verdictOf(own, context.dryRun);
    const status = context.dryRun
      ? undefined
      : verdict === Verdict.Contained || verdict === Verdict.NoAction
        ? Workflow.Resolved
        : Workflow.Notified;
    const headline = HEADLINES[context.dryRun ? "dryRun" : verdict] ?? verdict;
    return { target, status, text: noteText(own, { ...context, headline }) };
  });
};

/** The calls that carry these updates: one per format, text and status, at most 100 findings each. */
export const findingsCalls = (updates: FindingUpdate[]): FindingsCall[] => {
  const groups = new Map<string, FindingUpdate[]>();
  for (const update of updates) {
    const key = JSON.stringify([update.target.format, update.text, update.status]);
    groups.set(key, [...(groups.get(key) ?? []), update]);
  }
  return [...groups.values()].flatMap((group) => {
    const batches: FindingUpdate[][] = [];
    for (let i = 0; i < group.length; i += FINDINGS_PER_CALL)
      batches.push(group.slice(i, i + FINDINGS_PER_CALL));
    return batches.map((batch): FindingsCall => {
      const [{ text, status } = { text: "" }] = batch;
      const targets = batch.map((u) => u.target);
      if (targets[0]?.format === "ocsf") {
        return {
          api: "BatchUpdateFindingsV2",
          input: {
            FindingIdentifiers: targets.flatMap((t) =>
              t.format === "ocsf"
                ? [
                    {
                      CloudAccountUid: t.accountUid,
                      FindingInfoUid: t.findingInfoUid,
                      MetadataProductUid: t.productUid,
                    },
                  ]
                : [],
            ),
            Comment: text,
            ...(status ? { StatusId: OCSF_STATUS_ID[status] } : {}),
          },
        };
      }
      return {
        api: "BatchUpdateFindings",
        input: {
          FindingIdentifiers: targets.flatMap((t) =>
            t.format === "asff" ? [{ Id: t.id, ProductArn: t.productArn }] : [],
          ),
          Note: { Text: text, UpdatedBy: RESPONDER_UPDATED_BY },
          ...(status ? { Workflow: { Status: status } } : {}),
        },
      };
    });
  });
};

/** Sends one call; resolves with the findings Security Hub did not process (their error messages). */
export type SendFindingsCall = (call: FindingsCall, signal: AbortSignal) => Promise<string[]>;

export interface RecordResult {
  /** `not-enabled`: Security Hub (or its V2) is not enabled here, which is no failure. */
  state: "updated" | "not-enabled" | "failed";
  /** Findings not updated (failed calls' findings and the ones Security Hub did not process). */
  failed: number;
  updated: number;
}

/** Security Hub is not enabled in this account and Region: InvalidAccessException, "not subscribed". */
const isNotEnabled = (error: unknown): boolean => {
  const name = (error as { name?: unknown })?.name;
  return (
    name === "InvalidAccessException" ||
    /not subscribed|not enabled|is not enabled|isn't enabled/i.test(errorMessage(error))
  );
};

/**
 * Records the outcome on each finding, after the alert: bounded by `timeoutMs` in all (the signal cancels a call,
 * the race bounds retries), best effort. A failure is logged and counted by the caller, never thrown.
 */
export const recordOnFindings = async (
  updates: FindingUpdate[],
  send: SendFindingsCall,
  options: { log: Log; timeoutMs?: number },
): Promise<RecordResult> => {
  const { log, timeoutMs = UPDATE_TIMEOUT_MS } = options;
  const calls = findingsCalls(updates);
  const result: RecordResult = { state: "updated", failed: 0, updated: 0 };
  if (calls.length === 0) return result;
  const signal = AbortSignal.timeout(timeoutMs);
  const timeout = new Promise<never>((_, reject) => {
    signal.addEventListener("abort", () =>
      reject(new Error(`Security Hub update timed out after ${timeoutMs} ms`)),
    );
  });
  let notEnabled = 0;
  for (const call of calls) {
    const size = call.input.FindingIdentifiers.length;
    try {
      const unprocessed = await Promise.race([send(call, signal), timeout]);
      result.updated += size - unprocessed.length;
      result.failed += unprocessed.length;
      if (unprocessed.length > 0) {
        log.warn("Security Hub did not update some findings", {
          api: call.api,
          errors: unprocessed.slice(0, 5),
        });
      }
    } catch (error) {
      if (isNotEnabled(error)) {
        notEnabled += size;
        // Quiet: an account without Security Hub is a choice, not a fault (the Log has no debug level).
        log.info("Security Hub is not enabled here: the finding is not updated", {
          api: call.api,
          error: errorMessage(error),
        });
        continue;
      }
      result.failed += size;
      log.warn("Security Hub update failed", { api: call.api, error: errorMessage(error) });
    }
  }
  if (result.failed > 0) result.state = "failed";
  else if (notEnabled > 0 && result.updated === 0) result.state = "not-enabled";
  return result;
};
