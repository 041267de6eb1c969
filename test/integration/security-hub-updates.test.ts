// After containment and the alert, the responder records the outcome on the Security Hub finding: through the
// handlers, the real SDK client and the loopback double, for each way a finding reaches it (ASFF, OCSF, GuardDuty
// natively with its Security Hub copy). The double keeps the findings, so each test reads the note and status back.
import { beforeEach, describe, expect, it } from "vitest";
import { RESPONDER_NOTE_PREFIX, RESPONDER_UPDATED_BY } from "../../src/findings/security-hub";
import { type EditableEvent, lambdaContext, loadEvent } from "../support/fixtures";
import { container, loopbackDouble, respondTo, useDouble } from "../support/harness";
import { GUARDDUTY_PRODUCT, GUARDDUTY_PRODUCT_V2, MEMBER_ACCOUNT, SELF_ACCOUNT } from "../support/world";

const double = loopbackDouble();

/** The feature on, as deployed by default (the harness turns it off for the other integration tests). */
const configure = (extra: Record<string, string> = {}): void =>
  useDouble(double, { SECURITY_HUB_UPDATES: "true", ...extra });

beforeEach(() => configure());

const ASFF_EVENT = "security-hub-principal-name";
const V2_EVENT = "security-hub-v2-guardduty";
const NATIVE_EVENT = "guardduty-iam-user";
const STACK = "access-key-responder-prod-securityHub";

const asffIdOf = (event: EditableEvent): string => event.detail.findings[0].Id;
const v2IdOf = (event: EditableEvent): string => event.detail.findings[0].finding_info.uid;

const run = (name: "securityHub" | "guardduty", event: unknown) =>
  respondTo(event, name, { ...lambdaContext(name), functionName: STACK });

/** The ASFF event, its finding known to the double's Security Hub. */
const knownAsffFinding = (): EditableEvent => {
  const event = loadEvent(ASFF_EVENT);
  double.addSecurityHubFinding({ id: asffIdOf(event), productArn: GUARDDUTY_PRODUCT });
  return event;
};

/** The OCSF event, its finding known to the double's Security Hub V2. */
const knownV2Finding = (): EditableEvent => {
  const event = loadEvent(V2_EVENT);
  double.addSecurityHubFindingV2({
    findingInfoUid: v2IdOf(event),
    productUid: GUARDDUTY_PRODUCT_V2,
    accountUid: SELF_ACCOUNT,
  });
  return event;
};

/** The ASFF finding as Security Hub re-emits it after the update: the double's note and workflow status on it. */
const reEmitted = (event: EditableEvent): EditableEvent => {
  const copy = structuredClone(event);
  const finding = copy.detail.findings[0];
  const state = double.securityHubFinding(finding.ProductArn, finding.Id);
  copy.id = `${copy.id}-update`;
  finding.Note = state?.note;
  finding.Workflow = { Status: state?.workflowStatus ?? finding.Workflow?.Status };
  return copy;
};

const reEmittedV2 = (event: EditableEvent): EditableEvent => {
  const copy = structuredClone(event);
  const finding = copy.detail.findings[0];
  const state = double.securityHubFindingV2(GUARDDUTY_PRODUCT_V2, SELF_ACCOUNT, finding.finding_info.uid);
  copy.id = `${copy.id}-update`;
  finding.comment = state?.comment;
  finding.activity_id = 2;
  finding.activity_name = "Update";
  if (state?.statusId !== undefined) finding.status_id = state.statusId;
  finding.status = state?.statusId === 2 ? "In Progress" : finding.status;
  return copy;
};

