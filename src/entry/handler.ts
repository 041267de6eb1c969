import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import type { MetricPoint } from "../alert/metrics";
import type { Log } from "../shared/log";
import { respond } from "./respond";
import type { Summary } from "./responder";
import { createRuntime } from "./runtime";

export const SERVICE_NAME = "access-key-responder";
export const METRICS_NAMESPACE = "AccessKeyResponder";

/** Powertools' Logger behind the core's narrow Log: every child keeps its parent's keys and adds its own. */
const asLog = (logger: Logger): Log => ({
  info: (message, ...extra) => logger.info(message, ...extra),
  warn: (message, ...extra) => logger.warn(message, ...extra),
  error: (message, ...extra) => logger.error(message, ...extra),
  withKeys: (keys) => {
    const child = logger.createChild();
    child.appendKeys(keys);
    return asLog(child);
  },
});

const recordTo = async (metrics: Metrics, points: MetricPoint[]): Promise<void> => {
  const { MetricUnit } = await import("@aws-lambda-powertools/metrics");
  for (const point of points) {
    const unit = point.unit === "Milliseconds" ? MetricUnit.Milliseconds : MetricUnit.Count;
    if (point.dimension) {
      // A dimension for one point only: a single metric, flushed on its own.
      metrics
        .singleMetric()
        .addDimension(point.dimension.name, point.dimension.value)
        .addMetric(point.name, unit, point.value);
    } else {
      metrics.addMetric(point.name, unit, point.value);
    }
  }
};

/**
 * Metric points are kept during the invocation and written when it ends, succeeded or failed, as Powertools'
 * logMetrics middleware does. Metrics itself loads only then: nothing of it runs before the write.
 */
const flushMetricsAfter = (
  pending: MetricPoint[],
  metrics: () => Promise<Metrics>,
): MiddlewareObj<unknown, unknown> => {
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const target = await metrics();
    await recordTo(target, pending.splice(0));
    target.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
};

/** The invoking identity, when Lambda passes one (Amazon Cognito callers); a plain `aws lambda invoke` has none. */
const callerOf = (context: Context): string | undefined => {
  const cognito = context.identity?.cognitoIdentityId;
  return cognito ? `Cognito identity ${cognito}` : undefined;
};

/** Whether a variable is set (an empty value means unset, as everywhere else in the configuration). */
const isSet = (env: NodeJS.ProcessEnv, name: string): boolean => Boolean(env[name]);

/**
 * Logging and metrics for where the handler runs. In Lambda nothing changes: Powertools' defaults (INFO, EMF on
 * stdout for CloudWatch). Under `sls invoke local` (`IS_LOCAL=true`) stdout is for the person: the alert text, then
 * the result. Log lines are then printed from WARN up only (on stderr, where Node's console writes warnings and
 * errors) unless a level is asked for (`LOG_LEVEL=DEBUG`, `POWERTOOLS_LOG_LEVEL`), and metrics are not recorded
 * (there is no CloudWatch to read them) unless `POWERTOOLS_METRICS_DISABLED=false` asks for them.
 */
export const observabilityFor = (env: NodeJS.ProcessEnv): { logLevel?: "WARN"; metrics: boolean } => {
  const local = env.IS_LOCAL === "true";
  const levelAsked = ["POWERTOOLS_LOG_LEVEL", "LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL"].some((name) =>
    isSet(env, name),
  );
  return {
    logLevel: local && !levelAsked ? "WARN" : undefined,
    metrics: !local || env.POWERTOOLS_METRICS_DISABLED === "false",
  };
};

/**
 * Powertools Metrics warns "No application metrics to publish" whenever an invocation stored none: an ignored
 * event, a problem alert, and every event whose points all carry a dimension (they flush on their own). That is
 * expected here, so Metrics' own messages go to the Logger: its warnings at DEBUG, its errors as errors.
 */
const metricsDiagnostics = (logger: Logger) => ({
  trace: (message: string) => logger.debug(message),
  debug: (message: string) => logger.debug(message),
  info: (message: string) => logger.debug(message),
  warn: (message: string) => logger.debug(message),
  error: (message: string) => logger.error(message),
});

/**
 * Builds a Lambda handler: one per container, with its clients and memory. Every handler accepts every supported
 * event; the name labels the logs and metrics. `print` is where a local run's alert goes (tests capture it).
 */
export const createHandler = (
  functionName: string,
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = console.log,
) => {
  const observability = observabilityFor(env);
  const logger = new Logger({
    serviceName: SERVICE_NAME,
    persistentKeys: { handler: functionName },
    ...(observability.logLevel ? { logLevel: observability.logLevel } : {}),
  });
  let metrics: Promise<Metrics> | undefined;
  const loadMetrics = (): Promise<Metrics> => {
    metrics ??= import("@aws-lambda-powertools/metrics").then(
      ({ Metrics }) =>
        new Metrics({
          namespace: METRICS_NAMESPACE,
          serviceName: SERVICE_NAME,
          logger: metricsDiagnostics(logger),
        }),
    );
    return metrics;
  };
  const pending: MetricPoint[] = [];
  const record = observability.metrics ? (points: MetricPoint[]) => pending.push(...points) : () => {};
  const runtime = createRuntime(env, asLog(logger), record, print, functionName);
  const core = async (event: unknown, context: Context): Promise<Summary> =>
    respond(event, runtime(context), context.awsRequestId, callerOf(context));
  const handler = middy(core).use(injectLambdaContext(logger, { resetKeys: true }));
  return observability.metrics ? handler.use(flushMetricsAfter(pending, loadMetrics)) : handler;
};
