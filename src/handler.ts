import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { respond, type Summary } from "./respond";
import { createRuntime } from "./runtime";

export const SERVICE_NAME = "access-key-responder";

/**
 * Builds a Lambda handler: one per container, with its clients and memory. Every handler accepts every supported
 * event; the name only labels the logs.
 */
export const createHandler = (functionName: string, env: NodeJS.ProcessEnv = process.env) => {
  const logger = new Logger({ serviceName: SERVICE_NAME, persistentKeys: { handler: functionName } });
  const runtime = createRuntime(env, logger);
  const core = async (event: unknown, context: Context): Promise<Summary> =>
    respond(event, runtime(context), context.awsRequestId);
  return middy(core).use(injectLambdaContext(logger, { resetKeys: true }));
};
