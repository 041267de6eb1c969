import { Logger } from "@aws-lambda-powertools/logger";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { runDrill } from "../src/drill/run-drill";

/** Lambda entry point `drill` (scheduled; param drill). Wiring only: the drill lives in src/drill/run-drill.ts. */
const region = process.env.AWS_REGION || "us-east-1";
const guardduty = new GuardDutyClient({ region, maxAttempts: 6, retryMode: "standard" });
const logger = new Logger({ serviceName: "access-key-responder", persistentKeys: { handler: "drill" } });

export const handler = async () => {
  const result = await runDrill(guardduty, region);
  logger.info("drill: sample finding requested; expect its alert within minutes", { ...result });
  return result;
};
