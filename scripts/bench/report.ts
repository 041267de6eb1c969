// What every section is and returns, and the one writer of the report: BENCHMARKS.md for the full run, one line per
// section and the summary for the smoke run. No project imports (types only).
import { writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import type { AwsDouble } from "../../test/support/aws-double";
import { ROOT, type ServerlessSettings } from "./serverless-config";
import { mb, seconds } from "./stats";

export interface Verdict {
  /** What was promised, e.g. "≤ 1.1× the SDK-only baseline". */
  target: string;
  met: boolean;
  /** The measured value and, when missed, why and what would close the gap. */
  text: string;
  /** A missed target that is a deliberate design choice: one line of why. Reported as TRADE-OFF, not MISSED. */
  tradeOff?: string;
  /** A timing ratio from the smoke run's few rounds: shown with its figure, judged only by the full run. */
  notJudged?: boolean;
}

export interface SectionResult {
  /** How the numbers were obtained, then tables and notes (Markdown). */
  method: string;
  body: string;
  verdicts: Verdict[];
}

/** How many samples each section takes: few in the smoke run, enough for stable medians in the full run. */
export type Sizes = Record<"coldRuns" | "warmEvents" | "ownRuns" | "burst" | "scale", number>;

/** What every section is given. */
export interface Bench {
  double: AwsDouble;
  settings: ServerlessSettings;
  smoke: boolean;
  n: Sizes;
  /** The caller's environment, for child tools (sls), untouched by the bench's own settings. */
  callerEnv: NodeJS.ProcessEnv;
  /** Section 2's entry file size per function, which section 4 compares with what `sls package` zipped. */
  bundleBytes?: Map<string, number>;
}

export interface Section {
  title: string;
  run: (bench: Bench) => Promise<SectionResult> | SectionResult;
}

/** The SDK must never find real credentials, profiles or instance metadata on this machine. */
export const NO_MACHINE_CREDENTIALS = {
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
};

/** Markdown blocks separated by blank lines; empty ones are left out. */
export const blocks = (...parts: (string | false | undefined)[]): string =>
  parts.filter(Boolean).join("\n\n");

/** A GitHub-flavoured Markdown table; `headers` is one line, `A | B | C`. Cells are escaped for pipes. */
export const table = (headers: string, rows: (string | number)[][]): string => {
  const cell = (value: string | number) => String(value).replace(/\|/g, "\\|").replace(/\n/g, " ");
  const line = (cells: (string | number)[]) => `| ${cells.map(cell).join(" | ")} |`;
  const names = headers.split(" | ");
  return [line(names), line(names.map(() => "---")), ...rows.map(line)].join("\n");
};

/** A ratio as the report writes it: `1.46×`. */
export const times = (ratio: number): string => `${ratio.toFixed(2)}×`;

/** The method text of the in-process sections: how a container of `fn` is made. */
export const containerMethod = (fn: string): string =>
  `\`createHandler("${fn}", env)\` from src/entry/handler.ts (a new container: its own SDK clients, no memory of ` +
  "earlier events), with `env` the loopback double's endpoint and credentials plus the alert topic";

const labelOf = (v: Verdict) =>
  v.notJudged ? "MEASURED" : v.met ? "MET" : v.tradeOff ? "TRADE-OFF" : "MISSED";

const verdictLines = (verdicts: Verdict[]): string =>
  verdicts.map((v) => `- **${labelOf(v)}** (${v.target}): ${v.text}`).join("\n");

/**
 * Runs the sections one by one and writes what they found. `section` prints each as it ends (the smoke run: one line
 * with its time); `finish` writes BENCHMARKS.md or prints the smoke summary, and returns the exit code: 1 when a
 * section failed to run. A missed target does not fail the run: it is reported.
 */
export const startReport = (smoke: boolean, log: (line: string) => void, writeFile = true) => {
  const startedAt = new Date();
  // Other work on the machine inflates wall-clock times.
  const loadAtStart = (loadavg()[0] ?? 0).toFixed(2);
  const rendered: string[] = [];
  const failures: string[] = [];
  const all: Verdict[] = [];

  const section = async (title: string, run: () => Promise<SectionResult> | SectionResult) => {
    const heading = `## ${rendered.length + 1}. ${title}`;
    if (!smoke) log(`\n… ${rendered.length + 1}. ${title}`);
    const started = performance.now();
    let text: string;
    try {
      const { method, body, verdicts } = await run();
      all.push(...verdicts);
      text = blocks(
        heading,
        `**Method.** ${method}`,
        body,
        verdicts.length > 0 && `**Targets.**\n\n${verdictLines(verdicts)}`,
      );
    } catch (error) {
      text = `${heading}\n\n**This section failed to run:** ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      failures.push(text);
    }
    rendered.push(text);
    const took = seconds(performance.now() - started);
    log(smoke ? `${rendered.length}. ${title}: ${took}` : `${text}\n\n(${took})`);
  };

  const finish = (sizes: string): number => {
    const unjudged = all.filter((v) => v.notJudged);
    const verdicts = all.filter((v) => !v.notJudged);
    const notMet = verdicts.filter((v) => !v.met);
    const tradeOffs = notMet.filter((v) => v.tradeOff);
    const missed = notMet.filter((v) => !v.tradeOff);
    const oneLine =
      `${verdicts.length - notMet.length} of ${verdicts.length} targets met, ${tradeOffs.length} design trade-off(s), ` +
      `${missed.length} missed${unjudged.length ? `, ${unjudged.length} timing ratio(s) measured but judged only by the full run` : ""}` +
      `${failures.length ? `; ${failures.length} section(s) failed to run` : ""}.`;
    if (smoke) {
      log(`Bench smoke: ${oneLine}`);
      // A trade-off with its why, a miss with its figure (the first sentence).
      for (const v of [...notMet, ...unjudged]) {
        log(`  ${labelOf(v)}: ${v.target}: ${v.tradeOff ?? v.text.split(/(?<=\.) /)[0] ?? v.text}`);
      }
      if (failures.length > 0) log(failures.join("\n\n"));
      log("Smoke run: BENCHMARKS.md was not written; `npm run bench` writes the full report.");
      return failures.length > 0 ? 1 : 0;
    }
    const cores = cpus().length;
    const machine = [
      ["Node", process.version],
      ["CPU", cpus()[0]?.model.trim() ?? "unknown"],
      ["Cores", cores],
      ["Memory", `${mb(totalmem())} MiB`],
      ["OS", `${platform()} ${release()} (${process.arch})`],
      [
        "Load average (1 min)",
        `${loadAtStart} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end (${cores} cores)`,
      ],
    ];
    const summary = blocks(
      oneLine,
      tradeOffs.length > 0 && `Design trade-offs:\n\n${verdictLines(tradeOffs)}`,
      missed.length > 0 && `Missed:\n\n${verdictLines(missed)}`,
    );
    const document = blocks(
      "# Benchmarks",
      `Generated by \`npm run bench\` (scripts/bench.ts) on ${startedAt.toISOString()}. Do not edit by hand: run the ` +
        "benchmark again. `npm run bench -- --smoke` is a small-N run that only prints and leaves this file alone.",
      table("Machine | ", machine),
      `${sizes} Times are wall-clock on this shared machine. Compare ratios, not absolute numbers, with Lambda.`,
      "## Summary",
      summary,
      ...rendered,
    );
    log(`\n## Summary\n\n${summary}`);
    if (!writeFile) {
      log("\nPart of the sections ran: BENCHMARKS.md was not written.");
      return failures.length > 0 ? 1 : 0;
    }
    writeFileSync(join(ROOT, "BENCHMARKS.md"), `${document}\n`);
    log("\nWrote BENCHMARKS.md.");
    return failures.length > 0 ? 1 : 0;
  };

  return { section, finish };
};
