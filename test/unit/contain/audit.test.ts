import { AttachUserPolicyCommand, IAMClient, TagUserCommand } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import {
  AUDIT_PERMISSIONS,
  AUDIT_TAG_KEY,
  attachQuarantinePolicy,
  QUARANTINE_POLICY_NAME,
  tagUser,
} from "../../../src/contain/audit";

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: "us-east-1" });

/** IAM's documented tag-value pattern and length. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

const taggedValue = (): string => {
  const tags = iamMock.commandCalls(TagUserCommand)[0]?.args[0].input.Tags ?? [];
  expect(tags).toHaveLength(1);
  return tags[0]?.Value ?? "";
};

beforeEach(() => {
  iamMock.reset();
  iamMock.on(TagUserCommand).resolves({});
  iamMock.on(AttachUserPolicyCommand).resolves({});
});

describe("tagUser", () => {
  it("tags the user with the audit key and the text as value", async () => {
    await tagUser(iam, "alice", "AKIAALICE00000000001 Inactive 2026-11-20T09:05:03.000Z 3f8a1c0e");

    expect(iamMock).toHaveReceivedCommandExactlyOnceWith(TagUserCommand, {
      UserName: "alice",
      Tags: [
        {
          Key: "access-key-responder:last-action",
          Value: "AKIAALICE00000000001 Inactive 2026-11-20T09:05:03.000Z 3f8a1c0e",
        },
      ],
    });
    expect(AUDIT_TAG_KEY).toBe("access-key-responder:last-action");
  });

  it("replaces characters a tag value may not hold with spaces and keeps the allowed ones", async () => {
    await tagUser(iam, "alice", "a;b|c\n<d>\"e' _.:/=+-@ é 7");

    expect(taggedValue()).toBe("a b c  d  e  _.:/=+-@ é 7");
  });

  it("keeps the value within 256 characters", async () => {
    await tagUser(iam, "alice", `arn:aws:securityhub:${"x".repeat(400)}`);

    const value = taggedValue();
    expect(value).toHaveLength(256);
    expect(value).toMatch(TAG_VALUE);
  });

  it("never cuts a character in half at the length limit", async () => {
    await tagUser(iam, "alice", `${"a".repeat(255)}\u{1D400}bc`);

    const value = taggedValue();
    expect(value).not.toMatch(/\p{Cs}/u);
    expect(value).toMatch(TAG_VALUE);
  });
});

describe("attachQuarantinePolicy", () => {
  it("attaches AWS's managed quarantine policy by its ARN in the partition", async () => {
    await attachQuarantinePolicy(iam, "alice", "aws");

    expect(iamMock).toHaveReceivedCommandExactlyOnceWith(AttachUserPolicyCommand, {
      UserName: "alice",
      PolicyArn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
    });
    expect(QUARANTINE_POLICY_NAME).toBe("AWSCompromisedKeyQuarantineV3");
  });

  it("uses the partition it is given", async () => {
    await attachQuarantinePolicy(iam, "alice", "aws-cn");

    expect(iamMock).toHaveReceivedCommandWith(AttachUserPolicyCommand, {
      PolicyArn: "arn:aws-cn:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
    });
  });
});

describe("AUDIT_PERMISSIONS", () => {
  it("declares the two IAM actions the audit steps call", () => {
    expect([...AUDIT_PERMISSIONS].sort()).toEqual(["iam:AttachUserPolicy", "iam:TagUser"]);
  });
});
