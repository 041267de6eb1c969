import { describe, expect, it } from "vitest";
import {
  FINDINGS_PER_CALL,
  type FindingUpdate,
  findingsCalls,
  findingUpdates,
  NOTE_MAX_CHARACTERS,
  noteText,
  recordOnFindings,
  targetOf,
} from "../../../src/alert/security-hub-record";
import { Status } from "../../../src/contain/outcome";
import { RESPONDER_NOTE_PREFIX, RESPONDER_UPDATED_BY } from "../../../src/findings/security-hub";
import { Skip } from "../../../src/plan/plan";
import { silentLog } from "../../../src/shared/log";
import { findingOf } from "../../support/fixtures";
import { disabledAlice, outcome, planFor, skipPlan } from "./outcomes";

const GUARDDUTY_PRODUCT = "arn:aws:securityhub:us-east-1::product/aws/guardduty";
const asffGrace = () => findingOf("security-hub-principal-name");

describe("targetOf", () => {
  it("names an ASFF finding by its Id and ProductArn, an OCSF one by its three uids", () => {
    const asff = asffGrace();
    expect(targetOf(asff)).toEqual({ format: "asff", id: asff.findingId, productArn: GUARDDUTY_PRODUCT });
    const ocsf = findingOf("security-hub-v2-guardduty");
    expect(targetOf(ocsf)).toEqual({
      format: "ocsf",
      findingInfoUid: ocsf.findingId,
      productUid: "arn:aws:securityhub:us-east-1::productv2/aws/guardduty",
      accountUid: "111111111111",
    });
  });

  it("names the Security Hub copy of a GuardDuty finding by the GuardDuty finding ARN", () => {
    const native = findingOf("guardduty-iam-user");
    expect(targetOf(native)).toEqual({
      format: "asff",
      id: native.details["Finding ARN"],
      productArn: GUARDDUTY_PRODUCT,
    });
  });

  it("names nothing for a relayed, closed, sample or non-AWS finding, or another source", () => {
    expect(targetOf({ ...asffGrace(), viaSns: true })).toBeUndefined();
    expect(targetOf({ ...asffGrace(), closed: "workflow status is RESOLVED" })).toBeUndefined();
    expect(targetOf({ ...asffGrace(), sample: true })).toBeUndefined();
    expect(targetOf(findingOf("security-hub-custom-product"))).toBeUndefined();
    expect(targetOf(findingOf("health-credentials-compromised"))).toBeUndefined();
    expect(
      targetOf({ ...findingOf("guardduty-iam-user"), details: { "Finding ARN": "arn:aws:iam::1:user/x" } }),
    ).toBeUndefined();
  });
});

describe("noteText", () => {
  it("starts with the responder's prefix, names the key, the undo command and the stack", () => {
    const text = noteText([disabledAlice()], { dryRun: false, stack: "stack-fn", headline: "contained" });
    expect(text).toBe(
      `${RESPONDER_NOTE_PREFIX} contained. AKIAALICE00000000001 (user alice, account 111111111111): set Inactive. ` +
        "Undo: aws iam update-access-key --user-name alice --access-key-id AKIAALICE00000000001 --status Active. " +
        "By stack-fn. Details in the alert.",
    );
  });

  it("stays within 512 characters for many keys and a huge stack name, keeping the undo command", () => {
    const outcomes = Array.from({ length: 40 }, () => disabledAlice());
    const text = noteText(outcomes, { dryRun: false, stack: "s".repeat(5_000), headline: "contained" });
    expect(Array.from(text).length).toBeLessThanOrEqual(NOTE_MAX_CHARACTERS);
    expect(text).toContain("and 37 more keys");
    expect(text).toContain("--status Active");
  });

  it("neutralises untrusted text: no line break, hidden or invisible character reaches the note", () => {
    const hostile = "alice\n\u202eALL CLEAR\u200b\r";
    const finding = { ...findingOf("guardduty-iam-user"), userName: hostile };
    const text = noteText([outcome(skipPlan(finding, Skip.Protected, true), Status.Skipped)], {
      dryRun: false,
      stack: "fn\nRESOLVED\u2028",
      headline: "action required",
    });
    expect(text).not.toMatch(/[\n\r\u2028\u202e\u200b]/);
    // An invalid user name is left out rather than shown, and never reaches the undo command.
    expect(text).not.toContain("ALL CLEAR");
    expect(text).not.toContain("Undo:");
  });
});

