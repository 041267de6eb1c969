import { IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { ContainmentError } from "../../../src/contain/errors";
import {
  REVOKE_POLICY_NAME,
  revokeOlderSessions,
  revokeSessionsPolicy,
  SESSION_PERMISSIONS,
} from "../../../src/contain/sessions";

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: "us-east-1" });
const NOW = new Date("2026-11-20T13:50:00.000Z");

const expectedPolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Deny",
      Action: ["*"],
      Resource: ["*"],
      Condition: { DateLessThan: { "aws:TokenIssueTime": "2026-11-20T13:50:00.000Z" } },
    },
  ],
};

beforeEach(() => {
  iamMock.reset();
  iamMock.on(PutRolePolicyCommand).resolves({});
  iamMock.on(PutUserPolicyCommand).resolves({});
});

describe("revokeSessionsPolicy", () => {
  it("denies every action on every resource to credentials issued before now", () => {
    expect(JSON.parse(revokeSessionsPolicy(NOW))).toEqual(expectedPolicy);
  });

  it("moves the cut-off with the clock", () => {
    const later = new Date("2026-11-21T00:00:00.000Z");

    expect(JSON.parse(revokeSessionsPolicy(later)).Statement[0].Condition.DateLessThan).toEqual({
      "aws:TokenIssueTime": "2026-11-21T00:00:00.000Z",
    });
  });
});

describe("revokeOlderSessions", () => {
  it("puts the deny policy inline on a role, under the fixed name", async () => {
    await revokeOlderSessions(iam, { kind: "role", name: "web-instance-role" }, NOW);

    expect(iamMock).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    expect(iamMock).not.toHaveReceivedCommand(PutUserPolicyCommand);
    const input = iamMock.commandCalls(PutRolePolicyCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      RoleName: "web-instance-role",
      PolicyName: "AccessKeyResponderRevokeOlderSessions",
    });
    expect(JSON.parse(input?.PolicyDocument ?? "{}")).toEqual(expectedPolicy);
  });

  it("puts the deny policy inline on a user", async () => {
    await revokeOlderSessions(iam, { kind: "user", name: "dave" }, NOW);

    expect(iamMock).not.toHaveReceivedCommand(PutRolePolicyCommand);
    expect(iamMock).toHaveReceivedCommandExactlyOnceWith(PutUserPolicyCommand, {
      UserName: "dave",
      PolicyName: REVOKE_POLICY_NAME,
      PolicyDocument: revokeSessionsPolicy(NOW),
    });
  });

  it("uses the same policy name on a rerun, so the policy is replaced rather than added", async () => {
    await revokeOlderSessions(iam, { kind: "role", name: "web-instance-role" }, NOW);
    await revokeOlderSessions(
      iam,
      { kind: "role", name: "web-instance-role" },
      new Date("2026-11-20T14:00:00Z"),
    );

    const names = iamMock.commandCalls(PutRolePolicyCommand).map((call) => call.args[0].input.PolicyName);
    expect(names).toEqual([REVOKE_POLICY_NAME, REVOKE_POLICY_NAME]);
  });

  it.each(["", "role name", "role/with/path", "r".repeat(65)])(
    "refuses the name %j without calling IAM",
    async (name) => {
      await expect(revokeOlderSessions(iam, { kind: "role", name }, NOW)).rejects.toThrow(ContainmentError);
      expect(iamMock).not.toHaveReceivedAnyCommand();
    },
  );

  it("declares the two IAM actions it calls", () => {
    expect([...SESSION_PERMISSIONS].sort()).toEqual(["iam:PutRolePolicy", "iam:PutUserPolicy"]);
  });
});
