import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { lazily, object, recordOf } from "../../../src/findings/schema";
import { describeIssues } from "../../../src/findings/schema-failure";

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

describe("object and recordOf (JSON objects, as the events define them)", () => {
  const Key = object({ accessKeyId: v.optional(v.string()) });

  it("keeps fields it does not check, as they came", () => {
    const parsed = v.safeParse(Key, { accessKeyId: "AKIAALICE00000000001", extra: { kept: true } });

    expect(parsed.success && parsed.output).toEqual({
      accessKeyId: "AKIAALICE00000000001",
      extra: { kept: true },
    });
  });

  it.each([
    ["an array", [], "Array"],
    ["an array with an element", ["AKIAALICE00000000001"], "Array"],
    ["null", null, "null"],
    ["a string", "AKIAALICE00000000001", '"AKIAALICE00000000001"'],
  ])("refuses %s in place of an object, even one whose every field is optional", (_, value, received) => {
    const parsed = v.safeParse(Key, value);

    expect(parsed.success).toBe(false);
    expect(describeIssues(parsed.issues ?? [], "detail")).toBe(
      `detail: Invalid type: Expected Object but received ${received}`,
    );
  });

  it("refuses an array in place of a record", () => {
    expect(v.safeParse(recordOf(v.unknown()), ["a"]).success).toBe(false);
    expect(v.safeParse(recordOf(v.unknown()), { a: 1 }).success).toBe(true);
  });
});
