import { describe, expect, it } from "vitest";
import { matchesPattern } from "./event-pattern";

// Cases follow the EventBridge user guide ("Event patterns", "Content filtering in Amazon EventBridge event
// patterns", "Arrays in event patterns") and aws/event-ruler's README; the events are our own.

const instanceEvent = () => ({
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111111111111",
  time: "2017-10-02T16:24:49Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:111111111111:instance/i-0aaaaaaaaaaaaaaa1"],
  detail: {
    "instance-id": "i-0aaaaaaaaaaaaaaa1",
    state: "running",
    "c-count": 5,
    "d-count": 3,
    "x-limit": 301.8,
    "source-ip": "10.0.0.33",
  },
});

const withDetail = (detail: Record<string, unknown>) => ({ ...instanceEvent(), detail });

describe("exact values", () => {
  it("matches a listed string, and ORs the values of one field", () => {
    expect(matchesPattern({ source: ["aws.ec2"] }, instanceEvent())).toBe(true);
    expect(matchesPattern({ source: ["aws.s3"] }, instanceEvent())).toBe(false);
    expect(matchesPattern({ detail: { state: ["initializing", "running"] } }, instanceEvent())).toBe(true);
  });

  it("ANDs the fields, including nested ones", () => {
    const pattern = {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: { state: ["running"] },
    };
    expect(matchesPattern(pattern, instanceEvent())).toBe(true);
    expect(matchesPattern({ ...pattern, detail: { state: ["terminated"] } }, instanceEvent())).toBe(false);
    expect(matchesPattern({ ...pattern, region: ["eu-west-1"] }, instanceEvent())).toBe(false);
  });

  it("ignores fields the pattern does not name, but needs every named one", () => {
    expect(
      matchesPattern({ detail: { state: ["running"] } }, { detail: { state: "running", other: 1 } }),
    ).toBe(true);
    expect(matchesPattern({ detail: { missing: ["running"] } }, instanceEvent())).toBe(false);
  });

  it("compares types exactly: the string 5 is not the number 5", () => {
    expect(matchesPattern({ detail: { "c-count": [5] } }, instanceEvent())).toBe(true);
    expect(matchesPattern({ detail: { "c-count": ["5"] } }, instanceEvent())).toBe(false);
  });

  it("treats 5 and 5.0 as the same number", () => {
    const event = JSON.parse('{"detail": {"severity": 5.0}}');
    expect(matchesPattern(JSON.parse('{"detail": {"severity": [5]}}'), event)).toBe(true);
    expect(matchesPattern(JSON.parse('{"detail": {"severity": [5.0]}}'), { detail: { severity: 5 } })).toBe(
      true,
    );
    expect(matchesPattern({ detail: { severity: [{ numeric: ["=", 5] }] } }, event)).toBe(true);
  });

  it("matches booleans, null and the empty string as values", () => {
    const event = { detail: { sample: true, lastName: "", middleName: null } };
    expect(matchesPattern({ detail: { sample: [true] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { sample: [false] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { sample: ["true"] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { lastName: [""] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { middleName: [null] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { firstName: [null] } }, event)).toBe(false);
  });
});

describe("arrays in the event", () => {
  it("matches when the pattern list and the event array intersect", () => {
    const event = {
      resources: [
        "arn:aws:autoscaling:us-east-1:111111111111:autoScalingGroup:eb56d16b:autoScalingGroupName/web",
        "arn:aws:ec2:us-east-1:111111111111:instance/i-0bbbbbbbbbbbbbbb2",
      ],
    };
    const pattern = (...arns: string[]) => ({ resources: arns });
    expect(
      matchesPattern(
        pattern(
          "arn:aws:ec2:us-east-1:111111111111:instance/i-0bbbbbbbbbbbbbbb2",
          "arn:aws:ec2:us-east-1:222222222222:instance/i-0bbbbbbbbbbbbbbb2",
        ),
        event,
      ),
    ).toBe(true);
    expect(matchesPattern(pattern("arn:aws:ec2:us-east-1:222222222222:instance/i-0c"), event)).toBe(false);
  });

  it("matches nested patterns against each object of an array, never mixing two elements", () => {
    const event = {
      employees: [
        { firstName: "John", lastName: "Doe" },
        { firstName: "Anna", lastName: "Smith" },
        { firstName: "Peter", lastName: "Jones" },
      ],
    };
    expect(matchesPattern({ employees: { firstName: ["Anna"] } }, event)).toBe(true);
    expect(matchesPattern({ employees: { firstName: ["Anna"], lastName: ["Smith"] } }, event)).toBe(true);
    expect(matchesPattern({ employees: { firstName: ["Anna"], lastName: ["Jones"] } }, event)).toBe(false);
  });

  it("looks through nested arrays of objects and of values", () => {
    const event = {
      employees: [[{ firstName: "John" }, { firstName: "Anna" }], [{ firstName: "Peter" }]],
      tags: [["blue", "green"], ["red"]],
    };
    expect(matchesPattern({ employees: { firstName: ["Peter"] } }, event)).toBe(true);
    expect(matchesPattern({ employees: { firstName: ["Paul"] } }, event)).toBe(false);
    expect(matchesPattern({ tags: ["red"] }, event)).toBe(true);
  });

  it("matches the shape of a Security Hub import: findings[].Resources[].Type", () => {
    const event = {
      detail: {
        findings: [
          {
            Resources: [{ Type: "AwsEc2Instance" }, { Type: "AwsIamAccessKey", Id: "AWS::IAM::AccessKey:x" }],
          },
        ],
      },
    };
    expect(
      matchesPattern({ detail: { findings: { Resources: { Type: ["AwsIamAccessKey"] } } } }, event),
    ).toBe(true);
    expect(matchesPattern({ detail: { findings: { Resources: { Type: ["AwsS3Bucket"] } } } }, event)).toBe(
      false,
    );
  });
});

describe("prefix and suffix", () => {
  it("matches a string prefix, and only on strings", () => {
    expect(matchesPattern({ time: [{ prefix: "2017-10-02" }] }, instanceEvent())).toBe(true);
    expect(
      matchesPattern({ source: ["aws.autoscaling"], region: [{ prefix: "eu-" }] }, instanceEvent()),
    ).toBe(false);
    expect(matchesPattern({ detail: { "c-count": [{ prefix: "5" }] } }, instanceEvent())).toBe(false);
  });

  it("matches a prefix regardless of case with equals-ignore-case", () => {
    const pattern = { detail: { service: [{ prefix: { "equals-ignore-case": "EventB" } }] } };
    expect(matchesPattern(pattern, withDetail({ service: "eventbridge" }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ service: "EVENTBRIDGE" }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ service: "Lambda" }))).toBe(false);
  });

  it("matches a suffix, case-sensitively unless asked otherwise", () => {
    const pattern = { detail: { FileName: [{ suffix: ".png" }] } };
    expect(matchesPattern(pattern, withDetail({ FileName: "photo.png" }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ FileName: "photo.PNG" }))).toBe(false);
    const ignoringCase = { detail: { FileName: [{ suffix: { "equals-ignore-case": ".png" } }] } };
    expect(matchesPattern(ignoringCase, withDetail({ FileName: "photo.PNG" }))).toBe(true);
  });
});

describe("anything-but", () => {
  it("excludes a string or a number, but still needs the field", () => {
    expect(matchesPattern({ detail: { state: [{ "anything-but": "initializing" }] } }, instanceEvent())).toBe(
      true,
    );
    expect(
      matchesPattern(
        { detail: { state: [{ "anything-but": "initializing" }] } },
        withDetail({ state: "initializing" }),
      ),
    ).toBe(false);
    expect(matchesPattern({ detail: { "x-limit": [{ "anything-but": 123 }] } }, instanceEvent())).toBe(true);
    expect(
      matchesPattern({ detail: { "x-limit": [{ "anything-but": 123 }] } }, withDetail({ "x-limit": 123 })),
    ).toBe(false);
    expect(matchesPattern({ detail: { absent: [{ "anything-but": "x" }] } }, instanceEvent())).toBe(false);
  });

  it("excludes a list of strings or of numbers", () => {
    const states = { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } };
    expect(matchesPattern(states, instanceEvent())).toBe(true);
    expect(matchesPattern(states, withDetail({ state: "overloaded" }))).toBe(false);
    const limits = { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } };
    expect(matchesPattern(limits, instanceEvent())).toBe(true);
    expect(matchesPattern(limits, withDetail({ "x-limit": 200 }))).toBe(false);
  });

  it("excludes a prefix, a suffix, a case-insensitive value or a wildcard", () => {
    const notInit = { detail: { state: [{ "anything-but": { prefix: "init" } }] } };
    expect(matchesPattern(notInit, instanceEvent())).toBe(true);
    expect(matchesPattern(notInit, withDetail({ state: "initializing" }))).toBe(false);
    expect(matchesPattern({ source: [{ "anything-but": { prefix: "aws." } }] }, instanceEvent())).toBe(false);
    expect(
      matchesPattern({ source: [{ "anything-but": { prefix: "aws." } }] }, { source: "com.example" }),
    ).toBe(true);
    const notPng = { FileName: [{ "anything-but": { suffix: ".png" } }] };
    expect(matchesPattern(notPng, { FileName: "a.png" })).toBe(false);
    expect(matchesPattern(notPng, { FileName: "a.jpg" })).toBe(true);
    const notInitializing = { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] };
    expect(matchesPattern(notInitializing, { state: "INITIALIZING" })).toBe(false);
    expect(matchesPattern(notInitializing, { state: "running" })).toBe(true);
    const notLib = { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] };
    expect(matchesPattern(notLib, { FilePath: "/usr/lib/libc.so" })).toBe(false);
    expect(matchesPattern(notLib, { FilePath: "/usr/bin/ls" })).toBe(true);
  });

  it("excludes API-call records while keeping every other detail-type", () => {
    const pattern = { "detail-type": [{ "anything-but": "AWS API Call via CloudTrail" }] };
    expect(matchesPattern(pattern, { "detail-type": "AWS API Call via CloudTrail" })).toBe(false);
    expect(matchesPattern(pattern, { "detail-type": "GuardDuty Finding" })).toBe(true);
  });
});

