import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { Log } from "./log";
import type { MetricPoint } from "./metrics";
import { respond, type Summary } from "./respond";
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

const recordTo =
  (metrics: Metrics) =>
  (points: MetricPoint[]): void => {
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

/** The invoking identity, when Lambda passes one (Amazon Cognito callers); a plain `aws lambda invoke` has none. */
const callerOf = (context: Context): string | undefined => {
  const cognito = context.identity?.cognitoIdentityId;
  return cognito ? `Cognito identity ${cognito}` : undefined;
};

/**
 * Builds a Lambda handler: one per container, with its clients and memory. Every handler accepts every supported
 * event; the name labels the logs and metrics.
 */
export const createHandler = (functionName: string, env: NodeJS.ProcessEnv = process.env) => {
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { handler: functionName } });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const runtime = createRuntime(env, asLog(logger), recordTo(metrics), console.log, functionName);
  const core = async (event: unknown, context: Context): Promise<Summary> =>
    respond(event, runtime(context), context.awsRequestId, callerOf(context));
  return middy(core)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
};
