/** How many keys are contained at once. Each key's IAM calls run one after another, so this bounds IAM calls too. */
export const KEY_CONCURRENCY = 8;

/** What became of one item of `mapWithin`. */
export type Attempt<R> =
  | { state: "done"; value: R }
  /** Started, but still running at the cutoff: whatever it does may or may not have happened. */
  | { state: "interrupted" }
  /** Never started: the budget said no first. */
  | { state: "not-started" };

/** When to stop: a clock for starting items, and a moment after which items still running are left behind. */
export interface Budget {
  /** Asked before each item starts, with how many were started before it; once false, no further item starts. */
  mayStart(started: number): boolean;
  /** Settles when the caller stops waiting for items in flight. */
  cutoff: Promise<void>;
}

/**
 * Runs `work` on every item with at most `limit` in flight, results in the items' order. One big event must not
 * become a self-inflicted throttle, and no key waits for more than the few ahead of it. With a budget, what each item
 * came to is fixed at the cutoff: an item that finishes later is still reported interrupted, so the caller's report
 * never changes under it. Items left running keep running (they cannot be cancelled); only the waiting stops.
 */
export const mapWithin = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  budget?: Budget,
): Promise<Attempt<R>[]> => {
  const attempts: Attempt<R>[] = items.map(() => ({ state: "not-started" }));
  let next = 0;
  let over = false;
  const worker = async (): Promise<void> => {
    while (!over && next < items.length && (budget?.mayStart(next) ?? true)) {
      const index = next++;
      // What it comes to if the cutoff is first.
      attempts[index] = { state: "interrupted" };
      attempts[index] = { state: "done", value: await work(items[index] as T) };
    }
  };
  const all = Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  // Promise.race subscribes to `all`, so a rejection after the cutoff is handled there, never left unhandled.
  await (budget ? Promise.race([all, budget.cutoff]) : all);
  over = true;
  // A copy: items that finish after the cutoff must not change what the caller has already reported.
  return [...attempts];
};