describe("numeric", () => {
  const pattern = {
    detail: {
      "c-count": [{ numeric: [">", 0, "<=", 5] }],
      "d-count": [{ numeric: ["<", 10] }],
      "x-limit": [{ numeric: ["=", 3.018e2] }],
    },
  };

  it("matches when every range holds", () => {
    expect(matchesPattern(pattern, instanceEvent())).toBe(true);
  });

  it.each([
    ["c-count at the open lower bound", { "c-count": 0 }],
    ["c-count above the closed upper bound", { "c-count": 6 }],
    ["d-count at the open upper bound", { "d-count": 10 }],
    ["x-limit not equal", { "x-limit": 301.9 }],
    ["a numeric string", { "c-count": "5" }],
  ])("does not match with %s", (_, change) => {
    expect(matchesPattern(pattern, withDetail({ ...instanceEvent().detail, ...change }))).toBe(false);
  });

  it("combines with prefix and anything-but in one pattern", () => {
    const complex = {
      time: [{ prefix: "2017-10-02" }],
      detail: {
        state: [{ "anything-but": "initializing" }],
        "c-count": [{ numeric: [">", 0, "<=", 5] }],
        "d-count": [{ numeric: ["<", 10] }],
        "x-limit": [{ "anything-but": [100, 200, 300] }],
      },
    };
    expect(matchesPattern(complex, instanceEvent())).toBe(true);
    expect(matchesPattern(complex, { ...instanceEvent(), time: "2017-10-03T00:00:00Z" })).toBe(false);
  });
});

