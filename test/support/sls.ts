// The project's own Serverless Framework CLI (osls), run as a person runs it from the project folder, for the tests
// of the documented commands (`sls invoke local`, `sls package`).
import { spawn } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
const SLS = join(ROOT, "node_modules", ".bin", "sls");

export interface SlsRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, in the order they came. */
  output: string;
}

/** Runs `sls` with `args`; a variable `env` gives as undefined is removed from the child's environment. */
export const sls = (args: string[], env: Record<string, string | undefined> = {}): Promise<SlsRun> =>
  new Promise((resolve, reject) => {
    const merged = Object.entries({ ...process.env, ...env }).filter(([, value]) => value !== undefined);
    const child = spawn(SLS, args, {
      cwd: ROOT,
      env: Object.fromEntries(merged),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const run = { stdout: "", stderr: "", output: "" };
    for (const stream of ["stdout", "stderr"] as const) {
      child[stream].on("data", (chunk) => {
        run[stream] += chunk;
        run.output += chunk;
      });
    }
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ...run }));
  });
