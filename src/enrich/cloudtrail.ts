import { type CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { isAccessKeyId } from "../shared/identifiers";

// Loaded on first use by the runtime; importing the client from here keeps the rest of the package out of the bundle.
export { CloudTrailClient } from "@aws-sdk/client-cloudtrail";

export const ENRICH_PERMISSIONS = ["cloudtrail:LookupEvents"] as const;

/** What the key did recently, for the alert. Never on the critical path, never a reason to fail. */
export interface KeyActivity {
  /** Events found in the window (at most `maxEvents`). */
  events: number;
  since: string;
  topActions: { name: string; count: number }[];
  sourceIps: { ip: string; count: number }[];
}

export interface ActivityOptions {
  now: Date;
  lookbackHours?: number;
  maxEvents?: number;
  /** Hard bound on the whole look-up, so a slow CloudTrail never delays the alert for long. */
  timeoutMs?: number;
}

const top = <T extends string>(values: T[], limit: number): { value: T; count: number }[] => {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }));
};

const sourceIpOf = (record: string | undefined): string | undefined => {
  try {
    const ip = (JSON.parse(record ?? "{}") as { sourceIPAddress?: unknown }).sourceIPAddress;
    return typeof ip === "string" ? ip : undefined;
  } catch {
    return undefined;
  }
};

/** The key's recent CloudTrail activity (LookupEvents by access key ID): top actions and source IPs. */
export const recentActivity = async (
  cloudtrail: CloudTrailClient,
  accessKeyId: string,
  options: ActivityOptions,
): Promise<KeyActivity> => {
  if (!isAccessKeyId(accessKeyId)) throw new Error("not a valid access key ID");
  const { now, lookbackHours = 24, maxEvents = 50, timeoutMs = 3_000 } = options;
  const since = new Date(now.getTime() - lookbackHours * 3_600_000);
  const signal = AbortSignal.timeout(timeoutMs);
  const lookup = cloudtrail.send(
    new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: accessKeyId }],
      StartTime: since,
      EndTime: now,
      MaxResults: maxEvents,
    }),
    { abortSignal: signal },
  );
  // The signal cancels the request; the race also bounds retries and anything else the SDK waits on.
  const timeout = new Promise<never>((_, reject) => {
    signal.addEventListener("abort", () =>
      reject(new Error(`CloudTrail look-up timed out after ${timeoutMs} ms`)),
    );
  });
  const result = await Promise.race([lookup, timeout]);
  const events = result.Events ?? [];
  return {
    events: events.length,
    since: since.toISOString(),
    topActions: top(
      events.map((e) => `${e.EventSource?.replace(".amazonaws.com", "") ?? "?"}:${e.EventName ?? "?"}`),
      5,
    ).map(({ value, count }) => ({ name: value, count })),
    sourceIps: top(
      events.map((e) => sourceIpOf(e.CloudTrailEvent)).filter((ip): ip is string => ip !== undefined),
      5,
    ).map(({ value, count }) => ({ ip: value, count })),
  };
};