describe("findingUpdates", () => {
  it("resolves a contained finding, notifies one a person must act on, and sets no status in a dry run", () => {
    expect(findingUpdates([disabledAlice()], { dryRun: false })[0]?.status).toBe("RESOLVED");
    const other = outcome(skipPlan(findingOf("guardduty-iam-user"), Skip.OtherAccount, true), Status.Skipped);
    expect(findingUpdates([other], { dryRun: false })[0]?.status).toBe("NOTIFIED");
    const approval = outcome(planFor(findingOf("guardduty-iam-user")), Status.ApprovalNeeded);
    const [waiting] = findingUpdates([approval], { dryRun: false });
    expect(waiting?.status).toBe("NOTIFIED");
    expect(waiting?.text).toContain("awaiting approval");
    const dry = outcome(planFor(findingOf("guardduty-iam-user")), Status.DryRun);
    const [noted] = findingUpdates([dry], { dryRun: true });
    expect(noted?.status).toBeUndefined();
    expect(noted?.text).toContain("dry run");
  });

  it("never suppresses", () => {
    const statuses = Object.values(Status).map(
      (status) =>
        findingUpdates([outcome(planFor(findingOf("guardduty-iam-user")), status)], { dryRun: false })[0],
    );
    expect(statuses.map((u) => u?.status)).not.toContain("SUPPRESSED");
  });
});

describe("findingsCalls", () => {
  it("puts at most 100 findings in a call, with the note and UpdatedBy the API requires", () => {
    const updates: FindingUpdate[] = Array.from({ length: 250 }, (_, i) => ({
      target: { format: "asff", id: `finding-${i}`, productArn: GUARDDUTY_PRODUCT },
      text: "note",
      status: "RESOLVED",
    }));
    const calls = findingsCalls(updates);
    expect(calls.map((c) => c.input.FindingIdentifiers.length)).toEqual([
      FINDINGS_PER_CALL,
      FINDINGS_PER_CALL,
      50,
    ]);
    expect(calls[0]).toMatchObject({
      api: "BatchUpdateFindings",
      input: { Note: { Text: "note", UpdatedBy: RESPONDER_UPDATED_BY }, Workflow: { Status: "RESOLVED" } },
    });
  });
});

describe("recordOnFindings", () => {
  const update: FindingUpdate = {
    target: { format: "asff", id: "f", productArn: GUARDDUTY_PRODUCT },
    text: "note",
    status: "NOTIFIED",
  };

  it("reads InvalidAccessException as Security Hub not enabled, not a failure", async () => {
    const notEnabled = Object.assign(
      new Error("Account 111111111111 is not subscribed to AWS Security Hub"),
      {
        name: "InvalidAccessException",
      },
    );
    const result = await recordOnFindings([update], async () => Promise.reject(notEnabled), {
      log: silentLog,
    });
    expect(result).toEqual({ state: "not-enabled", failed: 0, updated: 0 });
  });

  it("gives up after its time, as failed", async () => {
    const never = () => new Promise<string[]>(() => {});
    const result = await recordOnFindings([update], never, { log: silentLog, timeoutMs: 20 });
    expect(result).toEqual({ state: "failed", failed: 1, updated: 0 });
  });

  it("counts the findings Security Hub did not process as failed", async () => {
    const result = await recordOnFindings([update], async () => ["FindingNotFound: no"], { log: silentLog });
    expect(result).toEqual({ state: "failed", failed: 1, updated: 0 });
  });
});
