// The shape every section returns, and how the report is assembled. No project imports.
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { mb } from "./stats";

export interface Verdict {
  /** What was promised, e.g. "≤ 1.1× the SDK-only baseline". */
  target: string;
  met: boolean;
  /** The measured value and, when missed, why and what would close the gap. */
  text: string;
  /** Set when a missed target is a deliberate design choice: one line of why. Reported as TRADE-OFF, not MISSED. */
  tradeOff?: string;
  /**
   * A timing ratio from the smoke run's few rounds: within this machine's noise, so it is shown with its figure but
   * judged only by the full run (`npm run bench`, BENCHMARKS.md).
   */
  notJudged?: boolean;
}

export const labelOf = (v: Verdict): "MET" | "TRADE-OFF" | "MISSED" | "MEASURED" =>
  v.notJudged ? "MEASURED" : v.met ? "MET" : v.tradeOff ? "TRADE-OFF" : "MISSED";

/** One line per verdict for the smoke run: a trade-off with its why, a miss with its figure (the first sentence). */
export const shortLine = (v: Verdict): string =>
  `${labelOf(v)}: ${v.target}: ${v.tradeOff ?? v.text.split(/(?<=\.) /)[0] ?? v.text}`;

export interface SectionResult {
  title: string;
  /** How the numbers were obtained (Markdown). */
  method: string;
  /** Tables and notes (Markdown). */
  body: string;
  verdicts: Verdict[];
}

export interface Machine {
  node: string;
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  /** 1-minute load average when the run started; other work on the machine inflates wall-clock times. */
  load: string;
}

export const machine = (): Machine => {
  const list = cpus();
  return {
    node: process.version,
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    memory: `${mb(totalmem())} MiB`,
    os: `${platform()} ${release()} (${process.arch})`,
    load: (loadavg()[0] ?? 0).toFixed(2),
  };
};

export const verdictLines = (verdicts: Verdict[]): string =>
  verdicts.map((v) => `- **${labelOf(v)}** (${v.target}): ${v.text}`).join("\n");

export const renderSection = (index: number, section: SectionResult): string =>
  [
    `## ${index}. ${section.title}`,
    `**Method.** ${section.method}`,
    section.body,
    section.verdicts.length > 0 ? `**Targets.**\n\n${verdictLines(section.verdicts)}` : "",
  ]
    .filter(Boolean)
    .join("\n\n");

export const renderFailure = (index: number, title: string, error: unknown): string =>
  `## ${index}. ${title}\n\n**This section failed to run:** ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
