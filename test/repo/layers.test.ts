import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The shape of src/: its folders follow the flow, and imports only point down it.
 *
 *   shared/    small pieces every step uses (configuration, identifiers, the logger type, source names)
 *   findings/  the decision, part 1: one parser per source, event → Finding[] (no I/O)
 *   plan/      the decision, part 2: Finding + Config → Plan (pure)
 *   contain/   the action: carry out a plan through IAM and STS, record Outcomes
 *   enrich/    the action's extras: CloudTrail activity for the alert
 *   drill/     the weekly drill: ask GuardDuty for a sample finding
 *   alert/     the telling: render and publish alerts, metrics, the note on the Security Hub finding
 *   entry/     the wiring: the handler factory, clients, the orchestration, deadlines, granted permissions
 */
const ROOT = join(__dirname, "..", "..");
const SRC = join(ROOT, "src");

/** A folder may import its own files and any folder of a lower rank; folders of one rank may import each other. */
const RANK: Record<string, number> = {
  shared: 0,
  findings: 1,
  plan: 2,
  contain: 3,
  enrich: 3,
  drill: 3,
  alert: 4,
  entry: 5,
};

/** Parsers and the plan read no file, network or clock of their own, and load nothing on demand. */
const PURE = new Set(["shared", "findings", "plan"]);
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|child_process|dgram|dns|tls|worker_threads)$/;
/** The core's rendering and decisions import no SDK: only the adapters that send requests, and the wiring, do. */
const SDK_FOLDERS = new Set(["contain", "enrich", "drill", "entry"]);
const SDK_FILES = new Set(["alert/publish.ts", "alert/securityhub-client.ts"]);
const mayImportSdk = (file: string) => SDK_FOLDERS.has(folderOf(file)) || SDK_FILES.has(file);

interface Import {
  spec: string;
  dynamic: boolean;
}

const importsOf = (source: string): Import[] => {
  const found: Import[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;"']*?\bfrom\s*"([^"]+)"/g))
    found.push({ spec: m[1] as string, dynamic: false });
  for (const m of source.matchAll(/(?:^|\n)import\s+"([^"]+)"/g))
    found.push({ spec: m[1] as string, dynamic: false });
  for (const m of source.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g))
    found.push({ spec: m[1] as string, dynamic: true });
  return found;
};

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );

/** src-relative file → the src-relative files it imports, and its package imports. */
const graphOf = (files: Map<string, string>) => {
  const local = new Map<string, string[]>();
  const packages = new Map<string, Import[]>();
  for (const [file, source] of files) {
    const imports = importsOf(source);
    local.set(
      file,
      imports
        .filter((i) => i.spec.startsWith("."))
        .map((i) => {
          const target = relative(SRC, resolve(SRC, dirname(file), i.spec));
          return files.has(`${target}.ts`) ? `${target}.ts` : `${target}/index.ts`;
        }),
    );
    packages.set(
      file,
      imports.filter((i) => !i.spec.startsWith(".")),
    );
  }
  return { local, packages };
};

const folderOf = (file: string): string =>
  file.includes("/") ? (file.split("/")[0] as string) : "(src root)";

