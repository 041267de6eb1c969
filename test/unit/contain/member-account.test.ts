import { IAMClient, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { ContainmentError } from "../../../src/contain/errors";
import { assumeMemberRole, MEMBER_ACCOUNT_PERMISSIONS } from "../../../src/contain/member-account";
import { clientConfig } from "../../../src/entry/runtime";

const stsMock = mockClient(STSClient);
const iamMock = mockClient(IAMClient);
const sts = new STSClient({ region: "us-east-1" });
const ROLE_ARN = "arn:aws:iam::222222222222:role/ResponderMember";
const EXPIRATION = new Date("2026-11-20T15:00:00Z");

beforeEach(() => {
  stsMock.reset();
  iamMock.reset();
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: "ASIAMEMBER0000000001",
      SecretAccessKey: "member-secret",
      SessionToken: "member-token",
      Expiration: EXPIRATION,
    },
  });
});

describe("assumeMemberRole", () => {
  it("assumes the role by its ARN for a short session", async () => {
    await assumeMemberRole(sts, ROLE_ARN, "access-key-responder-request-1", { region: "us-east-1" });

    expect(stsMock).toHaveReceivedCommandExactlyOnceWith(AssumeRoleCommand, {
      RoleArn: ROLE_ARN,
      RoleSessionName: "access-key-responder-request-1",
      DurationSeconds: 900,
    });
  });

  it("keeps the session name within STS's 64 characters", async () => {
    await assumeMemberRole(sts, ROLE_ARN, `access-key-responder-${"r".repeat(80)}`, { region: "us-east-1" });

    const name = stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleSessionName;
    expect(name).toHaveLength(64);
    expect(name?.startsWith("access-key-responder-")).toBe(true);
  });

  it("returns an IAM client that signs with the assumed credentials and keeps the client settings", async () => {
    const client = await assumeMemberRole(
      sts,
      ROLE_ARN,
      "session",
      clientConfig({ AWS_REGION: "eu-west-1" }),
    );

    expect(client).toBeInstanceOf(IAMClient);
    await expect(client.config.credentials()).resolves.toMatchObject({
      accessKeyId: "ASIAMEMBER0000000001",
      secretAccessKey: "member-secret",
      sessionToken: "member-token",
      expiration: EXPIRATION,
    });
    await expect(client.config.region()).resolves.toBe("eu-west-1");
    await expect(client.config.maxAttempts()).resolves.toBe(6);
  });

  it("returns a client that IAM calls go through", async () => {
    iamMock.on(UpdateAccessKeyCommand).resolves({});
    const client = await assumeMemberRole(sts, ROLE_ARN, "session", { region: "us-east-1" });

    await client.send(
      new UpdateAccessKeyCommand({
        UserName: "erin",
        AccessKeyId: "AKIAERIN000000000001",
        Status: "Inactive",
      }),
    );

    expect(iamMock).toHaveReceivedCommandExactlyOnceWith(UpdateAccessKeyCommand, {
      UserName: "erin",
      AccessKeyId: "AKIAERIN000000000001",
      Status: "Inactive",
    });
  });

  it("fails with a ContainmentError naming the role when STS returns no credentials", async () => {
    stsMock.on(AssumeRoleCommand).resolves({});

    const attempt = assumeMemberRole(sts, ROLE_ARN, "session", { region: "us-east-1" });

    await expect(attempt).rejects.toThrow(ContainmentError);
    await expect(attempt).rejects.toThrow(`AssumeRole into ${ROLE_ARN} returned no credentials`);
  });

  it("passes STS's refusal on", async () => {
    stsMock
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error("not authorized to assume"), { name: "AccessDenied" }));

    await expect(assumeMemberRole(sts, ROLE_ARN, "session", { region: "us-east-1" })).rejects.toThrow(
      "not authorized to assume",
    );
  });

  it("declares sts:AssumeRole as its permission", () => {
    expect(MEMBER_ACCOUNT_PERMISSIONS).toEqual(["sts:AssumeRole"]);
  });
});
