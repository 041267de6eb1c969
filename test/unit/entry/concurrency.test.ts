import { describe, expect, it } from "vitest";
import { type Budget, mapWithin } from "../../../src/entry/concurrency";

/** A piece of work that finishes when the test says so. */
const gate = () => {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
};

const never: Promise<void> = new Promise(() => {});

describe("mapWithin", () => {
  it("starts no item once the budget says no, and reports those as not started", async () => {
    const started: number[] = [];
    const budget: Budget = { mayStart: (n) => n < 3, cutoff: never };

    const attempts = await mapWithin(
      [0, 1, 2, 3, 4],
      2,
      async (item) => {
        started.push(item);
        return item * 10;
      },
      budget,
    );

    expect(started).toEqual([0, 1, 2]);
    expect(attempts).toEqual([
      { state: "done", value: 0 },
      { state: "done", value: 10 },
      { state: "done", value: 20 },
      { state: "not-started" },
      { state: "not-started" },
    ]);
  });

  it("stops waiting at the cutoff, reports what was running as interrupted, and keeps that report", async () => {
    const slow = gate();
    const cutoff = gate();
    const work = (item: number) => (item === 1 ? slow.opened.then(() => item) : Promise.resolve(item));

    const pending = mapWithin([0, 1, 2, 3], 2, work, { mayStart: () => true, cutoff: cutoff.opened });
    await new Promise((resolve) => setTimeout(resolve, 10));
    cutoff.open();
    const attempts = await pending;
    slow.open();
    // Long enough for the slow item's worker to record its result, were the report not fixed at the cutoff.
    await new Promise((resolve) => setTimeout(resolve, 10));

    // Items 0, 2 and 3 finished beside the slow one; item 1 was still running at the cutoff.
    expect(attempts).toEqual([
      { state: "done", value: 0 },
      { state: "interrupted" },
      { state: "done", value: 2 },
      { state: "done", value: 3 },
    ]);
  });

  it("starts nothing after the cutoff, even when a running item then finishes", async () => {
    const slow = gate();
    const cutoff = gate();
    const started: number[] = [];

    const pending = mapWithin(
      [0, 1, 2],
      1,
      async (item) => {
        started.push(item);
        await slow.opened;
        return item;
      },
      { mayStart: () => true, cutoff: cutoff.opened },
    );
    cutoff.open();
    const attempts = await pending;
    slow.open();
    await new Promise((resolve) => setTimeout(resolve, 10));

    expect(started).toEqual([0]);
    expect(attempts).toEqual([{ state: "interrupted" }, { state: "not-started" }, { state: "not-started" }]);
  });

  it("returns every result in the items' order, without a budget", async () => {
    const results = await mapWithin([30, 10, 20], 2, async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms;
    });

    expect(results.map((attempt) => attempt.state === "done" && attempt.value)).toEqual([30, 10, 20]);
  });

  it("never has more than the limit in flight", async () => {
    let running = 0;
    let peak = 0;
    await mapWithin(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
      },
    );

    expect(peak).toBe(3);
  });

  it("does not turn a rejection after the cutoff into an unhandled one", async () => {
    const slow = gate();
    const cutoff = gate();
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", record);
    try {
      const pending = mapWithin(
        [0],
        1,
        async () => {
          await slow.opened;
          throw new Error("late");
        },
        { mayStart: () => true, cutoff: cutoff.opened },
      );
      cutoff.open();
      expect(await pending).toEqual([{ state: "interrupted" }]);
      slow.open();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("unhandledRejection", record);
    }
    expect(unhandled).toEqual([]);
  });
});