describe("recording the outcome on an ASFF finding", () => {
  it("notes what was done, the undo command and the stack, and resolves the finding once the key is contained", async () => {
    const event = knownAsffFinding();

    const { summary, error } = await run("securityHub", event);

    expect(error).toBeUndefined();
    expect(double.keyStatus("AKIAGRACE00000000001")).toBe("Inactive");
    expect(summary?.securityHub).toBe("updated");
    const finding = double.securityHubFinding(GUARDDUTY_PRODUCT, asffIdOf(event));
    expect(finding?.workflowStatus).toBe("RESOLVED");
    expect(finding?.note?.UpdatedBy).toBe(RESPONDER_UPDATED_BY);
    expect(finding?.note?.Text).toMatch(new RegExp(`^\\${RESPONDER_NOTE_PREFIX} contained\\.`));
    expect(finding?.note?.Text).toContain(
      "AKIAGRACE00000000001 (user grace, account 111111111111): set Inactive",
    );
    expect(finding?.note?.Text).toContain(
      "Undo: aws iam update-access-key --user-name grace --access-key-id AKIAGRACE00000000001 --status Active",
    );
    expect(finding?.note?.Text).toContain(`By ${STACK}.`);
    // After the write and after the alert.
    const actions = double.actions();
    expect(actions.indexOf("BatchUpdateFindings")).toBeGreaterThan(actions.lastIndexOf("Publish"));
    expect(actions.indexOf("Publish")).toBeGreaterThan(actions.indexOf("UpdateAccessKey"));
  });

  it("marks a finding a person must act on NOTIFIED (another account, no member role)", async () => {
    const event = knownAsffFinding();
    event.detail.findings[0].AwsAccountId = MEMBER_ACCOUNT;

    await run("securityHub", event);

    const finding = double.securityHubFinding(GUARDDUTY_PRODUCT, asffIdOf(event));
    expect(finding?.workflowStatus).toBe("NOTIFIED");
    expect(finding?.note?.Text).toContain("action required: a person must act");
    expect(finding?.note?.Text).not.toContain("Undo:");
    expect(double.writes()).toEqual([]);
  });

  it("in a dry run, adds the note only and leaves the status as it was", async () => {
    configure({ DRY_RUN: "true" });
    const event = knownAsffFinding();

    await run("securityHub", event);

    const finding = double.securityHubFinding(GUARDDUTY_PRODUCT, asffIdOf(event));
    expect(finding?.workflowStatus).toBeUndefined();
    expect(finding?.note?.Text).toContain("dry run, no key was changed");
    expect(finding?.note?.Text).toContain("dry run: would be set Inactive");
    const call = double.calls.find((c) => c.action === "BatchUpdateFindings");
    expect(call?.body).not.toHaveProperty("Workflow");
  });

  it("in approve mode, marks the finding NOTIFIED, awaiting approval", async () => {
    configure({ RESPONDER_MODE: "approve" });
    const event = knownAsffFinding();

    await run("securityHub", event);

    const finding = double.securityHubFinding(GUARDDUTY_PRODUCT, asffIdOf(event));
    expect(finding?.workflowStatus).toBe("NOTIFIED");
    expect(finding?.note?.Text).toContain("awaiting approval");
    expect(double.keyStatus("AKIAGRACE00000000001")).toBe("Active");
  });

  it("takes its own NOTIFIED update, re-emitted by Security Hub, for an echo: no second write, alert or update", async () => {
    configure({ RESPONDER_MODE: "approve" });
    const event = knownAsffFinding();
    await run("securityHub", event);
    const before = double.calls.length;
    const published = double.published.length;

    const { summary, error } = await run("securityHub", reEmitted(event));

    expect(error).toBeUndefined();
    expect(summary?.result).toBe("ignored");
    expect(summary?.reason).toMatch(/own update/);
    expect(double.calls.slice(before)).toEqual([]);
    expect(double.published.length).toBe(published);
    expect(double.securityHubFinding(GUARDDUTY_PRODUCT, asffIdOf(event))?.updates).toBe(1);
  });

  it("takes its own dry-run note, re-emitted, for an echo too (a finding left NEW)", async () => {
    configure({ DRY_RUN: "true" });
    const event = knownAsffFinding();
    await run("securityHub", event);
    const published = double.published.length;

    const { summary } = await run("securityHub", reEmitted(event));

    expect(summary?.result).toBe("ignored");
    expect(double.published.length).toBe(published);
  });

  it("still acts when the finding's maker updated it after the responder's note", async () => {
    const event = knownAsffFinding();
    event.detail.findings[0].AwsAccountId = MEMBER_ACCOUNT;
    await run("securityHub", event);
    const later = reEmitted(event);
    later.detail.findings[0].UpdatedAt = new Date(Date.now() + 60_000).toISOString();

    const { summary } = await run("securityHub", later);

    expect(summary?.result).toBe("handled");
  });
});

describe("recording the outcome on an OCSF finding (Security Hub V2)", () => {
  it("comments and sets status_id 4 (Resolved) once the key is contained", async () => {
    const event = knownV2Finding();

    const { summary } = await run("securityHub", event);

    expect(summary?.securityHub).toBe("updated");
    const finding = double.securityHubFindingV2(GUARDDUTY_PRODUCT_V2, SELF_ACCOUNT, v2IdOf(event));
    expect(finding?.statusId).toBe(4);
    expect(finding?.comment).toMatch(new RegExp(`^\\${RESPONDER_NOTE_PREFIX} contained\\.`));
    expect(finding?.comment).toContain("--status Active");
    expect(double.actions("securityhub")).toEqual(["BatchUpdateFindingsV2"]);
  });

  it("sets status_id 2 (In Progress) awaiting approval, and ignores the re-emitted update", async () => {
    configure({ RESPONDER_MODE: "approve" });
    const event = knownV2Finding();
    await run("securityHub", event);
    const finding = double.securityHubFindingV2(GUARDDUTY_PRODUCT_V2, SELF_ACCOUNT, v2IdOf(event));
    expect(finding?.statusId).toBe(2);
    expect(finding?.comment).toContain("awaiting approval");
    const published = double.published.length;
    const before = double.calls.length;

    const { summary } = await run("securityHub", reEmittedV2(event));

    expect(summary?.result).toBe("ignored");
    expect(double.calls.slice(before)).toEqual([]);
    expect(double.published.length).toBe(published);
  });

  it("in a dry run, comments without a status", async () => {
    configure({ DRY_RUN: "true" });
    const event = knownV2Finding();

    await run("securityHub", event);

    const finding = double.securityHubFindingV2(GUARDDUTY_PRODUCT_V2, SELF_ACCOUNT, v2IdOf(event));
    expect(finding?.statusId).toBeUndefined();
    expect(finding?.comment).toContain("dry run");
  });
});

