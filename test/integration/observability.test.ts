import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { container, loopbackDouble, respondTo, useDouble } from "../support/harness";

const double = loopbackDouble();
/** Logs and metrics on, as deployed (the test configuration silences them). */
const OBSERVED = { POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_METRICS_DISABLED: "false" };
let lines: Record<string, unknown>[];

beforeEach(() => {
  useDouble(double, OBSERVED);
  lines = [];
  // Powertools writes one JSON document per line (warnings and errors to stderr): logs and EMF metrics alike.
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) {
      try {
        lines.push(JSON.parse(line));
      } catch {
        // not JSON: the printed alert when no topic is set
      }
    }
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const emf = () => lines.filter((line) => "_aws" in line);
const metricNames = () =>
  emf().flatMap((line) =>
    ((line._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics ?? []).flatMap(
      (m) => m.Metrics.map((x) => x.Name),
    ),
  );

describe("structured logs and metrics", () => {
  it("puts the finding id, key ID, user and account on every line about a key", async () => {
    double.inject({
      action: "TagUser",
      error: { code: "ServiceFailure", status: 500, type: "Receiver" },
      times: 6,
    });
    useDouble(double, { ...OBSERVED, TAG_USER: "true" });
    await respondTo("guardduty-iam-user");
    const warning = lines.find((line) => line.message === "tagging the user failed");
    expect(warning).toMatchObject({
      level: "WARN",
      findingId: "3f8a1c0e6b2d4e5f9a7c1b3d5e7f9a2c",
      accessKeyId: "AKIAALICE00000000001",
      userName: "alice",
      account: "111111111111",
      eventId: "6f1d2c84-3b9e-4a57-8c0d-9e2f41a7b365",
      service: "access-key-responder",
    });
  });

  it("does not carry one invocation's keys into the next", async () => {
    const send = container();
    await send("guardduty-iam-user");
    lines.length = 0;
    await send("guardduty-ec2");
    const ignored = lines.find((line) => line.message === "event ignored");
    expect(ignored).toBeDefined();
    expect(ignored).not.toHaveProperty("accessKeyId");
    expect(ignored?.eventId).not.toBe("6f1d2c84-3b9e-4a57-8c0d-9e2f41a7b365");
  });

  it("emits EMF metrics for keys disabled and time to containment", async () => {
    await respondTo("guardduty-iam-user");
    expect(metricNames()).toEqual(expect.arrayContaining(["KeysDisabled", "TimeToContainment"]));
    const point = emf().find((line) => "KeysDisabled" in line);
    expect(point?.KeysDisabled).toBe(1);
  });

  it("counts skipped actions by reason, containment failures and alert failures", async () => {
    await respondTo("guardduty-root");
    const skipped = emf().find((line) => "ActionsSkipped" in line);
    expect(skipped).toMatchObject({ ActionsSkipped: 1, Reason: "root" });

    lines.length = 0;
    double.inject({ action: "UpdateAccessKey", error: { code: "AccessDenied", status: 403, message: "no" } });
    double.inject({
      action: "Publish",
      error: { code: "InternalError", status: 500, type: "Receiver" },
      times: 4,
    });
    await respondTo("guardduty-iam-user");
    expect(metricNames()).toEqual(expect.arrayContaining(["ContainmentFailures", "AlertFailures"]));
  });

  it("records DrillCompleted, under the service dimension DrillMissingAlarm watches, for a GuardDuty sample", async () => {
    await respondTo("guardduty-sample");
    const point = emf().find((line) => "DrillCompleted" in line);
    expect(point).toMatchObject({ DrillCompleted: 1, service: "access-key-responder" });
    const aws = point?._aws as
      | { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][] }[] }
      | undefined;
    const directive = aws?.CloudWatchMetrics?.[0];
    expect(directive).toEqual(
      expect.objectContaining({ Namespace: "AccessKeyResponder", Dimensions: [["service"]] }),
    );

    lines.length = 0;
    await respondTo("guardduty-iam-user");
    expect(metricNames()).not.toContain("DrillCompleted");
  });
});
