import { describe, expect, it } from "vitest";
import { RecentEvents } from "../../../src/entry/recent-events";

describe("RecentEvents", () => {
  const earlier = { at: "2026-11-20T09:05:03.000Z", status: "Inactive" as const, userName: "alice" };

  it("forgets the least recently touched delivery beyond its capacity", () => {
    const seen = new RecentEvents(2);
    seen.add("a");
    seen.add("b");
    seen.add("a");
    seen.add("c");

    expect(["a", "b", "c"].map((key) => seen.has(key))).toEqual([true, false, true]);
  });

  it("remembers a confirmation until it is withdrawn, and being seen again keeps it", () => {
    const seen = new RecentEvents();
    seen.confirm("a", earlier);
    seen.add("a");

    expect(seen.confirmed("a")).toEqual(earlier);
    seen.unconfirm("a");
    expect(seen.confirmed("a")).toBeUndefined();
    expect(seen.has("a")).toBe(true);
    seen.unconfirm("b");
    expect(seen.has("b")).toBe(false);
  });

  it("holds a 1,000-key event and its retry by default", () => {
    const seen = new RecentEvents();
    for (let i = 0; i < 2_000; i++) seen.add(`finding|${i}`);

    expect(seen.has("finding|0")).toBe(true);
  });
});
