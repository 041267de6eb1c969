import { describe, expect, it } from "vitest";
import { type Outcome, Status } from "../../../src/contain/outcome";
import type { Finding } from "../../../src/findings";
import type { Config } from "../../../src/shared/config";
import { findingOf, testConfig } from "../../support/fixtures";
import { cardOf, disabledAlice, NOW, outcome, planFor, renderOne } from "./outcomes";

const skipped = (fixture: string, config?: Config, overrides: Partial<Finding> = {}): Outcome =>
  outcome(planFor(findingOf(fixture, overrides), config), Status.Skipped);

describe("the text for people", () => {
  it("tells a person to act on the root user now", () => {
    const alert = renderOne([skipped("guardduty-root")]);

    expect(alert.text).toContain("[ROOT CREDENTIALS - ACT NOW] AKIAROOT000000000001");
    expect(alert.text).toContain(
      "URGENT: sign in as the root user, delete the root access key, change the root password and check MFA.",
    );
    expect(alert.document.keys[0]).toMatchObject({ urgent: true, skip: "root", action: "none" });
    expect(alert.subject.startsWith("ACTION REQUIRED:")).toBe(true);
  });

  it("says a sample needs no action", () => {
    const alert = renderOne([skipped("guardduty-sample")]);

    expect(alert.text).toContain("[SAMPLE]");
    expect(alert.document.verdict).toBe("no-action");
    expect(alert.subject.startsWith("No action needed:")).toBe(true);
  });

  it("says a protected user's key was not changed and a person must decide", () => {
    const alert = renderOne([
      skipped("guardduty-protected-user", testConfig({ protectedUsers: ["breakglass-admin"] })),
    ]);

    expect(alert.text).toContain("[PROTECTED - NOT CHANGED] AKIABREAKGLASS000001");
    expect(alert.document.verdict).toBe("action-required");
  });

  it("says who asked for a manual request, in the text, the document and the chat card", () => {
    const finding = findingOf("manual-disable", { requestedBy: "carol (ticket SEC-2001)" });

    const alert = renderOne([outcome(planFor(finding), Status.Disabled)]);

    expect(alert.text.split("\n")).toContain("  Asked by: carol (ticket SEC-2001)");
    expect(alert.document.keys[0]?.finding.requestedBy).toBe("carol (ticket SEC-2001)");
    expect(cardOf(alert).content.description).toContain("asked by carol \\(ticket SEC-2001\\)");
  });

  it("says nothing of who asked when nobody is named", () => {
    const alert = renderOne([outcome(planFor(findingOf("manual-disable")), Status.Disabled)]);

    expect(alert.text).not.toContain("Asked by");
    expect(cardOf(alert).content.description).not.toContain("asked by");
  });

  it("says whom the event named when the key belongs to someone else", () => {
    const alert = renderOne([disabledAlice({ namedUser: "alicia" })]);

    expect(alert.text.split("\n")).toContain("  Owner:    the event named alicia; the key belongs to alice");
    expect(alert.document.keys[0]).toMatchObject({ userName: "alice", namedUser: "alicia" });
    expect(cardOf(alert).content.description).toContain("(alice)");
    expect(cardOf(alert).content.description).toContain("the event named alicia");
  });

  it("names the product of a finding AWS did not make, and changes nothing", () => {
    const product = "arn:aws:securityhub:us-east-1:333333333333:product/333333333333/default";

    const alert = renderOne([skipped("security-hub-custom-product")]);

    expect(alert.text).toContain("[UNTRUSTED SOURCE - NOT CHANGED] AKIAGRACE00000000001");
    expect(alert.text.split("\n")).toContain(`  Product:  ${product} (not made by AWS)`);
    expect(alert.document.keys[0]?.nextSteps[0]).toContain(
      `The finding was imported by ${product}, not made by AWS`,
    );
    expect(alert.document.keys[0]?.finding.provenance).toEqual({ product, aws: false });
    expect(cardOf(alert).content.description).toContain(`from product ${product}, not made by AWS`);
    expect(alert.attributes.outcome).toBe("action-required");
  });

  it("notes a finding a person closed, with no step and no verdict for a person", () => {
    const alert = renderOne([skipped("security-hub-archived")]);

    expect(alert.text).toContain("[CLOSED] AKIAGRACE00000000001");
    expect(alert.text.split("\n")).toContain("  Closed:   RecordState is ARCHIVED, not ACTIVE");
    expect(alert.document.keys[0]?.nextSteps).toEqual([]);
    expect(alert.document.verdict).toBe("no-action");
  });

  it("says nothing was changed in a dry run", () => {
    const plan = planFor(findingOf("guardduty-iam-user"), testConfig({ dryRun: true }));

    const alert = renderOne([outcome(plan, Status.DryRun)], { dryRun: true, now: NOW });

    expect(alert.document).toMatchObject({ verdict: "dry-run", dryRun: true });
    expect(alert.text).toContain("access-key-responder: Dry run (DRY RUN: no change was made)");
    expect(alert.subject.startsWith("Dry run:")).toBe(true);
    // The way out of a dry run names the mode setting, not only the old flag.
    expect(alert.document.keys[0]?.nextSteps.join(" ")).toContain("mode=contain (RESPONDER_MODE)");
  });

  it("keeps the subject under 100 printable ASCII characters on one line", () => {
    const finding = findingOf("guardduty-iam-user", {
      type: `Exfiltration:IAMUser/${"Ünïcödé\n".repeat(30)}`,
      userName: "alice",
    });
    const alert = renderOne([outcome(planFor(finding), Status.Disabled)]);

    expect(alert.subject.length).toBeLessThanOrEqual(99);
    expect(alert.subject).toMatch(/^[\x20-\x7e]+$/);
    expect(alert.subject.startsWith("Contained: AKIAALICE00000000001 (alice) - Exfiltration:IAMUser/")).toBe(
      true,
    );
  });

  it("names the first key and how many more in the subject, and counts the keys by label", () => {
    const [bob, carol] = ["AKIABOB0000000000001", "AKIACAROL00000000001"].map((accessKeyId) =>
      outcome(planFor(findingOf("health-credentials-compromised", { accessKeyId })), Status.Disabled),
    );

    const alert = renderOne([bob as Outcome, carol as Outcome, skipped("guardduty-sample")]);

    expect(alert.subject).toBe("Contained: AKIABOB0000000000001 +2 more - AWS_RISK_CREDENTIALS_COMPROMISED");
    expect(alert.document.keys).toHaveLength(3);
    expect(alert.text.split("\n")).toContain("Keys: 3 - 2 DISABLED, 1 SAMPLE");
  });
});

