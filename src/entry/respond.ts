import { metricsFor } from "../alert/metrics";
import { errorMessage } from "../contain/errors";
import { checkpointTally, OUT_OF_TIME_STATUSES, type Outcome, Status } from "../contain/outcome";
import { type Finding, type ParsedEvent, parseEvent, Source } from "../findings";
import { type Identity, mergePlans, type Plan, planContainment } from "../plan/plan";
import { containAll } from "./contain-all";
import { deliveryKey, forget } from "./recent-events";
import { recordOutcomeOnFindings } from "./record-on-findings";
import { keySummary, type Responder, ResponderError, type Summary } from "./responder";
import { handleProblem, tellOutcomes } from "./tell";

// The flow every handler shares, in order: parse, plan, contain every key (contain-all.ts), tell people (tell.ts),
// record the outcome on the Security Hub findings (record-on-findings.ts), then the run's verdict.
export { RecentEvents } from "./recent-events";
export { type KeySummary, type Responder, ResponderError, type Summary } from "./responder";

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

/** One plan per key; a finding this container attempted before is read before it is written. */
const planAll = (findings: Finding[], responder: Responder, identity: Identity): Plan[] =>
  byKey(findings.map((finding) => planContainment(finding, responder.config, identity)))
    .map((group) => mergePlans(group, responder.config))
    .map((plan) => (responder.seen.has(deliveryKey(plan.finding)) ? { ...plan, checkFirst: true } : plan));

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
  const plans = planAll(parsed.findings, responder, identity);
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
  const alertError = await tellOutcomes(outcomes, responder, summary, log);
  responder.record(metricsFor(outcomes, alertError !== undefined));
  // An offline run (a dry run or an approve preview without AWS) knows no account, and no finding to update.
  if (identity.account !== undefined) {
    const securityHub = await recordOutcomeOnFindings(outcomes, responder, log);
    if (securityHub !== undefined) summary.securityHub = securityHub;
  }
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
