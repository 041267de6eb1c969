import { describe, expect, it } from "vitest";
import { isSettled, renderAlerts, verdictOf } from "../../../src/alert/render";
import { interrupted, notAttempted } from "../../../src/contain/carry-out";
import { Status } from "../../../src/contain/outcome";
import { findingsOf } from "../../support/fixtures";
import { disabledAlice, live, outcome, planFor, renderOne } from "./outcomes";

const [bob, carol] = findingsOf("health-credentials-exposed-two-keys").map((finding) => planFor(finding));
if (!bob || !carol) throw new Error("the fixture names two keys");

describe("keys left when the invocation ran out of time", () => {
  it("are never settled, and make the event's verdict failed", () => {
    expect(isSettled(notAttempted(bob))).toBe(false);
    expect(isSettled(interrupted(carol))).toBe(false);
    expect(verdictOf([disabledAlice(), notAttempted(bob)], false)).toBe("failed");
    expect(verdictOf([disabledAlice(), interrupted(carol)], false)).toBe("failed");
  });

  it("are each named, marked as possibly Active, under a headline that says why", () => {
    const alert = renderOne([disabledAlice(), notAttempted(bob), interrupted(carol)]);

    expect(alert.subject).toMatch(/^CONTAINMENT INCOMPLETE \(out of time\): AKIAALICE00000000001/);
    expect(alert.attributes.outcome).toBe("failed");
    expect(alert.text).toContain(
      "OUT OF TIME: 2 of 3 keys were not contained by this invocation and may still be Active (marked NOT ATTEMPTED " +
        "or INTERRUPTED). The invocation fails, so Lambda's retry continues with them.",
    );
    expect(alert.text).toContain("[NOT ATTEMPTED - MAY STILL BE ACTIVE] AKIABOB0000000000001");
    expect(alert.text).toContain("[INTERRUPTED - MAY STILL BE ACTIVE] AKIACAROL00000000001");
    expect(alert.text).toContain("no call was made and the key may still be Active");
    expect(alert.text).toContain("its write may or may not have happened");
    expect(alert.document.keys.map((k) => [k.status, k.urgent])).toEqual([
      ["disabled", false],
      ["not-attempted", true],
      ["interrupted", true],
    ]);
  });

  it("come with the command that disables the key by hand, and how to find its owner", () => {
    const steps = renderOne([notAttempted(bob)]).document.keys[0]?.nextSteps ?? [];

    expect(steps).toContain(
      "aws iam update-access-key --user-name {user-name} --access-key-id AKIABOB0000000000001 --status Inactive",
    );
    expect(steps).toContain("aws iam get-access-key-last-used --access-key-id AKIABOB0000000000001");
  });

  it("keep the CONTAINMENT FAILED headline when another key failed outright", () => {
    const alert = renderOne([outcome(planFor(bob.finding), Status.Failed), interrupted(carol)]);

    expect(alert.subject).toMatch(/^CONTAINMENT FAILED:/);
    expect(alert.text).toContain("OUT OF TIME: 1 of 2 keys");
  });

  it("are announced in every part of an event split over several alerts", () => {
    const many = Array.from({ length: 80 }, (_, i) =>
      notAttempted(planFor({ ...bob.finding, accessKeyId: `AKIAMANY${String(i).padStart(12, "0")}` })),
    );

    const alerts = renderAlerts(many, live);

    expect(alerts.length).toBeGreaterThan(1);
    for (const alert of alerts) expect(alert.text).toContain("OUT OF TIME: 80 of 80 keys were not contained");
    expect(alerts.flatMap((alert) => alert.document.keys)).toHaveLength(80);
  });

  it("are not announced when every key was handled", () => {
    expect(renderOne([disabledAlice()]).text).not.toContain("OUT OF TIME");
  });
});
