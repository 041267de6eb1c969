import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { recentActivity } from "../../../src/enrich/cloudtrail";

const cloudtrail = mockClient(CloudTrailClient);
const now = new Date("2026-11-20T10:00:00Z");

const event = (source: string, name: string, ip: string) => ({
  EventSource: `${source}.amazonaws.com`,
  EventName: name,
  CloudTrailEvent: JSON.stringify({ sourceIPAddress: ip }),
});

beforeEach(() => {
  cloudtrail.reset();
});

describe("recentActivity", () => {
  it("looks up the key's events of the last 24 hours and summarises actions and source IPs", async () => {
    cloudtrail.on(LookupEventsCommand).resolves({
      Events: [
        event("s3", "ListBuckets", "203.0.113.24"),
        event("s3", "ListBuckets", "203.0.113.24"),
        event("iam", "CreateAccessKey", "203.0.113.24"),
        event("sts", "GetCallerIdentity", "198.51.100.7"),
        { EventName: "Odd", CloudTrailEvent: "not json" },
      ],
    });
    const activity = await recentActivity(new CloudTrailClient({}), "AKIAALICE00000000001", { now });

    const input = cloudtrail.commandCalls(LookupEventsCommand)[0]?.args[0].input;
    expect(input).toEqual({
      LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: "AKIAALICE00000000001" }],
      StartTime: new Date("2026-11-19T10:00:00Z"),
      EndTime: now,
      MaxResults: 50,
    });
    expect(activity).toEqual({
      events: 5,
      since: "2026-11-19T10:00:00.000Z",
      topActions: [
        { name: "s3:ListBuckets", count: 2 },
        { name: "?:Odd", count: 1 },
        { name: "iam:CreateAccessKey", count: 1 },
        { name: "sts:GetCallerIdentity", count: 1 },
      ],
      sourceIps: [
        { ip: "203.0.113.24", count: 3 },
        { ip: "198.51.100.7", count: 1 },
      ],
    });
  });

  it("refuses an invalid key ID without calling CloudTrail", async () => {
    await expect(recentActivity(new CloudTrailClient({}), "AKIA'; DROP--", { now })).rejects.toThrow(
      "not a valid",
    );
    expect(cloudtrail.commandCalls(LookupEventsCommand)).toHaveLength(0);
  });

  it("gives up when the look-up outlasts its time bound", async () => {
    cloudtrail.on(LookupEventsCommand).callsFake(
      (_input, getClient) =>
        new Promise((resolve) => {
          void getClient;
          setTimeout(() => resolve({ Events: [] }), 1_000);
        }),
    );
    const started = Date.now();
    const lookup = recentActivity(new CloudTrailClient({}), "AKIAALICE00000000001", { now, timeoutMs: 50 });
    await expect(lookup).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(900);
  });
});
