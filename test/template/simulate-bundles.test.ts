// The policy simulator and the authorization data are AGPL and MIT test tools: none of their code may reach a Lambda
// bundle. esbuild's metafile lists every file a bundle takes in; each handler is bundled as serverless-esbuild
// bundles it (without writing anything) and its inputs are checked.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/template";

const TEST_ONLY = ["@cloud-copilot/", "vitest", "aws-sdk-client-mock", "fast-check"];

const HANDLERS = readdirSync(join(PROJECT_ROOT, "handlers"))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => join(PROJECT_ROOT, "handlers", file));

const bundleInputs = async (entry: { entryPoints: string[] } | { stdin: string }): Promise<string[]> => {
  const result = await build({
    ...("stdin" in entry
      ? { stdin: { contents: entry.stdin, resolveDir: PROJECT_ROOT, loader: "ts" as const } }
      : { entryPoints: entry.entryPoints }),
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    mainFields: ["module", "main"],
    outdir: join(PROJECT_ROOT, ".build", "metafile-check"),
    logLevel: "silent",
  });
  return Object.keys(result.metafile.inputs);
};

/** Inputs of a bundle that come from a test-only package. */
const testOnlyInputs = (inputs: string[]): string[] =>
  inputs.filter((input) => TEST_ONLY.some((name) => input.includes(`node_modules/${name}`)));

describe("the Lambda bundles", () => {
  it(`take in no code of ${TEST_ONLY.join(", ")}`, { timeout: 60_000 }, async () => {
    expect(HANDLERS.length).toBeGreaterThan(0);
    const inputs = await bundleInputs({ entryPoints: HANDLERS });
    expect(inputs.some((input) => input.startsWith("src/"))).toBe(true);
    expect(testOnlyInputs(inputs)).toEqual([]);
  });

  it("would be caught taking in the simulator", { timeout: 60_000 }, async () => {
    const inputs = await bundleInputs({ stdin: 'export * from "@cloud-copilot/iam-simulate";' });
    expect(testOnlyInputs(inputs)).toEqual(
      expect.arrayContaining([expect.stringContaining("node_modules/@cloud-copilot/iam-simulate/")]),
    );
  });
});
