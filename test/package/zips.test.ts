import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { unzipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { PROTECTED_TAG } from "../support/aws-double";
import { guardDutyFindingAbout, loadEvent, loopbackDouble, TOPIC_ARN } from "../support/harness";
import { SELF_ACCOUNT } from "../support/world";

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
      // Each client's code names its service's API (its signing and endpoint rules): where the name is, the client is.
      const holding = (files: Set<string>, service: string) =>
        [...files].filter((file) => text(fn.files[file]).includes(`"${service}"`));
      for (const service of ["AmazonSimpleNotificationService", "AWSSecurityTokenServiceV20110615"]) {
        expect(holding(reachable(fn), service).length, service).toBeGreaterThan(0);
        expect(holding(reachable(fn, true), service), service).toEqual([]);
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

  it.each(functions.map((fn) => fn.name))(
    "%s: loads from its zip alone and exports a handler",
    async (name) => {
      const fn = functions.find((f) => f.name === name) as PackagedFunction;
      const entry = join(unpack(fn), fn.entry);
      // Its dynamic imports too: a chunk missing from the zip would fail only when first used, so each is loaded.
      const chunks = [...reachable(fn)]
        .filter((file) => file !== fn.entry)
        .map((file) => join(dir, fn.name, file));
      const script =
        "const { pathToFileURL } = require('node:url');" +
        `Promise.all([${JSON.stringify(entry)}, ...${JSON.stringify(chunks)}].map((f) => import(pathToFileURL(f).href)))` +
        ".then(([m]) => process.exit(typeof m.handler === 'function' ? 0 : 3), (e) => { console.error(e); process.exit(4); });";
      const child = spawn(process.execPath, ["-e", script], {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: "us-east-1",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (c) => {
        stderr += c;
      });
      const code = await new Promise<number | null>((done) => child.on("close", done));
      expect(stderr).toBe("");
      expect(code).toBe(0);
    },
  );

  /**
   * A fresh node: Lambda's runtime import()s the handler; `sls invoke local` require()s it (Node ≥ 20.19). It prints
   * the handler's result, or the name and message of what it threw, on a line of its own.
   */
  const run = async (how: "import" | "require", event: unknown) => {
    const fn = functions.find((f) => f.name === "guardduty");
    if (!fn) throw new Error("no guardduty zip");
    const entry = join(unpack(fn), fn.entry);
    const eventFile = join(dir, "event.json");
    writeFileSync(eventFile, JSON.stringify(event));
    const script = `
      const entry = ${JSON.stringify(entry)};
      const load = ${JSON.stringify(how)} === "import" ? import(require("node:url").pathToFileURL(entry).href) : Promise.resolve(require(entry));
      const line = (tag, value) => process.stdout.write("\\n" + tag + " " + JSON.stringify(value) + "\\n");
      load.then(async ({ handler }) => {
        const event = JSON.parse(require("node:fs").readFileSync(${JSON.stringify(eventFile)}, "utf8"));
        const context = { functionName: "access-key-responder-guardduty", awsRequestId: "zip-test",
          invokedFunctionArn: "arn:aws:lambda:us-east-1:${SELF_ACCOUNT}:function:access-key-responder-guardduty",
          getRemainingTimeInMillis: () => 60000 };
        line("RESULT", await handler(event, context));
      }).catch((error) => line("THROWN", { name: error.name, message: error.message, summary: error.summary }));`;
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
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
      const out = { stdout: "", stderr: "" };
      child.stdout.on("data", (c) => {
        out.stdout += c;
      });
      child.stderr.on("data", (c) => {
        out.stderr += c;
      });
      child.on("error", reject);
      child.on("close", (exit) => resolve({ code: exit, ...out }));
    });
    const tagged = (tag: string) => {
      const found = stdout.split("\n").find((l) => l.startsWith(`${tag} `));
      return found === undefined ? undefined : JSON.parse(found.slice(tag.length + 1));
    };
    return { code, stderr, result: tagged("RESULT"), thrown: tagged("THROWN") };
  };

  it.each(["import", "require"] as const)(
    "contains the key and publishes the alert, loaded with %s()",
    { timeout: 30_000 },
    async (how) => {
      const { code, stderr, result } = await run(how, loadEvent("guardduty-iam-user"));
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(result).toMatchObject({ result: "handled", alert: "published" });
      expect(double.keyStatus("AKIAALICE00000000001")).toBe("Inactive");
      // The alert's SNS client lives in a chunk loaded after the write: its arrival proves the chunk resolved.
      expect(double.published).toHaveLength(1);
    },
  );

  // Lambda reports a thrown error by its `name`, and the code reads IAM's errors by theirs: both must survive the build.
  it("throws a ResponderError naming IAM's error when the write is refused", {
    timeout: 30_000,
  }, async () => {
    double.inject({ action: "UpdateAccessKey", error: { code: "ValidationError", status: 400 } });
    const { thrown } = await run("import", loadEvent("guardduty-iam-user"));
    expect(thrown).toMatchObject({ name: "ResponderError" });
    expect(thrown.summary.outcomes).toEqual([
      expect.objectContaining({ status: "failed", detail: expect.stringContaining("ValidationError") }),
    ]);
    expect(double.published).toHaveLength(1);
  });

  it("reads IAM's explicit deny by its name: a protected user's key is reported protected", {
    timeout: 30_000,
  }, async () => {
    const key = "AKIAZIPTAGGED0000001";
    double.addUser({ name: "zip-tagged", tags: { [PROTECTED_TAG]: "true" }, keys: [{ id: key }] });
    const event = guardDutyFindingAbout("guardduty-iam-user", { accessKeyId: key, userName: "zip-tagged" });
    const { result } = await run("import", event);
    expect(result.outcomes).toEqual([expect.objectContaining({ accessKeyId: key, status: "protected" })]);
    expect(double.keyStatus(key)).toBe("Active");
  });
});
