import { type Alert, type AlertContext, chatCard, renderAlerts } from "../../../src/alert/render";
import { type Outcome, Status } from "../../../src/contain/outcome";
import type { Finding } from "../../../src/findings";
import { Action, type Identity, type Plan, planContainment, type Skip } from "../../../src/plan/plan";
import type { Config } from "../../../src/shared/config";
import { findingOf, ourIdentity, testConfig } from "../../support/fixtures";

export const NOW = new Date("2026-11-20T09:05:04.000Z");
export const live: AlertContext = { dryRun: false, now: NOW };
/** As in Lambda: the stack names the manual function (MANUAL_FUNCTION_NAME), and AWS_REGION is the stack's region. */
export const deployed: AlertContext = {
  ...live,
  commands: { manualFunctionName: "access-key-responder-prod-manual", region: "eu-west-1" },
};

export const planFor = (finding: Finding, config: Config = testConfig(), identity = ourIdentity()): Plan =>
  planContainment(finding, config, identity);

/** The identity of the manual function, invoked directly. */
export const manualIdentity = (): Identity => ourIdentity({ handler: "manual" });

/** A plan that makes no write for `skip`, as plan.ts makes them, for skips a test cannot reach through a fixture. */
export const skipPlan = (finding: Finding, skip: Skip, urgent: boolean, why = `skipped: ${skip}`): Plan => ({
  ...planFor(finding),
  action: Action.None,
  skip,
  why,
  urgent,
  userName: finding.userName,
});

export const outcome = (plan: Plan, status: Outcome["status"], extra: Partial<Outcome> = {}): Outcome => ({
  plan,
  status,
  detail: status === Status.Skipped ? plan.why : `${plan.finding.accessKeyId}: ${status}`,
  userName: plan.userName,
  account: plan.account,
  siblings: [],
  notes: [],
  ...extra,
});

export const disabledAlice = (extra: Partial<Outcome> = {}): Outcome =>
  outcome(planFor(findingOf("guardduty-iam-user")), Status.Disabled, {
    detail: "AKIAALICE00000000001 of alice is now Inactive",
    containedAt: "2026-11-20T09:05:03.000Z",
    ...extra,
  });

/** Renders an event that must fit in one alert. */
export const renderOne = (outcomes: Outcome[], ctx: AlertContext = live): Alert => {
  const alerts = renderAlerts(outcomes, ctx);
  if (alerts.length !== 1) throw new Error(`expected one alert, got ${alerts.length}`);
  return alerts[0] as Alert;
};

export interface Card {
  content: { title: string; description: string; nextSteps: string[]; keywords: string[] };
  metadata: { relatedResources: string[]; additionalContext: Record<string, string> };
}

export const cardOf = (alert: Alert): Card => chatCard(alert) as Card;

/** Every character that ends a line in some reader (mail clients, chat apps, terminals). */
export const LINE_BREAKS = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

/** Every line a person reads: the subject, the text, and the chat card's title, description and next steps. */
export const linesOf = (alert: Alert): string[] => {
  const card = cardOf(alert);
  return [
    alert.subject,
    alert.text,
    card.content.title,
    card.content.description,
    ...card.content.nextSteps,
  ].flatMap((block) => block.split(LINE_BREAKS));
};

/** Every line that names an AWS CLI command, in the text and in the document's steps. */
export const commandLines = (lines: string[]): string[] =>
  lines.filter((line) => /\baws (iam|cloudtrail|lambda) /.test(line));
