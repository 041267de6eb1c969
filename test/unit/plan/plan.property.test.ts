import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../src/findings";
import { Action, planContainment, planForOwner } from "../../../src/plan/plan";
import { type Config, loadConfig } from "../../../src/shared/config";

/** Findings of every shape the parsers can produce, biased towards the dangerous ones. */
const keyId = fc.oneof(
  fc.stringMatching(/^AKIA[A-Z0-9]{16}$/),
  fc.stringMatching(/^ASIA[A-Z0-9]{16}$/),
  fc.constant("GeneratedFindingAccessKeyId"),
  fc.string({ maxLength: 40 }),
);
const userName = fc.option(
  fc.oneof(
    fc.constantFrom(
      "alice",
      "Root",
      "root",
      "BreakGlass-Admin",
      "breakglass-admin",
      "GeneratedFindingUserName",
    ),
    fc.stringMatching(/^[\w+=,.@-]{1,64}$/),
    fc.string({ maxLength: 80 }),
  ),
  { nil: undefined },
);
const finding: fc.Arbitrary<Finding> = fc.record({
  source: fc.constantFrom("guardduty", "health", "trusted-advisor", "security-hub", "manual"),
  findingId: fc.string({ minLength: 1, maxLength: 20 }),
  type: fc.string({ maxLength: 30 }),
  title: fc.string({ maxLength: 30 }),
  severity: fc.option(fc.double({ min: -1, max: 11, noNaN: false }), { nil: undefined }),
  accessKeyId: keyId,
  userName,
  principalType: fc.constantFrom("IAMUser", "AssumedRole", "Root", "Unknown"),
  account: fc.option(fc.constantFrom("111111111111", "222222222222"), { nil: undefined }),
  sample: fc.boolean(),
  update: fc.boolean(),
  requestedStatus: fc.constantFrom("Inactive", "Active"),
  details: fc.constant({}),
}) as fc.Arbitrary<Finding>;

const config = (overrides: Record<string, string>): Config =>
  loadConfig({ PROTECTED_USERS: "breakglass-admin", ...overrides });
const configs = fc.record({
  REVOKE_SESSIONS: fc.constantFrom("true", "false"),
  MEMBER_ROLE_NAME: fc.constantFrom("", "AccessKeyResponderMember"),
  MIN_SEVERITY: fc.constantFrom("0", "4", "7"),
  DRY_RUN: fc.constantFrom("true", "false"),
});
const identity = { account: "111111111111", partition: "aws" };

const writesKey = (action: string) => action === Action.DisableKey || action === Action.ReactivateKey;
const isRootName = (name: string | undefined) => name?.toLowerCase() === "root";

describe("planContainment, for any finding and configuration", () => {
  it("never plans UpdateAccessKey for a root, sample, protected or ASIA key", () => {
    fc.assert(
      fc.property(finding, configs, (f, env) => {
        const plan = planContainment(f, config(env), identity);
        if (!writesKey(plan.action)) return;
        expect(f.sample).toBe(false);
        expect(f.principalType).not.toBe("Root");
        expect(isRootName(f.userName)).toBe(false);
        expect(f.userName?.toLowerCase()).not.toBe("breakglass-admin");
        expect(f.accessKeyId.startsWith("ASIA")).toBe(false);
        expect(f.accessKeyId).toMatch(/^AKIA\w{12,124}$/);
        if (plan.userName !== undefined) expect(plan.userName).toMatch(/^[\w+=,.@-]{1,64}$/);
      }),
      { numRuns: 2_000 },
    );
  });

  it("still refuses once the owner is resolved to root or a protected user", () => {
    fc.assert(
      fc.property(
        finding,
        configs,
        fc.constantFrom("breakglass-admin", "BREAKGLASS-ADMIN", undefined),
        (f, env, owner) => {
          const cfg = config(env);
          const plan = planContainment(
            { ...f, userName: undefined, principalType: "Unknown" },
            cfg,
            identity,
          );
          const replanned = planForOwner(plan, { userName: owner, root: owner === undefined }, cfg, identity);
          expect(writesKey(replanned.action)).toBe(false);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("acts in another account only through the member role", () => {
    fc.assert(
      fc.property(finding, configs, (f, env) => {
        const plan = planContainment(f, config(env), identity);
        if (plan.action !== Action.None && f.account === "222222222222") {
          expect(plan.roleArn).toBe("arn:aws:iam::222222222222:role/AccessKeyResponderMember");
        }
        if (plan.action !== Action.None && f.account !== "222222222222") expect(plan.roleArn).toBeUndefined();
      }),
      { numRuns: 1_000 },
    );
  });
});
