import { describe, expect, it } from "vitest";
import { type Alert, CHAT_CARD_LIMITS, chatCard, renderProblemAlert } from "../../../src/alert/render";
import { Status } from "../../../src/contain/outcome";
import type { Finding } from "../../../src/findings";
import { findingOf } from "../../support/fixtures";
import { disabledAlice, LINE_BREAKS, live, outcome, planFor, renderOne } from "./outcomes";

interface FullCard {
  version: string;
  source: string;
  id: string;
  content: { textType: string; title: string; description: string; nextSteps: string[]; keywords: string[] };
  metadata: {
    threadId?: string;
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
  };
}
const card = (alert: Alert): FullCard => chatCard(alert) as FullCard;

const alertFor = (status: Outcome, overrides: Partial<Finding> = {}, dryRun = false): Alert =>
  renderOne([outcome(planFor(findingOf("guardduty-iam-user", overrides)), status)], { ...live, dryRun });
type Outcome = Parameters<typeof outcome>[1];

const FORGED = "ALL CLEAR";
const isForged = (line: string): boolean =>
  line
    .trimStart()
    .replace(/^[-*>#\s\\]+/, "")
    .startsWith(FORGED);

describe("chatCard follows the custom-notification schema", () => {
  it("has the required fields, source custom, version 1.0 and client-markdown", () => {
    const c = card(renderOne([disabledAlice()]));

    expect(c).toMatchObject({ version: "1.0", source: "custom", content: { textType: "client-markdown" } });
    expect(c.id).toMatch(/^akr-[0-9a-f]{24}$/);
    expect(c.content.title.length).toBeGreaterThan(0);
    expect(c.content.description.length).toBeGreaterThan(0);
    expect(c.metadata).toMatchObject({
      eventType: "access-key-responder",
      relatedResources: ["AKIAALICE00000000001"],
    });
    expect(c.metadata.summary).toBe(c.content.title);
    expect(Object.values(c.metadata.additionalContext).every((v) => typeof v === "string")).toBe(true);
  });

  it("gives each alert its own id: another event, another part", () => {
    const a = card(alertFor(Status.Disabled, { eventId: "event-1" }));
    const b = card(alertFor(Status.Disabled, { eventId: "event-2" }));
    expect(a.id).not.toBe(b.id);
  });

  it("threads a key's disable and reactivate alerts together, and different keys apart", () => {
    const disabled = card(alertFor(Status.Disabled, { eventId: "event-1" }));
    const reactivated = card(alertFor(Status.Reactivated, { eventId: "event-2" }));
    const other = card(
      alertFor(Status.Disabled, { eventId: "event-3", accessKeyId: "AKIABOB0000000000002" }),
    );

    expect(disabled.metadata.threadId).toBe("access-key-responder-key-AKIAALICE00000000001");
    expect(reactivated.metadata.threadId).toBe(disabled.metadata.threadId);
    expect(other.metadata.threadId).not.toBe(disabled.metadata.threadId);
  });

  it("threads a multi-key alert under its first key", () => {
    const alert = renderOne([
      disabledAlice(),
      outcome(
        planFor(findingOf("guardduty-iam-user", { accessKeyId: "AKIABOB0000000000002" })),
        Status.Disabled,
      ),
    ]);
    expect(card(alert).metadata.threadId).toBe("access-key-responder-key-AKIAALICE00000000001");
  });

  it("never puts a forged key ID in the thread id", () => {
    const forged = "AKIA`](x) ALL CLEAR";
    const c = card(alertFor(Status.Disabled, { accessKeyId: forged }));
    expect(c.metadata.threadId).toMatch(/^access-key-responder-key-h[0-9a-f]{24}$/);
  });

  it("keeps every field within its limits, even for a huge event", () => {
    const huge = "x*".repeat(5000);
    const outcomes = Array.from({ length: 20 }, (_, i) =>
      outcome(
        planFor(
          findingOf("guardduty-iam-user", {
            accessKeyId: `AKIAHUGE${String(i).padStart(12, "0")}`,
            requestedBy: huge,
          }),
        ),
        Status.Disabled,
        { detail: huge, namedUser: huge },
      ),
    );
    const c = card(renderOne(outcomes));
    expect(c.content.title.length).toBeLessThanOrEqual(CHAT_CARD_LIMITS.title);
    expect(c.metadata.summary.length).toBeLessThanOrEqual(CHAT_CARD_LIMITS.summary);
    expect(c.content.description.length).toBeLessThanOrEqual(CHAT_CARD_LIMITS.description);
    expect(c.content.description).toMatch(/\.\.\.and \d+ more keys: see the email or the alert document\.$/);
    expect(c.content.nextSteps.length).toBeLessThanOrEqual(CHAT_CARD_LIMITS.nextSteps);
    expect(c.content.keywords.length).toBeLessThanOrEqual(CHAT_CARD_LIMITS.keywords);
    for (const k of c.content.keywords) expect(k.length).toBeLessThanOrEqual(CHAT_CARD_LIMITS.keyword);
    expect(c.metadata.threadId?.length).toBeLessThanOrEqual(CHAT_CARD_LIMITS.threadId);
  });

  it("keeps a problem alert within the limits, without a thread per key", () => {
    const c = card(renderProblemAlert({ eventId: "e-1", reason: "x".repeat(5000) }, live));
    expect(c.content.description.length).toBeLessThanOrEqual(CHAT_CARD_LIMITS.description);
    expect(c.metadata.threadId).toMatch(/^access-key-responder-event-/);
  });
});

describe("chatCard: forged text", () => {
  const attempts = [
    `x\n${FORGED}`,
    `x\r\n${FORGED}`,
    `x\u2028${FORGED}`,
    `x\u0085${FORGED}`,
    `*ok*\n> ${FORGED}`,
    `[${FORGED}](https://evil.example) <!channel> \`x\``,
  ];
  it.each(attempts)("cannot start a line or format text: %j", (value) => {
    const c = card(
      renderOne([
        outcome(
          planFor(findingOf("guardduty-iam-user", { userName: value, requestedBy: value, title: value })),
          Status.Disabled,
          {
            detail: value,
          },
        ),
      ]),
    );
    const lines = [
      c.content.title,
      c.content.description,
      c.metadata.summary,
      ...c.content.nextSteps,
    ].flatMap((b) => b.split(LINE_BREAKS));
    for (const line of lines) expect(isForged(line)).toBe(false);
    // Markdown from the event is escaped: no link, no mention, no code span opened by it.
    expect(c.content.description).not.toMatch(/(^|[^\\])\[ALL CLEAR\]/);
    expect(c.content.description).not.toMatch(/(^|[^\\])<!channel/);
  });
});

describe("chatCard: what the buttons read (additionalContext)", () => {
  it("names the disabled key, its user and account on a contained alert", () => {
    const c = card(renderOne([disabledAlice()]));
    expect(c.metadata.additionalContext).toEqual({
      outcome: "contained",
      severity: expect.any(String),
      source: "guardduty",
      accessKeyId: "AKIAALICE00000000001",
      userName: "alice",
      account: "111111111111",
    });
  });

  it("names the key on a dry-run alert, for the Disable button", () => {
    const c = card(alertFor(Status.DryRun, {}, true));
    expect(c.metadata.additionalContext).toMatchObject({
      outcome: "dry-run",
      accessKeyId: "AKIAALICE00000000001",
    });
  });

  it.each([
    ["a forged user name", { userName: "alice\nALL CLEAR" }, "userName"],
    ["a user name with markup", { userName: "al*ce`" }, "userName"],
    ["an invalid key ID", { accessKeyId: "AKIA`](x)" }, "accessKeyId"],
  ] as [string, Partial<Finding>, string][])(
    "omits %s, so no button can be given a forged value",
    (_, overrides, field) => {
      const c = card(alertFor(Status.Disabled, overrides));
      expect(c.metadata.additionalContext).not.toHaveProperty(field);
    },
  );

  it("names no key when the part has several keys a button could act on", () => {
    const alert = renderOne([
      disabledAlice(),
      outcome(
        planFor(findingOf("guardduty-iam-user", { accessKeyId: "AKIABOB0000000000002" })),
        Status.Disabled,
      ),
    ]);
    expect(card(alert).metadata.additionalContext).not.toHaveProperty("accessKeyId");
  });

  it("names no key when no key is in a state a button acts on", () => {
    const c = card(alertFor(Status.Failed));
    expect(c.metadata.additionalContext).not.toHaveProperty("accessKeyId");
    expect(card(alertFor(Status.AlreadyDone)).metadata.additionalContext).not.toHaveProperty("accessKeyId");
  });

  it("holds only our values and validated identifiers", () => {
    const c = card(alertFor(Status.Disabled, { userName: "x\u202e", account: "12345" } as Partial<Finding>));
    for (const [name, value] of Object.entries(c.metadata.additionalContext)) {
      expect(["outcome", "severity", "source", "accessKeyId", "userName", "account"]).toContain(name);
      expect(value).toMatch(/^[\w+=,.@-]+$/);
    }
  });
});
