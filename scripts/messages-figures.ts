// How many messages an event sends to people, and what its message for people costs per key: for Health events of
// 1, 80 and 1,000 keys, and for one GuardDuty finding delivered three ways (natively, as a Security Hub ASFF copy and
// as a Security Hub V2 copy). Each event runs through the real handler against the AWS double, and SNS's own count
// (message and attributes, as the double measures it) is taken of what was published.
import { createHandler } from "../src/entry/handler";
import { AwsDouble, type PublishedMessage, publishedBytes, SELF_ACCOUNT } from "../test/support/aws-double";
import { lambdaContext, loadEvent } from "../test/support/fixtures";

const TOPIC_ARN = `arn:aws:sns:us-east-1:${SELF_ACCOUNT}:access-key-responder-alerts`;

/** The `audience` values a subscription for people takes (the stack's e-mail filter policy). */
const FOR_PEOPLE = ["all", "people"];

export interface MessagesFigure {
  /** What was sent: "1 key", "80 keys", "1,000 keys", or the three-path finding. */
  event: string;
  keys: number;
  /** Every message published, for people and for programs. */
  messages: number;
  /** The messages a subscription for people receives. */
  toPeople: number;
  /** SNS's count of the messages for people, divided by the keys. */
  bytesPerKey: number;
}

const reachesPeople = (message: PublishedMessage): boolean =>
  FOR_PEOPLE.includes(message.attributes.audience?.StringValue ?? "");

const figure = (event: string, keys: number, published: PublishedMessage[]): MessagesFigure => {
  const people = published.filter(reachesPeople);
  const bytes = people.reduce((sum, m) => sum + publishedBytes(m.message, m.attributes), 0);
  return {
    event,
    keys,
    messages: published.length,
    toPeople: people.length,
    bytesPerKey: Math.round(bytes / keys),
  };
};

const keyOf = (i: number): string => `AKIAFIG${String(i).padStart(13, "0")}`;

/** One AWS Health event naming `count` keys, each of its own user. */
const healthEvent = async (double: AwsDouble, env: Record<string, string>, count: number) => {
  const event = loadEvent("health-credentials-exposed-two-keys");
  event.detail.affectedEntities = Array.from({ length: count }, (_, i) => {
    double.addUser({ name: `figures-user-${i}`, keys: [{ id: keyOf(i) }] });
    return { entityValue: keyOf(i) };
  });
  await createHandler("leakedCredentials", env, () => {})(event, lambdaContext("leakedCredentials"));
};

const GRACE_KEY = "AKIAGRACE00000000001";

/** One GuardDuty finding about grace's key: GuardDuty's own event, then its Security Hub ASFF and V2 copies. */
const threePaths = async (double: AwsDouble, env: Record<string, string>) => {
  double.addUser({ name: "grace", keys: [{ id: GRACE_KEY }] });
  const native = loadEvent("guardduty-iam-user");
  native.detail.resource.accessKeyDetails = {
    accessKeyId: GRACE_KEY,
    principalId: "AIDAGRACEEXAMPLE00001",
    userType: "IAMUser",
    userName: "grace",
  };
  await createHandler("guardduty", env, () => {})(native, lambdaContext("guardduty"));
  for (const copy of ["security-hub-principal-name", "security-hub-v2-guardduty"]) {
    await createHandler("securityHub", env, () => {})(loadEvent(copy), lambdaContext("securityHub"));
  }
};

/** The figures, each event on a fresh double; the process's AWS settings are restored afterwards. */
export const messagesFigures = async (): Promise<MessagesFigure[]> => {
  const double = await AwsDouble.start();
  const saved = { ...process.env };
  // The SDK's default chain reads the endpoint and credentials from the process; the responder reads only `env`.
  // Logs and metrics stay quiet: only the published messages are measured.
  Object.assign(process.env, double.env(), {
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
  });
  const env = { ...double.env(), ALERT_TOPIC_ARN: TOPIC_ARN };
  const run = async (event: string, keys: number, send: () => Promise<void>) => {
    double.reset();
    await send();
    return figure(event, keys, [...double.published]);
  };
  try {
    const figures: MessagesFigure[] = [];
    for (const count of [1, 80, 1_000]) {
      const name = `${count.toLocaleString("en-US")} key${count === 1 ? "" : "s"}`;
      figures.push(await run(name, count, () => healthEvent(double, env, count)));
    }
    figures.push(await run("one GuardDuty finding, native + ASFF + V2", 1, () => threePaths(double, env)));
    return figures;
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    await double.close();
  }
};
