import { describe, expect, it } from "vitest";
import { Action, mergePlans, planContainment, Skip } from "../../../src/plan/plan";
import { findingOf, ourIdentity, testConfig } from "../../support/fixtures";

const identity = ourIdentity();

describe("mergePlans, for a key an event names more than once", () => {
  const config = testConfig();
  const plan = (overrides: Parameters<typeof findingOf>[1]) =>
    planContainment(findingOf("guardduty-iam-user", overrides), config, identity);

  it("keeps a root refusal even when a later finding names an IAM user", () => {
    const merged = mergePlans([plan({ principalType: "Root", userName: undefined }), plan({})], config);
    expect(merged).toMatchObject({ action: Action.None, skip: Skip.Root });
    expect(mergePlans([plan({}), plan({ principalType: "Root", userName: undefined })], config).skip).toBe(
      Skip.Root,
    );
  });

  it("does not let a sample or a low-severity copy hide a real finding", () => {
    const merged = mergePlans([plan({ sample: true }), plan({ severity: 1 }), plan({})], config);
    expect(merged.action).toBe(Action.DisableKey);
  });

  it("refuses when the findings disagree on the key's owner", () => {
    const merged = mergePlans([plan({}), plan({ userName: "mallory" })], config);
    expect(merged).toMatchObject({ action: Action.None, skip: Skip.InvalidInput, urgent: true });
  });

  it("reads first if any copy asks for it", () => {
    expect(mergePlans([plan({}), plan({ update: true })], config).checkFirst).toBe(true);
  });
});
