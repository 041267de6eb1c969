import { describe, expect, it } from "vitest";
import { lazily } from "../../../src/findings/schema";

describe("lazily (schemas built on first use)", () => {
  it("builds nothing until asked, then builds once and returns the same value", () => {
    let builds = 0;
    const value = lazily(() => {
      builds++;
      return { built: builds };
    });
    expect(builds).toBe(0);

    const first = value();
    const second = value();

    expect(builds).toBe(1);
    expect(second).toBe(first);
  });

  it("tries again after a build that threw, instead of caching the failure", () => {
    let calls = 0;
    const value = lazily(() => {
      calls++;
      if (calls === 1) throw new Error("first build fails");
      return "built";
    });

    expect(() => value()).toThrow("first build fails");
    expect(value()).toBe("built");
  });
});
