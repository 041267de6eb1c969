import type { IAMClient } from "@aws-sdk/client-iam";
import { MetricName, type MetricPoint, metricsFor } from "../alert/metrics";
import type { Alert, CommandTarget, ProblemKind } from "../alert/render";
import type { FindingsCall } from "../alert/security-hub-record";
import {
  type ContainContext,
  carryOut,
  doneEarlier,
  type EarlierResult,
  interrupted,
  notAttempted,
} from "../contain/carry-out";
import { errorMessage } from "../contain/errors";
import { checkpointTally, OUT_OF_TIME_STATUSES, type Outcome, Status } from "../contain/outcome";
import type { KeyActivity } from "../enrich/cloudtrail";
import { type Finding, type ParsedEvent, parseEvent, Source } from "../findings";
import { Action, type Identity, mergePlans, type Plan, planContainment, Skip } from "../plan/plan";
import type { Config } from "../shared/config";
import { isAccessKeyId } from "../shared/identifiers";
import type { Log } from "../shared/log";
import { type Budget, KEY_CONCURRENCY, mapWithin } from "./concurrency";
import { deadlineFrom } from "./deadline";

/** Everything the flow needs from the outside world. Built once per container by the handler wiring. */
export interface Responder {
  config: Config;
  /** The function this is (serverless.yml's name): the manual function reads any other object as a person's request. */
  handler?: string;
  /** Our account and partition; a dry run must not need AWS, so it may come back without an account. */
  identity(): Promise<Identity>;
  iamFor(plan: Plan): Promise<IAMClient>;
  /** The account that owns an access key ID (STS GetAccessKeyInfo). */
  keyAccount(accessKeyId: string): Promise<string>;
  publish(alert: Alert): Promise<"published" | "printed">;
  /** Where the alert's commands send a person's request (the manual function and its region), when known. */
  commands?: CommandTarget;
  /**
   * Findings this container has attempted: a redelivery reads the key before writing, so no second write. It also
   * remembers the keys an attempt that ran out of time confirmed, so that Lambda's retry goes on with the rest.
   */
  seen: RecentEvents;
  now(): Date;
  /**
   * Milliseconds left in this invocation (Lambda's `getRemainingTimeInMillis`). Without it there is no deadline and
   * nothing is cut short; with it, an event too large for one invocation is checkpointed (src/entry/deadline.ts).
   */
  timeLeft?: () => number;
  log: Log;
  /** Records metric points (CloudWatch EMF in Lambda). */
  record(points: MetricPoint[]): void;
  /** The key's recent CloudTrail activity in our account (optional enrichment). */
  activity(accessKeyId: string): Promise<KeyActivity>;
  /**
   * Sends one Security Hub update (BatchUpdateFindings or its V2), returning the error of each finding it did not
   * process. Without it, no finding is updated.
   */
  updateFindings?(call: FindingsCall, signal: AbortSignal): Promise<string[]>;
  /** Which deployment this is (the function's name, which holds the stack's), for the note on the finding. */
  stack?: string;
}

export interface KeySummary {
  accessKeyId: string;
  userName?: string;
  account?: string;
  status: Status;
  action: string;
  reason?: string;
  detail: string;
}

/** The handler's result: what was done to every key, and whether a person was told. */
export interface Summary {
  /** `failed`: AWS could not be reached, so nothing was tried (the invocation fails too, so that Lambda retries). */
  result: "ignored" | "invalid" | "handled" | "failed";
  source?: Source;
  eventId?: string;
  dryRun: boolean;
  reason?: string;
  plans?: { accessKeyId: string; action: string; skip?: string; why: string }[];
  outcomes: KeySummary[];
  alert: "published" | "printed" | "failed" | "none";
  alertSubject?: string;
  /** How many alerts carried the event, when it was too large for one SNS message. */
  alertParts?: number;
  /** What became of recording the outcome on the Security Hub findings, when there were any to update. */
  securityHub?: "updated" | "not-enabled" | "failed" | "skipped";
}

