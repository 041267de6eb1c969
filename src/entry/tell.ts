import { metricsFor } from "../alert/metrics";
import type { Alert, ProblemKind } from "../alert/render";
import { errorMessage } from "../contain/errors";
import type { Outcome } from "../contain/outcome";
import { Source } from "../findings";
import type { Log } from "../shared/log";
import { type Responder, ResponderError, type Summary } from "./responder";

// Telling people, once the writes are done: the alert code (src/alert/render.ts) loads only now, off the cold path.

/** Publishes one alert and notes it on the summary; returns the error, if it failed, for the caller to decide. */
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
 * The alert for an event's outcomes. A large event is split into parts, each within SNS's limit. Every part is sent
 * even if one fails, so that no key goes unmentioned; returns the first error, which fails the invocation.
 */
export const tellOutcomes = async (
  outcomes: Outcome[],
  responder: Responder,
  summary: Summary,
  log: Log,
): Promise<unknown> => {
  const { renderAlerts } = await import("../alert/render");
  const alerts = renderAlerts(outcomes, {
    dryRun: responder.config.dryRun,
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
  return alertError;
};

/**
 * No write was made for an event: tells a person why, and fails the run when it must be retried (AWS could not be
 * reached) or when a person's request was refused (so that their script notices). An event that could not be read
 * gets an alert and no retry: reading it again would give the same answer.
 */
export const handleProblem = async (
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
