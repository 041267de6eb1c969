import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { unzipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { loadEvent, loopbackDouble, TOPIC_ARN } from "../support/harness";

/**
 * The zips `sls package` makes (npm run package, before the tests), read as Lambda reads them: each function is an
 * ES module entry with its own chunks, under a package.json that makes `.js` an ES module.
 */
const ROOT = join(__dirname, "..", "..");
const MAX_ZIP_BYTES = 300 * 1024;

interface PackagedFunction {
  name: string;
  /** handlers/guardduty.js */
  entry: string;
  zip: string;
  files: Record<string, Uint8Array>;
}

const packaged = (): PackagedFunction[] => {
  const state = JSON.parse(readFileSync(join(ROOT, ".serverless", "serverless-state.json"), "utf8"));
  const functions = state.service.functions as Record<
    string,
    { handler: string; package: { artifact: string } }
  >;
  return Object.entries(functions).map(([name, fn]) => {
    const zip = join(ROOT, fn.package.artifact);
    return {
      name,
      entry: `${fn.handler.slice(0, fn.handler.lastIndexOf("."))}.js`,
      zip,
      files: unzipSync(readFileSync(zip)),
    };
  });
};

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** Relative imports of an ES module output, static and dynamic, resolved against its own path in the zip. */
const importsOf = (path: string, source: string): { target: string; dynamic: boolean }[] =>
  [...source.matchAll(/(?:\bfrom\s*|\bimport\s*|\bimport\(\s*)"(\.{1,2}\/[^"]+)"/g)].map((m) => ({
    target: posix.normalize(posix.join(posix.dirname(path), m[1] as string)),
    dynamic: (m[0] as string).includes("("),
  }));

/** Every file the entry reaches; `eager` follows static imports only (what is read before the handler runs). */
const reachable = (fn: PackagedFunction, eager = false): Set<string> => {
  const seen = new Set<string>();
  const queue = [fn.entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of importsOf(file, text(fn.files[file]))) if (!(eager && i.dynamic)) queue.push(i.target);
  }
  return seen;
};

const functions = packaged();

describe("the packaged functions", () => {
  it("are all there", () => {
    expect(functions.map((fn) => fn.name).sort()).toEqual([
      "drill",
      "guardduty",
      "leakedCredentials",
      "manual",
      "securityHub",
    ]);
  });

  describe.each(functions)("$name", (fn) => {
    it("ships its entry as an ES module under a package.json of type module", () => {
      expect(JSON.parse(text(fn.files[posix.join(posix.dirname(fn.entry), "package.json")]))).toEqual({
        type: "module",
      });
      expect(text(fn.files[fn.entry])).toMatch(/\bexport\s*\{[^}]*\bas handler\b/);
    });

    it("holds exactly the files its entry reaches: every import resolves, no other function's chunk", () => {
      const reached = reachable(fn);
      const missing = [...reached].filter((file) => fn.files[file] === undefined);
      expect(missing).toEqual([]);
      const code = Object.keys(fn.files).filter((file) => file.endsWith(".js"));
      expect(code.filter((file) => !reached.has(file))).toEqual([]);
      expect(code.length).toBeGreaterThan(1);
    });

    it("reads its post-write code on first use only: SNS and STS are not in what loads with the entry", () => {
      if (fn.name === "drill") return;
      // keepNames (serverless.yml) leaves each class's name where the class is defined: `…(this,"PublishCommand")`.
      const definedIn = (files: Set<string>, command: string) =>
        [...files].filter((file) => text(fn.files[file]).includes(`(this,"${command}")`));
      for (const command of ["PublishCommand", "GetCallerIdentityCommand"]) {
        expect(definedIn(reachable(fn), command), command).toHaveLength(1);
        expect(definedIn(reachable(fn, true), command), command).toEqual([]);
      }
    });

    it("calls no require() that an ES module cannot honour", () => {
      // esbuild's shim for a CommonJS require() left inside an ES module throws this at run time.
      const shimmed = Object.keys(fn.files).filter((file) =>
        text(fn.files[file]).includes("Dynamic require of"),
      );
      expect(shimmed).toEqual([]);
    });

    it(`stays within ${MAX_ZIP_BYTES / 1024} KB`, () => {
      expect(readFileSync(fn.zip).length).toBeLessThanOrEqual(MAX_ZIP_BYTES);
    });
  });
});

describe("a packaged zip, unpacked and run as Lambda runs it", () => {
  const double = loopbackDouble({ pointEnv: false });
  const dir = mkdtempSync(join(tmpdir(), "akr-zip-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const unpack = (fn: PackagedFunction): string => {
    const root = join(dir, fn.name);
    for (const [file, bytes] of Object.entries(fn.files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), bytes);
    }
    return root;
  };

  /** A fresh node: Lambda's runtime import()s the handler; `sls invoke local` require()s it (Node ≥ 20.19). */
  const run = (entry: string, how: "import" | "require", eventFile: string) => {
    const script = `
      const entry = ${JSON.stringify(entry)};
      const load = ${JSON.stringify(how)} === "import" ? import(require("node:url").pathToFileURL(entry).href) : Promise.resolve(require(entry));
      load.then(async ({ handler }) => {
        const event = JSON.parse(require("node:fs").readFileSync(${JSON.stringify(eventFile)}, "utf8"));
        const context = { functionName: "access-key-responder-guardduty", awsRequestId: "zip-test",
          invokedFunctionArn: "arn:aws:lambda:us-east-1:${"111111111111"}:function:access-key-responder-guardduty",
          getRemainingTimeInMillis: () => 60000 };
        process.stdout.write("\\nRESULT " + JSON.stringify(await handler(event, context)) + "\\n");
      });`;
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["-e", script], {
        env: {
          PATH: process.env.PATH,
          ...double.env(),
          AWS_REGION: "us-east-1",
          ALERT_TOPIC_ARN: TOPIC_ARN,
          SECURITY_HUB_UPDATES: "false",
          POWERTOOLS_LOG_LEVEL: "SILENT",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c) => {
        stdout += c;
      });
      child.stderr.on("data", (c) => {
        stderr += c;
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  };

  it.each(["import", "require"] as const)(
    "contains the key and publishes the alert, loaded with %s()",
    { timeout: 30_000 },
    async (how) => {
      const fn = functions.find((f) => f.name === "guardduty");
      if (!fn) throw new Error("no guardduty zip");
      const eventFile = join(dir, "event.json");
      writeFileSync(eventFile, JSON.stringify(loadEvent("guardduty-iam-user")));
      const result = await run(join(unpack(fn), fn.entry), how, eventFile);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const summary = result.stdout.split("\n").find((line) => line.startsWith("RESULT "));
      expect(JSON.parse(summary?.slice("RESULT ".length) ?? "null")).toMatchObject({
        result: "handled",
        alert: "published",
      });
      expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
      // The alert's SNS client lives in a chunk loaded after the write: its arrival proves the chunk resolved.
      expect(double.published).toHaveLength(1);
    },
  );
});
