// The ways the responder could be wrong while looking right, each driven through a handler against the loopback
// double: an event that names the wrong owner, evidence anyone could have written, a closed case, a reactivation
// through a side door, an account that is not one.
import { describe, expect, it } from "vitest";
import { type EditableEvent, lambdaContext, loadEvent } from "../support/fixtures";
import { loopbackDouble, publishedDocument, respondTo, useDouble } from "../support/harness";
import { CUSTOM_PRODUCT, FIXTURE_KEYS, SELF_ACCOUNT } from "../support/world";

const double = loopbackDouble();

const { alice: ALICE_KEY, ivan: IVAN_KEY } = FIXTURE_KEYS;

const RELAY_TOPIC = "arn:aws:sns:us-east-1:111111111111:findings-relay";

const snsWrapped = (event: unknown) => ({
  Records: [
    {
      EventSource: "aws:sns",
      Sns: { Type: "Notification", TopicArn: RELAY_TOPIC, Message: JSON.stringify(event) },
    },
  ],
});

describe("a key whose owner is not the one the event names", () => {
  it("disables the key of a user renamed since the finding, under the new name", async () => {
    double.reset();
    useDouble(double);
    double.addUser({ name: "alice-renamed", keys: [{ id: ALICE_KEY }] });

    const { summary, error } = await respondTo("guardduty-iam-user");

    expect(error).toBeUndefined();
    expect(double.keyStatus(ALICE_KEY)).toBe("Inactive");
    expect(double.writes().map((c) => c.params.UserName)).toEqual(["alice-renamed"]);
    expect(summary?.outcomes).toMatchObject([{ status: "disabled", userName: "alice-renamed" }]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("contained");
    expect(text).toContain("alice-renamed");
    expect(text).not.toContain("no longer exists");
  });

  it("disables the real owner's key when a person typed another user's name", async () => {
    const request = { accessKeyId: ALICE_KEY, userName: "bob", reason: "found in a public gist" };

    const { summary } = await respondTo(request, "manual", lambdaContext("manual"));

    expect(double.keyStatus(ALICE_KEY)).toBe("Inactive");
    expect(double.keyStatus("AKIABOB0000000000001")).toBe("Active");
    expect(summary?.outcomes).toMatchObject([{ status: "disabled", userName: "alice" }]);
    expect(publishedDocument(double).outcome).toBe("contained");
  });

  it("refuses when the real owner is protected, and marks the alert for a person", async () => {
    useDouble(double, { PROTECTED_USERS: "alice" });
    const request = { accessKeyId: ALICE_KEY, userName: "bob", reason: "found in a public gist" };

    await respondTo(request, "manual", lambdaContext("manual"));

    expect(double.keyStatus(ALICE_KEY)).toBe("Active");
    expect(publishedDocument(double).outcome).toBe("action-required");
  });

  it("says the key no longer exists only when the key itself is gone", async () => {
    double.reset();
    useDouble(double);
    double.addUser({ name: "alice", keys: [] });

    await respondTo("guardduty-iam-user");

    expect(double.actions("iam")).toEqual(["UpdateAccessKey", "GetAccessKeyLastUsed"]);
    expect(publishedDocument(double).outcome).toBe("no-action");
  });
});

describe("Security Hub findings are evidence only when AWS made them", () => {
  it("makes no write for a finding imported under an account's own product, and names the product", async () => {
    const event = loadEvent("security-hub-principal-name");
    event.detail.findings[0].ProductArn = CUSTOM_PRODUCT;

    const { summary, error } = await respondTo(event, "securityHub");

    expect(error).toBeUndefined();
    expect(double.writes()).toEqual([]);
    expect(double.keyStatus("AKIAGRACE00000000001")).toBe("Active");
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "untrusted-product" }]);
    const { outcome, text } = publishedDocument(double);
    expect(outcome).toBe("action-required");
    expect(text).toContain(CUSTOM_PRODUCT);
  });

  it.each([
    ["archived", { RecordState: "ARCHIVED" }],
    ["resolved", { Workflow: { Status: "RESOLVED" } }],
    ["suppressed", { Workflow: { Status: "SUPPRESSED" } }],
  ])("never disables the key again when a person %s the finding", async (_, change) => {
    const event = loadEvent("security-hub-principal-name");
    Object.assign(event.detail.findings[0], change);

    const { summary } = await respondTo(event, "securityHub");

    expect(double.calls.filter((c) => c.service === "iam")).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "closed" }]);
    expect(publishedDocument(double).outcome).toBe("no-action");
  });

  it("makes no write for an archived GuardDuty finding", async () => {
    const event = loadEvent("guardduty-iam-user");
    event.detail.service.archived = true;

    const { summary } = await respondTo(event);

    expect(double.writes()).toEqual([]);
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "closed" }]);
  });
});