describe("exists", () => {
  it("exists: true needs the field; exists: false needs it absent", () => {
    expect(matchesPattern({ detail: { "c-count": [{ exists: true }] } }, instanceEvent())).toBe(true);
    expect(matchesPattern({ detail: { description: [{ exists: true }] } }, instanceEvent())).toBe(false);
    expect(matchesPattern({ detail: { "c-count": [{ exists: false }] } }, instanceEvent())).toBe(false);
  });

  it("exists: false matches a missing field, even under a missing parent", () => {
    const pattern = { detail: { "c-count": [{ exists: false }] } };
    expect(matchesPattern(pattern, withDetail({ state: ["initializing", "running"] }))).toBe(true);
    expect(matchesPattern(pattern, { source: "aws.ec2" })).toBe(true);
    expect(matchesPattern({ detail: { a: { b: [{ exists: false }] } } }, instanceEvent())).toBe(true);
  });

  it("only sees leaf values: an object is not a value (as the documentation's c-count example shows)", () => {
    const event = withDetail({ "c-count": { c1: 100 } });
    expect(matchesPattern({ detail: { "c-count": [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { "c-count": [{ exists: true }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { "c-count": { c1: [{ exists: true }] } } }, event)).toBe(true);
  });

  it("sees the values of an array, and finds none in an empty one", () => {
    expect(matchesPattern({ resources: [{ exists: true }] }, instanceEvent())).toBe(true);
    expect(matchesPattern({ resources: [{ exists: false }] }, { ...instanceEvent(), resources: [] })).toBe(
      true,
    );
    expect(matchesPattern({ resources: [{ exists: true }] }, { ...instanceEvent(), resources: [] })).toBe(
      false,
    );
  });

  it("counts null as a value", () => {
    expect(matchesPattern({ detail: { key: [{ exists: true }] } }, { detail: { key: null } })).toBe(true);
  });

  it("finds a nested key inside an array of objects", () => {
    const pattern = { detail: { resource: { accessKeyDetails: { accessKeyId: [{ exists: true }] } } } };
    expect(
      matchesPattern(pattern, { detail: { resource: [{ accessKeyDetails: { accessKeyId: "AKIA" } }] } }),
    ).toBe(true);
    expect(matchesPattern(pattern, { detail: { resource: { instanceDetails: {} } } })).toBe(false);
  });
});

describe("equals-ignore-case and wildcard", () => {
  it("compares strings regardless of case", () => {
    const pattern = { "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }] };
    expect(matchesPattern(pattern, instanceEvent())).toBe(true);
    expect(
      matchesPattern({ "detail-type": [{ "equals-ignore-case": "EC2 Instance" }] }, instanceEvent()),
    ).toBe(false);
  });

  it("matches * against any run of characters, across the whole value", () => {
    const pattern = { detail: { FilePath: [{ wildcard: "dir/*.png" }] } };
    expect(matchesPattern(pattern, withDetail({ FilePath: "dir/a.png" }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ FilePath: "dir/sub/a.png" }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ FilePath: "dir/a.jpg" }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ FilePath: "other/dir/a.png" }))).toBe(false);
    expect(
      matchesPattern({ source: [{ wildcard: "Simple*Service" }] }, { source: "Simple Queue Service" }),
    ).toBe(true);
  });

  it("treats \\* as a literal asterisk and regular-expression characters as text", () => {
    expect(matchesPattern({ name: [{ wildcard: "a\\*b" }] }, { name: "a*b" })).toBe(true);
    expect(matchesPattern({ name: [{ wildcard: "a\\*b" }] }, { name: "axxb" })).toBe(false);
    expect(matchesPattern({ name: [{ wildcard: "a.b*" }] }, { name: "axb" })).toBe(false);
  });
});

describe("$or", () => {
  it("ORs whole sub-patterns, ANDed with the other fields", () => {
    const pattern = {
      source: ["aws.cloudwatch"],
      $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }],
    };
    expect(matchesPattern(pattern, { source: "aws.cloudwatch", metricName: "ReadLatency" })).toBe(true);
    expect(matchesPattern(pattern, { source: "aws.cloudwatch", namespace: "AWS/ES" })).toBe(true);
    expect(matchesPattern(pattern, { source: "aws.cloudwatch", namespace: "AWS/Lambda" })).toBe(false);
    expect(matchesPattern(pattern, { source: "aws.ec2", metricName: "ReadLatency" })).toBe(false);
  });

  it("nests, with an AND inside a branch", () => {
    const pattern = {
      source: ["aws.cloudwatch"],
      $or: [
        { metricName: ["CPUUtilization"] },
        {
          metricType: ["MetricType"],
          namespace: ["AWS/EC2"],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
      ],
    };
    const event = { source: "aws.cloudwatch", metricType: "MetricType", namespace: "AWS/EC2", spaceId: 1000 };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, spaceId: 1 })).toBe(false);
    expect(matchesPattern(pattern, { ...event, namespace: "AWS/ES" })).toBe(false);
  });

  it("works inside a nested object", () => {
    const pattern = { detail: { $or: [{ state: ["running"] }, { "c-count": [{ numeric: [">", 100] }] }] } };
    expect(matchesPattern(pattern, instanceEvent())).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: "stopped", "c-count": 1 }))).toBe(false);
  });
});

