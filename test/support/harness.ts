import type { Context } from "aws-lambda";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { variablesReadByConfig } from "../../scripts/docs/configuration";
import { createHandler } from "../../src/entry/handler";
import type { Summary } from "../../src/entry/respond";
import { AwsDouble } from "./aws-double";
import { type EditableEvent, lambdaContext, loadEvent } from "./fixtures";
import { ERIN_KEY, FIXTURE_KEYS, MEMBER_ACCOUNT, MEMBER_ROLE, ROOT_KEY, SELF_ACCOUNT } from "./world";

export { lambdaContext, loadEvent } from "./fixtures";

export const TOPIC_ARN = `arn:aws:sns:us-east-1:${SELF_ACCOUNT}:access-key-responder-alerts`;
export const FUNCTION_NAMES = ["guardduty", "leakedCredentials", "securityHub", "manual"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The users every fixture in events/ refers to, all with Active keys. */
export const seedFixtureUsers = (double: AwsDouble): void => {
  for (const [name, id] of Object.entries(FIXTURE_KEYS)) double.addUser({ name, keys: [{ id }] });
  double.addUser({ name: "root", root: true, keys: [{ id: ROOT_KEY }] });
  double.addUser({ name: "erin", account: MEMBER_ACCOUNT, keys: [{ id: ERIN_KEY }] });
  double.addRole("web-instance-role");
};

export interface Invocation {
  summary?: Summary;
  error?: Error & { summary?: Summary };
}

/** Invokes a handler the way Lambda does (event, context) and captures a thrown error instead of failing. */
export const invoke = async (
  handler: ReturnType<typeof createHandler>,
  event: unknown,
  context = lambdaContext(),
): Promise<Invocation> => {
  try {
    return { summary: await handler(event, context) };
  } catch (error) {
    return { error: error as Error & { summary?: Summary } };
  }
};

/** Points the process's SDK clients at the double with a clean responder configuration. */
export const useDouble = (double: AwsDouble, extra: Record<string, string> = {}): void => {
  // Every variable the configuration reads, asked of loadConfig itself, so a new one cannot leak between tests.
  for (const name of variablesReadByConfig()) delete process.env[name];
  // Recording outcomes on Security Hub findings is on in a deployment; the tests of it turn it on
  // (test/integration/security-hub-updates.test.ts), so that the others' exact call lists stay about containment.
  Object.assign(
    process.env,
    double.env(),
    { ALERT_TOPIC_ARN: TOPIC_ARN, SECURITY_HUB_UPDATES: "false" },
    extra,
  );
};

/**
 * A new container: fresh clients and an empty memory of recent events. An alert printed because no topic is set
 * goes to `print` (by default nowhere), never to the test output.
 */
export const freshHandler = (name: FunctionName = "guardduty", print: (line: string) => void = () => {}) =>
  createHandler(name, process.env, print);

/**
 * A new container of function `name`, to send it events in turn (a redelivery, Lambda's retry): an event, or the
 * fixture of events/ a string names.
 */
export const container = (name: FunctionName = "guardduty", print?: (line: string) => void) => {
  const handler = freshHandler(name, print);
  return (event: unknown, context = lambdaContext()): Promise<Invocation> =>
    invoke(handler, typeof event === "string" ? loadEvent(event) : event, context);
};

/** What most tests do: one event (or the fixture a string names) sent to a new container of function `name`. */
export const respondTo = (
  event: unknown,
  name: FunctionName = "guardduty",
  context = lambdaContext(),
): Promise<Invocation> => container(name)(event, context);

/** The member role deployed in the member account and named in MEMBER_ROLE_NAME, with `extra` configuration. */
export const useMemberRole = (double: AwsDouble, extra: Record<string, string> = {}): void => {
  double.addRole(MEMBER_ROLE, MEMBER_ACCOUNT);
  useDouble(double, { MEMBER_ROLE_NAME: MEMBER_ROLE, ...extra });
};

/** Every call but SNS's (the alert's) from the `from`-th on, as "Action:account the call acted in". */
export const awsLog = (double: AwsDouble, from = 0): string[] =>
  double.calls
    .slice(from)
    .filter((call) => call.service !== "sns")
    .map((call) => `${call.action}:${call.account}`);

/** The published alert's document (what SQS and Lambda subscribers receive). */
export const publishedDocument = (double: AwsDouble, index = -1) => {
  const message = double.published.at(index);
  if (!message) throw new Error("no alert was published");
  const structured = JSON.parse(message.message) as Record<string, string>;
  return {
    subject: message.subject,
    structured,
    document: JSON.parse(structured.sqs as string),
    message,
    /** The `outcome` message attribute subscribers filter on. */
    outcome: message.attributes.outcome?.StringValue,
    /** The readable text (the `default` protocol). */
    text: structured.default as string,
  };
};

/**
 * Every published alert in order: its document, its readable text, its `outcome` attribute, and whether people get it
 * (the stack's e-mail subscription takes `audience` all and people; `machines` is only for programs).
 */
export const publishedAlerts = (double: AwsDouble) =>
  double.published.map((message) => {
    const structured = JSON.parse(message.message) as Record<string, string>;
    return {
      document: JSON.parse(structured.sqs as string),
      text: structured.default as string,
      outcome: message.attributes.outcome?.StringValue,
      forPeople: ["all", "people"].includes(message.attributes.audience?.StringValue ?? ""),
    };
  });

/** A Lambda context of function `name` whose clock has `ms` left from now, as getRemainingTimeInMillis counts it. */
export const contextWithTimeLeft = (ms: number, name: FunctionName = "guardduty"): Context => {
  const end = Date.now() + ms;
  return { ...lambdaContext(name), getRemainingTimeInMillis: () => end - Date.now() };
};

/** A GuardDuty fixture whose finding names another credential (accessKeyDetails, as GuardDuty gives them). */
export const guardDutyFindingAbout = (
  fixture: string,
  accessKeyDetails: Record<string, string>,
): EditableEvent => {
  const event = loadEvent(fixture);
  event.detail.resource.accessKeyDetails = accessKeyDetails;
  return event;
};

/**
 * A Health event naming each key of `owners` (key, then its user), as one leak exposing many keys gives; each user is
 * added to the double with that key Active.
 */
export const healthEventNaming = (double: AwsDouble, owners: Iterable<readonly [string, string]>) => {
  const event = loadEvent("health-credentials-exposed-two-keys");
  event.detail.affectedEntities = Array.from(owners, ([key, user]) => {
    double.addUser({ name: user, keys: [{ id: key }] });
    return { entityValue: key };
  });
  return event;
};

/**
 * One loopback double for the test file: started before the tests, closed after, and before each test reset,
 * seeded with the fixture users and (unless `pointEnv` is false) made the process's AWS endpoint.
 */
export const loopbackDouble = ({ pointEnv = true } = {}): AwsDouble => {
  let current: AwsDouble | undefined;
  beforeAll(async () => {
    current = await AwsDouble.start();
  });
  afterAll(async () => {
    await current?.close();
  });
  beforeEach(() => {
    if (!current) throw new Error("the double did not start");
    current.reset();
    seedFixtureUsers(current);
    if (pointEnv) useDouble(current);
  });
  // The double exists only once beforeAll ran; the proxy lets each file hold one name for it from the start.
  return new Proxy({} as AwsDouble, {
    get: (_, property) => {
      if (!current) throw new Error("the double is used before it started");
      const value = Reflect.get(current, property);
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
};
