import type { IAMClient } from "@aws-sdk/client-iam";
import type { MetricPoint } from "../alert/metrics";
import type { Alert, CommandTarget } from "../alert/render";
import type { FindingsCall } from "../alert/security-hub-record";
import type { Outcome, Status } from "../contain/outcome";
import type { KeyActivity } from "../enrich/cloudtrail";
import type { Source } from "../findings";
import type { Identity, Plan } from "../plan/plan";
import type { Config } from "../shared/config";
import type { Log } from "../shared/log";
import type { RecentEvents } from "./recent-events";

// What the flow takes from the outside world (Responder) and what it gives back (Summary, or ResponderError).

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

export const keySummary = (o: Outcome): KeySummary => ({
  accessKeyId: o.plan.finding.accessKeyId,
  userName: o.userName ?? o.plan.userName,
  account: o.account,
  status: o.status,
  action: o.plan.action,
  reason: o.plan.skip,
  detail: o.detail,
});

/** The invocation failed after telling people as much as it could; Lambda's retries and failure queue take over. */
export class ResponderError extends Error {
  // The class's own name too: a minified build shortens it, and `sls invoke local` reports errors by it (errorType).
  static {
    Object.defineProperty(ResponderError, "name", { value: "ResponderError" });
  }
  override name = "ResponderError";
  constructor(
    message: string,
    readonly summary: Summary,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
