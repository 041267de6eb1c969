import { describe, expect, it } from "vitest";
import { loopbackDouble, publishedDocument, respondTo, useDouble } from "../support/harness";

const double = loopbackDouble({ pointEnv: false });

describe("CloudTrail enrichment (ENRICH_CLOUDTRAIL=true)", () => {
  it("comes after the write, and its failure is a note in the alert, never a failed run", async () => {
    // The double does not speak CloudTrail's JSON protocol, so every look-up fails here.
    useDouble(double, { ENRICH_CLOUDTRAIL: "true" });
    const { summary, error } = await respondTo("guardduty-iam-user");

    expect(error).toBeUndefined();
    expect(summary?.outcomes).toMatchObject([{ status: "disabled" }]);
    const actions = double.calls.map((c) => c.action);
    expect(actions.slice(0, 2)).toEqual(["UpdateAccessKey", "ListAccessKeys"]);
    expect(actions.at(-1)).toBe("Publish");
    expect(double.calls.length).toBeGreaterThan(3);
    expect(publishedDocument(double).structured.default).toContain("recent activity could not be looked up");
  });

  it("makes no look-up when it is off", async () => {
    useDouble(double);
    await respondTo("guardduty-iam-user");
    expect(double.calls.map((c) => c.action)).toEqual(["UpdateAccessKey", "ListAccessKeys", "Publish"]);
  });
});
