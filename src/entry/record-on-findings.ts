import { MetricName } from "../alert/metrics";
import { OUT_OF_TIME_STATUSES, type Outcome } from "../contain/outcome";
import type { Log } from "../shared/log";
import type { Responder, Summary } from "./responder";

/** What must be left after the Security Hub step may have used all of its time: the metrics and the reply. */
const AFTER_SECURITY_HUB_MS = 2_000;

/**
 * Records the outcome on the Security Hub finding behind each outcome (src/alert/security-hub-record.ts), after the
 * containment and the alert, like enrichment: bounded in time, and a failure is a log line and a metric, never a
 * failed run. A run that ran out of time leaves it to Lambda's retry. Returns what became of it, for the summary, or
 * undefined when there was no finding to update.
 */
export const recordOutcomeOnFindings = async (
  outcomes: Outcome[],
  responder: Responder,
  log: Log,
): Promise<Summary["securityHub"]> => {
  const send = responder.updateFindings;
  if (!responder.config.securityHubUpdates || send === undefined) return undefined;
  if (outcomes.some((o) => OUT_OF_TIME_STATUSES.includes(o.status))) return undefined;
  const { findingUpdates, recordOnFindings, UPDATE_TIMEOUT_MS } = await import(
    "../alert/security-hub-record"
  );
  const updates = findingUpdates(outcomes, { dryRun: responder.config.dryRun, stack: responder.stack });
  if (updates.length === 0) return undefined;
  const left = responder.timeLeft?.();
  const timeoutMs = Math.min(UPDATE_TIMEOUT_MS, (left ?? Number.POSITIVE_INFINITY) - AFTER_SECURITY_HUB_MS);
  let state: Summary["securityHub"] = "skipped";
  let failed = updates.length;
  if (timeoutMs <= 0) {
    log.warn("Security Hub findings not updated: the invocation was running out of time", {
      findings: updates.length,
    });
  } else {
    const result = await recordOnFindings(updates, (call, signal) => send.call(responder, call, signal), {
      log,
      timeoutMs,
    });
    state = result.state;
    failed = result.failed;
  }
  if (failed > 0) {
    responder.record([{ name: MetricName.SecurityHubUpdateFailures, unit: "Count", value: failed }]);
  }
  return state;
};
