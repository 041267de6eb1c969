import type { EarlierResult } from "../contain/carry-out";
import { type Outcome, Status } from "../contain/outcome";
import type { Finding } from "../findings";
import { Action, type Plan } from "../plan/plan";

/**
 * A bounded memory of recently attempted deliveries, per container, the least recently touched forgotten first.
 * Being seen only adds a read before a write. Being confirmed skips the calls for a key, and only ever for a key this
 * container itself set and read back, in an attempt of the same event (envelope) that ran out of time: Lambda
 * retries that attempt, and the retry should spend its time on the keys still left. A retry that lands in a fresh container
 * remembers nothing; it starts elsewhere in the event (startOf), and a key written twice costs time, not safety, since
 * UpdateAccessKey is idempotent.
 *
 * The default capacity holds a 1,000-key event with room for the events around it (about 100 bytes an entry).
 */
export class RecentEvents {
  private readonly entries = new Map<string, { confirmed?: EarlierResult }>();
  constructor(private readonly capacity = 10_000) {}
  has(key: string): boolean {
    return this.entries.has(key);
  }
  add(key: string): void {
    this.remember(key, { confirmed: this.entries.get(key)?.confirmed });
  }
  /** What an attempt that ran out of time confirmed for this key, if anything. */
  confirmed(key: string): EarlierResult | undefined {
    return this.entries.get(key)?.confirmed;
  }
  confirm(key: string, result: EarlierResult): void {
    this.remember(key, { confirmed: result });
  }
  /** Back to seen only: a later delivery reads the key first, as any repeat does. */
  unconfirm(key: string): void {
    if (this.entries.get(key)?.confirmed) this.remember(key, {});
  }
  private remember(key: string, entry: { confirmed?: EarlierResult }): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/**
 * The finding (not the delivery: copies of one Health event, from us-east-1 and its backup us-west-2, come in
 * different envelopes with one event ARN), its account and its key. Each page of a paged Health event names other
 * keys, so it is never taken for a repeat; a finding seen again only adds a read before the write.
 */
export const deliveryKey = (finding: Finding): string =>
  `${finding.findingId}|${finding.account ?? ""}|${finding.accessKeyId}`;

/**
 * The keys this attempt (or an earlier attempt of the same event) confirmed are remembered until the invocation ends,
 * so that Lambda's retry of an attempt that failed (out of time, a failed key, an alert that did not go out) does not
 * call them again, and tells people they were contained. An invocation that succeeds forgets them (forget): a later
 * delivery is an ordinary repeat, which reads each key before writing.
 */
export const remember = (plans: Plan[], outcomes: Outcome[], seen: RecentEvents): void => {
  for (const [i, o] of outcomes.entries()) {
    // The plan as made from the event: carrying it out may fill in the finding (its account, once the owner is known).
    const key = deliveryKey((plans[i] as Plan).finding);
    const confirmedNow = o.status === Status.Disabled || o.status === Status.Reactivated;
    const before = seen.confirmed(key);
    if (confirmedNow && o.containedAt) {
      seen.confirm(key, {
        at: o.containedAt,
        status: o.plan.finding.requestedStatus,
        userName: o.userName ?? o.plan.userName,
        eventId: (plans[i] as Plan).finding.eventId,
      });
    } else if (before) {
      seen.confirm(key, before);
    } else {
      seen.unconfirm(key);
    }
  }
};

/** The invocation succeeded: nothing will retry it, so its keys are ordinary repeats from now on. */
export const forget = (plans: Plan[], seen: RecentEvents): void => {
  for (const plan of plans) seen.unconfirm(deliveryKey(plan.finding));
};

/** A key an earlier attempt of this very event confirmed, when the plan still asks for the same write. */
export const earlierResult = (plan: Plan, seen: RecentEvents): EarlierResult | undefined => {
  const writes = plan.action === Action.DisableKey || plan.action === Action.ReactivateKey;
  if (!writes || plan.dryRun || plan.awaitsApproval) return undefined;
  const earlier = seen.confirmed(deliveryKey(plan.finding));
  // Only Lambda's retry of that very event (the same envelope) rides on it. Another event about the same finding, a
  // GuardDuty update or a Health backup copy, comes later, when a person may have reactivated the key: it writes.
  const sameEvent = earlier?.eventId !== undefined && earlier.eventId === plan.finding.eventId;
  return sameEvent && earlier?.status === plan.finding.requestedStatus ? earlier : undefined;
};
