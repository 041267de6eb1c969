import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkRespond,
  coverage,
  DEFAULT_SCENARIO,
  FIXTURES,
  FuzzViolation,
  fuzzGroups,
  resetCoverage,
  restoreIamMock,
  type Scenario,
  SELF_ACCOUNT,
} from "../support/fuzz";

// A fast sample for CI; scripts/fuzz.ts runs the same properties with many more cases.
const numRuns = Number(process.env.FUZZ_RUNS ?? 200);
if (!Number.isSafeInteger(numRuns) || numRuns < 1) throw new Error("FUZZ_RUNS must be a positive integer");

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, "..", "..", "events", `${name}.json`), "utf8"));

afterAll(restoreIamMock);

describe("fuzz harness", () => {
  // A blind oracle would pass everything: it must flag a write it was told is forbidden.
  it("reports a forbidden UpdateAccessKey as a (d) violation", async () => {
    const event = fixture("manual-disable");
    const forbidden = new Map([[event.accessKeyId as string, "self-test"]]);
    const run = checkRespond(event, DEFAULT_SCENARIO, forbidden);
    await expect(run).rejects.toBeInstanceOf(FuzzViolation);
    await expect(run).rejects.toThrow(/\(d\) UpdateAccessKey for "AKIAIVAN000000000001": self-test/);
  });

  // The key lives in the member account; "erin" is a user no configuration protects, so the responder may write.
  const memberKey = (changes: Partial<Scenario>): Scenario => ({
    ...DEFAULT_SCENARIO,
    keyAccount: "member",
    owner: "erin",
    listing: "stateful",
    ...changes,
  });

  it("reports a write in an account that does not own the key as a (j) violation", async () => {
    // A role session issued in the member account: a responder that takes our account for the key's (STS's answer
    // replaced) revokes the sessions of our same-named role, and reports the member's session as contained.
    const event = fixture("guardduty-assumed-role");
    const scenario = memberKey({ config: "opt-ins", handler: "guardduty" });
    const run = checkRespond(event, scenario, new Map(), { keyAccount: () => SELF_ACCOUNT });
    await expect(run).rejects.toBeInstanceOf(FuzzViolation);
    await expect(run).rejects.toThrow(
      /\(j\) PutRolePolicyCommand RoleName="web-instance-role" in account 111111111111; STS names 222222222222/,
    );
    await expect(run).rejects.toThrow(
      /\(k\) delivery 1: the alert says contained while "ASIAROLE000000000001"/,
    );
    // The same through the client: a responder that asks the right account but acts with our client.
    const wrongClient = checkRespond(event, scenario, new Map(), { iamAccount: () => SELF_ACCOUNT });
    await expect(wrongClient).rejects.toThrow(/\(j\) PutRolePolicyCommand .* in account 111111111111/);
  });

  it("reports no-action for a key still Active in its owning account as a (k) violation", async () => {
    // A request naming no account, for a key of the member account: a responder that takes IAM's NoSuchEntity in our
    // account for "gone" tells people there is nothing to do.
    const event = fixture("manual-disable");
    const run = checkRespond(event, memberKey({}), new Map(), { keyAccount: () => SELF_ACCOUNT });
    await expect(run).rejects.toBeInstanceOf(FuzzViolation);
    await expect(run).rejects.toThrow(
      /\(k\) delivery 1: the alert says no-action while "AKIAIVAN000000000001" is still Active in account 222222222222, which owns it \(outcome key-gone\)/,
    );
    // With the member role, one that looks the owner up with our client instead of the member role's does the same.
    const wrongClient = checkRespond(event, memberKey({ config: "opt-ins" }), new Map(), {
      iamAccount: () => SELF_ACCOUNT,
    });
    await expect(wrongClient).rejects.toThrow(/\(k\) delivery 1: the alert says no-action while "AKIAIVAN/);
    // (k) reads the key's state, not the verdict alone: the same key Inactive from the start is no violation.
    await checkRespond(event, memberKey({ listing: "inactive" }), new Map(), {
      keyAccount: () => SELF_ACCOUNT,
    });
  });

  it("tells the accounts apart: a member's key is written in the member account only, with the member role", async () => {
    const event = fixture("manual-disable");
    resetCoverage();
    await checkRespond(event, memberKey({ config: "opt-ins" }));
    // UpdateAccessKey, then TagUser and AttachUserPolicy (opt-ins), all on the member role's client.
    expect(coverage.memberWrites).toBe(3);
    expect(coverage.ownerLookUps).toBe(1);
    resetCoverage();
    await checkRespond(event, memberKey({ config: "default" }));
    expect(coverage.memberWrites).toBe(0);
    await checkRespond(event, { ...memberKey({ config: "opt-ins" }), keyAccount: "self" });
    expect(coverage.memberWrites).toBe(0);
  });

  it("passes every fixture in events/ unchanged, with and without PROTECTED_USERS", async () => {
    for (const name of FIXTURES.keys()) {
      const event = fixture(name.replace(/\.json$/, ""));
      await checkRespond(event, DEFAULT_SCENARIO);
      await checkRespond(event, { ...DEFAULT_SCENARIO, config: "protected" });
    }
  });

  it("passes every fixture in events/ unchanged with its keys in the member account, with the member role and without", async () => {
    for (const name of FIXTURES.keys()) {
      const event = fixture(name.replace(/\.json$/, ""));
      await checkRespond(event, memberKey({ config: "default" }));
      await checkRespond(event, memberKey({ config: "opt-ins" }));
    }
  });
});

describe("fuzz: parsers and the respond flow", () => {
  for (const group of fuzzGroups()) {
    it(`${group.name} (${group.properties})`, async () => {
      await group.assert({ numRuns });
    }, 60_000);
  }
});
