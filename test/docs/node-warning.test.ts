import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./pages";

const WRAPPER = "node scripts/quiet-sdk.cjs ";
const scripts: Record<string, string> = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;

describe("the SDK's Node-version warning (Node 20)", () => {
  it("is off in every npm script that runs node, tsx, vitest or sls", () => {
    const running = Object.entries(scripts).filter(([, command]) =>
      /\b(node|tsx|vitest|sls)\b/.test(command),
    );
    expect(running.length).toBeGreaterThan(5);
    for (const [name, command] of running) expect(command.startsWith(WRAPPER), name).toBe(true);
  });

  it("the wrapper sets the variable and passes on the command's exit code", () => {
    const run = spawnSync(
      "node",
      [
        "scripts/quiet-sdk.cjs",
        "node",
        "-e",
        "process.exit(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === 'true' ? 3 : 4)",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(run.status).toBe(3);
  });
});
