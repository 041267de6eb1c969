import { IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsDouble } from "../support/aws-double";
import { freshHandler, invoke } from "../support/harness";
import {
  createThrowawayKey,
  guardDutyFindingFor,
  keyStatus,
  manualRequestFor,
  removeThrowawayKey,
  type ThrowawayKey,
} from "../support/scenario";

/**
 * Runs against whatever AWS_ENDPOINT_URL the user supplies (LocalStack, moto, a sandbox account), with the
 * credentials and region from the environment:
 *   AWS_ENDPOINT_URL=http://localhost:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test npm run test:integration
 * Without one, it runs against the loopback double, so the suite itself is always exercised.
 */
const external = process.env.AWS_ENDPOINT_URL;
let double: AwsDouble | undefined;
let iam: IAMClient;
let key: ThrowawayKey;

beforeAll(async () => {
  if (!external) {
    double = await AwsDouble.start();
    Object.assign(process.env, double.env());
  }
  // No topic: the alert is printed, so the suite needs only IAM and STS from the endpoint.
  delete process.env.ALERT_TOPIC_ARN;
  iam = new IAMClient({});
  key = await createThrowawayKey(iam);
});

afterAll(async () => {
  if (key) await removeThrowawayKey(iam, key);
  await double?.close();
});

describe(`end to end against ${external ?? "the loopback double"}`, () => {
  const noArn = { awsRequestId: "endpoint-suite", functionName: "endpoint-suite" } as never;

  it("disables a key on a manual request, then reactivates it with a reason", async () => {
    const disabled = await invoke(freshHandler("manual"), manualRequestFor(key), noArn);
    expect(disabled.error).toBeUndefined();
    expect(await keyStatus(iam, key)).toBe("Inactive");

    const reactivated = await invoke(freshHandler("manual"), manualRequestFor(key, "Active"), noArn);
    expect(reactivated.summary?.outcomes).toMatchObject([{ status: "reactivated" }]);
    expect(await keyStatus(iam, key)).toBe("Active");
  });

  it("disables a key named by a GuardDuty finding", async () => {
    // Our own account, as the endpoint reports it, so the finding is not treated as another account's.
    const { Account: account = "" } = await new STSClient({}).send(new GetCallerIdentityCommand({}));
    const { summary, error } = await invoke(
      freshHandler("guardduty"),
      guardDutyFindingFor(key, account),
      noArn,
    );
    expect(error).toBeUndefined();
    expect(summary?.outcomes).toMatchObject([{ accessKeyId: key.accessKeyId, status: "disabled" }]);
    expect(await keyStatus(iam, key)).toBe("Inactive");
  });
});
