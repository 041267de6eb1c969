// cfn-lint (AWS's CloudFormation linter, with the resource specification and schemas) on every template the
// project ships: the packaged stack of each configuration `npm run package` writes, and every infra/ template.
// No errors; a warning is either fixed or allowed below with its reason. cfn-lint is a Python tool: where it is not
// installed, these tests are skipped and say so.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INFRA_TEMPLATES } from "../support/packaged-policies";
import { loadTemplate, PACKAGED_CONFIGS, PROJECT_ROOT } from "../support/template";

const CFN_LINT = "cfn-lint";

const version = spawnSync(CFN_LINT, ["--version"], { encoding: "utf8" });
const available = version.status === 0;
if (!available) {
  // Straight to stderr: vitest keeps console output only for failing tests, and a skipped file has none.
  process.stderr.write(
    `cfn-lint is not on PATH (${version.error?.message ?? `exit code ${version.status}`}): skipping the cfn-lint ` +
      "checks of the packaged and infra/ templates. Install cfn-lint (a Python package, v1) to run them.\n",
  );
}

interface LintMatch {
  Filename: string;
  Level: "Error" | "Warning" | "Informational";
  Message: string;
  Rule: { Id: string };
  Location: { Path: Array<string | number> | null; Start: { LineNumber: number } };
}

/** What a warning may be allowed for: its rule, the templates it may occur in, and where in them. */
interface AllowedWarning {
  rule: string;
  /** Only in these templates: "packaged" (any `sls package` output) or an infra/ file name. */
  in: "packaged" | string;
  /** The path in the template starts with these keys. */
  path: Array<string | number>;
  reason: string;
}

/**
 * `sls package --param` writes each parameter's value into the template as a literal (the stack has no
 * CloudFormation Parameters), so every Condition compares constants. That is how the framework packages a
 * configuration, not a defect of one.
 */
const ALLOWED_WARNINGS: AllowedWarning[] = [
  {
    rule: "W8003",
    in: "packaged",
    path: ["Conditions"],
    reason: "Fn::Equals of two literals: the framework writes the --param values into the Conditions.",
  },
  {
    rule: "W1028",
    in: "packaged",
    path: ["Resources", "MemberAccountsGrant", "Properties", "PolicyDocument", "Statement", 0, "Condition"],
    reason:
      "with default parameters HasMemberRole and HasOrganizationId are the same literal test (empty == empty), so " +
      "cfn-lint sees the else branch of Fn::If HasOrganizationId as unreachable once HasMemberRole holds.",
  },
  {
    rule: "W3005",
    in: "packaged",
    path: ["Resources", "DrillLambdaFunction", "DependsOn"],
    reason:
      "the framework adds DependsOn on a function's own role (`role: DrillRole`) beside its Fn::GetAtt; " +
      "serverless.yml cannot leave it out.",
  },
];

const templateName = (path: string): string => {
  const packaged = Object.values(PACKAGED_CONFIGS).some(({ dir }) =>
    path.startsWith(join(PROJECT_ROOT, dir)),
  );
  return packaged ? "packaged" : (path.split("/").at(-1) ?? path);
};

const startsWith = (path: Array<string | number> | null, prefix: Array<string | number>): boolean =>
  prefix.every((key, index) => path?.[index] === key);

const isAllowed = (match: LintMatch): boolean =>
  ALLOWED_WARNINGS.some(
    (allowed) =>
      match.Level === "Warning" &&
      match.Rule.Id === allowed.rule &&
      (allowed.in === "packaged"
        ? templateName(match.Filename) === "packaged"
        : match.Filename.endsWith(allowed.in)) &&
      startsWith(match.Location.Path, allowed.path),
  );

const describeMatch = (match: LintMatch): string =>
  `${match.Level} ${match.Rule.Id} ${match.Filename.replace(PROJECT_ROOT, "")}:${match.Location.Start.LineNumber} ` +
  `${(match.Location.Path ?? []).join("/")}: ${match.Message}`;

/** cfn-lint's errors, and its warnings that are not allowed. */
const lintProblems = (matches: LintMatch[]): string[] =>
  matches
    .filter((match) => match.Level === "Error" || (match.Level === "Warning" && !isAllowed(match)))
    .map(describeMatch);

