import { describe, expect, it } from "vitest";
import { MetricName, metricsFor } from "../../../src/alert/metrics";
import { interrupted, notAttempted } from "../../../src/contain/carry-out";
import { Status } from "../../../src/contain/outcome";
import { DRILL_FINDING_TYPE } from "../../../src/drill/finding-type";
import type { Finding } from "../../../src/findings";
import { Skip } from "../../../src/plan/plan";
import { findingOf, findingsOf } from "../../support/fixtures";
import { outcome, planFor, skipPlan } from "./outcomes";

const drillPoints = (outcomes: Parameters<typeof metricsFor>[0], alertFailed = false) =>
  metricsFor(outcomes, alertFailed).filter((point) => point.name === MetricName.DrillCompleted);

const sampleOutcome = (finding: Finding = findingOf("guardduty-sample")) =>
  outcome(planFor(finding), Status.Skipped);

describe("metricsFor: DrillCompleted", () => {
  it("records one drill when the drill's own GuardDuty sample finding was handled and alerted on", () => {
    const handled = sampleOutcome();
    expect(handled.plan.finding.type).toBe(DRILL_FINDING_TYPE);
    expect(handled.plan.skip).toBe(Skip.Sample);
    expect(drillPoints([handled])).toEqual([{ name: MetricName.DrillCompleted, unit: "Count", value: 1 }]);
  });

  it("records one point per event, however many sample findings it held", () => {
    expect(drillPoints([sampleOutcome(), sampleOutcome()])).toHaveLength(1);
  });

  it("records none when the alert failed: the drill did not reach a person", () => {
    expect(drillPoints([sampleOutcome()], true)).toEqual([]);
  });

  it("records none for a sample that came another way (a Security Hub copy)", () => {
    const copy = findingOf("guardduty-sample", { source: "security-hub" });
    expect(drillPoints([outcome(skipPlan(copy, Skip.Sample, false), Status.Skipped)])).toEqual([]);
  });

  it("records none for a real finding", () => {
    const real = outcome(planFor(findingOf("guardduty-iam-user")), Status.Disabled);
    expect(drillPoints([real])).toEqual([]);
  });

  it("records none for a sample of another type than the drill asks for: someone else made it", () => {
    const other = findingOf("guardduty-sample", { type: "Recon:IAMUser/MaliciousIPCaller.Custom" });
    expect(other.sample).toBe(true);
    expect(drillPoints([sampleOutcome(other)])).toEqual([]);
  });

  it("records none for the drill's type when the finding is no sample: a real finding of that type", () => {
    const real = findingOf("guardduty-iam-user", { type: DRILL_FINDING_TYPE });
    expect(drillPoints([outcome(planFor(real), Status.Disabled)])).toEqual([]);
  });

  it("records none for a drill-shaped sample that came inside an SNS notification", () => {
    const relayed = findingOf("guardduty-sample", { viaSns: true });
    expect(drillPoints([outcome(skipPlan(relayed, Skip.Sample, false), Status.Skipped)])).toEqual([]);
  });

  it("still counts the sample as a skipped action, by reason", () => {
    expect(metricsFor([sampleOutcome()], false)).toContainEqual({
      name: MetricName.ActionsSkipped,
      unit: "Count",
      value: 1,
      dimension: { name: "Reason", value: Skip.Sample },
    });
  });
});

describe("metricsFor: keys left when the invocation ran out of time", () => {
  it("counts keys not attempted and keys interrupted, apart from containment failures", () => {
    const [bob, carol] = findingsOf("health-credentials-exposed-two-keys").map((finding) => planFor(finding));
    if (!bob || !carol) throw new Error("the fixture names two keys");

    expect(metricsFor([notAttempted(bob), notAttempted(carol), interrupted(bob)], false)).toEqual([
      { name: MetricName.KeysNotAttempted, unit: "Count", value: 2 },
      { name: MetricName.KeysInterrupted, unit: "Count", value: 1 },
    ]);
  });
});
