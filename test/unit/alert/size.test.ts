import { describe, expect, it } from "vitest";
import { messageBytes } from "../../../src/alert/publish";
import { ALERT_MAX_BYTES, type Alert, renderAlerts, SNS_MAX_MESSAGE_BYTES } from "../../../src/alert/render";
import { type Outcome, Status } from "../../../src/outcome";
import { findingOf } from "../../support/fixtures";
import { cardOf, live, outcome, planFor } from "./outcomes";

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

const expectWholeEvent = (alerts: Alert[], outcomes: Outcome[]): void => {
  for (const alert of alerts) {
    expect(messageBytes(alert)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(messageBytes(alert)).toBeLessThanOrEqual(ALERT_MAX_BYTES);
    expect(alert.attributes.outcome).toBe("failed");
    expect(alert.document.verdict).toBe("failed");
    expect(alert.subject.length).toBeLessThanOrEqual(99);
  }
  const texts = alerts.map((alert) => alert.text);
  const documented = alerts.flatMap((alert) => alert.document.keys.map((key) => key.accessKeyId));
  // Every key in exactly one part, in the event's order, and named in that part's text.
  expect(documented).toEqual(outcomes.map((o) => o.plan.finding.accessKeyId));
  alerts.forEach((alert) => {
    for (const key of alert.document.keys) expect(alert.text).toContain(`] ${key.accessKeyId} - user`);
  });
  expect(texts.join("\n")).toContain(keyId(outcomes.length - 1));
};

describe("alert size", () => {
  it("keeps a small event in one alert without part numbers", () => {
    const outcomes = manyKeys(3);

    const alerts = renderAlerts(outcomes, live);

    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.document.part).toBeUndefined();
    expect(alerts[0]?.subject).not.toContain("part");
    expectWholeEvent(alerts, outcomes);
  });

  it.each([100, 1_000])(
    "splits %i keys with long fields into parts SNS accepts, naming every key",
    (count) => {
      const outcomes = manyKeys(count);

      const alerts = renderAlerts(outcomes, live);

      expect(alerts.length).toBeGreaterThan(1);
      expectWholeEvent(alerts, outcomes);
      let from = 1;
      alerts.forEach((alert, i) => {
        const part = `part ${i + 1} of ${alerts.length}`;
        const keys = alert.document.keys.length;
        expect(alert.subject).toContain(`(${part})`);
        expect(alert.text).toContain(
          `Part ${i + 1} of ${alerts.length}: keys ${from}-${from + keys - 1} of ${count}.`,
        );
        expect(alert.document.part).toEqual({ number: i + 1, of: alerts.length, keys: count });
        // The tally covers the whole event in every part.
        expect(alert.text).toContain(`Keys: ${count} - ${count - 1} DISABLED, 1 FAILED`);
        expect(cardOf(alert).metadata.relatedResources).toEqual(
          alert.document.keys.map((k) => k.accessKeyId),
        );
        from += keys;
      });
    },
  );

  it("fills parts well: none but the last is under half full", () => {
    const alerts = renderAlerts(manyKeys(100), live);

    for (const alert of alerts.slice(0, -1)) expect(messageBytes(alert)).toBeGreaterThan(ALERT_MAX_BYTES / 2);
  });

  it("fits one key whose every field is as big and as costly to escape as an event can make it", () => {
    const alerts = renderAlerts([hugeKey()], live);

    expect(alerts).toHaveLength(1);
    // With room to spare: a new field that is not clipped shows here before it can overflow a message.
    expect(messageBytes(alerts[0] as Alert)).toBeLessThanOrEqual(0.75 * ALERT_MAX_BYTES);
  });

  it("splits an event of huge keys so that each part still fits", () => {
    const outcomes = [hugeKey(), hugeKey(), hugeKey(), hugeKey(), hugeKey(), ...manyKeys(1)];

    const alerts = renderAlerts(outcomes, live);

    expect(alerts.length).toBeGreaterThan(1);
    for (const alert of alerts) expect(messageBytes(alert)).toBeLessThanOrEqual(ALERT_MAX_BYTES);
    expect(alerts.flatMap((a) => a.document.keys)).toHaveLength(outcomes.length);
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