/** Runs cfn-lint once on all the files (it starts slowly), and returns its findings by file. */
const lint = (files: string[]): Map<string, LintMatch[]> => {
  const result = spawnSync(CFN_LINT, ["--format", "json", "--", ...files], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  // cfn-lint's exit code is a bit mask of the levels it found; its JSON is the answer.
  let matches: LintMatch[];
  try {
    matches = JSON.parse(result.stdout) as LintMatch[];
  } catch {
    throw new Error(`cfn-lint printed no JSON (exit ${result.status}): ${result.stderr || result.stdout}`);
  }
  const byFile = new Map(files.map((file) => [file, [] as LintMatch[]]));
  for (const match of matches) {
    const file = files.find(
      (candidate) => candidate.endsWith(match.Filename) || match.Filename.endsWith(candidate),
    );
    if (!file) throw new Error(`cfn-lint reported a file it was not given: ${match.Filename}`);
    byFile.get(file)?.push(match);
  }
  return byFile;
};

const PACKAGED = Object.entries(PACKAGED_CONFIGS).map(([name, { dir }]) => ({
  name: `the packaged stack (${name})`,
  path: join(PROJECT_ROOT, dir, "cloudformation-template-update-stack.json"),
}));
const INFRA = INFRA_TEMPLATES.map((file) => ({
  name: `infra/${file}`,
  path: join(PROJECT_ROOT, "infra", file),
}));

describe.skipIf(!available)(`cfn-lint (${version.stdout?.trim() || "absent"})`, () => {
  let scratch = "";
  /** Broken copies, each linted beside the real templates to show the check bites. */
  const broken = { invalidProperty: "", badReference: "", unusedParameter: "" };
  let results = new Map<string, LintMatch[]>();

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "cfn-lint-"));
    broken.invalidProperty = join(scratch, "invalid-property.json");
    broken.badReference = join(scratch, "bad-reference.json");
    broken.unusedParameter = join(scratch, "unused-parameter.json");
    for (const { path } of PACKAGED) {
      if (!existsSync(path)) loadTemplate(path); // throws, saying to run `npm run package` first
    }
    const stack = loadTemplate(PACKAGED[0]?.path);
    const topic = stack.Resources.AlertTopic;
    if (!topic?.Properties) throw new Error("the packaged stack has no AlertTopic to break");
    topic.Properties.KmsMasterKeyIdentifier = topic.Properties.KmsMasterKeyId;
    writeFileSync(broken.invalidProperty, JSON.stringify(stack, null, 2));

    const withBadReference = loadTemplate(PACKAGED[0]?.path);
    const queue = withBadReference.Resources.FailureQueuePolicy?.Properties;
    if (!queue) throw new Error("the packaged stack has no FailureQueuePolicy to break");
    queue.Queues = [{ Ref: "NoSuchQueue" }];
    writeFileSync(broken.badReference, JSON.stringify(withBadReference, null, 2));

    const member = loadTemplate(join(PROJECT_ROOT, "infra", "member-role.json"));
    const unused = { Type: "String", Default: "x" };
    writeFileSync(
      broken.unusedParameter,
      JSON.stringify({ ...member, Parameters: { ...member.Parameters, Unused: unused } }, null, 2),
    );

    results = lint([...PACKAGED, ...INFRA].map(({ path }) => path).concat(Object.values(broken)));
  }, 120_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it.each([...PACKAGED, ...INFRA])(
    "finds no error and no warning that is not allowed in $name",
    ({ path }) => {
      expect(lintProblems(results.get(path) ?? [])).toEqual([]);
    },
  );

  it("still needs every allowed warning", () => {
    const all = [...results.entries()]
      .filter(([file]) => !file.startsWith(scratch))
      .flatMap(([, matches]) => matches);
    const unused = ALLOWED_WARNINGS.filter(
      (allowed) =>
        !all.some(
          (match) =>
            match.Rule.Id === allowed.rule &&
            startsWith(match.Location.Path, allowed.path) &&
            isAllowed(match),
        ),
    );
    expect(unused.map((allowed) => `${allowed.rule} at ${allowed.path.join("/")}`)).toEqual([]);
  });

  it("reports an error for an invalid property in a broken copy", () => {
    expect(lintProblems(results.get(broken.invalidProperty) ?? [])).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Error E3002 .*AlertTopic.*KmsMasterKeyIdentifier/)]),
    );
  });

  it("reports an error for a reference to a resource that does not exist", () => {
    expect(lintProblems(results.get(broken.badReference) ?? [])).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Error E\d+ .*NoSuchQueue/)]),
    );
  });

  it("reports a warning that is not allowed (an unused parameter in an infra template)", () => {
    expect(lintProblems(results.get(broken.unusedParameter) ?? [])).toEqual([
      expect.stringMatching(/^Warning W2001 .*Parameters\/Unused/),
    ]);
  });
});
