import {
  type AccessKeyMetadata,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  ServiceFailureException,
  type StatusType,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Alert } from "../../../src/alert/render";
import type { KeyActivity } from "../../../src/enrich/cloudtrail";
import { KEY_RESERVE_MS } from "../../../src/entry/deadline";
import { RecentEvents, type Responder, ResponderError, respond } from "../../../src/entry/respond";
import type { Config } from "../../../src/shared/config";
import { silentLog } from "../../../src/shared/log";
import { loadEvent, ourIdentity, testConfig } from "../../support/fixtures";

const iamMock = mockClient(IAMClient);
const NOW = new Date("2026-11-20T09:05:03.000Z");

/** Every IAM command and every publish, in the order they happened. */
let order: string[];

const listing = (
  userName: string,
  ...entries: [string, StatusType][]
): { AccessKeyMetadata: AccessKeyMetadata[] } => ({
  AccessKeyMetadata: entries.map(([AccessKeyId, Status]) => ({ UserName: userName, AccessKeyId, Status })),
});

const fakeResponder = (config: Config = testConfig()) => {
  const iam = new IAMClient({ region: "us-east-1" });
  const alerts: Alert[] = [];
  const publish = vi.fn(async (alert: Alert) => {
    order.push("Publish");
    alerts.push(alert);
    return "published" as const;
  });
  const identity = vi.fn(async () => ourIdentity());
  const activity = vi.fn(async (_accessKeyId: string): Promise<KeyActivity> => {
    order.push("LookupEvents");
    return {
      events: 2,
      since: "2026-11-19T09:05:03.000Z",
      topActions: [{ name: "s3:ListBuckets", count: 2 }],
      sourceIps: [{ ip: "203.0.113.24", count: 2 }],
    };
  });
  const responder: Responder = {
    config,
    identity,
    iamFor: async () => iam,
    keyAccount: async () => ourIdentity().account as string,
    publish,
    seen: new RecentEvents(),
    now: () => NOW,
    log: silentLog,
    record: () => {},
    activity,
  };
  return { responder, alerts, publish, identity, activity };
};

/** Keys whose status the fake IAM tracks, so that a write is visible to the next read. */
const trackKeys = (owners: Record<string, string>) => {
  const status: Record<string, StatusType> = Object.fromEntries(
    Object.keys(owners).map((key) => [key, "Active"]),
  );
  iamMock.on(GetAccessKeyLastUsedCommand).callsFake(({ AccessKeyId }) => {
    order.push("GetAccessKeyLastUsed");
    return { UserName: owners[AccessKeyId] };
  });
  iamMock.on(UpdateAccessKeyCommand).callsFake(({ AccessKeyId, Status }) => {
    order.push("UpdateAccessKey");
    status[AccessKeyId] = Status;
    return {};
  });
  iamMock.on(ListAccessKeysCommand).callsFake(({ UserName }) => {
    order.push("ListAccessKeys");
    const mine = Object.entries(owners).filter(([, owner]) => owner === UserName);
    return listing(UserName, ...mine.map(([key]): [string, StatusType] => [key, status[key] ?? "Active"]));
  });
  return status;
};

const failureOf = async (promise: Promise<unknown>): Promise<ResponderError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ResponderError);
    return error as ResponderError;
  }
  throw new Error("respond did not fail");
};

beforeEach(() => {
  iamMock.reset();
  order = [];
});

