import { describe, expect, it } from "vitest";
import {
  ALERT_MAX_BYTES,
  Audience,
  isQuietRepeat,
  messageBytes,
  SNS_MAX_MESSAGE_BYTES,
} from "../../../src/alert/messages";
import { type Alert, renderAlerts } from "../../../src/alert/render";
import { type Outcome, Status } from "../../../src/contain/outcome";
import type { Finding } from "../../../src/findings";
import type { Config } from "../../../src/shared/config";
import { findingOf, testConfig } from "../../support/fixtures";
import { cardOf, disabledAlice, live, outcome, planFor, renderOne } from "./outcomes";

const skipped = (fixture: string, config?: Config, overrides: Partial<Finding> = {}): Outcome =>
  outcome(planFor(findingOf(fixture, overrides), config), Status.Skipped);

const LONG_TITLE = 'Credentials for a "service" user were used from an unusual network; '.repeat(10);
const LONG_DETAILS = Object.fromEntries(
  Array.from({ length: 8 }, (_, i) => [`Fact ${i}`, 'a value with "quotes", \\ and text '.repeat(10)]),
);

const keyId = (i: number): string => `AKIAMANY${String(i).padStart(12, "0")}`;

/** `count` keys with long titles and details, all disabled but one that failed. */
const manyKeys = (count: number): Outcome[] =>
  Array.from({ length: count }, (_, i) => {
    const finding = findingOf("guardduty-iam-user", {
      accessKeyId: keyId(i),
      userName: `user-${i}`,
      title: LONG_TITLE,
      details: LONG_DETAILS,
    });
    const status = i === count - 1 ? Status.Failed : Status.Disabled;
    return outcome(planFor(finding), status, { detail: `${keyId(i)} of user-${i}: ${status}` });
  });

