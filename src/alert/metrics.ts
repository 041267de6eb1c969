import { type Outcome, STATUS_MEANINGS, Status } from "../contain/outcome";
import { DRILL_FINDING_TYPE } from "../drill/finding-type";
import { type Finding, Source } from "../findings/finding";
import { Skip } from "../plan/plan";

/** One metric data point. The handler wiring hands these to Powertools Metrics (CloudWatch EMF). */
export interface MetricPoint {
  name: string;
  unit: "Count" | "Milliseconds";
  value: number;
  /** Extra dimension for this point only (e.g. the reason an action was skipped). */
  dimension?: { name: string; value: string };
}

export const MetricName = {
  KeysDisabled: "KeysDisabled",
  ActionsSkipped: "ActionsSkipped",
  ContainmentFailures: "ContainmentFailures",
  AlertFailures: "AlertFailures",
  TimeToContainment: "TimeToContainment",
  /** Approve mode: keys left as they were, awaiting a person's approval. */
  ApprovalsRequested: "ApprovalsRequested",
  /** Keys an invocation ran out of time before starting; Lambda's retry continues with them. */
  KeysNotAttempted: "KeysNotAttempted",
  /** Keys still in flight when an invocation ran out of time: their write may or may not have happened. */
  KeysInterrupted: "KeysInterrupted",
  /** A GuardDuty sample finding went the whole way (the drill, src/drill/run-drill.ts); DrillMissingAlarm watches it. */
  DrillCompleted: "DrillCompleted",
  /** The outcome could not be recorded on a Security Hub finding (after the alert; never a failed run). */
  SecurityHubUpdateFailures: "SecurityHubUpdateFailures",
} as const;

/**
 * A finding the drill made: a GuardDuty sample of the one type the drill asks for, delivered by GuardDuty itself
 * (not a Security Hub copy, not inside an SNS notification). Another sample (someone generating the console's
 * samples) or a real finding says nothing about the drill, so DrillMissingAlarm must not be quieted by it.
 */
const isDrillFinding = (finding: Finding, skip: Skip | undefined): boolean =>
  skip === Skip.Sample &&
  finding.sample &&
  finding.source === Source.GuardDuty &&
  finding.type === DRILL_FINDING_TYPE &&
  finding.viaSns !== true;

/** What one event's outcomes mean for the dashboards. Pure. */
export const metricsFor = (outcomes: Outcome[], alertFailed: boolean): MetricPoint[] => {
  const points: MetricPoint[] = [];
  const contained = (o: Outcome): boolean => STATUS_MEANINGS[o.status].contained;
  const disabled = outcomes.filter(contained).length;
  if (disabled > 0) points.push({ name: MetricName.KeysDisabled, unit: "Count", value: disabled });
  for (const o of outcomes) {
    const reason =
      o.status === Status.Skipped ? o.plan.skip : STATUS_MEANINGS[o.status].noWrite ? o.status : undefined;
    if (reason) {
      points.push({
        name: MetricName.ActionsSkipped,
        unit: "Count",
        value: 1,
        dimension: { name: "Reason", value: reason },
      });
    }
    // From the moment the finding was produced to the moment IAM confirmed the key's new state.
    const from = o.plan.finding.observedAt ? Date.parse(o.plan.finding.observedAt) : Number.NaN;
    const to = o.containedAt ? Date.parse(o.containedAt) : Number.NaN;
    if (contained(o) && Number.isFinite(from) && Number.isFinite(to) && to >= from) {
      points.push({ name: MetricName.TimeToContainment, unit: "Milliseconds", value: to - from });
    }
  }
  const approvals = outcomes.filter((o) => o.status === Status.ApprovalNeeded).length;
  if (approvals > 0) points.push({ name: MetricName.ApprovalsRequested, unit: "Count", value: approvals });
  const failures = outcomes.filter((o) => o.status === Status.Failed).length;
  if (failures > 0) points.push({ name: MetricName.ContainmentFailures, unit: "Count", value: failures });
  // Not failures: the retry continues with these keys. The invocation still fails, so Lambda's own error metrics
  // and, after the last retry, the failure queue see it.
  const notAttempted = outcomes.filter((o) => o.status === Status.NotAttempted).length;
  if (notAttempted > 0)
    points.push({ name: MetricName.KeysNotAttempted, unit: "Count", value: notAttempted });
  const interrupted = outcomes.filter((o) => o.status === Status.Interrupted).length;
  if (interrupted > 0) points.push({ name: MetricName.KeysInterrupted, unit: "Count", value: interrupted });
  if (alertFailed) points.push({ name: MetricName.AlertFailures, unit: "Count", value: 1 });
  // Only once the alert went out: a drill whose alert failed has not reached a person.
  const drill = !alertFailed && outcomes.some((o) => isDrillFinding(o.plan.finding, o.plan.skip));
  if (drill) points.push({ name: MetricName.DrillCompleted, unit: "Count", value: 1 });
  return points;
};
