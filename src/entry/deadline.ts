import type { Budget } from "./concurrency";

/**
 * No key starts with less time than this left in the invocation (except the first batch, below). What must still fit
 * after the last key starts: that key's own calls (GetAccessKeyLastUsed, UpdateAccessKey, the read-back
 * ListAccessKeys: about 0.1 s each against IAM, a few seconds under throttling, where the SDK waits up to 0.5·2ⁿ s
 * between tries), then ALERT_RESERVE_MS. 15 s of the 60 s timeout (serverless.yml) leaves 45 s for keys.
 */
export const KEY_RESERVE_MS = 15_000;

/**
 * Keys still in flight are given up when this much time is left: enough to render the alerts (0.25 s for 1,000 keys
 * on the bench machine; a 256 MB function gets about a seventh of a vCPU, so about 2 s), publish every part one
 * after another (1,000 keys make about 30 parts, at about 0.1 s each: 3 s), ride out one slow Publish (the SDK's
 * request timeout is 5 s, src/entry/runtime.ts), flush the metrics and fail. So the function fails with its alerts sent,
 * never by running into Lambda's timeout with nobody told.
 */
export const ALERT_RESERVE_MS = 10_000;

const MAX_TIMER_MS = 2 ** 31 - 1;

/** How one invocation spends its time: on keys, on extras (enrichment), and when it stops waiting for either. */
export interface Deadline {
  keys: Budget;
  /** Best-effort work after containment (enrichment) starts only while a key still could. */
  extras: Budget;
  /** Stops the cutoff's timer once the waiting is over. */
  release(): void;
}

/**
 * The invocation's budget from Lambda's remaining time; undefined when there is no clock (a test or a local run), so
 * that nothing is ever cut short there.
 *
 * The first batch (`firstBatch` keys, the concurrency) always starts, even with less than KEY_RESERVE_MS left: a
 * responder that writes nothing when its timeout is short could be switched off by anyone able to shorten that
 * timeout, or by a mistake, and would fail every retry without containing a single key. The batch runs in parallel,
 * so it costs one key's calls. With less than twice ALERT_RESERVE_MS left at the start, the cutoff comes after half
 * of what is left, so that those keys and the alert each get a share.
 */
export const deadlineFrom = (
  timeLeft: (() => number) | undefined,
  firstBatch: number,
): Deadline | undefined => {
  const left = timeLeft?.();
  if (timeLeft === undefined || left === undefined || !Number.isFinite(left)) return undefined;
  // setTimeout fires at once for a delay above 2^31 - 1 ms; Lambda's longest timeout (15 min) is far below it.
  const wait = Math.min(Math.max(0, left - ALERT_RESERVE_MS, left / 2), MAX_TIMER_MS);
  let timer: NodeJS.Timeout | undefined;
  const cutoff = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, wait);
  });
  const roomForAKey = (): boolean => timeLeft() >= KEY_RESERVE_MS;
  return {
    keys: { mayStart: (started) => started < firstBatch || roomForAKey(), cutoff },
    extras: { mayStart: roomForAKey, cutoff },
    release: () => clearTimeout(timer),
  };
};