/** Every field as big as an event can make it, of the characters that cost the most bytes once escaped. */
const hugeKey = (): Outcome => {
  const huge = '"\\\u2028😀'.repeat(2_000);
  const finding = findingOf("manual-disable", {
    accessKeyId: huge,
    userName: huge,
    findingId: huge,
    type: huge,
    title: huge,
    region: huge,
    reason: huge,
    requestedBy: huge,
    closed: huge,
    provenance: { product: huge, aws: false },
    details: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}${huge}`, huge])),
  });
  return outcome(planFor(finding), Status.Failed, {
    detail: huge,
    error: huge,
    namedUser: huge,
    account: huge,
    notes: Array.from({ length: 50 }, () => huge),
    siblings: Array.from({ length: 50 }, () => ({
      accessKeyId: huge,
      status: huge,
      created: huge,
      suspicious: true,
      disabled: false,
    })),
    activity: {
      events: 1,
      since: huge,
      topActions: Array.from({ length: 50 }, () => ({ name: huge, count: 1 })),
      sourceIps: Array.from({ length: 50 }, () => ({ ip: huge, count: 1 })),
    },
  });
};

/** Who receives each message: subscriptions for people take `all` and `people`, programs `all` and `machines`. */
const forPeople = (alerts: Alert[]): Alert[] =>
  alerts.filter((a) => a.attributes.audience !== Audience.Machines);
const forPrograms = (alerts: Alert[]): Alert[] =>
  alerts.filter((a) => a.attributes.audience !== Audience.People);

const expectWithinLimits = (alerts: Alert[]): void => {
  for (const alert of alerts) {
    expect(messageBytes(alert)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(messageBytes(alert)).toBeLessThanOrEqual(ALERT_MAX_BYTES);
    expect(alert.attributes.outcome).toBe("failed");
    expect(alert.document.verdict).toBe("failed");
    expect(alert.subject.length).toBeLessThanOrEqual(99);
  }
};

/** Programs get every key in exactly one part, in the event's order. */
const expectEveryKeyForPrograms = (alerts: Alert[], outcomes: Outcome[]): void => {
  const documented = forPrograms(alerts).flatMap((alert) =>
    alert.document.keys.map((key) => key.accessKeyId),
  );
  expect(documented).toEqual(outcomes.map((o) => o.plan.finding.accessKeyId));
};

describe("alert size", () => {
  it("keeps a small event in one alert for everyone, without part numbers", () => {
    const outcomes = manyKeys(3);

    const alerts = renderAlerts(outcomes, live);

    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.document.part).toBeUndefined();
    expect(alerts[0]?.subject).not.toContain("part");
    expect(alerts[0]?.attributes.audience).toBe("all");
    expectWithinLimits(alerts);
    expectEveryKeyForPrograms(alerts, outcomes);
    for (const o of outcomes) expect(alerts[0]?.text).toContain(`] ${o.plan.finding.accessKeyId} - user`);
  });

  it.each([100, 1_000])(
    "gives people one message naming all %i keys with long fields, and programs parts SNS accepts",
    (count) => {
      const outcomes = manyKeys(count);

      const alerts = renderAlerts(outcomes, live);

      expectWithinLimits(alerts);
      expectEveryKeyForPrograms(alerts, outcomes);
      const [people, ...parts] = alerts;
      expect(forPeople(alerts)).toEqual([people]);
      expect(people?.attributes.audience).toBe("people");
      // Every key has its line, and the tally covers the whole event.
      for (const o of outcomes) expect(people?.text).toContain(`] ${o.plan.finding.accessKeyId} - user`);
      expect(people?.text).toContain(`Keys: ${count} - ${count - 1} DISABLED, 1 FAILED`);
      expect(people?.document).toMatchObject({ keys: [], summary: { keys: count, parts: parts.length } });
      expect(people?.subject).not.toContain("part");
      // The one key that needs a person is shown whole, with its command.
      expect(people?.text).toContain("Keys that need a person:");
      expect(people?.text).toContain(`--access-key-id ${keyId(count - 1)} --status Inactive`);
      expect(cardOf(people as Alert).metadata.relatedResources).toHaveLength(20);
      let from = 1;
      parts.forEach((alert, i) => {
        const part = `part ${i + 1} of ${parts.length}`;
        const keys = alert.document.keys.length;
        expect(alert.attributes.audience).toBe("machines");
        expect(alert.subject).toContain(`(${part})`);
        expect(alert.text).toContain(
          `Part ${i + 1} of ${parts.length}: keys ${from}-${from + keys - 1} of ${count}.`,
        );
        expect(alert.document.part).toEqual({ number: i + 1, of: parts.length, keys: count });
        // The tally covers the whole event in every part.
        expect(alert.text).toContain(`Keys: ${count} - ${count - 1} DISABLED, 1 FAILED`);
        from += keys;
      });
    },
  );

  it("fills parts well: none but the last is under half full", () => {
    const parts = forPrograms(renderAlerts(manyKeys(100), live));

    expect(parts.length).toBeGreaterThan(1);
    for (const alert of parts.slice(0, -1)) expect(messageBytes(alert)).toBeGreaterThan(ALERT_MAX_BYTES / 2);
  });

  it("fits one key whose every field is as big and as costly to escape as an event can make it", () => {
    const alerts = renderAlerts([hugeKey()], live);

    expect(alerts).toHaveLength(1);
    // With room to spare: a new field that is not clipped shows here before it can overflow a message.
    expect(messageBytes(alerts[0] as Alert)).toBeLessThanOrEqual(0.75 * ALERT_MAX_BYTES);
  });

  it("splits an event of huge keys so that each message still fits", () => {
    const outcomes = [hugeKey(), hugeKey(), hugeKey(), hugeKey(), hugeKey(), ...manyKeys(1)];

    const alerts = renderAlerts(outcomes, live);

    expect(alerts.length).toBeGreaterThan(1);
    for (const alert of alerts) expect(messageBytes(alert)).toBeLessThanOrEqual(ALERT_MAX_BYTES);
    expect(forPrograms(alerts).flatMap((a) => a.document.keys)).toHaveLength(outcomes.length);
    expect(forPeople(alerts)).toHaveLength(1);
  });

  it("splits the lines for people only when even they overflow a message, naming every key once", () => {
    // Key IDs and user names of the costliest characters: lines of several hundred bytes each.
    const costly = '"\\\u2028😀'.repeat(40);
    const outcomes = Array.from({ length: 1_000 }, (_, i) =>
      outcome(
        planFor(findingOf("guardduty-iam-user", { accessKeyId: `${costly}${i}`, userName: `${costly}${i}` })),
        Status.Failed,
        { userName: `${costly}${i}`, account: `${costly}${i}` },
      ),
    );

    const alerts = renderAlerts(outcomes, live);
    const people = alerts.filter((a) => a.attributes.audience === Audience.People);

    expect(people.length).toBeGreaterThan(1);
    for (const alert of alerts) expect(messageBytes(alert)).toBeLessThanOrEqual(ALERT_MAX_BYTES);
    const lines = people.flatMap((a) => a.text.split("\n").filter((line) => line.startsWith("[FAILED]")));
    expect(lines).toHaveLength(1_000);
    expect(forPrograms(alerts).flatMap((a) => a.document.keys)).toHaveLength(1_000);
  });

  it("gives the chat card at most twenty key lines and counts the rest", () => {
    const alerts = renderAlerts(
      manyKeys(30).map((o) => ({
        ...o,
        plan: {
          ...o.plan,
          finding: findingOf("guardduty-iam-user", { accessKeyId: o.plan.finding.accessKeyId }),
        },
      })),
      live,
    );

    expect(alerts).toHaveLength(1);
    const description = cardOf(alerts[0] as Alert).content.description.split("\n");
    expect(description).toHaveLength(21);
    expect(description.at(-1)).toBe("...and 10 more keys: see the email or the alert document.");
  });
});

/** `count` keys as a large Health event names them: short fields, every key disabled. */
const typicalKeys = (count: number): Outcome[] =>
  Array.from({ length: count }, (_, i) => {
    const accessKeyId = `AKIABIG${String(i).padStart(13, "0")}`;
    const finding = findingOf("health-credentials-compromised", { accessKeyId, userName: `user-${i}` });
    return outcome(planFor(finding), Status.Disabled, {
      detail: `${accessKeyId} of user-${i} is now Inactive`,
      userName: `user-${i}`,
      account: "111111111111",
    });
  });

describe("one message for people", () => {
  it("names all 1,000 keys of a large event in one message, at most 200 bytes a key", () => {
    const alerts = renderAlerts(typicalKeys(1_000), live);

    const people = forPeople(alerts);
    expect(people).toHaveLength(1);
    expect(messageBytes(people[0] as Alert) / 1_000).toBeLessThanOrEqual(200);
    for (const o of typicalKeys(1_000))
      expect(people[0]?.text).toContain(`] ${o.plan.finding.accessKeyId} - user`);
  });

  it("gives programs every key's whole entry in parts people's subscriptions do not take", () => {
    const alerts = renderAlerts(typicalKeys(1_000), live);

    const parts = alerts.filter((a) => a.attributes.audience === Audience.Machines);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flatMap((a) => a.document.keys.map((k) => k.nextSteps.length > 0))).toEqual(
      Array(1_000).fill(true),
    );
  });
});

describe("the whole blocks people see when not every key fits", () => {
  it("show a key whose write may or may not have happened before the keys no call was made for", () => {
    // 400 keys left out of time, the interrupted one last: its block must not be crowded out by the others.
    const outcomes = typicalKeys(400).map((o, i) =>
      outcome(o.plan, i === 399 ? Status.Interrupted : Status.NotAttempted, {
        detail: i === 399 ? "interrupted: its write may or may not have happened" : "not attempted",
      }),
    );

    const [people] = forPeople(renderAlerts(outcomes, live));

    expect(people?.text).toContain("Keys that need a person:");
    const blocks = people?.text.split("Keys that need a person:")[1] ?? "";
    expect(blocks).toContain("its write may or may not have happened");
    expect(blocks.indexOf(typicalKeys(400)[399]?.plan.finding.accessKeyId as string)).toBeLessThan(
      blocks.indexOf(typicalKeys(400)[0]?.plan.finding.accessKeyId as string),
    );
  });
});

/** The Security Hub copy (ASFF) of GuardDuty's finding about alice's key, which GuardDuty's own rule delivers too. */
const securityHubCopy = (extra: Partial<Outcome> = {}): Outcome =>
  outcome(
    planFor(findingOf("guardduty-iam-user", { source: "security-hub", update: true })),
    Status.AlreadyDone,
    {
      detail: "AKIAALICE00000000001 is already Inactive: a repeat, no second write",
      ...extra,
    },
  );

describe("repeats that changed nothing", () => {
  it("goes to programs only when a Security Hub copy finds the key already Inactive", () => {
    const alerts = renderAlerts([securityHubCopy()], live);

    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.attributes).toMatchObject({ audience: "machines", outcome: "no-action" });
    expect(forPeople(alerts)).toEqual([]);
  });

  it.each([
    ["a first sighting found already Inactive", () => securityHubCopy({ countsAsContained: true })],
    ["the key disabled by this delivery", () => disabledAlice({ plan: securityHubCopy().plan })],
    [
      "GuardDuty's own update",
      () => outcome(planFor(findingOf("guardduty-iam-user", { update: true })), Status.AlreadyDone),
    ],
  ])("still reaches people for %s", (_, make) => {
    const alerts = renderAlerts([make()], live);

    expect(alerts.map((a) => a.attributes.audience)).toEqual(["all"]);
    expect(isQuietRepeat(make())).toBe(false);
  });

  it("reaches people when one key of the event changed, with every key", () => {
    const alerts = renderAlerts([securityHubCopy(), disabledAlice()], live);

    expect(alerts.map((a) => a.attributes.audience)).toEqual(["all"]);
    expect(alerts[0]?.document.keys).toHaveLength(2);
  });

  it("sends a large event of repeats to programs only, in parts", () => {
    const alerts = renderAlerts(
      manyKeys(100).map((o) => ({
        ...securityHubCopy(),
        plan: { ...o.plan, finding: { ...o.plan.finding, source: "security-hub", update: true } },
      })),
      live,
    );

    expect(alerts.length).toBeGreaterThan(1);
    expect(forPeople(alerts)).toEqual([]);
    expect(alerts.flatMap((a) => a.document.keys)).toHaveLength(100);
  });
});

describe("message attributes", () => {
  it("sets the outcome, highest severity, accounts and source as attributes", () => {
    const low = skipped("guardduty-low-severity");
    const member = skipped("guardduty-member-account");

    const alert = renderOne([disabledAlice(), low, member]);

    expect(alert.attributes).toEqual({
      outcome: "action-required",
      severity: "5",
      account: "111111111111,222222222222",
      source: "guardduty",
      audience: "all",
    });
  });

  it('says "none" and "unknown" when no severity or account is known', () => {
    const plan = planFor(findingOf("health-credentials-compromised"), testConfig());
    const unknownAccount = { ...plan, account: undefined };

    const alert = renderOne([outcome(unknownAccount, Status.Disabled)]);

    expect(alert.attributes).toEqual({
      outcome: "contained",
      severity: "none",
      account: "unknown",
      source: "health",
      audience: "all",
    });
  });
});