describe("malformed patterns are rejected, not silently matched", () => {
  it.each([
    ["a bare value instead of a list", { source: "aws.ec2" }],
    ["an empty list", { source: [] }],
    ["an unknown filter", { detail: { "source-ip": [{ "not-a-filter": "10.0.0.0/24" }] } }],
    ["a filter with two operators", { source: [{ prefix: "aws.", suffix: "ec2" }] }],
    ["an odd numeric list", { detail: { "c-count": [{ numeric: [">", 0, "<"] }] } }],
    ["a non-boolean exists", { detail: { state: [{ exists: "yes" }] } }],
    ["consecutive wildcards", { source: [{ wildcard: "aws.**" }] }],
    ["a pattern that is not an object", ["aws.ec2"]],
  ])("throws on %s", (_, pattern) => {
    expect(() => matchesPattern(pattern, instanceEvent())).toThrow(/Unsupported event pattern/);
  });

  it("never matches a non-object event", () => {
    expect(matchesPattern({ source: ["aws.ec2"] }, "aws.ec2")).toBe(false);
    expect(matchesPattern({ source: ["aws.ec2"] }, null)).toBe(false);
  });
});

describe("$or, exists and prefix together, in the shape of a GuardDuty attack sequence", () => {
  // Our own event: a finding whose credentials sit in arrays of objects under detail.service.detection.sequence.
  const sequenceEvent = (sequence: Record<string, unknown>) => ({
    source: "aws.guardduty",
    "detail-type": "GuardDuty Finding",
    detail: { type: "AttackSequence:IAM/CompromisedCredentials", service: { detection: { sequence } } },
  });
  const credentials = {
    detail: {
      $or: [
        { resource: { accessKeyDetails: { accessKeyId: [{ exists: true }] } } },
        { service: { detection: { sequence: { actors: { user: { credentialUid: [{ exists: true }] } } } } } },
        { service: { detection: { sequence: { resources: { resourceType: ["ACCESS_KEY"] } } } } },
      ],
    },
  };

  it("matches when any alternative holds, looking through arrays of objects for a leaf", () => {
    const actor = { actors: [{ id: "1" }, { id: "2", user: { credentialUid: "AKIAEXAMPLE000000001" } }] };
    const resource = { resources: [{ resourceType: "S3_BUCKET" }, { resourceType: "ACCESS_KEY", uid: "x" }] };
    const key = { detail: { resource: { accessKeyDetails: { accessKeyId: "AKIAEXAMPLE000000001" } } } };

    expect(matchesPattern(credentials, sequenceEvent(actor))).toBe(true);
    expect(matchesPattern(credentials, sequenceEvent(resource))).toBe(true);
    expect(matchesPattern(credentials, key)).toBe(true);
  });

  it("matches no alternative when the credential fields are absent, empty or of another type", () => {
    expect(matchesPattern(credentials, sequenceEvent({ actors: [{ user: { name: "alice" } }] }))).toBe(false);
    expect(matchesPattern(credentials, sequenceEvent({ actors: [], resources: [] }))).toBe(false);
    expect(
      matchesPattern(credentials, sequenceEvent({ resources: [{ resourceType: "EC2_INSTANCE" }] })),
    ).toBe(false);
    expect(matchesPattern(credentials, { detail: { resource: { instanceDetails: {} } } })).toBe(false);
  });

  it("never takes two fields of one alternative from two elements of an array", () => {
    const pattern = {
      detail: {
        $or: [
          {
            service: {
              detection: {
                sequence: { resources: { resourceType: ["ACCESS_KEY"], uid: [{ prefix: "AKIA" }] } },
              },
            },
          },
          { type: [{ prefix: "Recon:" }] },
        ],
      },
    };
    const mixed = {
      resources: [
        { resourceType: "ACCESS_KEY", uid: "x" },
        { resourceType: "S3_BUCKET", uid: "AKIAx" },
      ],
    };

    expect(matchesPattern(pattern, sequenceEvent(mixed))).toBe(false);
    expect(
      matchesPattern(pattern, sequenceEvent({ resources: [{ resourceType: "ACCESS_KEY", uid: "AKIAx" }] })),
    ).toBe(true);
  });

  it("does not see the sequence object itself with exists: only leaves are values", () => {
    const onObject = { detail: { service: { detection: { sequence: [{ exists: true }] } } } };
    const absent = { detail: { service: { detection: { sequence: [{ exists: false }] } } } };

    expect(matchesPattern(onObject, sequenceEvent({ uid: "s-1" }))).toBe(false);
    expect(matchesPattern(absent, sequenceEvent({ uid: "s-1" }))).toBe(true);
  });

  it("matches a detail.type prefix of one family only, as an alternative", () => {
    const pattern = {
      detail: {
        $or: [
          { type: [{ prefix: "AttackSequence:IAM/" }] },
          { resource: { accessKeyDetails: { accessKeyId: [{ exists: true }] } } },
        ],
      },
    };

    expect(matchesPattern(pattern, sequenceEvent({}))).toBe(true);
    expect(matchesPattern(pattern, { detail: { type: "AttackSequence:S3/CompromisedData" } })).toBe(false);
  });

  it("requires every other field next to $or as well", () => {
    const pattern = { "detail-type": ["GuardDuty Finding"], ...credentials };
    const event = sequenceEvent({ actors: [{ user: { credentialUid: "AKIAEXAMPLE000000001" } }] });

    expect(matchesPattern(pattern, event)).toBe(true);
    expect(
      matchesPattern(pattern, { ...event, "detail-type": "GuardDuty Runtime Protection Health Status" }),
    ).toBe(false);
  });

  it("reads a $or with one alternative as a field holding a malformed match list, and throws rather than guess", () => {
    const single = { detail: { $or: [{ type: [{ prefix: "AttackSequence:" }] }] } };

    expect(() => matchesPattern(single, sequenceEvent({}))).toThrow(/Unsupported event pattern/);
  });
});