/** The invocation failed after telling people as much as it could; Lambda's retries and failure queue take over. */
export class ResponderError extends Error {
  override name = "ResponderError";
  constructor(
    message: string,
    readonly summary: Summary,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

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
const deliveryKey = (finding: Finding): string =>
  `${finding.findingId}|${finding.account ?? ""}|${finding.accessKeyId}`;

/**
 * The keys this attempt (or an earlier attempt of the same event) confirmed are remembered until the invocation ends,
 * so that Lambda's retry of an attempt that failed (out of time, a failed key, an alert that did not go out) does not
 * call them again, and tells people they were contained. An invocation that succeeds forgets them (forget): a later
 * delivery is an ordinary repeat, which reads each key before writing.
 */
const remember = (plans: Plan[], outcomes: Outcome[], seen: RecentEvents): void => {
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
const forget = (plans: Plan[], seen: RecentEvents): void => {
  for (const plan of plans) seen.unconfirm(deliveryKey(plan.finding));
};

/**
 * Groups plans by key, so that an event naming a key twice gets one plan and at most one write. Key IDs are unique
 * across AWS, so two findings placing one key in two accounts are grouped too (and disagree).
 */
const byKey = (plans: Plan[]): Plan[][] => {
  const groups = new Map<string, Plan[]>();
  for (const plan of plans) {
    const key = plan.finding.accessKeyId;
    groups.set(key, [...(groups.get(key) ?? []), plan]);
  }
  return [...groups.values()];
};

/**
 * Adds each key's recent CloudTrail activity to its outcome. Runs after every write, is bounded in time by the
 * look-up itself and by the invocation's deadline, and a failure becomes a note: enrichment never delays
 * containment, the alert, or fails the run.
 */
const enrich = async (
  outcomes: Outcome[],
  responder: Responder,
  identity: Identity,
  log: Log,
  budget?: Budget,
): Promise<Outcome[]> => {
  const attempts = await mapWithin(outcomes, KEY_CONCURRENCY, lookUp(responder, identity, log), budget);
  return attempts.map((attempt, i) => {
    const o = outcomes[i] as Outcome;
    if (attempt.state === "done") return attempt.value;
    return {
      ...o,
      notes: [...o.notes, "recent activity was not looked up: the invocation was running out of time"],
    };
  });
};

const lookUp =
  (responder: Responder, identity: Identity, log: Log) =>
  async (o: Outcome): Promise<Outcome> => {
    const ours = o.account === undefined || o.account === identity.account;
    if (!ours || !isAccessKeyId(o.plan.finding.accessKeyId) || o.plan.skip === Skip.Sample) return o;
    try {
      return { ...o, activity: await responder.activity(o.plan.finding.accessKeyId) };
    } catch (error) {
      log.warn("CloudTrail look-up failed", {
        accessKeyId: o.plan.finding.accessKeyId,
        error: errorMessage(error),
      });
      return {
        ...o,
        notes: [...o.notes, `recent activity could not be looked up: ${errorMessage(error)}`],
      };
    }
  };

/** A key an earlier attempt of this very event confirmed, when the plan still asks for the same write. */
const earlierResult = (plan: Plan, seen: RecentEvents): EarlierResult | undefined => {
  const writes = plan.action === Action.DisableKey || plan.action === Action.ReactivateKey;
  if (!writes || plan.dryRun || plan.awaitsApproval) return undefined;
  const earlier = seen.confirmed(deliveryKey(plan.finding));
  // Only Lambda's retry of that very event (the same envelope) rides on it. Another event about the same finding, a
  // GuardDuty update or a Health backup copy, comes later, when a person may have reactivated the key: it writes.
  const sameEvent = earlier?.eventId !== undefined && earlier.eventId === plan.finding.eventId;
  return sameEvent && earlier?.status === plan.finding.requestedStatus ? earlier : undefined;
};

/**
 * The run ran out of time: says how many keys were contained and names every key that was not (IDs only, so the
 * message stays readable in the failure queue), for Lambda's retry and for the person reading the error.
 */
const checkpointMessage = (outcomes: Outcome[]): string => {
  const t = checkpointTally(outcomes);
  return (
    `out of time: ${t.done} of ${t.keys} keys contained; ${t.left.length} not contained ` +
    `(${t.interrupted} interrupted, ${t.notAttempted} not attempted${t.failed ? `, ${t.failed} failed` : ""}), ` +
    `so Lambda's retry continues with: ${t.left.map((o) => o.plan.finding.accessKeyId).join(", ")}`
  );
};

const keySummary = (o: Outcome): KeySummary => ({
  accessKeyId: o.plan.finding.accessKeyId,
  userName: o.userName ?? o.plan.userName,
  account: o.account,
  status: o.status,
  action: o.plan.action,
  reason: o.plan.skip,
  detail: o.detail,
});

const tell = async (responder: Responder, alert: Alert, summary: Summary, log: Log): Promise<unknown> => {
  try {
    summary.alert = await responder.publish(alert);
    summary.alertSubject = alert.subject;
    return undefined;
  } catch (error) {
    summary.alert = "failed";
    log.error("alert failed", { error: errorMessage(error) });
    return error;
  }
};

/**
 * No write was made for an event: tells a person why, and fails the run when it must be retried (AWS could not be
 * reached) or when a person's request was refused (so that their script notices). An event that could not be read
 * gets an alert and no retry: reading it again would give the same answer.
 */
const handleProblem = async (
  problem: { source?: Source; eventId?: string; reason: string; kind: ProblemKind },
  responder: Responder,
  log: Log,
  retry?: unknown,
): Promise<Summary> => {
  const summary: Summary = {
    result: problem.kind === "unreachable" ? "failed" : "invalid",
    source: problem.source,
    eventId: problem.eventId,
    dryRun: responder.config.dryRun,
    reason: problem.reason,
    outcomes: [],
    alert: "none",
  };
  log.warn("no write was made", { reason: problem.reason });
  // A person who typed a bad request reads the error; a finding nobody could act on must reach a person.
  if (problem.source === Source.Manual && problem.kind === "unreadable") {
    throw new ResponderError(problem.reason, summary);
  }
  const error = await tell(
    responder,
    (await import("../alert/render")).renderProblemAlert(problem, {
      dryRun: responder.config.dryRun,
      now: responder.now(),
      commands: responder.commands,
    }),
    summary,
    log,
  );
  responder.record(metricsFor([], error !== undefined));
  if (retry !== undefined) throw new ResponderError(problem.reason, summary, { cause: retry });
  if (error) throw new ResponderError(`alert failed: ${errorMessage(error)}`, summary, { cause: error });
  return summary;
};

/**
 * Where a large event's keys start. A retry in a fresh container remembers nothing of the attempt before it; starting
 * from the same key, it would spend its time on the keys that attempt already contained and never reach the rest.
 * Lambda retries an event about one and then two minutes after a failure, so the start moves with the minute, by a
 * golden-ratio step that puts consecutive minutes far apart: each such retry begins where the one before probably did
 * not get to. An event that fits in one batch keeps its order (nothing to gain, and its calls stay predictable).
 */
const startOf = (count: number, now: Date): number => {
  if (count <= KEY_CONCURRENCY) return 0;
  const minute = Math.floor(now.getTime() / 60_000);
  return Math.floor(((minute * 0.6180339887498949) % 1) * count);
};

const rotate = <T>(items: T[], start: number): T[] => [...items.slice(start), ...items.slice(0, start)];

/**
 * Contains every planned key within the invocation's time, then adds enrichment if there is time for it. Returns one
 * outcome per plan, in the plans' order: a key that could not be finished in time is reported as not attempted or
 * interrupted, never left out.
 */
const containAll = async (
  plans: Plan[],
  responder: Responder,
  identity: Identity,
  log: Log,
): Promise<Outcome[]> => {
  const { config } = responder;
  const contextFor = (plan: Plan): ContainContext => {
    const { findingId, accessKeyId, userName } = plan.finding;
    return {
      config,
      identity,
      iamFor: responder.iamFor,
      keyAccount: responder.keyAccount,
      now: responder.now,
      log: log.withKeys({ findingId, accessKeyId, userName, account: plan.account }),
    };
  };
  // Keys this container confirmed in an earlier attempt of this event that ran out of time: not called again.
  const earlier = new Map(
    plans.flatMap((plan) => {
      const result = earlierResult(plan, responder.seen);
      return result ? [[plan, doneEarlier(plan, result)] as const] : [];
    }),
  );
  // A plan that makes no IAM call (nothing to do, a dry run, awaiting approval) is reported at once: it takes no
  // time, so it must neither use up the first batch nor be reported as not attempted when time runs short.
  const callsIam = (plan: Plan): boolean =>
    plan.action !== Action.None && !plan.dryRun && !plan.awaitsApproval;
  const noCall = new Map(
    await Promise.all(
      plans
        .filter((plan) => !earlier.has(plan) && !callsIam(plan))
        .map(async (plan) => [plan, await carryOut(plan, contextFor(plan))] as const),
    ),
  );
  // Keys never attempted go first: they are certainly still Active, while an interrupted key's write may have landed.
  const rest = plans.filter((plan) => !earlier.has(plan) && callsIam(plan));
  const rotated = rotate(rest, startOf(rest.length, responder.now()));
  const isNew = (plan: Plan) => !responder.seen.has(deliveryKey(plan.finding));
  const work = [...rotated.filter(isNew), ...rotated.filter((plan) => !isNew(plan))];

  const deadline = deadlineFrom(responder.timeLeft, KEY_CONCURRENCY);
  try {
    const attempts = await mapWithin(
      work,
      KEY_CONCURRENCY,
      (plan) => carryOut(plan, contextFor(plan)),
      deadline?.keys,
    );
    const attempted = new Map(
      work.map((plan, i) => {
        const attempt = attempts[i];
        if (attempt?.state === "done") return [plan, attempt.value];
        return [plan, attempt?.state === "interrupted" ? interrupted(plan) : notAttempted(plan)];
      }),
    );
    // Only keys whose calls were started count as seen: one never started is written at once on the retry.
    for (const plan of [...noCall.keys(), ...work]) {
      if (attempted.get(plan)?.status !== Status.NotAttempted) responder.seen.add(deliveryKey(plan.finding));
    }
    const contained = plans.map(
      (plan) => (earlier.get(plan) ?? noCall.get(plan) ?? attempted.get(plan)) as Outcome,
    );
    remember(plans, contained, responder.seen);
    const outOfTime = contained.filter((o) => OUT_OF_TIME_STATUSES.includes(o.status));
    if (outOfTime.length > 0) {
      log.warn("out of time: the keys left are reported, and the invocation fails so that Lambda retries", {
        notContained: outOfTime.length,
        keys: contained.length,
      });
    }
    return config.enrichWithCloudTrail && !config.dryRun
      ? await enrich(contained, responder, identity, log, deadline?.extras)
      : contained;
  } finally {
    deadline?.release();
  }
};

/** What must be left after the Security Hub step may have used all of its time: the metrics and the reply. */
const AFTER_SECURITY_HUB_MS = 2_000;

/**
 * Records the outcome on the Security Hub finding behind each outcome (src/alert/security-hub-record.ts), after the
 * containment and the alert, like enrichment: bounded in time, and a failure is a log line and a metric, never a
 * failed run. A run that ran out of time leaves it to Lambda's retry.
 */
const recordOutcomeOnFindings = async (
  outcomes: Outcome[],
  responder: Responder,
  summary: Summary,
  log: Log,
): Promise<void> => {
  const send = responder.updateFindings;
  if (!responder.config.securityHubUpdates || send === undefined) return;
  if (outcomes.some((o) => OUT_OF_TIME_STATUSES.includes(o.status))) return;
  const { findingUpdates, recordOnFindings, UPDATE_TIMEOUT_MS } = await import(
    "../alert/security-hub-record"
  );
  const updates = findingUpdates(outcomes, { dryRun: responder.config.dryRun, stack: responder.stack });
  if (updates.length === 0) return;
  const left = responder.timeLeft?.();
  const timeoutMs = Math.min(UPDATE_TIMEOUT_MS, (left ?? Number.POSITIVE_INFINITY) - AFTER_SECURITY_HUB_MS);
  let failed = updates.length;
  if (timeoutMs <= 0) {
    summary.securityHub = "skipped";
    log.warn("Security Hub findings not updated: the invocation was running out of time", {
      findings: updates.length,
    });
  } else {
    const result = await recordOnFindings(updates, (call, signal) => send.call(responder, call, signal), {
      log,
      timeoutMs,
    });
    summary.securityHub = result.state;
    failed = result.failed;
  }
  if (failed > 0) {
    responder.record([{ name: MetricName.SecurityHubUpdateFailures, unit: "Count", value: failed }]);
  }
};

/** A manual request says who asked; the invoking identity, when Lambda gives one, is the stronger word. */
const withCaller = (parsed: ParsedEvent, caller: string | undefined): ParsedEvent => {
  if (parsed.kind !== "findings" || caller === undefined) return parsed;
  const findings = parsed.findings.map((finding) =>
    finding.source === Source.Manual
      ? {
          ...finding,
          requestedBy: finding.requestedBy ? `${caller} (the request says ${finding.requestedBy})` : caller,
        }
      : finding,
  );
  return { ...parsed, findings };
};

/**
 * The flow every handler shares: parse, plan, contain every key (each on its own), then one alert. Fails the
 * invocation only after the alert was attempted, when a key could not be contained or the alert was not sent.
 */
export const respond = async (
  event: unknown,
  responder: Responder,
  requestId?: string,
  caller?: string,
): Promise<Summary> => {
  const parsed = withCaller(parseEvent(event, requestId, responder.handler), caller);
  const { config } = responder;
  const log = responder.log.withKeys({ eventId: parsed.eventId, source: parsed.source });
  if (parsed.kind === "ignored") {
    log.info("event ignored", { reason: parsed.reason, source: parsed.source });
    return {
      result: "ignored",
      source: parsed.source,
      eventId: parsed.eventId,
      dryRun: config.dryRun,
      reason: parsed.reason,
      outcomes: [],
      alert: "none",
    };
  }
  if (parsed.kind === "invalid") return handleProblem({ ...parsed, kind: "unreadable" }, responder, log);

  let identity: Identity;
  try {
    identity = await responder.identity();
  } catch (error) {
    // Without our own account, no finding can be told apart from another account's: tell people, then retry.
    // The event itself was fine: this is AWS (credentials, network, STS) that could not be reached.
    const reason = `could not determine the responder's own account (AWS could not be reached), so no key was touched: ${errorMessage(error)}`;
    const problem = { source: parsed.source, eventId: parsed.eventId, reason, kind: "unreachable" as const };
    return handleProblem(problem, responder, log, error);
  }
  const plans = byKey(parsed.findings.map((finding) => planContainment(finding, config, identity)))
    .map((group) => mergePlans(group, config))
    .map((plan) => (responder.seen.has(deliveryKey(plan.finding)) ? { ...plan, checkFirst: true } : plan));
  log.info("plans made", {
    plans: plans.map((p) => ({ accessKeyId: p.finding.accessKeyId, action: p.action, skip: p.skip })),
  });

  const outcomes = await containAll(plans, responder, identity, log);

  const summary: Summary = {
    result: "handled",
    source: parsed.source,
    eventId: parsed.eventId,
    dryRun: config.dryRun,
    plans: plans.map((p) => ({
      accessKeyId: p.finding.accessKeyId,
      action: p.action,
      skip: p.skip,
      why: p.why,
    })),
    outcomes: outcomes.map(keySummary),
    alert: "none",
  };
  // A large event is split into parts, each within SNS's limit. Every part is sent even if one fails, so that no
  // key goes unmentioned; the first error fails the invocation.
  // The alert code loads only now, after every write.
  const { renderAlerts } = await import("../alert/render");
  const alerts = renderAlerts(outcomes, {
    dryRun: config.dryRun,
    now: responder.now(),
    commands: responder.commands,
  });
  let alertError: unknown;
  for (const alert of alerts) {
    const error = await tell(responder, alert, summary, log);
    alertError ??= error;
  }
  if (alertError !== undefined) summary.alert = "failed";
  summary.alertSubject = alerts[0]?.subject;
  if (alerts.length > 1) summary.alertParts = alerts.length;
  responder.record(metricsFor(outcomes, alertError !== undefined));
  // An offline run (a dry run or an approve preview without AWS) knows no account, and no finding to update.
  if (identity.account !== undefined) await recordOutcomeOnFindings(outcomes, responder, summary, log);
  log.info("event handled", { summary });

  if (outcomes.some((o) => OUT_OF_TIME_STATUSES.includes(o.status))) {
    const alertFailed = alertError === undefined ? "" : `; alert failed: ${errorMessage(alertError)}`;
    throw new ResponderError(
      `${checkpointMessage(outcomes)}${alertFailed}`,
      summary,
      alertError === undefined ? undefined : { cause: alertError },
    );
  }
  const failed = outcomes.filter((o) => o.status === Status.Failed);
  if (failed.length > 0) {
    throw new ResponderError(
      `containment failed for ${failed.map((o) => o.plan.finding.accessKeyId).join(", ")}`,
      summary,
    );
  }
  if (alertError)
    throw new ResponderError(`alert failed: ${errorMessage(alertError)}`, summary, { cause: alertError });
  forget(plans, responder.seen);
  return summary;
};
