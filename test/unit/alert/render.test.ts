import { describe, expect, it } from "vitest";
import { renderAlerts, renderProblemAlert } from "../../../src/alert/render";
import { cardOf, live } from "./outcomes";

describe("renderAlerts", () => {
  it("renders an event without keys as one alert", () => {
    expect(renderAlerts([], live)).toHaveLength(1);
  });
});

describe("renderProblemAlert", () => {
  it("tells a person an event could not be read and that nothing was changed", () => {
    const alert = renderProblemAlert(
      {
        source: "guardduty",
        eventId: "a7d24f9b-3c6e-4b10-8f5a-e09b7c2d1e64",
        reason: "GuardDuty event has no detail",
      },
      live,
    );

    expect(alert.subject).toBe("Could not act on guardduty event a7d24f9b-3c6e-4b10-8f5a-e09b7c2d1e64");
    expect(alert.document).toEqual({
      schema: "access-key-responder/alert",
      version: 1,
      verdict: "invalid",
      dryRun: false,
      source: "guardduty",
      eventId: "a7d24f9b-3c6e-4b10-8f5a-e09b7c2d1e64",
      generatedAt: "2026-11-20T09:05:04.000Z",
      keys: [],
      problem: "GuardDuty event has no detail",
    });
    expect(alert.text).toContain("Could not act on event - no change was made");
    expect(alert.text).toContain("Problem: GuardDuty event has no detail");
    expect(cardOf(alert).content.description).toBe(
      "Could not act on the event: GuardDuty event has no detail",
    );
    expect(alert.attributes).toEqual({
      outcome: "invalid",
      severity: "none",
      account: "unknown",
      source: "guardduty",
      audience: "all",
    });
  });

  it("clips a long problem and keeps the subject within limits without a source", () => {
    const alert = renderProblemAlert({ eventId: "e".repeat(200), reason: "x".repeat(5000) }, live);

    expect(alert.document.problem?.length).toBeLessThan(1100);
    expect(alert.subject.length).toBeLessThanOrEqual(99);
    expect(alert.subject.startsWith("Could not act on an event")).toBe(true);
    expect(alert.attributes.source).toBe("unknown");
  });
});
