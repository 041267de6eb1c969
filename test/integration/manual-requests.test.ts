import { describe, expect, it } from "vitest";
import { lambdaContext } from "../support/fixtures";
import { freshHandler, invoke, loopbackDouble } from "../support/harness";

/**
 * A person's request to the manual function, mid-incident: anything that is not a valid request fails the
 * invocation with a hint (exit 1 under `sls invoke local`) and makes no AWS call, so nobody believes a key was
 * disabled when the request was never read.
 */
const double = loopbackDouble();
const KEY = "AKIAIVAN000000000001";

describe("the manual function with a request it cannot read", () => {
  it.each([
    [
      "AccessKeyId and UserName, as list-access-keys prints them",
      { AccessKeyId: KEY, UserName: "ivan" },
      'unknown field "AccessKeyId": did you mean "accessKeyId"?',
    ],
    ["accessKeyID", { accessKeyID: KEY }, 'unknown field "accessKeyID": did you mean "accessKeyId"?'],
    [
      "a lower-case key ID",
      { accessKeyId: KEY.toLowerCase() },
      `access key IDs are upper case: did you mean "${KEY}"?`,
    ],
    ["a string that is not JSON", `{accessKeyId: ${KEY}}`, "the request is not JSON"],
  ])("fails on %s with a hint, makes no AWS call and sends no alert", async (_, event, hint) => {
    const { summary, error } = await invoke(freshHandler("manual"), event, lambdaContext("manual"));

    expect(summary).toBeUndefined();
    expect(error?.name).toBe("ResponderError");
    expect(error?.message).toContain(hint);
    expect(error?.summary).toMatchObject({ result: "invalid", source: "manual", alert: "none" });
    expect(double.calls).toEqual([]);
    expect(double.keyStatus(KEY)).toBe("Active");
  });

  it("still carries out a chat button's request", async () => {
    const { error } = await invoke(freshHandler("manual"), { disable: KEY }, lambdaContext("manual"));

    expect(error).toBeUndefined();
    expect(double.keyStatus(KEY)).toBe("Inactive");
  });

  it("leaves another function ignoring the same object, as before", async () => {
    const { summary } = await invoke(freshHandler("guardduty"), { AccessKeyId: KEY }, lambdaContext());

    expect(summary).toMatchObject({ result: "ignored" });
    expect(double.calls).toEqual([]);
  });
});
