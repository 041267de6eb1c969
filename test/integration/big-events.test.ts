// One leak can expose many keys, and one AWS Health event can list them all. Every key is contained, IAM is never
// asked more than the bounded number of calls at once, and the alerts mention every key within SNS's limit (the
// double refuses anything larger, as SNS does).
import { describe, expect, it } from "vitest";
import { lambdaContext } from "../support/fixtures";
import {
  container,
  contextWithTimeLeft,
  healthEventNaming,
  loopbackDouble,
  publishedAlerts,
  respondTo,
  useDouble,
} from "../support/harness";

const double = loopbackDouble();

const keyOf = (i: number): string => `AKIABIG${String(i).padStart(13, "0")}`;

/** A Health event listing `count` keys, each of a different user (seeded in the double). */
const healthEventWith = (count: number) => {
  double.reset();
  useDouble(double);
  return healthEventNaming(
    double,
    Array.from({ length: count }, (_, i) => [keyOf(i), `user-${i}`] as const),
  );
};

/** Every published alert's document, in order. */
const documents = () => publishedAlerts(double).map((alert) => alert.document);

/**
 * The texts a subscription for people receives (the stack's e-mail), from message `from` on. The parts for programs
 * are left out by its filter policy.
 */
const textsForPeople = (from = 0): string[] =>
  publishedAlerts(double)
    .slice(from)
    .filter((alert) => alert.forPeople)
    .map((alert) => alert.text);

describe.each([100, 1_000])("a Health event with %i keys", (count) => {
  it("sets every key Inactive, never more than 8 IAM calls at once, and mentions every key", async () => {
    const event = healthEventWith(count);
    // A short delay on every IAM reply, so that calls overlap as they would against IAM.
    for (const action of ["GetAccessKeyLastUsed", "UpdateAccessKey", "ListAccessKeys"]) {
      double.inject({ action, times: Number.POSITIVE_INFINITY, delayMs: 2 });
    }

    const { summary, error } = await respondTo(
      event,
      "leakedCredentials",
      lambdaContext("leakedCredentials"),
    );

    expect(error).toBeUndefined();
    const active = Array.from({ length: count }, (_, i) => keyOf(i)).filter(
      (key) => double.keyStatus(key) !== "Inactive",
    );
    expect(active).toEqual([]);
    expect(double.peakInFlight.iam).toBeLessThanOrEqual(8);
    expect(double.peakInFlight.iam).toBeGreaterThan(1);

    // The double refused nothing: every part was within 256 KiB, attributes included.
    const publishes = double.calls.filter((call) => call.action === "Publish");
    expect(publishes.every((call) => call.status === 200)).toBe(true);
    expect(double.published.length).toBe(summary?.alertParts ?? 1);
    const mentioned = documents().flatMap((document) =>
      document.keys.map((k: { accessKeyId: string }) => k.accessKeyId),
    );
    expect(new Set(mentioned).size).toBe(count);
    for (const message of double.published) {
      expect(message.attributes.outcome?.StringValue).toBe("contained");
      const text = JSON.parse(message.message).default as string;
      expect(text).toContain(`Keys: ${count}`);
    }
    // People get one message, and it names every key with its user.
    const [forPeople, ...more] = textsForPeople();
    expect(more).toEqual([]);
    for (let i = 0; i < count; i++) expect(forPeople).toContain(`] ${keyOf(i)} - user user-${i}`);
  });
});

it("with throttled IAM calls, still sets every key of a 100-key event Inactive", {
  timeout: 60_000,
}, async () => {
  const event = healthEventWith(100);
  double.inject({ action: "UpdateAccessKey", times: 5, error: { code: "Throttling", status: 400 } });

  const { error } = await respondTo(event, "leakedCredentials", lambdaContext("leakedCredentials"));

  expect(error).toBeUndefined();
  expect(double.calls.filter((call) => call.status === 400)).toHaveLength(5);
  expect(Array.from({ length: 100 }, (_, i) => double.keyStatus(keyOf(i)))).toEqual(
    Array(100).fill("Inactive"),
  );
});

it("with 20% of IAM calls throttled, sets every key of a 1,000-key event Inactive, never more than 8 IAM calls at once per invocation, and mentions every key", {
  timeout: 300_000,
}, async () => {
  const event = healthEventWith(1_000);
  double.throttle({ service: "iam", fraction: 0.2, seed: 1 });
  // A short delay on every IAM reply, so that calls overlap as they would against IAM.
  double.latency("iam", 2);
  const send = container("leakedCredentials");
  // Lambda's clock, counting down from the function's 60 s timeout in each invocation.
  const withClock = () => contextWithTimeLeft(60_000, "leakedCredentials");

  // With the SDK's back-off, 1,000 keys may not fit in one invocation: it then checkpoints, and Lambda retries the
  // event (twice, serverless.yml). Each invocation must still mention every key.
  const invocations = [];
  /** The most IAM calls in flight during the first invocation, before any retry could overlap with it. */
  let firstPeak = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    const from = double.published.length;
    const result = await send(event, withClock());
    if (attempt === 0) firstPeak = double.peakInFlight.iam;
    const mentioned = documents()
      .slice(from)
      .flatMap((document) => document.keys.map((k: { accessKeyId: string }) => k.accessKeyId));
    expect(mentioned).toHaveLength(1_000);
    expect(new Set(mentioned).size).toBe(1_000);
    // Each invocation tells people once, naming every key.
    const forPeople = textsForPeople(from);
    expect(forPeople).toHaveLength(1);
    // A key not attempted yet has no owner looked up: its line names the key alone.
    expect(new Set(forPeople[0]?.match(/^\[[^\]]+\] AKIABIG\d{13}\b/gm)).size).toBe(1_000);
    invocations.push(result);
    if (!result.error) break;
  }

  expect(invocations.at(-1)?.error).toBeUndefined();
  expect(
    Array.from({ length: 1_000 }, (_, i) => keyOf(i)).filter((key) => double.keyStatus(key) !== "Inactive"),
  ).toEqual([]);
  expect(double.throttled("iam").length).toBeGreaterThan(400);
  // One invocation keeps at most 8 IAM calls in flight. Here Lambda's retry comes at once (in Lambda, a minute or
  // more later), while the calls of keys interrupted at the cutoff still run: two invocations' worth at most.
  expect(firstPeak).toBeLessThanOrEqual(8);
  expect(firstPeak).toBeGreaterThan(1);
  expect(double.peakInFlight.iam).toBeLessThanOrEqual(16);
  expect(double.calls.filter((call) => call.action === "Publish").every((call) => call.status === 200)).toBe(
    true,
  );
});
