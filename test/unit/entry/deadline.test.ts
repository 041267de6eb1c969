import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ALERT_RESERVE_MS, deadlineFrom, KEY_RESERVE_MS } from "../../../src/entry/deadline";

/** Lambda's clock: the deadline is fixed, the time left is counted from the (fake) clock. */
const clock = (ms: number) => {
  const end = Date.now() + ms;
  return () => end - Date.now();
};

/** Whether the cutoff has settled, read after the fake clock moved (which also runs what the cutoff resolved). */
const watch = (cutoff: Promise<void> | undefined) => {
  let settled = false;
  cutoff?.then(() => {
    settled = true;
  });
  return () => settled;
};

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("deadlineFrom", () => {
  it("sets no deadline without a clock, or with a clock that gives no number", () => {
    expect(deadlineFrom(undefined, 8)).toBeUndefined();
    expect(deadlineFrom(() => Number.NaN, 8)).toBeUndefined();
    expect(deadlineFrom(() => Number.POSITIVE_INFINITY, 8)).toBeUndefined();
  });

  it("does not cut off at once when the clock reports more than a timer can wait (2^31 - 1 ms)", async () => {
    // Node fires a timer with a longer delay after 1 ms; a harness's generous clock must not end the run early.
    vi.useRealTimers();
    const deadline = deadlineFrom(() => 1e10, 8);
    const settled = watch(deadline?.keys.cutoff);

    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(settled()).toBe(false);
    deadline?.release();
  });

  it("starts keys while the key reserve is left, then only the first batch", () => {
    const deadline = deadlineFrom(clock(KEY_RESERVE_MS + 1_000), 8);

    expect(deadline?.keys.mayStart(20)).toBe(true);
    vi.advanceTimersByTime(1_001);
    expect(deadline?.keys.mayStart(20)).toBe(false);
    expect(deadline?.keys.mayStart(8)).toBe(false);
    expect(deadline?.keys.mayStart(7)).toBe(true);
    expect(deadline?.extras.mayStart(0)).toBe(false);
    deadline?.release();
  });

  it("always starts the first batch, even with no time left", () => {
    const deadline = deadlineFrom(clock(0), 8);

    expect([0, 7].map((n) => deadline?.keys.mayStart(n))).toEqual([true, true]);
    expect(deadline?.keys.mayStart(8)).toBe(false);
    deadline?.release();
  });

  it("stops waiting when the alert reserve is all that is left", async () => {
    const settled = watch(deadlineFrom(clock(60_000), 8)?.keys.cutoff);

    await vi.advanceTimersByTimeAsync(60_000 - ALERT_RESERVE_MS - 1);
    expect(settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled()).toBe(true);
  });

  it("gives the first batch half of what is left when that is less than twice the alert reserve", async () => {
    const settled = watch(deadlineFrom(clock(4_000), 8)?.keys.cutoff);

    await vi.advanceTimersByTimeAsync(1_999);
    expect(settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled()).toBe(true);
  });

  it("leaves no timer behind once released", () => {
    const deadline = deadlineFrom(clock(60_000), 8);
    expect(vi.getTimerCount()).toBe(1);

    deadline?.release();

    expect(vi.getTimerCount()).toBe(0);
  });
});
