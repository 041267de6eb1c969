import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FRONT_DOOR, ROOT, read } from "./pages";

const RUN_LOCALLY =
  "npm ci && npx sls invoke local -f guardduty -p events/guardduty-iam-user.json -e DRY_RUN=true";
const RUN_TESTS = "npm ci && npm test";

describe("the README", () => {
  it("is a front door: at most 150 lines", () => {
    expect(read(FRONT_DOOR).trimEnd().split("\n").length).toBeLessThanOrEqual(150);
  });

  it("holds the two commands, each on a line of its own", () => {
    const lines = read(FRONT_DOOR).split("\n");
    expect(lines).toContain(RUN_LOCALLY);
    expect(lines).toContain(RUN_TESTS);
  });

  it("runs in CI as it reads: .ci/run installs with npm ci and runs npm test", () => {
    const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/\bnpm test$/m);
  });

  it("recommends Node 22 while package.json still accepts 20.19", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.engines.node).toBe(">=20.19");
    expect(read(FRONT_DOOR)).toMatch(/Node\.js 22\*\* is recommended; 20\.19 or later works/);
  });
});
