// Fixture events, the users they name, a Lambda context and the set-up shared by the in-process sections.
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { createHandler } from "../../src/entry/handler";
import { type AwsDouble, SELF_ACCOUNT } from "../../test/support/aws-double";
import { lambdaContext as fixtureContext, loadEvent } from "../../test/support/fixtures";

export { loadEvent };
export const ACCOUNT = SELF_ACCOUNT;

/** The users and keys the critical-path fixtures name (events/README.md). */
export const FIXTURE_USERS = {
  alice: "AKIAALICE00000000001",
  bob: "AKIABOB0000000000001",
  carol: "AKIACAROL00000000001",
  frank: "AKIAFRANK00000000001",
  grace: "AKIAGRACE00000000001",
  ivan: "AKIAIVAN000000000001",
} as const;
export type FixtureUser = keyof typeof FIXTURE_USERS;

/** The function the in-process runs pretend to be; its ARN gives the responder its own account. */
export const lambdaContext = (): Context => fixtureContext("bench", ACCOUNT);

/** The environment handed to createHandler: the double's endpoint and credentials plus the alert topic. */
export const handlerEnv = (double: AwsDouble): Record<string, string> => ({
  ...double.env(),
  ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`,
});

/** A new container of one function on the double: fresh clients and an empty memory of recent events. */
export const containerOn = (double: AwsDouble, fn: Parameters<typeof createHandler>[0], env = {}) =>
  createHandler(fn, { ...handlerEnv(double), ...env });

/** A distinct, valid long-term key id: AKIA + 4-letter tag + 12 digits = 20 characters. */
export const syntheticKey = (tag: string, index: number): string =>
  `AKIA${tag.toUpperCase().padEnd(4, "X").slice(0, 4)}${String(index).padStart(12, "0")}`;

/** Resets the double and seeds `count` users (`<prefix>-user-00000`, …), each with one Active synthetic key. */
export const seedUsers = (double: AwsDouble, prefix: string, tag: string, count: number) => {
  double.reset();
  return Array.from({ length: count }, (_, i) => {
    const user = `${prefix}-user-${String(i).padStart(5, "0")}`;
    const key = syntheticKey(tag, i);
    double.addUser({ name: user, keys: [{ id: key }] });
    return { user, key };
  });
};

/**
 * A GuardDuty IAM-user finding like events/guardduty-iam-user.json, for another user and key, with its own envelope
 * and finding ids (so the container's memory of recent events never turns it into a repeat).
 */
export const guardDutyEventFor = (userName: string, accessKeyId: string): Record<string, unknown> => {
  const event = loadEvent("guardduty-iam-user");
  event.id = randomUUID();
  event.detail.id = randomUUID().replace(/-/g, "");
  Object.assign(event.detail.resource.accessKeyDetails, { accessKeyId, userName });
  return event;
};

/** An AWS Health event like events/health-credentials-exposed-two-keys.json naming every key given, with its own ARN. */
export const healthEventFor = (accessKeyIds: readonly string[]): Record<string, unknown> => {
  const event = loadEvent("health-credentials-exposed-two-keys");
  event.id = randomUUID();
  event.detail.eventArn = event.detail.eventArn.replace(/-[^-/]+$/, `-${randomUUID().slice(0, 10)}`);
  event.detail.affectedEntities = accessKeyIds.map((entityValue) => ({ entityValue }));
  return event;
};
