import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkRespond,
  DEFAULT_SCENARIO,
  FIXTURES,
  FuzzViolation,
  fuzzGroups,
  restoreIamMock,
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

  it("passes every fixture in events/ unchanged, with and without PROTECTED_USERS", async () => {
    for (const name of FIXTURES.keys()) {
      const event = fixture(name.replace(/\.json$/, ""));
      await checkRespond(event, DEFAULT_SCENARIO);
      await checkRespond(event, { ...DEFAULT_SCENARIO, config: "protected" });
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
