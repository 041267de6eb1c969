import type { IAMClient } from "@aws-sdk/client-iam";
import { type Alert, type ProblemKind, renderAlerts, renderProblemAlert } from "./alert/render";
import { KEY_CONCURRENCY, mapBounded } from "./concurrency";
import type { Config } from "./config";
import { type ContainContext, carryOut } from "./contain/carry-out";
import { errorMessage } from "./contain/errors";
import type { KeyActivity } from "./enrich/cloudtrail";
import { type Finding, type ParsedEvent, parseEvent, Source } from "./findings";
import { isAccessKeyId } from "./identifiers";
import type { Log } from "./log";
import { type MetricPoint, metricsFor } from "./metrics";
import { type Outcome, Status } from "./outcome";
import { type Identity, mergePlans, type Plan, planContainment, Skip } from "./plan/plan";

/** Everything the flow needs from the outside world. Built once per container by the handler wiring. */
export interface Responder {
  config: Config;
  /** Our account and partition; a dry run must not need AWS, so it may come back without an account. */
  identity(): Promise<Identity>;
  iamFor(plan: Plan): Promise<IAMClient>;
  publish(alert: Alert): Promise<"published" | "printed">;
  /** Events this container has handled: a redelivery reads the key before writing, so no second write. */
  seen: RecentEvents;
  now(): Date;
  log: Log;
  /** Records metric points (CloudWatch EMF in Lambda). */
  record(points: MetricPoint[]): void;
  /** The key's recent CloudTrail activity in our account (optional enrichment). */
  activity(accessKeyId: string): Promise<KeyActivity>;
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

/** A bounded memory of recently handled deliveries. Only ever adds a read before a write, never skips one. */
export class RecentEvents {
  private readonly keys = new Set<string>();
  constructor(private readonly capacity = 1000) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value as string);
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
 * look-up itself, and a failure becomes a note: enrichment never delays containment or fails the run.
 */
const enrich = async (
  outcomes: Outcome[],
  responder: Responder,
  identity: Identity,
  log: Log,
): Promise<Outcome[]> =>
  mapBounded(outcomes, KEY_CONCURRENCY, async (o) => {
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
  });

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
    renderProblemAlert(problem, { dryRun: responder.config.dryRun, now: responder.now() }),
    summary,
    log,
  );
  responder.record(metricsFor([], error !== undefined));
  if (retry !== undefined) throw new ResponderError(problem.reason, summary, { cause: retry });
  if (error) throw new ResponderError(`alert failed: ${errorMessage(error)}`, summary, { cause: error });
  return summary;
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
  const parsed = withCaller(parseEvent(event, requestId), caller);
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
  const findings = plans.map((plan) => plan.finding);
  log.info("plans made", {
    plans: plans.map((p) => ({ accessKeyId: p.finding.accessKeyId, action: p.action, skip: p.skip })),
  });

  const contained = await mapBounded(plans, KEY_CONCURRENCY, (plan) => {
    const { findingId, accessKeyId, userName } = plan.finding;
    const keyLog = log.withKeys({ findingId, accessKeyId, userName, account: plan.account });
    const context: ContainContext = {
      config,
      identity,
      iamFor: responder.iamFor,
      now: responder.now,
      log: keyLog,
    };
    return carryOut(plan, context);
  });
  for (const finding of findings) responder.seen.add(deliveryKey(finding));
  const outcomes =
    config.enrichWithCloudTrail && !config.dryRun
      ? await enrich(contained, responder, identity, log)
      : contained;

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
  const alerts = renderAlerts(outcomes, { dryRun: config.dryRun, now: responder.now() });
  let alertError: unknown;
  for (const alert of alerts) {
    const error = await tell(responder, alert, summary, log);
    alertError ??= error;
  }
  if (alertError !== undefined) summary.alert = "failed";
  summary.alertSubject = alerts[0]?.subject;
  if (alerts.length > 1) summary.alertParts = alerts.length;
  responder.record(metricsFor(outcomes, alertError !== undefined));
  log.info("event handled", { summary });

  const failed = outcomes.filter((o) => o.status === Status.Failed);
  if (failed.length > 0) {
    throw new ResponderError(
      `containment failed for ${failed.map((o) => o.plan.finding.accessKeyId).join(", ")}`,
      summary,
    );
  }
  if (alertError)
    throw new ResponderError(`alert failed: ${errorMessage(alertError)}`, summary, { cause: alertError });
  return summary;
};
