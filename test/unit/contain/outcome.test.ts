import { describe, expect, it } from "vitest";
import { metricsFor } from "../../../src/alert/metrics";
import { isSettled, verdictOf } from "../../../src/alert/render";
import { OUT_OF_TIME_STATUSES, STATUS_MEANINGS, Status, statusesWhere } from "../../../src/contain/outcome";
import { findingOf } from "../../support/fixtures";
import { outcome, planFor } from "../alert/outcomes";

const ALL = Object.values(Status);
const keyWith = (status: Status) => outcome(planFor(findingOf("guardduty-iam-user")), status);

describe("what each status means for people", () => {
  it("gives every status a label of its own", () => {
    const labels = ALL.map((status) => STATUS_MEANINGS[status].label);

    expect(new Set(labels).size).toBe(ALL.length);
  });

  it("is the list the alert reads: settled, and contained for the verdict", () => {
    for (const status of ALL.filter((s) => s !== Status.Skipped)) {
      expect(isSettled(keyWith(status)), status).toBe(STATUS_MEANINGS[status].settled);
    }
    expect(ALL.filter((s) => verdictOf([keyWith(s)], false) === "contained").sort()).toEqual(
      [...statusesWhere("contained")].sort(),
    );
  });

  it("is the list the metrics read: a key counts as disabled exactly when this run's write contained it", () => {
    const disabled = ALL.filter((s) =>
      metricsFor([keyWith(s)], false).some((p) => p.name === "KeysDisabled"),
    );

    expect(disabled.sort()).toEqual([Status.Disabled, Status.SessionsRevoked].sort());
    expect([...statusesWhere("contained")].sort()).toEqual(disabled);
  });

  it("keeps a key out of time apart: never settled, never done", () => {
    expect(OUT_OF_TIME_STATUSES).toEqual([Status.NotAttempted, Status.Interrupted]);
    for (const status of OUT_OF_TIME_STATUSES) {
      expect(STATUS_MEANINGS[status]).toMatchObject({ settled: false, done: false, contained: false });
    }
  });

  it("calls done only the statuses that leave the key as asked", () => {
    expect([...statusesWhere("done")].sort()).toEqual(
      [Status.Disabled, Status.Reactivated, Status.AlreadyDone, Status.SessionsRevoked].sort(),
    );
  });
});