describe("messages that agree with themselves", () => {
  /** Every line of the key's block but its next steps: what the alert says happened, and why. */
  const saidOf = (text: string): string => text.split("  Next steps:")[0] ?? "";

  it.each([
    [
      "a repeat",
      {
        detail: "AKIAALICE00000000001 is already Inactive: a repeat, no second write",
        countsAsContained: false,
      },
      "[ALREADY INACTIVE (repeat)] AKIAALICE00000000001",
    ],
    [
      "a first sighting",
      {
        detail: "AKIAALICE00000000001 of alice was already Inactive when checked: no second write",
        countsAsContained: true,
      },
      "[CONTAINED (already Inactive)] AKIAALICE00000000001",
    ],
  ])(
    "says a key found already Inactive (%s) already was, never that it is now or is set Inactive",
    (_, extra, head) => {
      const plan = planFor(findingOf("guardduty-iam-user", { update: !extra.countsAsContained }));

      const alert = renderOne([outcome(plan, Status.AlreadyDone, extra)]);

      expect(alert.text).toContain(head);
      const why = alert.text.split("\n").find((line) => line.startsWith("  Why:"));
      expect(why).toMatch(/already was Inactive/);
      expect(saidOf(alert.text)).not.toMatch(/is (now|set) Inactive/);
      expect(alert.document.keys[0]?.why).not.toMatch(/is (now|set) Inactive/);
    },
  );

  it("gives a KEY GONE alert a Why that agrees with its Done: nothing was there to change", () => {
    const plan = planFor(findingOf("guardduty-iam-user"));
    const gone = outcome(plan, Status.KeyGone, {
      detail:
        "AKIAALICE00000000001 no longer exists in account 111111111111, which STS names as its owner: no action needed",
    });

    const alert = renderOne([gone]);
    const lines = alert.text.split("\n");

    expect(lines).toContain("[KEY GONE] AKIAALICE00000000001 - user alice - account 111111111111");
    expect(lines.find((line) => line.startsWith("  Done:"))).toContain("no longer exists");
    expect(lines.find((line) => line.startsWith("  Why:"))).toMatch(
      /no longer exists .*nothing left to change/,
    );
    expect(saidOf(alert.text)).not.toMatch(/is set Inactive|is now Inactive/);
    expect(alert.document.verdict).toBe("no-action");
  });

  it("keeps the plan's reason as Why when the write was made", () => {
    const alert = renderOne([disabledAlice()]);

    expect(alert.text.split("\n")).toContain(
      "  Why:      UnauthorizedAccess:IAMUser/TorIPCaller at severity 5: the key is set Inactive",
    );
  });

  it.each([
    ["when its sessions are not revoked", testConfig(), Status.Skipped],
    ["when its sessions are revoked", testConfig({ revokeSessions: true }), Status.SessionsRevoked],
  ])("labels an assumed role's key 'role', not 'user', %s", (_, config, status) => {
    const alert = renderOne([outcome(planFor(findingOf("guardduty-assumed-role"), config), status)]);

    expect(alert.text).toMatch(/\] ASIAROLE000000000001 - role web-instance-role - account 111111111111\n/);
    expect(alert.text).not.toContain("- user web-instance-role");
  });

  it("still labels an IAM user's key 'user'", () => {
    expect(renderOne([disabledAlice()]).text).toContain("] AKIAALICE00000000001 - user alice - account");
  });
});
