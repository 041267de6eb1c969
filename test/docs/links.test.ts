import { existsSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { anchors, documentation, FRONT_DOOR, prose, ROOT, read, slug } from "./pages";

/** Every `[text](target)` outside code, with the target as written. */
const links = (markdown: string): string[] =>
  [
    ...prose(markdown)
      .replace(/`[^`\n]*`/g, "")
      .matchAll(/\]\(([^)\s]+)\)/g),
  ].map((match) => match[1] as string);

/** Where a relative link lands. */
const resolve = (from: string, target: string): string => {
  const path = join(dirname(from), target);
  return path === join(ROOT, "README.md") ? FRONT_DOOR : path;
};

describe("links in the README and docs/", () => {
  it.each(documentation().map((page) => [relative(ROOT, page), page]))(
    "%s: every relative link points to an existing file and heading",
    (_, page) => {
      const broken: string[] = [];
      for (const link of links(read(page))) {
        if (/^[a-z]+:/i.test(link)) continue;
        const [file = "", anchor] = link.split("#");
        const target = file === "" ? page : resolve(page, file);
        if (!existsSync(target)) {
          broken.push(`${link}: no such file`);
        } else if (anchor !== undefined) {
          if (statSync(target).isDirectory() || !target.endsWith(".md")) broken.push(`${link}: not a page`);
          else if (!anchors(read(target)).has(anchor)) broken.push(`${link}: no such heading`);
        }
      }
      expect(broken).toEqual([]);
    },
  );

  it("finds links and makes anchors as GitHub does", () => {
    expect(links("[a](docs/x.md#y) `[b](c.md)` [c](https://e.com)")).toEqual([
      "docs/x.md#y",
      "https://e.com",
    ]);
    expect(slug("Chat (Amazon Q Developer / AWS Chatbot)")).toBe("chat-amazon-q-developer--aws-chatbot");
    expect(slug("False positives: reactivating a key")).toBe("false-positives-reactivating-a-key");
    expect([...anchors("# A\n\n```sh\n# not a heading\n```\n## A\n")]).toEqual(["a", "a-1"]);
  });
});
