import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createHandler } from "../../src/entry/handler";
import { lambdaContext, loadEvent } from "../support/fixtures";
import { invoke, loopbackDouble } from "../support/harness";
import { SELF_ACCOUNT } from "../support/world";

/**
 * `sls invoke local` (IS_LOCAL=true, a context without a function ARN) runs with the shell's credentials against a
 * real account: a live run says so, and as whom, before it acts. Approve mode previews offline.
 */
const double = loopbackDouble();

/** As `sls invoke local` calls the handler: no function ARN, so the account comes from STS. */
const localContext = (name: string): Context => ({ ...lambdaContext(name), invokedFunctionArn: "" });

const localRun = async (name: string, event: unknown, extra: Record<string, string | undefined> = {}) => {
  const printed: string[] = [];
  const env = { ...process.env, IS_LOCAL: "true", ...extra };
  const result = await invoke(
    createHandler(name, env, (line) => printed.push(line)),
    event,
    localContext(name),
  );
  return { ...result, printed };
};

/** No credentials anywhere: the default chain finds none (the test environment turns off profiles and metadata). */
const offline = (): void => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.ALERT_TOPIC_ARN;
};

describe("a local run", () => {
  it("first prints one line: live, the account and the principal it acts as, and what it will do", async () => {
    const { summary, printed } = await localRun("guardduty", loadEvent("guardduty-iam-user"));

    expect(summary?.outcomes).toMatchObject([{ status: "disabled" }]);
    expect(printed[0]).toMatch(
      new RegExp(
        `^LIVE local run in account ${SELF_ACCOUNT} as arn:aws:sts::${SELF_ACCOUNT}:assumed-role/\\S+: ` +
          "CONTAIN: keys will be disabled .*\\(-e DRY_RUN=true for a dry run\\)$",
      ),
    );
    expect(printed[0]?.split("\n")).toHaveLength(1);
    expect(double.actions()[0]).toBe("GetCallerIdentity");
  });

  it("prints no such line in a dry run, or in Lambda", async () => {
    const dry = await localRun("guardduty", loadEvent("guardduty-iam-user"), { DRY_RUN: "true" });
    const lambda = await localRun("guardduty", loadEvent("guardduty-iam-user"), { IS_LOCAL: undefined });

    expect(dry.printed.join("\n")).not.toContain("LIVE");
    expect(lambda.printed.join("\n")).not.toContain("LIVE");
  });

  it("previews approve mode offline: an approval-needed alert, no AWS call, a line saying the account is unknown", async () => {
    offline();
    const { summary, error, printed } = await localRun("guardduty", loadEvent("guardduty-iam-user"), {
      RESPONDER_MODE: "approve",
    });

    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ result: "handled", alert: "printed" });
    expect(summary?.outcomes).toMatchObject([
      { accessKeyId: "AKIAALICE00000000001", status: "approval-needed" },
    ]);
    expect(printed[0]).toMatch(
      /^APPROVE preview offline: AWS could not be reached \(\w+\), so the account is not known/,
    );
    expect(double.calls).toEqual([]);
  });

  it.each([
    ["a request to the manual function (the approval)", "manual", loadEvent("manual-disable"), {}],
    [
      "a finding contained without approval",
      "guardduty",
      loadEvent("guardduty-iam-user"),
      { CONTAIN_WITHOUT_APPROVAL: "guardduty" },
    ],
  ])("still needs AWS in approve mode for %s, and fails without it", async (_, name, event, extra) => {
    offline();
    const { error } = await localRun(name, event, { RESPONDER_MODE: "approve", ...extra });

    expect(error?.message).toMatch(/could not determine the responder's own account/);
    expect(double.calls).toEqual([]);
  });
});
