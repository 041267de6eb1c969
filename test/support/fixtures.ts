import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "aws-lambda";
import { type Finding, parseEvent } from "../../src/findings";
import type { Identity } from "../../src/plan/plan";
import { type Config, loadConfig } from "../../src/shared/config";
import { MEMBER_ACCOUNT, SELF_ACCOUNT } from "./world";

const EVENTS_DIR = join(__dirname, "..", "..", "events");

/** Our own account and the member account every fixture in events/ uses (events/README.md). */
export const SELF = SELF_ACCOUNT;
export const MEMBER = MEMBER_ACCOUNT;

/** The responder's identity in the fixtures' world. */
export const ourIdentity = (overrides: Partial<Identity> = {}): Identity => ({
  account: SELF,
  partition: "aws",
  ...overrides,
});

/** A fixture opened for editing: tests change nested fields freely to build variants of it. */
// biome-ignore lint/suspicious/noExplicitAny: tests edit nested fixture fields without narrowing each level
export type EditableEvent = Record<string, any>;

/** A fresh parsed copy of events/<name>.json on every call, so that no test sees another test's edits. */
export const loadEvent = <T = EditableEvent>(name: string): T =>
  JSON.parse(readFileSync(join(EVENTS_DIR, `${name}.json`), "utf8")) as T;

/** A Lambda context as the runtime gives it; the function ARN tells the responder its own account. */
export const lambdaContext = (
  functionName = "guardduty",
  account = SELF,
  awsRequestId: string = randomUUID(),
): Context =>
  ({
    functionName: `access-key-responder-${functionName}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${account}:function:access-key-responder-${functionName}`,
    memoryLimitInMB: "256",
    awsRequestId,
    logGroupName: `/aws/lambda/access-key-responder-${functionName}`,
    logStreamName: "test",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  }) as Context;

/** The configuration an empty environment gives (every opt-in off, act from severity 4), changed as asked. */
export const testConfig = (overrides: Partial<Config> = {}): Config => ({ ...loadConfig({}), ...overrides });

/** The findings a fixture parses to; throws when it does not parse to findings, so a test cannot pass vacuously. */
export const findingsOf = (name: string, requestId = "request-1"): Finding[] => {
  const parsed = parseEvent(loadEvent(name), requestId);
  if (parsed.kind !== "findings") throw new Error(`${name} parsed to ${parsed.kind}: ${parsed.reason}`);
  return parsed.findings;
};

/** The one finding a fixture parses to, optionally changed. */
export const findingOf = (name: string, overrides: Partial<Finding> = {}): Finding => {
  const [finding, ...rest] = findingsOf(name);
  if (!finding || rest.length > 0) throw new Error(`${name} does not hold exactly one finding`);
  return { ...finding, ...overrides };
};
