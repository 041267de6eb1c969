import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { Verdict } from "../../src/alert/document";
import { ResponderError } from "../../src/entry/respond";
import { codeBlocks, documentation, inlineCode, ROOT, read } from "./pages";

/** Shell a reader may paste: every `sh` block, and every inline command that starts with a tool we document. */
const shell = (page: string): string[] => {
  const markdown = read(page);
  return [
    ...codeBlocks(markdown)
      .filter((block) => block.lang === "sh")
      .map((block) => block.code),
    ...inlineCode(markdown).filter((code) => /^(npx|npm|aws|AWS_\w+=\S*) /.test(code)),
  ];
};

const parses = (code: string): string => {
  const result = spawnSync("bash", ["-n"], { input: code, encoding: "utf8" });
  return result.status === 0 ? "" : result.stderr.trim();
};

const FUNCTIONS = [
  ...(
    /^functions:\n([\s\S]*?)^\S/m.exec(readFileSync(join(ROOT, "serverless.yml"), "utf8"))?.[1] ?? ""
  ).matchAll(/^ {2}(\w+):$/gm),
].map((match) => match[1]);

const pages = documentation().map((page) => [relative(ROOT, page), page]);

describe("commands in the README and docs/", () => {
  it.each(pages)("%s: every documented command parses as shell (bash -n)", (_, page) => {
    const failures = shell(page)
      .map((code) => [code, parses(code)])
      .filter(([, error]) => error);
    expect(failures).toEqual([]);
  });

  it.each(pages)(
    "%s: every sls invoke names a function of serverless.yml and an event file that exists",
    (_, page) => {
      const invokes = shell(page).flatMap(
        (code) => code.replace(/\\\n/g, " ").match(/\bsls invoke\b.*$/gm) ?? [],
      );
      for (const command of invokes) {
        expect(FUNCTIONS, command).toContain(/\s-f\s+(\w+)/.exec(command)?.[1]);
        const event = /\s-p\s+(\S+)/.exec(command)?.[1];
        if (event) expect(existsSync(join(ROOT, event)), command).toBe(true);
      }
    },
  );

  it("finds the commands it checks, and bash -n catches a broken one", () => {
    expect(FUNCTIONS).toEqual(["guardduty", "leakedCredentials", "securityHub", "manual", "drill"]);
    expect(pages.flatMap(([, page]) => shell(page as string)).length).toBeGreaterThan(20);
    expect(parses('npx sls invoke -f manual -d \'{"accessKeyId": "AKIA')).not.toBe("");
  });
});

describe("facts the docs state about the code", () => {
  it("the exit-code table has exit 0 and 1, and names outcomes and the error the code has", () => {
    const page = read(join(ROOT, "docs", "operations.md"));
    const section = page.slice(
      page.indexOf("## Exit codes"),
      page.indexOf("\n## ", page.indexOf("## Exit codes")),
    );
    const exits = [...section.matchAll(/^\| (\S+)\s+\|/gm)].map((match) => match[1]);
    expect(exits).toEqual(["Exit", "----", "0", "1"]);
    const outcomes = [...section.matchAll(/`outcome` `([\w-]+)`/g)].map((match) => match[1]);
    expect(outcomes.length).toBeGreaterThan(0);
    for (const outcome of outcomes) expect(Object.values(Verdict)).toContain(outcome);
    expect(section).toContain(`\`${ResponderError.name}\``);
  });

  it("the alert's outcome attribute lists every verdict", () => {
    const page = read(join(ROOT, "docs", "alerts.md"));
    const list = /Message attributes `outcome` \(([^)]*)\)/.exec(page)?.[1] ?? "";
    const listed = [...list.matchAll(/`([\w-]+)`/g)].map((match) => match[1]);
    expect(listed.sort()).toEqual(Object.values(Verdict).sort());
  });
});
