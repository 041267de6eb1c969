// Long fuzz run: `tsx scripts/fuzz.ts [--runs N] [--seed S]`. Same properties as test/fuzz ((a)–(k), listed in
// test/support/fuzz.ts), more cases.
// Exits 1 on any failure, after printing the shrunk counterexample and the seed and path that replay it.
import type { FuzzGroup, GroupResult, ViolationKind } from "../test/support/fuzz";

const DEFAULT_RUNS = 10_000;

const usage = "usage: tsx scripts/fuzz.ts [--runs N] [--seed S]";

const readOption = (args: string[], name: string): number | undefined => {
  const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
  if (index === -1) return undefined;
  const arg = args[index] as string;
  const raw = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[index + 1];
  const value = Number(raw);
  if (!Number.isSafeInteger(value))
    throw new Error(`${name} needs an integer, got ${raw ?? "nothing"}\n${usage}`);
  return value;
};

const pad = (text: string | number, width: number, right = false): string =>
  right ? String(text).padStart(width) : String(text).padEnd(width);

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const checkArgs = (args: string[]): void => {
  args.forEach((arg, i) => {
    const value = ["--runs", "--seed"].includes(args[i - 1] ?? "");
    if (!value && !/^--(runs|seed)(=.*)?$/.test(arg)) {
      throw new Error(`unknown argument ${arg}\n${usage}`);
    }
  });
};

export const main = async (args: string[]): Promise<number> => {
  checkArgs(args);
  const runs = readOption(args, "--runs") ?? DEFAULT_RUNS;
  const seed = readOption(args, "--seed");
  if (runs < 1) throw new Error(`--runs must be at least 1\n${usage}`);

  // Imported late so that the SDK's Node-version warning is off before the client modules load.
  const { coverage, formatFailure, fuzzGroups, kindsOf, resetCoverage, restoreIamMock } = await import(
    "../test/support/fuzz"
  );
  const started = Date.now();
  const results: { group: FuzzGroup; result: GroupResult; ms: number; seen: typeof coverage }[] = [];
  try {
    for (const group of fuzzGroups()) {
      const t0 = Date.now();
      resetCoverage();
      const result = await group.check({ numRuns: runs, ...(seed === undefined ? {} : { seed }) });
      results.push({ group, result, ms: Date.now() - t0, seen: { ...coverage } });
    }
  } finally {
    restoreIamMock();
  }

  // The last columns show the cases were meaningful: writes made, refusals (d) had to hold, runs whose keys the member
  // account owns with the writes made there ((j) had two accounts to tell apart), and no-action or contained alerts
  // whose keys (k) checked.
  const header = [
    "cases run",
    "failures",
    "time",
    "UpdateAccessKey",
    "other writes",
    "guarded",
    "member keys",
    "member writes",
    "settled alerts",
  ];
  const widths = header.map((h) => h.length);
  const width = Math.max(...results.map((r) => `${r.group.name} (${r.group.properties})`.length), 8);
  const row = (name: string, cells: (string | number)[]) =>
    [pad(name, width), ...cells.map((cell, i) => pad(cell, widths[i] as number, true))].join("  ");
  console.log(row("property", header));
  console.log(
    row(
      "-".repeat(width),
      widths.map((w) => "-".repeat(w)),
    ),
  );
  for (const { group, result, ms, seen } of results) {
    const flow = group.properties !== "a";
    console.log(
      row(`${group.name} (${group.properties})`, [
        result.numRuns,
        result.failed ? 1 : 0,
        `${(ms / 1000).toFixed(1)}s`,
        flow ? seen.updateAccessKey : "-",
        flow ? seen.otherWrites : "-",
        flow ? seen.guarded : "-",
        flow ? seen.memberKeys : "-",
        flow ? seen.memberWrites : "-",
        flow ? seen.settledAlerts : "-",
      ]),
    );
  }

  const failures = results.filter((r) => r.result.failed);
  for (const { group, result } of failures) {
    console.log(`\n${formatFailure(group.name, result)}`);
    console.log(`replay: npx tsx scripts/fuzz.ts --runs ${runs} --seed ${result.seed}`);
  }

  const total = results.reduce((sum, r) => sum + r.result.numRuns, 0);
  const count = (kind: ViolationKind) => failures.filter((r) => kindsOf(r.result.error).has(kind)).length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const sum = (key: keyof typeof coverage) => results.reduce((n, r) => n + r.seen[key], 0);
  console.log(
    `\nrespond runs: ${sum("runs")}, alerts published: ${sum("alerts")}, ResponderErrors (allowed): ` +
      `${sum("responderErrors")}, STS owner look-ups: ${sum("ownerLookUps")}; guarded = runs with a sample/root/ASIA ` +
      `key or a protected user; member keys = runs whose keys the member account owns; ${seconds}s`,
  );
  if (count("alert") > 0) console.log(`fuzz: ${count("alert")} alert failures`);
  console.log(`fuzz: ${total} cases, ${count("crash")} crashes, ${count("invalid-write")} invalid writes`);
  return failures.length > 0 ? 1 : 0;
};

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(errorText(error));
    process.exitCode = 1;
  },
);
