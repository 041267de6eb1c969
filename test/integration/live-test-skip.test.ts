import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("npm run test:live", () => {
  it("says clearly that it was skipped and exits 0 when there are no credentials", () => {
    const root = join(__dirname, "..", "..");
    const env = { ...process.env };
    for (const name of [
      "AWS_PROFILE",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
    ]) {
      delete env[name];
    }
    const run = spawnSync(join(root, "node_modules", ".bin", "tsx"), ["scripts/live-test.ts"], {
      cwd: root,
      env,
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("test:live skipped: no AWS credentials");
  });
});