describe("respond", () => {
  it("disables the key before publishing the alert", async () => {
    const status = trackKeys({ AKIAALICE00000000001: "alice" });
    const { responder, alerts } = fakeResponder();

    const summary = await respond(loadEvent("guardduty-iam-user"), responder, "request-1");

    expect(order).toEqual(["UpdateAccessKey", "ListAccessKeys", "Publish"]);
    expect(status.AKIAALICE00000000001).toBe("Inactive");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.document.verdict).toBe("contained");
    expect(summary).toMatchObject({
      result: "handled",
      source: "guardduty",
      alert: "published",
      outcomes: [{ accessKeyId: "AKIAALICE00000000001", userName: "alice", status: "disabled" }],
    });
  });

  it("contains every key of a Health event on its own, then sends one alert", async () => {
    trackKeys({ AKIABOB0000000000001: "bob", AKIACAROL00000000001: "carol" });
    const { responder, alerts } = fakeResponder();

    const summary = await respond(loadEvent("health-credentials-exposed-two-keys"), responder);

    expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 2);
    expect(iamMock).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      UserName: "bob",
      AccessKeyId: "AKIABOB0000000000001",
      Status: "Inactive",
    });
    expect(iamMock).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      UserName: "carol",
      AccessKeyId: "AKIACAROL00000000001",
      Status: "Inactive",
    });
    expect(order.at(-1)).toBe("Publish");
    expect(alerts).toHaveLength(1);
    expect(summary.outcomes.map((o) => [o.accessKeyId, o.status])).toEqual([
      ["AKIABOB0000000000001", "disabled"],
      ["AKIACAROL00000000001", "disabled"],
    ]);
  });

  it("keeps containing the other keys when one fails, tells people, then fails the invocation", async () => {
    trackKeys({ AKIABOB0000000000001: "bob", AKIACAROL00000000001: "carol" });
    iamMock
      .on(UpdateAccessKeyCommand, { AccessKeyId: "AKIABOB0000000000001" })
      .rejects(new ServiceFailureException({ message: "IAM is down", $metadata: {} }));
    const { responder, alerts } = fakeResponder();

    const error = await failureOf(respond(loadEvent("health-credentials-exposed-two-keys"), responder));

    expect(error.message).toBe("containment failed for AKIABOB0000000000001");
    expect(error.summary.outcomes.map((o) => [o.accessKeyId, o.status])).toEqual([
      ["AKIABOB0000000000001", "failed"],
      ["AKIACAROL00000000001", "disabled"],
    ]);
    expect(error.summary.alert).toBe("published");
    expect(alerts[0]?.document.verdict).toBe("failed");
  });

  it("fails the invocation when the alert cannot be sent, after the key was contained", async () => {
    const status = trackKeys({ AKIAALICE00000000001: "alice" });
    const { responder, publish } = fakeResponder();
    publish.mockRejectedValueOnce(new Error("SNS throttled"));

    const error = await failureOf(respond(loadEvent("guardduty-iam-user"), responder));

    expect(status.AKIAALICE00000000001).toBe("Inactive");
    expect(error.message).toBe("alert failed: Error: SNS throttled");
    expect(error.summary.alert).toBe("failed");
  });

  it("makes one write for a key an event names twice", async () => {
    trackKeys({ AKIAGRACE00000000001: "grace" });
    const event = loadEvent("security-hub-principal-name");
    const resource = event.detail.findings[0].Resources[0];
    event.detail.findings[0].Resources = [resource, structuredClone(resource)];
    const { responder } = fakeResponder();

    const summary = await respond(event, responder);

    expect(summary.outcomes).toHaveLength(1);
    expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
  });

  it.each([
    ["GuardDuty", "guardduty-iam-user", { AKIAALICE00000000001: "alice" }],
    ["Health", "health-credentials-compromised", { AKIABOB0000000000001: "bob" }],
  ] as const)(
    "reads first and makes no second write when the same %s event is delivered again",
    async (_, fixture, keys) => {
      trackKeys(keys);
      const { responder } = fakeResponder();
      await respond(loadEvent(fixture), responder);

      const again = await respond(loadEvent(fixture), responder);

      expect(iamMock).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
      expect(again.outcomes[0]?.status).toBe("already-done");
    },
  );

  it.each(["guardduty-ec2", "guardduty-cloudtrail-api-call", "health-non-credential", "trusted-advisor-ok"])(
    "ignores %s without any AWS call or alert",
    async (fixture) => {
      const { responder, publish, identity } = fakeResponder();

      const summary = await respond(loadEvent(fixture), responder);

      expect(summary).toMatchObject({ result: "ignored", alert: "none", outcomes: [] });
      expect(iamMock).not.toHaveReceivedAnyCommand();
      expect(publish).not.toHaveBeenCalled();
      expect(identity).not.toHaveBeenCalled();
    },
  );

  it("ignores a Security Hub finding whose key resource is null (a console sign-in): no call, no alert", async () => {
    const { responder, publish } = fakeResponder();

    const summary = await respond(loadEvent("security-hub-null-key"), responder);

    expect(iamMock).not.toHaveReceivedAnyCommand();
    expect(publish).not.toHaveBeenCalled();
    expect(summary).toMatchObject({ result: "ignored", reason: "no finding names an access key" });
  });

  it("tells a person about a finding that could not be read, with no write", async () => {
    const { responder, alerts } = fakeResponder();

    const summary = await respond(loadEvent("guardduty-missing-detail"), responder);

    expect(iamMock).not.toHaveReceivedAnyCommand();
    expect(summary).toMatchObject({
      result: "invalid",
      alert: "published",
      reason: "GuardDuty event has no detail",
    });
    expect(alerts[0]?.document).toMatchObject({
      verdict: "invalid",
      problem: "GuardDuty event has no detail",
    });
  });

  it("answers a person's invalid request with an error instead of an alert, so their script notices", async () => {
    const { responder, publish } = fakeResponder();

    const error = await respond(loadEvent("manual-reactivate-no-reason"), responder, "request-1").catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ResponderError);
    expect((error as ResponderError).summary).toMatchObject({
      result: "invalid",
      source: "manual",
      reason: "invalid manual request: reason: a reason is required to reactivate a key",
    });
    expect(publish).not.toHaveBeenCalled();
    expect(iamMock).not.toHaveReceivedAnyCommand();
  });

  it("never calls the event invalid when AWS cannot be reached: a failed alert, the offline hint, an error", async () => {
    const { responder, alerts, identity } = fakeResponder();
    identity.mockRejectedValue(
      Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
    );

    const error = await respond(loadEvent("guardduty-iam-user"), responder).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ResponderError);
    expect((error as ResponderError).name).toBe("ResponderError");
    expect((error as ResponderError).summary).toMatchObject({ result: "failed", alert: "published" });
    expect(iamMock).not.toHaveReceivedAnyCommand();
    const alert = alerts[0] as Alert;
    expect(alert.document.verdict).toBe("failed");
    expect(alert.attributes.outcome).toBe("failed");
    expect(alert.subject).toMatch(/^Could not reach AWS for guardduty event /);
    expect(alert.text).toContain("Could not reach AWS - no change was made");
    expect(alert.text).toContain("set DRY_RUN=true to run offline, or provide credentials");
    expect(alert.text).not.toMatch(/invalid|parser/i);
    expect(alert.document.problem).toContain("CredentialsProviderError");
  });

  it("makes no IAM call in a dry run and says so in the alert", async () => {
    const { responder, alerts } = fakeResponder(testConfig({ dryRun: true }));

    const summary = await respond(loadEvent("health-credentials-exposed-two-keys"), responder);

    expect(iamMock).not.toHaveReceivedAnyCommand();
    expect(summary.outcomes.map((o) => o.status)).toEqual(["dry-run", "dry-run"]);
    expect(alerts[0]?.document).toMatchObject({ verdict: "dry-run", dryRun: true });
  });

  it("looks up the key's recent activity only after the write, when enrichment is on", async () => {
    trackKeys({ AKIAALICE00000000001: "alice" });
    const { responder, activity, alerts } = fakeResponder(testConfig({ enrichWithCloudTrail: true }));

    await respond(loadEvent("guardduty-iam-user"), responder);

    expect(order).toEqual(["UpdateAccessKey", "ListAccessKeys", "LookupEvents", "Publish"]);
    expect(activity).toHaveBeenCalledWith("AKIAALICE00000000001");
    expect(alerts[0]?.document.keys[0]?.activity).toMatchObject({ events: 2 });
  });

  it("turns a failed activity look-up into a note and still reports the key contained", async () => {
    const status = trackKeys({ AKIAALICE00000000001: "alice" });
    const { responder, activity, alerts } = fakeResponder(testConfig({ enrichWithCloudTrail: true }));
    activity.mockRejectedValueOnce(new Error("CloudTrail throttled"));

    const summary = await respond(loadEvent("guardduty-iam-user"), responder);

    expect(status.AKIAALICE00000000001).toBe("Inactive");
    expect(summary.outcomes[0]?.status).toBe("disabled");
    expect(alerts[0]?.document.keys[0]?.notes).toEqual([
      "recent activity could not be looked up: Error: CloudTrail throttled",
    ]);
  });

  it("contains the key but looks up no activity when the invocation is short of time, and says so", async () => {
    trackKeys({ AKIAALICE00000000001: "alice" });
    const { responder, activity, alerts } = fakeResponder(testConfig({ enrichWithCloudTrail: true }));
    responder.timeLeft = () => KEY_RESERVE_MS - 1;

    const summary = await respond(loadEvent("guardduty-iam-user"), responder);

    expect(summary.outcomes[0]?.status).toBe("disabled");
    expect(order).toEqual(["UpdateAccessKey", "ListAccessKeys", "Publish"]);
    expect(activity).not.toHaveBeenCalled();
    expect(alerts[0]?.document.keys[0]?.notes).toEqual([
      "recent activity was not looked up: the invocation was running out of time",
    ]);
  });

  it("looks up no activity when enrichment is off", async () => {
    trackKeys({ AKIAALICE00000000001: "alice" });
    const { responder, activity } = fakeResponder();

    await respond(loadEvent("guardduty-iam-user"), responder);

    expect(activity).not.toHaveBeenCalled();
  });
});