/** Every broken rule, as a line a person can act on. */
const violations = (files: Map<string, string>): string[] => {
  const { local, packages } = graphOf(files);
  const found: string[] = [];
  for (const [file, targets] of local) {
    const from = folderOf(file);
    if (RANK[from] === undefined)
      found.push(`${file}: not in a folder of the flow (${Object.keys(RANK).join(", ")})`);
    for (const target of targets) {
      if (!files.has(target)) found.push(`${file}: imports ${target}, which does not exist`);
      const to = folderOf(target);
      if ((RANK[to] ?? Number.POSITIVE_INFINITY) > (RANK[from] ?? Number.NEGATIVE_INFINITY))
        found.push(`${file}: imports ${target} upstream of it (${from} → ${to})`);
    }
    for (const i of packages.get(file) ?? []) {
      if (PURE.has(from) && IO_MODULES.test(i.spec))
        found.push(`${file}: ${from}/ does no I/O, but imports ${i.spec}`);
      if (PURE.has(from) && i.dynamic)
        found.push(`${file}: ${from}/ loads nothing on demand, but imports ${i.spec}`);
      if (i.spec.startsWith("@aws-sdk/") && !mayImportSdk(file))
        found.push(`${file}: imports ${i.spec}; only the adapters that send requests may`);
    }
  }
  // A cycle among files, through static or dynamic imports.
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      found.push(`import cycle: ${[...path.slice(path.indexOf(file)), file].join(" → ")}`);
      return;
    }
    state.set(file, "open");
    for (const target of local.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, "done");
  };
  for (const file of local.keys()) visit(file, []);
  return found;
};

const srcFiles = () => new Map(filesUnder(SRC).map((f) => [relative(SRC, f), readFileSync(f, "utf8")]));

describe("the layout of src/", () => {
  it("puts every file in a folder of the flow, with imports pointing only down it and no cycle", () => {
    expect(violations(srcFiles())).toEqual([]);
  });

  it("keeps every source file under 400 lines", () => {
    const long = [...srcFiles()]
      .map(([file, source]) => ({ file, lines: source.split("\n").length - 1 }))
      .filter(({ lines }) => lines > 400);
    expect(long).toEqual([]);
  });

  it("has every error class name itself and its class: Lambda reports an error by its name, sls invoke local by its class's, whatever the build", () => {
    const unnamed = [...srcFiles()].flatMap(([file, source]) =>
      [...source.matchAll(/class (\w+) extends (\w*Error)\b[^{]*\{([\s\S]*?)\n\}/g)]
        .filter(
          ([, name, , body]) =>
            !(body as string).includes(`name = "${name}"`) ||
            !(body as string).includes(`Object.defineProperty(${name}, "name", { value: "${name}" })`),
        )
        .map(([, name]) => `${file}: ${name}`),
    );
    expect(unnamed).toEqual([]);
    expect([...srcFiles()].some(([, source]) => /class ResponderError extends Error/.test(source))).toBe(
      true,
    );
  });

  it("has handlers that wire only the entry and the drill", () => {
    const handlers = join(ROOT, "handlers");
    for (const name of readdirSync(handlers)) {
      const source = readFileSync(join(handlers, name), "utf8");
      for (const { spec } of importsOf(source).filter((i) => i.spec.startsWith(".")))
        expect(spec, `handlers/${name}`).toMatch(/^\.\.\/src\/(entry|drill)\//);
    }
  });

  describe("the check itself", () => {
    const tree = (entries: Record<string, string>) => new Map(Object.entries(entries));

    it("names an import that points up the flow", () => {
      const found = violations(
        tree({
          "plan/plan.ts": 'import { x } from "../alert/render";\n',
          "alert/render.ts": "export const x = 1;\n",
        }),
      );
      expect(found).toEqual(["plan/plan.ts: imports alert/render.ts upstream of it (plan → alert)"]);
    });

    it("names a file left at the root of src/, a cycle, I/O in a parser and the SDK in rendering", () => {
      const found = violations(
        tree({
          "respond.ts": "export const r = 1;\n",
          "findings/a.ts": 'import { b } from "./b";\nimport { readFileSync } from "node:fs";\n',
          "findings/b.ts": 'import type { a } from "./a";\n',
          "alert/text.ts": 'import { SNSClient } from "@aws-sdk/client-sns";\n',
        }),
      );
      expect(found).toEqual([
        expect.stringContaining("respond.ts: not in a folder of the flow"),
        "findings/a.ts: findings/ does no I/O, but imports node:fs",
        "alert/text.ts: imports @aws-sdk/client-sns; only the adapters that send requests may",
        "import cycle: findings/a.ts → findings/b.ts → findings/a.ts",
      ]);
    });
  });
});
