// Reads what the benchmark needs from serverless.yml without a YAML dependency: the scalar options of custom.esbuild
// and each function's handler file, timeout and retries. The file is plain block YAML, so indentation is enough.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");

export interface FunctionEntry {
  /** Function key in serverless.yml, also the zip name (.serverless/<name>.zip). */
  name: string;
  /** Entry point relative to the repository, e.g. handlers/guardduty.ts. */
  entry: string;
  /** The function's `timeout` in seconds, else the provider's. */
  timeoutSeconds?: number;
  /** `maximumRetryAttempts` of asynchronous invocations (Lambda's default is 2). */
  maximumRetryAttempts?: number;
}

export interface ServerlessSettings {
  /** Scalar options under custom.esbuild; lists such as `exclude: []` are kept as text. */
  esbuild: Record<string, string | boolean>;
  functions: FunctionEntry[];
}

const indentOf = (line: string): number => line.length - line.trimStart().length;

const scalar = (raw: string): string | boolean => {
  const value = raw.replace(/\s+#.*$/, "").trim();
  return value === "true" ? true : value === "false" ? false : value.replace(/^["']|["']$/g, "");
};

/** The lines nested under the first line matching `header`, comments and blank lines left out. */
const block = (lines: string[], header: RegExp): string[] => {
  const start = lines.findIndex((line) => header.test(line));
  const out: string[] = [];
  for (const line of start < 0 ? [] : lines.slice(start + 1)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (indentOf(line) <= indentOf(lines[start] as string)) break;
    out.push(line);
  }
  return out;
};

/** The scalar options directly under a block (not those of nested blocks, such as an event's retryPolicy). */
const optionsOf = (body: string[]): Record<string, string | boolean> => {
  const indent = Math.min(...body.map(indentOf));
  const options: Record<string, string | boolean> = {};
  for (const line of body.filter((l) => indentOf(l) === indent)) {
    const match = /^\s*([\w-]+):\s*(\S.*)$/.exec(line);
    if (match?.[1] && match[2] !== undefined) options[match[1]] = scalar(match[2]);
  }
  return options;
};

const numberOf = (value: unknown): number | undefined =>
  value !== undefined && Number.isFinite(Number(value)) ? Number(value) : undefined;

export const readServerless = (root = ROOT): ServerlessSettings => {
  const lines = readFileSync(join(root, "serverless.yml"), "utf8").split("\n");
  const providerTimeout = numberOf(optionsOf(block(lines, /^provider:\s*$/)).timeout);
  const functionLines = block(lines, /^functions:\s*$/);
  const indent = Math.min(...functionLines.map(indentOf));
  const functions = functionLines.flatMap((line): FunctionEntry[] => {
    const name = indentOf(line) === indent ? /^\s*([\w-]+):\s*$/.exec(line)?.[1] : undefined;
    const options = name ? optionsOf(block(functionLines, new RegExp(`^ {${indent}}${name}:\\s*$`))) : {};
    if (!name || typeof options.handler !== "string") return [];
    return [
      {
        name,
        entry: `${options.handler.replace(/\.[^./]+$/, "")}.ts`,
        timeoutSeconds: numberOf(options.timeout) ?? providerTimeout,
        maximumRetryAttempts: numberOf(options.maximumRetryAttempts),
      },
    ];
  });
  return { esbuild: optionsOf(block(lines, /^\s+esbuild:\s*$/)), functions };
};
