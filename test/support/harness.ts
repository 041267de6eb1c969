import { afterAll, beforeAll, beforeEach } from "vitest";
import { createHandler } from "../../src/entry/handler";
import type { Summary } from "../../src/entry/respond";
import { AwsDouble, MEMBER_ACCOUNT, SELF_ACCOUNT } from "./aws-double";
import { lambdaContext } from "./fixtures";

export { lambdaContext, loadEvent } from "./fixtures";

export const TOPIC_ARN = `arn:aws:sns:us-east-1:${SELF_ACCOUNT}:access-key-responder-alerts`;
export const FUNCTION_NAMES = ["guardduty", "leakedCredentials", "securityHub", "manual"] as const;

/** The users every fixture in events/ refers to, all with Active keys. */
export const seedFixtureUsers = (double: AwsDouble): void => {
  const users: [string, string][] = [
    ["alice", "AKIAALICE00000000001"],
    ["bob", "AKIABOB0000000000001"],
    ["carol", "AKIACAROL00000000001"],
    ["breakglass-admin", "AKIABREAKGLASS000001"],
    ["dave", "AKIADAVE000000000002"],
    ["frank", "AKIAFRANK00000000001"],
    ["grace", "AKIAGRACE00000000001"],
    ["heidi", "AKIAHEIDI00000000001"],
    ["ivan", "AKIAIVAN000000000001"],
    ["judy@example.com", "AKIAJUDY000000000001"],
  ];
  for (const [name, id] of users) double.addUser({ name, keys: [{ id }] });
  double.addUser({ name: "root", root: true, keys: [{ id: "AKIAROOT000000000001" }] });
  double.addUser({ name: "erin", account: MEMBER_ACCOUNT, keys: [{ id: "AKIAERIN000000000001" }] });
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
  for (const name of [
    "ALERT_TOPIC_ARN",
    "RESPONDER_MODE",
    "DRY_RUN",
    "CONTAIN_WITHOUT_APPROVAL",
    "PROTECTED_USERS",
    "MEMBER_ROLE_NAME",
    "TRUSTED_TOPIC_ARNS",
    "MIN_SEVERITY",
    "REVOKE_SESSIONS",
    "DISABLE_SIBLING_KEYS",
    "TAG_USER",
    "ATTACH_QUARANTINE_POLICY",
    "ENRICH_CLOUDTRAIL",
    "SECURITY_HUB_UPDATES",
  ]) {
    delete process.env[name];
  }
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
export const freshHandler = (
  name: (typeof FUNCTION_NAMES)[number] = "guardduty",
  print: (line: string) => void = () => {},
) => createHandler(name, process.env, print);

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
