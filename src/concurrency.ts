/** How many keys are contained at once. Each key's IAM calls run one after another, so this bounds IAM calls too. */
export const KEY_CONCURRENCY = 8;

/**
 * Runs `work` on every item with at most `limit` in flight, results in the items' order. One big event must not
 * become a self-inflicted throttle, and no key waits for more than the few ahead of it.
 */
export const mapBounded = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
};