describe("reactivation only through the manual function, invoked directly", () => {
  const disabledIvan = () => {
    double.addUser({ name: "ivan", keys: [{ id: IVAN_KEY, status: "Inactive" }] });
  };

  it.each([["guardduty"], ["leakedCredentials"], ["securityHub"]] as const)(
    "refuses a reactivation sent to the %s function, with an alert for a person",
    async (name) => {
      disabledIvan();

      const { summary, error } = await respondTo("manual-reactivate", name, lambdaContext(name));

      expect(error).toBeUndefined();
      expect(double.keyStatus(IVAN_KEY)).toBe("Inactive");
      expect(double.writes()).toEqual([]);
      expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "reactivation-refused" }]);
      expect(publishedDocument(double).outcome).toBe("action-required");
    },
  );

  it("refuses a reactivation wrapped in an SNS notification, even to the manual function", async () => {
    disabledIvan();

    const { summary } = await respondTo(
      snsWrapped(loadEvent("manual-reactivate")),
      "manual",
      lambdaContext("manual"),
    );

    expect(double.keyStatus(IVAN_KEY)).toBe("Inactive");
    expect(summary?.outcomes).toMatchObject([{ reason: "reactivation-refused" }]);
    expect(publishedDocument(double).outcome).toBe("action-required");
  });

  it("honours a reactivation invoked directly on the manual function", async () => {
    disabledIvan();

    await respondTo("manual-reactivate", "manual", lambdaContext("manual"));

    expect(double.keyStatus(IVAN_KEY)).toBe("Active");
    expect(publishedDocument(double).outcome).toBe("reactivated");
  });

  it("still disables through a trusted SNS topic and through any function", async () => {
    useDouble(double, { TRUSTED_TOPIC_ARNS: RELAY_TOPIC });
    await respondTo(snsWrapped(loadEvent("manual-disable")), "guardduty", lambdaContext("guardduty"));

    expect(double.keyStatus(IVAN_KEY)).toBe("Inactive");
  });
});

describe("an account field that is not an account", () => {
  it.each([
    [
      "GuardDuty detail.accountId",
      "guardduty",
      "guardduty-iam-user",
      (e: EditableEvent) => {
        e.detail.accountId = "11111111111x";
      },
    ],
    [
      "Security Hub AwsAccountId",
      "securityHub",
      "security-hub-principal-name",
      (e: EditableEvent) => {
        e.detail.findings[0].AwsAccountId = "1111";
      },
    ],
    [
      "Health affectedAccount",
      "leakedCredentials",
      "health-credentials-compromised",
      (e: EditableEvent) => {
        e.detail.affectedAccount = "AKIABOB0000000000001";
      },
    ],
  ] as const)(
    "makes no write when %s is not 12 digits, and tells a person",
    async (_, name, fixture, spoil) => {
      const event = loadEvent(fixture);
      spoil(event);

      const { summary } = await respondTo(event, name, lambdaContext(name));

      expect(double.writes()).toEqual([]);
      expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "invalid-input" }]);
      expect(publishedDocument(double).outcome).toBe("action-required");
    },
  );
});

describe("the responder never acts on itself", () => {
  it("refuses a finding about its own role, with revocation on, and alerts urgently", async () => {
    const ownRole = "access-key-responder-prod-us-east-1-lambdaRole";
    useDouble(double, { REVOKE_SESSIONS: "true", RESPONDER_ROLE_NAME: ownRole });
    double.addRole(ownRole);
    const event = loadEvent("guardduty-assumed-role");
    event.detail.resource.accessKeyDetails.userName = ownRole;

    const { summary } = await respondTo(event);

    expect(double.writes()).toEqual([]);
    expect(double.rolePolicies(ownRole, SELF_ACCOUNT)).toEqual({});
    expect(summary?.outcomes).toMatchObject([{ status: "skipped", reason: "responder-itself" }]);
    expect(publishedDocument(double).outcome).toBe("action-required");
  });
});

describe("alert text the event cannot forge", () => {
  const FORGED = "ALL CLEAR: no action needed";

  /** Every line a person reads of every published alert: text, subject and the chat card. */
  const linesRead = (): string[] =>
    double.published.flatMap((message) => {
      const structured = JSON.parse(message.message) as Record<string, string>;
      const card = JSON.parse(structured.https as string) as {
        content: { title: string; description: string; nextSteps: string[] };
      };
      return [
        message.subject ?? "",
        // E-mail subscribers get `default` too.
        structured.default as string,
        card.content.title,
        card.content.description,
        ...card.content.nextSteps,
      ].flatMap((block) => block.split(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/));
    });

  const startsForged = (line: string): boolean =>
    line
      .trimStart()
      .replace(/^[-*>#\s]+/, "")
      .startsWith("ALL CLEAR");

  it.each([["\n"], ["\r\n"], ["\u2028"], ["\u0085"]])(
    "keeps a forged line (%j) in a GuardDuty title from starting a line",
    async (lineBreak) => {
      const event = loadEvent("guardduty-iam-user");
      event.detail.title = `Harmless title${lineBreak}${FORGED}`;

      await respondTo(event);

      expect(double.keyStatus(ALICE_KEY)).toBe("Inactive");
      const lines = linesRead();
      expect(lines.join("\n")).toContain("ALL CLEAR");
      expect(lines.filter(startsForged)).toEqual([]);
    },
  );

  it("keeps a forged line in a manual request's reason and requestedBy from starting a line", async () => {
    const request = {
      accessKeyId: IVAN_KEY,
      userName: "ivan",
      reason: `rotating\n${FORGED}`,
      requestedBy: `mallory\r\n${FORGED}`,
    };

    await respondTo(request, "manual", lambdaContext("manual"));

    const lines = linesRead();
    expect(lines.join("\n")).toContain("mallory");
    expect(lines.filter(startsForged)).toEqual([]);
  });
});
