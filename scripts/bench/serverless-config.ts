// Reads the two things the benchmark needs from serverless.yml without a YAML dependency: the scalar options of
// custom.esbuild and each function's handler file. The file's layout is plain block YAML, so indentation is enough.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");

export interface FunctionEntry {
  /** Function key in serverless.yml, also the zip name (.serverless/<name>.zip). */
  name: string;
  /** Entry point relative to the repository, e.g. handlers/guardduty.ts. */
  entry: string;
  /** The function's timeout in seconds: its own `timeout`, else the provider's. */
  timeoutSeconds?: number;
  /** How often Lambda retries a failed asynchronous invocation (`maximumRetryAttempts`; Lambda's default is 2). */
  maximumRetryAttempts?: number;
}

export interface ServerlessSettings {
  /** Scalar options under custom.esbuild (true/false, strings); lists such as `exclude: []` are kept as text. */
  esbuild: Record<string, string | boolean>;
  functions: FunctionEntry[];
  individually: boolean;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;

const scalar = (raw: string): string | boolean => {
  const value = raw.replace(/\s+#.*$/, "").trim();
  if (value === "true") return true;
  if (value === "false") return false;
  return value.replace(/^["']|["']$/g, "");
};

/** The lines nested under the first line matching `header` (a key ending with a colon) at the given indent. */
const block = (lines: string[], header: RegExp): string[] => {
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) return [];
  const base = indentOf(lines[start] as string);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (indentOf(line) <= base) break;
    out.push(line);
  }
  return out;
};

export const readServerless = (root = ROOT): ServerlessSettings => {
  const lines = readFileSync(join(root, "serverless.yml"), "utf8").split("\n");
  const esbuild: Record<string, string | boolean> = {};
  const esbuildLines = block(lines, /^\s+esbuild:\s*$/);
  const optionIndent = Math.min(...esbuildLines.map(indentOf));
  for (const line of esbuildLines) {
    if (indentOf(line) !== optionIndent) continue;
    const match = /^\s*([\w-]+):\s*(.*)$/.exec(line);
    if (match?.[1] && match[2] !== undefined) esbuild[match[1]] = scalar(match[2]);
  }
  const functions: FunctionEntry[] = [];
  const functionLines = block(lines, /^functions:\s*$/);
  const functionIndent = Math.min(...functionLines.map(indentOf));
  let current: string | undefined;
  for (const line of functionLines) {
    const key = /^\s*([\w-]+):\s*$/.exec(line);
    if (key?.[1] && indentOf(line) === functionIndent) current = key[1];
    const handler = /^\s*handler:\s*(\S+)\s*$/.exec(line);
    if (current && handler?.[1]) {
      const path = handler[1].replace(/\.[^./]+$/, "");
      functions.push({ name: current, entry: `${path}.ts` });
      current = undefined;
    }
  }
  // Scalar options directly under a block (not those of nested blocks, such as an event's retryPolicy).
  const optionsOf = (body: string[]): Record<string, string> => {
    const indent = Math.min(...body.map(indentOf));
    const options: Record<string, string> = {};
    for (const line of body.filter((l) => indentOf(l) === indent)) {
      const match = /^\s*([\w-]+):\s*(\S.*)$/.exec(line);
      if (match?.[1] && match[2] !== undefined) options[match[1]] = String(scalar(match[2]));
    }
    return options;
  };
  const numberOrUndefined = (value: string | undefined): number | undefined =>
    value !== undefined && Number.isFinite(Number(value)) ? Number(value) : undefined;
  const providerTimeout = numberOrUndefined(optionsOf(block(lines, /^provider:\s*$/)).timeout);
  for (const fn of functions) {
    const options = optionsOf(block(functionLines, new RegExp(`^ {${functionIndent}}${fn.name}:\\s*$`)));
    fn.timeoutSeconds = numberOrUndefined(options.timeout) ?? providerTimeout;
    fn.maximumRetryAttempts = numberOrUndefined(options.maximumRetryAttempts);
  }
  const packageBlock = block(lines, /^package:\s*$/);
  const individually = packageBlock.some((line) => /^\s*individually:\s*true\b/.test(line));
  return { esbuild, functions, individually };
};
