import { describe, expect, it } from "vitest";
import { type Alert, renderProblemAlert, untrusted } from "../../../src/alert/render";
import { type Outcome, Status } from "../../../src/contain/outcome";
import type { Finding } from "../../../src/findings";
import { findingOf, testConfig } from "../../support/fixtures";
import {
  cardOf,
  disabledAlice,
  LINE_BREAKS,
  linesOf,
  live,
  manualIdentity,
  outcome,
  planFor,
  renderOne,
} from "./outcomes";

const FORGED = "ALL CLEAR";

/** A line a reader would take for one of the responder's own: after indentation and list or quote markers. */
const isForged = (line: string): boolean =>
  line
    .trimStart()
    .replace(/^[-*>#\s\\]+/, "")
    .startsWith(FORGED);

/** Every way a value might try to start a line of its own. */
const ATTEMPTS: [string, string][] = [
  ["as the whole value", `${FORGED}: no action needed`],
  ["after LF", `x\n${FORGED}: no action needed`],
  ["at the start, after LF", `\n${FORGED}: no action needed`],
  ["after CR LF", `x\r\n${FORGED}: no action needed`],
  ["after CR", `x\r${FORGED}: no action needed`],
  ["after LINE SEPARATOR", `x\u2028${FORGED}: no action needed`],
  ["after PARAGRAPH SEPARATOR", `x\u2029${FORGED}: no action needed`],
  ["after NEXT LINE", `x\u0085${FORGED}: no action needed`],
  ["after VT", `x\u000b${FORGED}: no action needed`],
  ["after FF", `x\u000c${FORGED}: no action needed`],
  ["after a markdown quote", `*ok*\n> ${FORGED}`],
];

const withFinding = (overrides: Partial<Finding>, fixture = "guardduty-iam-user"): Alert => {
  const finding = findingOf(fixture, overrides);
  return renderOne([outcome(planFor(finding), Status.Disabled)]);
};

const withOutcome = (extra: Partial<Outcome>): Alert => renderOne([disabledAlice(extra)]);

/** Every field of a finding or an outcome that the event, or a message about it, writes. */
const FIELDS: [string, (value: string) => Alert][] = [
  ["title", (v) => withFinding({ title: v })],
  ["type", (v) => withFinding({ type: v })],
  ["findingId", (v) => withFinding({ findingId: v })],
  ["userName, when not a valid name", (v) => withFinding({ userName: v })],
  ["accessKeyId, when not a valid key ID", (v) => withFinding({ accessKeyId: v })],
  ["region", (v) => withFinding({ region: v })],
  ["eventId", (v) => withFinding({ eventId: v })],
  ["details value", (v) => withFinding({ details: { "Remote IP": v } })],
  ["reason", (v) => withFinding({ reason: v }, "manual-disable")],
  ["requestedBy", (v) => withFinding({ requestedBy: v }, "manual-disable")],
  [
    "reason of a reactivation",
    (v) => {
      const plan = planFor(findingOf("manual-reactivate", { reason: v }), testConfig(), manualIdentity());
      return renderOne([outcome(plan, Status.Reactivated)]);
    },
  ],
  [
    "provenance.product",
    (v) => {
      const finding = findingOf("security-hub-custom-product", { provenance: { product: v, aws: false } });
      return renderOne([outcome(planFor(finding), Status.Skipped)]);
    },
  ],
  [
    "closed",
    (v) => renderOne([outcome(planFor(findingOf("security-hub-archived", { closed: v })), Status.Skipped)]),
  ],
  ["error", (v) => withOutcome({ status: Status.Failed, error: v, detail: "containment failed" })],
  ["detail", (v) => withOutcome({ detail: v })],
  ["why", (v) => renderOne([{ ...disabledAlice(), plan: { ...disabledAlice().plan, why: v } }])],
  ["a note", (v) => withOutcome({ notes: [v] })],
  ["namedUser", (v) => withOutcome({ namedUser: v })],
  ["account", (v) => withOutcome({ account: v })],
  [
    "a sibling's creation time",
    (v) =>
      withOutcome({
        siblings: [
          {
            accessKeyId: "AKIAALICE00000000002",
            status: "Active",
            created: v,
            suspicious: true,
            disabled: false,
          },
        ],
      }),
  ],
  [
    "an activity source IP",
    (v) =>
      withOutcome({
        activity: {
          events: 1,
          since: "2026-11-20T08:00:00.000Z",
          topActions: [],
          sourceIps: [{ ip: v, count: 1 }],
        },
      }),
  ],
  ["a problem's reason", (v) => renderProblemAlert({ source: "guardduty", reason: v }, live)],
  [
    "a problem's eventId",
    (v) => renderProblemAlert({ source: "guardduty", eventId: v, reason: "no detail" }, live),
  ],
];

const CASES = FIELDS.flatMap(([field, render]) =>
  ATTEMPTS.map(([how, value]) => [field, how, render, value] as const),
);

/** Every string in the document, however deep. */
const stringsOf = (value: unknown): string[] =>
  typeof value === "string"
    ? [value]
    : value && typeof value === "object"
      ? Object.entries(value).flatMap(([name, inner]) => [name, ...stringsOf(inner)])
      : [];

describe("untrusted text in alerts", () => {
  it.each(CASES)("shows %s %s without letting it start a line", (_field, _how, render, value) => {
    const alert = render(value);
    const lines = linesOf(alert);

    // The value is shown somewhere a person reads, so the check below is not vacuous.
    expect(lines.join("\n")).toContain(FORGED);
    expect(lines.filter(isForged)).toEqual([]);
    expect(alert.subject).not.toMatch(LINE_BREAKS);
    for (const text of stringsOf(alert.document)) expect(text).not.toMatch(LINE_BREAKS);
  });

  it("shows a line break as a visible mark", () => {
    const alert = withFinding({ title: "first\nsecond\r\nthird\u2028fourth" });

    expect(alert.text).toContain("  Title:    first␤second␤␤third␤fourth");
  });

  it("drops bidi overrides, isolates and controls that would reorder or hide text", () => {
    const hidden = "\u202eevil\u202c \u2066x\u2069 \u200f\u0000\u001b[31m\u007f\u009b\ud800";

    const alert = withFinding({ title: `title ${hidden}` });
    const card = JSON.stringify(cardOf(alert));

    for (const text of [alert.text, alert.subject, card, JSON.stringify(alert.document)]) {
      for (const line of text.split("\n"))
        expect(line).not.toMatch(/[\p{Cc}\u202a-\u202e\u2066-\u2069\u200e\u200f]/u);
    }
    // U+200F (a bidi mark) is removed with the other invisible characters; the rest are marked.
    expect(alert.document.keys[0]?.finding.title).toBe("title ?evil? ?x? ??[31m???");
  });

  const INVISIBLES: [string, string][] = [
    ["ZERO WIDTH SPACE", "\u200b"],
    ["ZERO WIDTH NON-JOINER", "\u200c"],
    ["ZERO WIDTH JOINER", "\u200d"],
    ["LEFT-TO-RIGHT MARK", "\u200e"],
    ["RIGHT-TO-LEFT MARK", "\u200f"],
    ["WORD JOINER", "\u2060"],
    ["INVISIBLE TIMES", "\u2062"],
    ["INVISIBLE PLUS", "\u2064"],
    ["BYTE ORDER MARK", "\ufeff"],
    ["SOFT HYPHEN", "\u00ad"],
    ["TAG LATIN SMALL LETTER A", "\u{e0061}"],
    ["CANCEL TAG", "\u{e007f}"],
    ["LANGUAGE TAG", "\u{e0001}"],
    ["non-character U+FFFE", "\ufffe"],
    ["non-character U+FFFF", "\uffff"],
  ];

  it.each(INVISIBLES)("removes %s from untrusted text", (_, char) => {
    expect(untrusted(`al${char}ice`)).toBe("alice");
  });

  it.each(INVISIBLES)(
    "removes %s from every field of the alert, the subject and the chat card",
    (_, char) => {
      const value = `grace${char}`;
      const finding = findingOf("security-hub-custom-product", {
        userName: value,
        title: `title ${value}`,
        type: `type${char}`,
        details: { "Remote IP": value },
      });
      const alert = renderOne([outcome(planFor(finding), Status.Skipped)]);
      const card = JSON.stringify(cardOf(alert));

      for (const text of [alert.text, alert.subject, card, JSON.stringify(alert.document)]) {
        expect(text).not.toContain(char);
        // JSON escapes some of them: the escaped forms must not be there either.
        expect(text.toLowerCase()).not.toContain(JSON.stringify(char).slice(1, -1).toLowerCase());
      }
      expect(alert.text).toContain("grace");
    },
  );

  it("hides words spelled in tag characters entirely, rather than passing them on", () => {
    const smuggled = [..."ALL CLEAR"]
      .map((c) => String.fromCodePoint(0xe0000 + (c.codePointAt(0) ?? 0)))
      .join("");

    expect(untrusted(`ok${smuggled}`)).toBe("ok");
  });

  it("never passes an untrusted product's user name to the chat card unescaped", () => {
    const markup = "[grace](https://evil.example)*x*";
    const finding = findingOf("security-hub-custom-product", { userName: markup });

    const alert = renderOne([outcome(planFor(finding), Status.Skipped)]);
    const card = cardOf(alert);

    // Not in the subject (the card's unescaped title and summary), nor in what the buttons read.
    expect(alert.subject).not.toContain("grace");
    expect(card.content.title).not.toContain("grace");
    expect(JSON.stringify(card.metadata)).not.toContain("grace");
    // In the description, escaped.
    expect(card.content.description).toContain("\\[grace\\]\\(https://evil.example\\)\\*x\\*");
  });

  it("never names an untrusted product's user in the subject even when the name is a valid IAM name", () => {
    const finding = findingOf("security-hub-custom-product", { userName: "grace" });

    const alert = renderOne([outcome(planFor(finding), Status.Skipped)]);

    expect(alert.subject).not.toContain("grace");
    expect(cardOf(alert).content.description).toContain("(grace)");
  });

  it("clips a value before it is shown, and a cut surrogate pair does not survive", () => {
    expect(untrusted("a".repeat(300), 10)).toBe("aaaaaaaaaa… (300 characters)");
    expect(untrusted(`${"a".repeat(9)}😀😀`, 10)).toBe("aaaaaaaaa?… (13 characters)");
  });

  it("escapes markdown in the chat card, so an event cannot format, link or mention", () => {
    const markup = "*bold* _it_ ~x~ `code` [click](https://evil.example) <!channel> # h | t > q \\ !";

    const finding = findingOf("guardduty-iam-user", { requestedBy: markup });

    const card = cardOf(renderOne([outcome(planFor(finding), Status.Disabled, { detail: markup })]));

    const escaped =
      "\\*bold\\* \\_it\\_ \\~x\\~ \\`code\\` \\[click\\]\\(https://evil.example\\) \\<\\!channel\\> \\# h \\| t \\> q \\\\ \\!";
    expect(card.content.description).toBe(
      `*disabled* \`AKIAALICE00000000001\` (alice): ${escaped}; asked by ${escaped}`,
    );
  });

  it("never lets an invalid key ID out of its code span in the chat card", () => {
    const alert = withFinding({ accessKeyId: "AKIA`](https://evil.example)" });

    expect(cardOf(alert).content.description).toContain("AKIA\\`\\]\\(https://evil.example\\)");
    expect(cardOf(alert).content.description).not.toContain("`AKIA");
  });

  it("escapes markdown in the chat card's steps and fences only bare commands", () => {
    const alert = withFinding({ userName: "alice" });

    const steps = cardOf(alert).content.nextSteps;

    expect(steps).toContain(
      "`aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Active`",
    );
    expect(steps).toContain(
      "If this was a false positive, reactivate it in account 111111111111 \\(use credentials or a --profile for that account\\):",
    );
  });

  it("gives the chat card at most six steps and never cuts a step from its command", () => {
    const alert = renderOne([
      disabledAlice(),
      outcome(
        planFor(findingOf("guardduty-low-severity", { accessKeyId: "AKIALOW0000000000001" })),
        Status.Skipped,
      ),
    ]);

    const steps = cardOf(alert).content.nextSteps;

    expect(steps.length).toBeLessThanOrEqual(6);
    // The key a person must act on comes first.
    expect(steps[1]).toContain("--access-key-id AKIALOW0000000000001 --status Inactive");
    steps.forEach((step, i) => {
      if (step.endsWith(":")) expect(steps[i + 1]).toMatch(/^`aws /);
    });
  });
});