describe("recording the outcome on the Security Hub copy of a GuardDuty finding received natively", () => {
  it("updates the copy whose Id is the GuardDuty finding ARN, then ignores the copy's re-emitted update", async () => {
    configure({ RESPONDER_MODE: "approve" });
    const native = loadEvent(NATIVE_EVENT);
    double.addSecurityHubFinding({ id: native.detail.arn, productArn: GUARDDUTY_PRODUCT });

    const { summary } = await run("guardduty", native);

    expect(summary?.securityHub).toBe("updated");
    const finding = double.securityHubFinding(GUARDDUTY_PRODUCT, native.detail.arn);
    expect(finding?.workflowStatus).toBe("NOTIFIED");
    expect(finding?.note?.Text).toContain(
      "AKIAALICE00000000001 (user alice, account 111111111111): awaiting approval",
    );

    // The copy as Security Hub re-emits it to the securityHub function, carrying the responder's note.
    const copy = loadEvent(ASFF_EVENT);
    const asff = copy.detail.findings[0];
    asff.Id = native.detail.arn;
    asff.Resources[0].Id = "AWS::IAM::AccessKey:AKIAALICE00000000001";
    asff.Resources[0].Details.AwsIamAccessKey.PrincipalName = "alice";
    const published = double.published.length;
    const { summary: echo } = await run("securityHub", reEmitted(copy));

    expect(echo?.result).toBe("ignored");
    expect(double.published.length).toBe(published);
  });

  it("resolves the copy when the key is contained", async () => {
    const native = loadEvent(NATIVE_EVENT);
    double.addSecurityHubFinding({ id: native.detail.arn, productArn: GUARDDUTY_PRODUCT });

    await run("guardduty", native);

    expect(double.securityHubFinding(GUARDDUTY_PRODUCT, native.detail.arn)?.workflowStatus).toBe("RESOLVED");
  });
});

describe("a Security Hub update that cannot be made", () => {
  it("skips quietly where Security Hub is not enabled: no failure, no metric", async () => {
    double.setSecurityHubEnabled(false);
    const lines: string[] = [];
    const spy = (line: string) => lines.push(line);
    const event = loadEvent(ASFF_EVENT);

    const { summary, error } = await container("securityHub", spy)(event, lambdaContext("securityHub"));

    expect(error).toBeUndefined();
    expect(summary?.securityHub).toBe("not-enabled");
    expect(double.calls.find((c) => c.action === "BatchUpdateFindings")?.status).toBe(401);
    expect(double.keyStatus("AKIAGRACE00000000001")).toBe("Inactive");
  });

  it("fails neither the containment nor the invocation when Security Hub fails, and says so", async () => {
    double.inject({
      action: "BatchUpdateFindings",
      times: Number.POSITIVE_INFINITY,
      error: { code: "InternalException", status: 500 },
    });
    const event = knownAsffFinding();

    const { summary, error } = await run("securityHub", event);

    expect(error).toBeUndefined();
    expect(summary?.result).toBe("handled");
    expect(summary?.alert).toBe("published");
    expect(summary?.securityHub).toBe("failed");
    expect(double.keyStatus("AKIAGRACE00000000001")).toBe("Inactive");
  });

  it("counts a finding Security Hub does not know as failed, without failing the run", async () => {
    const { summary, error } = await run("securityHub", loadEvent(ASFF_EVENT));

    expect(error).toBeUndefined();
    expect(summary?.securityHub).toBe("failed");
  });

  it("makes no call in an offline dry run, where no account is known (the README's first command)", async () => {
    configure({ DRY_RUN: "true" });
    const event = knownAsffFinding();

    // A local run: no function ARN, so the account would come from STS, which a dry run never asks.
    const { summary, error } = await respondTo(event, "securityHub", {
      ...lambdaContext("securityHub"),
      invokedFunctionArn: "",
    });

    expect(error).toBeUndefined();
    expect(summary?.securityHub).toBeUndefined();
    expect(double.calls.filter((c) => c.service !== "sns")).toEqual([]);
  });

  it("makes no call when securityHubUpdates is false", async () => {
    configure({ SECURITY_HUB_UPDATES: "false" });
    const event = knownAsffFinding();

    const { summary } = await run("securityHub", event);

    expect(summary?.securityHub).toBeUndefined();
    expect(double.actions("securityhub")).toEqual([]);
    expect(double.keyStatus("AKIAGRACE00000000001")).toBe("Inactive");
  });
});
