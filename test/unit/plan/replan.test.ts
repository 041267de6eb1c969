import { describe, expect, it } from "vitest";
import { Action, type Plan, planContainment, planForOwner, Skip } from "../../../src/plan/plan";
import { findingOf, MEMBER, ourIdentity, SELF, testConfig } from "../../support/fixtures";

const identity = ourIdentity();

describe("planForOwner", () => {
  const healthPlan = (config = testConfig()): Plan =>
    planContainment(findingOf("health-credentials-compromised"), config, identity);

  it("plans the write for the owner IAM named, with no further look-up", () => {
    const plan = planForOwner(healthPlan(), { userName: "bob", root: false }, testConfig(), identity);

    expect(plan).toMatchObject({
      action: Action.DisableKey,
      userName: "bob",
      resolveOwner: false,
      account: SELF,
    });
    expect(plan.finding.principalType).toBe("IAMUser");
  });

  it("turns a key that turns out to be root's into no write", () => {
    const plan = planForOwner(healthPlan(), { root: true }, testConfig(), identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.Root, urgent: true });
  });

  it("turns a key that turns out to be a protected user's into no write", () => {
    const config = testConfig({ protectedUsers: ["bob"] });

    const plan = planForOwner(healthPlan(config), { userName: "Bob", root: false }, config, identity);

    expect(plan).toMatchObject({ action: Action.None, skip: Skip.Protected, urgent: true });
  });

  it("keeps acting in the member account through the member role", () => {
    const config = testConfig({ memberRoleName: "ResponderMember" });
    const initial = planContainment(findingOf("health-member-account"), config, identity);

    const plan = planForOwner(initial, { userName: "erin", root: false }, config, identity);

    expect(plan).toMatchObject({
      action: Action.DisableKey,
      userName: "erin",
      account: MEMBER,
      roleArn: "arn:aws:iam::222222222222:role/ResponderMember",
    });
  });

  it("keeps the original finding's facts and changes only the owner", () => {
    const initial = healthPlan();

    const plan = planForOwner(initial, { userName: "bob", root: false }, testConfig(), identity);

    expect(plan.finding).toEqual({
      ...initial.finding,
      userName: "bob",
      principalType: "IAMUser",
      account: SELF,
    });
  });
});
