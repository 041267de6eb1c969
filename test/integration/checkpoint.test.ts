// One Health event can name more keys than one invocation can contain before the function's timeout. The responder
// then checkpoints: it contains what it can, tells people which keys are left, and fails so that Lambda retries. These
// tests give the handler a Lambda clock that runs out partway and check that no key is ever dropped or misreported.
import { IAMClient, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import { describe, expect, it, vi } from "vitest";
import { KEY_RESERVE_MS } from "../../src/entry/deadline";
import type { KeySummary } from "../../src/entry/respond";
import type { RecordedCall } from "../support/aws-double";
import type { EditableEvent } from "../support/fixtures";
import {
  container,
  contextWithTimeLeft,
  healthEventNaming,
  type Invocation,
  loopbackDouble,
  publishedAlerts,
  respondTo,
  useDouble,
} from "../support/harness";

const double = loopbackDouble();

const KEYS = 60;
const keyOf = (i: number): string => `AKIACKPT${String(i).padStart(12, "0")}`;
const userOf = (i: number): string => `ckpt-user-${i}`;
const ALL = Array.from({ length: KEYS }, (_, i) => keyOf(i));
const OWNER = new Map(ALL.map((key, i) => [key, userOf(i)]));

/** Each test sends the 60-key event, against IAM replies slowed down: seconds, not milliseconds. */
const SLOW = { timeout: 30_000 };

/** A Health event naming every key, each owned by its own user (so each key's calls are told apart in the log). */
const healthEvent = () => healthEventNaming(double, OWNER);

/** The leakedCredentials function's context, its clock with `ms` left. */
const contextWith = (ms: number) => contextWithTimeLeft(ms, "leakedCredentials");

/** The IAM calls about a key: by its ID (GetAccessKeyLastUsed, UpdateAccessKey) or its owner (ListAccessKeys). */
const callsAbout = (key: string, calls: RecordedCall[] = double.calls): RecordedCall[] =>
  calls.filter(
    (call) =>
      call.service === "iam" && (call.params.AccessKeyId === key || call.params.UserName === OWNER.get(key)),
  );

/** Every published alert document and its text, in order. */
const alerts = () => publishedAlerts(double);

/** Each key's status as the published alerts give it; a key mentioned twice would show up as a duplicate. */
const mentioned = (from = 0): [string, string][] =>
  alerts()
    .slice(from)
    .flatMap(({ document }) =>
      document.keys.map((k: { accessKeyId: string; status: string }) => [k.accessKeyId, k.status]),
    );

/** The keys the error message names as not contained, in its order. */
const listedAsLeft = (error: Error | undefined): string[] =>
  /continues with: (.*)$/.exec(error?.message ?? "")?.[1]?.split(", ") ?? [];

const byStatus = (outcomes: KeySummary[] | undefined, ...statuses: string[]): string[] =>
  (outcomes ?? []).filter((o) => statuses.includes(o.status)).map((o) => o.accessKeyId);

/**
 * The checks every checkpointed invocation must pass: the error names exactly the keys not contained, every key is
 * in the alerts once with the summary's status, a key left that this invocation wrote says its write may have
 * happened (interrupted), and a key not attempted had no call at all.
 */
const expectCheckpoint = ({ summary, error }: Invocation, alertsFrom: number, callsFrom: number) => {
  expect(error?.name).toBe("ResponderError");
  const outcomes = error?.summary?.outcomes ?? summary?.outcomes;
  expect(outcomes?.map((o) => o.accessKeyId).sort()).toEqual([...ALL].sort());
  const left = byStatus(outcomes, "not-attempted", "interrupted", "failed");
  expect(left.length).toBeGreaterThan(0);
  expect(listedAsLeft(error).sort()).toEqual([...left].sort());
  const contained = byStatus(outcomes, "disabled", "already-done").length;
  expect(error?.message).toContain(`${contained} of ${KEYS} keys contained`);

  const statuses = new Map(outcomes?.map((o) => [o.accessKeyId, o.status]));
  expect(new Map(mentioned(alertsFrom))).toEqual(statuses);
  expect(mentioned(alertsFrom)).toHaveLength(KEYS);
  for (const { text, outcome } of alerts().slice(alertsFrom)) {
    expect(outcome).toBe("failed");
    expect(text).toContain(`OUT OF TIME: ${left.length} of ${KEYS} keys were not contained`);
    expect(text).toContain("may still be Active");
    expect(text).toContain("Lambda's retry continues");
  }
  const calls = double.calls.slice(callsFrom);
  for (const key of byStatus(outcomes, "not-attempted")) {
    expect(callsAbout(key, calls), key).toEqual([]);
  }
  // A key written by this invocation is never reported as left without saying its write may have happened.
  for (const call of calls.filter((c) => c.action === "UpdateAccessKey" && c.status === 200)) {
    const key = call.params.AccessKeyId as string;
    if (left.includes(key)) expect(statuses.get(key), key).toBe("interrupted");
  }
  const text = alerts()
    .slice(alertsFrom)
    .map((a) => a.text)
    .join("\n");
  for (const key of byStatus(outcomes, "not-attempted")) {
    expect(text).toContain(`[NOT ATTEMPTED - MAY STILL BE ACTIVE] ${key}`);
  }
  for (const key of byStatus(outcomes, "interrupted")) {
    expect(text).toContain(`[INTERRUPTED - MAY STILL BE ACTIVE] ${key}`);
  }
  // People get one message, naming every key with its status (and its owner, once looked up), whatever programs get.
  const forPeople = alerts()
    .slice(alertsFrom)
    .filter((a) => a.forPeople);
  expect(forPeople).toHaveLength(1);
  for (const key of ALL) expect(forPeople[0]?.text).toMatch(new RegExp(`^\\[[^\\]]+\\] ${key}\\b`, "m"));
  for (const key of byStatus(outcomes, "not-attempted")) {
    expect(forPeople[0]?.text).toContain(`[NOT ATTEMPTED - MAY STILL BE ACTIVE] ${key}`);
  }
  return { outcomes, left };
};

/**
 * Waits until IAM has answered every call and no new one came for a while: an interrupted key's calls go on after the
 * handler returned, and must not be counted as the next invocation's.
 */
const settle = async () => {
  let seen = -1;
  await vi.waitFor(
    () => {
      const quiet = seen === double.calls.length && double.calls.every((call) => call.status !== 0);
      seen = double.calls.length;
      expect(quiet).toBe(true);
    },
    { timeout: 10_000, interval: 200 },
  );
};

/**
 * Lambda's retry in a fresh container, again with too little time: it checkpoints again (checked on its own alerts
 * and calls), and returns where its calls start.
 */
const checkpointsAgain = async (event: EditableEvent): Promise<number> => {
  const alertsBefore = double.published.length;
  const callsBefore = double.calls.length;
  expectCheckpoint(
    await respondTo(event, "leakedCredentials", contextWith(KEY_RESERVE_MS + 150)),
    alertsBefore,
    callsBefore,
  );
  await settle();
  return callsBefore;
};

describe("an event larger than one invocation's time", SLOW, () => {
  it("contains what it can, names every key left, and the same container's retry finishes without calling the contained keys again", async () => {
    double.latency("iam", 20);
    const event = healthEvent();
    const send = container("leakedCredentials");

    // Keys may start for 150 ms, then the time left is below the reserve.
    const first = await send(event, contextWith(KEY_RESERVE_MS + 150));

    const { outcomes, left } = expectCheckpoint(first, 0, 0);
    const contained = byStatus(outcomes, "disabled");
    expect(contained.length).toBeGreaterThanOrEqual(8);
    expect(contained.length + left.length).toBe(KEYS);
    for (const key of contained) expect(double.keyStatus(key)).toBe("Inactive");
    await settle();

    const alertsBefore = double.published.length;
    const callsBefore = double.calls.length;
    const retry = await send(event, contextWith(60_000));

    expect(retry.error).toBeUndefined();
    expect(ALL.filter((key) => double.keyStatus(key) !== "Inactive")).toEqual([]);
    const retryCalls = double.calls.slice(callsBefore);
    for (const key of contained) expect(callsAbout(key, retryCalls), key).toEqual([]);
    const earlier = retry.summary?.outcomes.filter((o) => contained.includes(o.accessKeyId)) ?? [];
    expect(earlier).toHaveLength(contained.length);
    for (const o of earlier) {
      expect(o.status).toBe("already-done");
      expect(o.detail).toMatch(/read back by an earlier attempt of this event at \d{4}-\d\d-\d\dT/);
    }
    // A key never attempted is written at once: there is nothing to read first.
    for (const key of byStatus(outcomes, "not-attempted")) {
      expect(callsAbout(key, retryCalls).map((call) => call.action)).toEqual([
        "GetAccessKeyLastUsed",
        "UpdateAccessKey",
        "ListAccessKeys",
      ]);
    }
    expect(new Set(mentioned(alertsBefore).map(([key]) => key)).size).toBe(KEYS);
    expect(
      alerts()
        .slice(alertsBefore)
        .map((a) => a.outcome),
    ).toEqual(Array(double.published.length - alertsBefore).fill("contained"));
    expect(double.peakInFlight.iam).toBeLessThanOrEqual(8);
  });

  it("once the retry finished, treats a further delivery as an ordinary repeat: reads every key first, writes none", async () => {
    double.latency("iam", 20);
    const event = healthEvent();
    const send = container("leakedCredentials");
    expectCheckpoint(await send(event, contextWith(KEY_RESERVE_MS + 150)), 0, 0);
    await settle();
    expect((await send(event, contextWith(60_000))).error).toBeUndefined();

    const callsBefore = double.calls.length;
    const again = await send(event, contextWith(60_000));

    expect(again.error).toBeUndefined();
    expect(new Set(again.summary?.outcomes.map((o) => o.status))).toEqual(new Set(["already-done"]));
    const calls = double.calls.slice(callsBefore);
    expect(calls.filter((call) => call.action === "UpdateAccessKey")).toEqual([]);
    for (const key of ALL)
      expect(callsAbout(key, calls).map((call) => call.action)).toContain("ListAccessKeys");
  });

  it("in a fresh container, a retry starts over and checkpoints again or finishes, never dropping a key", async () => {
    double.latency("iam", 20);
    const event = healthEvent();
    expectCheckpoint(await respondTo(event, "leakedCredentials", contextWith(KEY_RESERVE_MS + 150)), 0, 0);
    await settle();

    // A fresh container remembers nothing: it checkpoints again, with every key still accounted for.
    await checkpointsAgain(event);

    const alertsBefore = double.published.length;
    const last = await respondTo(event, "leakedCredentials", contextWith(60_000));

    expect(last.error).toBeUndefined();
    expect(ALL.filter((key) => double.keyStatus(key) !== "Inactive")).toEqual([]);
    expect(
      mentioned(alertsBefore)
        .map(([key]) => key)
        .sort(),
    ).toEqual([...ALL].sort());
  });
});

describe("retries that land in fresh containers", SLOW, () => {
  it("start where the attempt before probably did not get to, so each one contains keys the one before did not reach", async () => {
    double.latency("iam", 20);
    const event = healthEvent();
    // Lambda retries a failed asynchronous invocation about a minute later. Only Date is faked (and keeps running):
    // the deadline's timers and the SDK's stay real.
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    try {
      const writtenIn = (callsFrom: number) =>
        new Set(
          double.calls
            .slice(callsFrom)
            .filter((call) => call.action === "UpdateAccessKey" && call.status === 200)
            .map((call) => call.params.AccessKeyId as string),
        );
      vi.setSystemTime(new Date("2026-11-29T09:00:00Z"));
      expectCheckpoint(await respondTo(event, "leakedCredentials", contextWith(KEY_RESERVE_MS + 150)), 0, 0);
      await settle();
      const first = writtenIn(0);
      expect(first.size).toBeGreaterThanOrEqual(8);

      vi.setSystemTime(new Date("2026-11-29T09:01:30Z"));
      const callsBefore = await checkpointsAgain(event);

      // Starting over from the same key, the retry would have rewritten the first attempt's keys and reached almost
      // no new one.
      const reached = [...writtenIn(callsBefore)].filter((key) => !first.has(key));
      expect(reached.length).toBeGreaterThanOrEqual(8);
      expect(ALL.filter((key) => double.keyStatus(key) === "Inactive").length).toBe(
        first.size + reached.length,
      );
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("what the memory of an earlier attempt must not cover", SLOW, () => {
  it("another event about the same finding (a new envelope) writes a key reactivated since, instead of riding on the attempt", async () => {
    double.latency("iam", 20);
    const event = healthEvent();
    const send = container("leakedCredentials");
    const { outcomes } = expectCheckpoint(await send(event, contextWith(KEY_RESERVE_MS + 150)), 0, 0);
    await settle();
    const [key] = byStatus(outcomes, "disabled");
    if (!key) throw new Error("the first attempt contained no key");
    // Someone sets it Active again before the next event about this Health event arrives (an update, a backup copy).
    await new IAMClient({}).send(
      new UpdateAccessKeyCommand({ UserName: OWNER.get(key), AccessKeyId: key, Status: "Active" }),
    );
    const callsBefore = double.calls.length;

    const update = { ...event, id: "a-later-envelope-of-the-same-health-event" };
    const run = await send(update, contextWith(60_000));

    expect(run.error).toBeUndefined();
    expect(double.keyStatus(key)).toBe("Inactive");
    expect(callsAbout(key, double.calls.slice(callsBefore)).map((call) => call.action)).toContain(
      "UpdateAccessKey",
    );
    expect(run.summary?.outcomes.find((o) => o.accessKeyId === key)?.status).toBe("disabled");
  });
});

describe("plans that make no IAM call", SLOW, () => {
  it("are reported at once even with little time left: they take no slot of the first batch", async () => {
    useDouble(double, { DRY_RUN: "true" });
    const event = healthEvent();

    const run = await respondTo(event, "leakedCredentials", contextWith(3_000));

    expect(run.error).toBeUndefined();
    expect(byStatus(run.summary?.outcomes, "dry-run").sort()).toEqual([...ALL].sort());
    expect(double.calls.filter((call) => call.service === "iam")).toEqual([]);
  });
});

describe("a deadline already below the reserve when the event arrives", SLOW, () => {
  it("still contains the first batch, and names every other key as not attempted", async () => {
    double.latency("iam", 20);
    const event = healthEvent();

    const run = await respondTo(event, "leakedCredentials", contextWith(3_000));

    const { outcomes } = expectCheckpoint(run, 0, 0);
    const written = double.writes().map((call) => call.params.AccessKeyId);
    expect(written).toHaveLength(8);
    expect(byStatus(outcomes, "disabled").sort()).toEqual([...(written as string[])].sort());
    expect(byStatus(outcomes, "not-attempted")).toHaveLength(KEYS - 8);
  });

  it("reports keys still in flight at the cutoff as interrupted, and the retry reads them before any write", async () => {
    // Each IAM reply takes 400 ms; with 600 ms left the first batch gets 300 ms, then the alert goes out.
    double.latency("iam", 400);
    const event = healthEvent();
    const send = container("leakedCredentials");

    const started = Date.now();
    const run = await send(event, contextWith(600));

    // It answers within Lambda's time: the cutoff comes after half of what was left, and the alert fits in the rest.
    expect(Date.now() - started).toBeLessThan(600);
    const { outcomes } = expectCheckpoint(run, 0, 0);
    const cut = byStatus(outcomes, "interrupted");
    expect(cut).toHaveLength(8);
    expect(byStatus(outcomes, "not-attempted")).toHaveLength(KEYS - 8);
    // People read every interrupted key as such in their one message; programs get why, in whichever part the key is
    // (a large event's keys start at a minute-dependent place, so which keys also get a full block varies).
    const forPeople = alerts().filter((a) => a.forPeople);
    expect(forPeople).toHaveLength(1);
    for (const key of cut) expect(forPeople[0]?.text).toContain(`[INTERRUPTED - MAY STILL BE ACTIVE] ${key}`);
    const details = alerts().flatMap(
      (a) => (a.document.keys ?? []) as { accessKeyId: string; detail: string }[],
    );
    for (const key of cut) {
      expect(details.find((k) => k.accessKeyId === key)?.detail).toContain(
        "its write may or may not have happened",
      );
    }
    // The interrupted keys' calls go on after the handler returned; here they finish: write, then read back.
    await vi.waitFor(
      () => {
        for (const key of cut) {
          expect(callsAbout(key).map((call) => [call.action, call.status])).toEqual([
            ["GetAccessKeyLastUsed", 200],
            ["UpdateAccessKey", 200],
            ["ListAccessKeys", 200],
          ]);
        }
      },
      { timeout: 10_000, interval: 50 },
    );
    for (const key of cut) expect(double.keyStatus(key)).toBe("Inactive");
    // Every key this invocation wrote, and did not report contained, is reported interrupted: its write landed.
    const written = double.writes().map((call) => call.params.AccessKeyId as string);
    expect(written.sort()).toEqual([...cut].sort());

    double.latency("iam", 0);
    const callsBefore = double.calls.length;
    const retry = await send(event, contextWith(60_000));

    expect(retry.error).toBeUndefined();
    expect(ALL.filter((key) => double.keyStatus(key) !== "Inactive")).toEqual([]);
    const calls = double.calls.slice(callsBefore);
    for (const key of cut) {
      expect(callsAbout(key, calls).map((call) => call.action)).toEqual([
        "GetAccessKeyLastUsed",
        "ListAccessKeys",
      ]);
    }
    expect(byStatus(retry.summary?.outcomes, "already-done").sort()).toEqual([...cut].sort());
    // The keys never attempted, certainly still Active, start before the interrupted ones, whatever the event's order.
    const firstCall = (key: string) => calls.indexOf(callsAbout(key, calls)[0] as RecordedCall);
    const neverAttempted = byStatus(outcomes, "not-attempted");
    expect(Math.min(...cut.map(firstCall))).toBeGreaterThan(Math.max(...neverAttempted.map(firstCall)));
  });
});
