// The documentation under test: the front door (README.md) and every page in docs/, each read fresh.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");

/** The README a new user reads; links to README.md from docs/ are checked against it. */
export const FRONT_DOOR = join(ROOT, "README.md");

export const docsPages = (): string[] =>
  readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join(ROOT, "docs", name));

/** The front door and every docs page. */
export const documentation = (): string[] => [FRONT_DOOR, ...docsPages()];

export const read = (path: string): string => readFileSync(path, "utf8");

/** The text outside fenced code blocks, line for line (fenced lines become empty). */
export const prose = (markdown: string): string => {
  let fenced = false;
  return markdown
    .split("\n")
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return "";
      }
      return fenced ? "" : line;
    })
    .join("\n");
};

/** Fenced code blocks with their language (`sh`, `text`, …). */
export const codeBlocks = (markdown: string): { lang: string; code: string }[] =>
  [...markdown.matchAll(/^[ \t]*```(\w*)\n([\s\S]*?)^[ \t]*```$/gm)].map((match) => ({
    lang: match[1] ?? "",
    code: (match[2] ?? "").replace(/^ {3}/gm, ""),
  }));

/** Inline code spans outside fenced blocks. */
export const inlineCode = (markdown: string): string[] =>
  [...prose(markdown).matchAll(/`([^`\n]+)`/g)].map((match) => match[1] as string);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

/** Every heading's anchor in a page, with GitHub's -1, -2 suffixes for repeats. */
export const anchors = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug((match[1] as string).replace(/`/g, ""));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
};
