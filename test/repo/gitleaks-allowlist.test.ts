import { execFileSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Secret scanners: every access-key-shaped string in the repository (a fixture's, a test's, the README's) is covered
 * by the allowlist of .gitleaks.toml, and a real-looking key is not. gitleaks itself is not packaged for this
 * machine's distribution, so its regexes are checked here (RE2 and JavaScript agree on these simple patterns).
 */
const ROOT = join(__dirname, "..", "..");

/** The allowlist's regexes: TOML literal strings ('''…''') in `regexes = [ … ]` of the [allowlist] table. */
const allowlistRegexes = (): RegExp[] => {
  const toml = readFileSync(join(ROOT, ".gitleaks.toml"), "utf8");
  const table = toml.slice(toml.indexOf("[allowlist]"));
  const list = table.slice(table.indexOf("regexes = ["), table.indexOf("]\n", table.indexOf("regexes = [")));
  return [...list.matchAll(/'''(.+?)'''/g)].map((m) => new RegExp(m[1] as string));
};

/** What looser scanners take for an access key ID (git-secrets' pattern: any capital letter or digit). */
const KEY_SHAPED = /\b(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}\b/g;

/** Tracked files and new ones not ignored: what a commit, and so a scanner, would see. */
const repositoryFiles = (): string[] =>
  execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: ROOT })
    .toString()
    .split("\0")
    .filter((path) => path && existsSync(join(ROOT, path)) && !path.endsWith("package-lock.json"));

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const realLooking = (prefix: string): string =>
  prefix + Array.from({ length: 16 }, () => BASE32[randomInt(BASE32.length)]).join("");

const covered = (key: string, regexes: RegExp[]): boolean => regexes.some((regex) => regex.test(key));

/** gitleaks' own AWS rule already allows keys ending in EXAMPLE, as AWS's documentation writes them. */
const isExample = (key: string): boolean => key.endsWith("EXAMPLE");

describe(".gitleaks.toml", () => {
  it("allowlists every access-key-shaped string in the repository", () => {
    const regexes = allowlistRegexes();
    const found = new Map<string, string>();
    for (const path of repositoryFiles()) {
      for (const [key] of readFileSync(join(ROOT, path), "utf8").matchAll(KEY_SHAPED)) found.set(key, path);
    }

    expect(found.size).toBeGreaterThan(20);
    expect([...found].filter(([key]) => !covered(key, regexes) && !isExample(key))).toEqual([]);
  });

  it("does not cover a real-looking key: base32 after the prefix, so never a 0", () => {
    const regexes = allowlistRegexes();
    const keys = [
      ...Array.from({ length: 200 }, (_, i) => realLooking(i % 2 ? "AKIA" : "ASIA")),
      // Built here, so that this file holds no key-shaped string itself.
      `AKIAALICE${"2".repeat(11)}`,
      `ASIAMEMBER${"7".repeat(10)}`,
    ];

    expect(keys.filter((key) => covered(key, regexes))).toEqual([]);
  });

  it("extends gitleaks' default rules rather than replacing them", () => {
    expect(readFileSync(join(ROOT, ".gitleaks.toml"), "utf8")).toMatch(/\[extend\]\s*\nuseDefault = true/);
  });
});
