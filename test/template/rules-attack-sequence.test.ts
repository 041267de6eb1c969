// The packaged GuardDuty rule against attack sequences (service.detection.sequence, no accessKeyDetails): it
// delivers every finding that names a credential, on structure alone, and still nothing else. As in rules.test.ts,
// the checks are plain functions returning problems, run on deliberately broken copies of the pattern too.
import { describe, expect, it } from "vitest";
import { matchesPattern } from "../support/event-pattern";
import { type EventRule, eventRules, loadTemplate } from "../support/template";
import { fixture, guardDutyKeyFindings, type Json, type Named, named } from "./rule-fixtures";

const SEQUENCE_FIXTURES = [
  "guardduty-attack-sequence-iam-user.json",
  "guardduty-attack-sequence-temporary-key.json",
  "guardduty-attack-sequence-two-actors.json",
];

/** An IAM attack sequence that names its principal only in its title and description, with no detection at all. */
const NO_CREDENTIAL_FIXTURE = "guardduty-attack-sequence-no-credential.json";

/** The IAM-user sequence fixture, changed by `change(event, sequence)`. */
const sequenceVariant = (name: string, change: (event: Json, sequence: Json) => void): Named => {
  const event = fixture(SEQUENCE_FIXTURES[0] as string);
  const detail = event.detail as { service: { detection: { sequence: Json } } };
  change(event, detail.service.detection.sequence);
  return { name, event };
};

/** Another family's sequence: only its structure can say it names a credential (the IAM type prefix does not apply). */
const otherFamily = (event: Json): void => {
  (event.detail as Json).type = "AttackSequence:S3/CompromisedData";
};

/** Shapes of a sequence that names a credential, and every IAM sequence: each must reach the function. */
const sequencePositives = (): Named[] => [
  ...SEQUENCE_FIXTURES.map(named),
  named(NO_CREDENTIAL_FIXTURE),
  sequenceVariant("credential only in an actor", (event, s) => {
    otherFamily(event);
    s.resources = [];
  }),
  sequenceVariant("credential only in an ACCESS_KEY resource", (event, s) => {
    otherFamily(event);
    s.actors = [];
  }),
  sequenceVariant("an IAM sequence that names no credential in a structured field", (_, s) => {
    s.actors = [{ id: "a", user: { name: "alice", type: "IAMUser", uid: "AIDAALICEEXAMPLE00001" } }];
    s.resources = [{ resourceType: "S3_BUCKET", uid: "arn:aws:s3:::example-payroll-exports" }];
  }),
  sequenceVariant("a renamed sequence type", (event) => {
    (event.detail as Json).type = "AttackSequence:IAM/CompromisedCredentials.B";
  }),
  sequenceVariant("another sequence family that names a credential", (event) => {
    (event.detail as Json).type = "AttackSequence:S3/CompromisedData";
  }),
  sequenceVariant("a severity-1 sequence", (event) => {
    (event.detail as Json).severity = 1;
  }),
  sequenceVariant("a sequence without a top-level resource", (event) => {
    delete (event.detail as Json).resource;
  }),
];

/** Not about a credential, or not a finding: the rule must not deliver these. */
const negatives = (): Named[] => [
  named("guardduty-ec2.json"),
  named("guardduty-cloudtrail-api-call.json"),
  sequenceVariant("another family's sequence that names no credential", (event, s) => {
    otherFamily(event);
    s.actors = [{ id: "a", user: { name: "alice", type: "IAMUser", uid: "AIDAALICEEXAMPLE00001" } }];
    s.resources = [{ resourceType: "S3_BUCKET", uid: "arn:aws:s3:::example-payroll-exports" }];
  }),
  sequenceVariant("a sequence sent as Runtime Protection health status", (event) => {
    event["detail-type"] = "GuardDuty Runtime Protection Health Status";
  }),
  sequenceVariant("a sequence from another source", (event) => {
    event.source = "custom.guardduty";
  }),
];

const matchesSafely = (pattern: unknown, event: unknown): boolean | string => {
  try {
    return matchesPattern(pattern, event);
  } catch (error) {
    return (error as Error).message;
  }
};

/** Every object of a pattern, `$or` branches included, so that no filter hides in an alternative. */
const patternObjects = (pattern: unknown): Json[] => {
  if (Array.isArray(pattern)) return pattern.flatMap(patternObjects);
  if (typeof pattern !== "object" || pattern === null) return [];
  return [pattern as Json, ...Object.values(pattern).flatMap(patternObjects)];
};

/** A severity filter anywhere, or an exact type list anywhere: the plan decides on severity, types get renamed. */
const filterProblems = (pattern: Json): string[] =>
  patternObjects(pattern.detail).flatMap((node) => [
    ...(node.severity === undefined ? [] : ["filters on detail.severity"]),
    ...(Array.isArray(node.type) && node.type.some((entry) => typeof entry === "string")
      ? [`filters on an exact type list: ${JSON.stringify(node.type)}`]
      : []),
  ]);

/** What is wrong with a GuardDuty pattern: positives it misses, negatives it matches, filters it must not have. */
const problems = (pattern: Json): string[] => {
  const found: string[] = [];
  for (const { name, event } of [...sequencePositives(), ...guardDutyKeyFindings()]) {
    const result = matchesSafely(pattern, event);
    if (result !== true) found.push(`misses ${name}${typeof result === "string" ? `: ${result}` : ""}`);
  }
  for (const { name, event } of negatives()) {
    const result = matchesSafely(pattern, event);
    if (result !== false)
      found.push(`matches negative ${name}${typeof result === "string" ? `: ${result}` : ""}`);
  }
  return [...found, ...filterProblems(pattern)];
};

const guardDutyRule = (): EventRule => {
  const found = eventRules(loadTemplate()).filter((rule) =>
    ((rule.pattern as Json | undefined)?.source as unknown[] | undefined)?.includes("aws.guardduty"),
  );
  if (found.length !== 1) throw new Error(`Expected one GuardDuty rule, found ${found.length}`);
  return found[0] as EventRule;
};

const packagedPattern = (): Json => structuredClone(guardDutyRule().pattern) as Json;
const alternatives = (pattern: Json): Json[] => (pattern.detail as { $or: Json[] }).$or;
const withAlternatives = (pattern: Json, branches: Json[]): Json => ({
  ...pattern,
  detail: { ...(pattern.detail as Json), $or: branches },
});
const mentions = (branch: Json, text: string): boolean => JSON.stringify(branch).includes(text);
/** The branches that deliver sequences: by structure, and IAM sequences by type. */
const isSequenceBranch = (branch: Json): boolean =>
  mentions(branch, "sequence") || mentions(branch, "AttackSequence");

describe("the packaged GuardDuty rule and attack sequences", () => {
  it("invokes the guardduty function", () => {
    expect(guardDutyRule().targetFunction).toBe("GuarddutyLambdaFunction");
  });

  it("delivers the three sequence fixtures, every shape of a sequence naming a credential, and the key findings", () => {
    expect(problems(packagedPattern())).toEqual([]);
  });

  it.each([...SEQUENCE_FIXTURES, NO_CREDENTIAL_FIXTURE])("delivers %s to the GuardDuty rule only", (file) => {
    const matching = eventRules(loadTemplate())
      .filter((rule) => matchesPattern(rule.pattern, fixture(file)))
      .map((rule) => rule.logicalId);
    expect(matching).toEqual([guardDutyRule().logicalId]);
  });

  it("still delivers every existing GuardDuty key fixture", () => {
    const files = guardDutyKeyFindings().map(({ name }) => name);
    expect(files).toEqual(
      expect.arrayContaining([
        "guardduty-iam-user.json",
        "guardduty-root.json",
        "guardduty-s3-with-key.json",
      ]),
    );
    for (const { name, event } of guardDutyKeyFindings())
      expect(matchesPattern(packagedPattern(), event), name).toBe(true);
  });

  it.each(negatives().map(({ name }) => name))("does not deliver %s", (name) => {
    const negative = negatives().find((n) => n.name === name) as Named;
    expect(matchesPattern(packagedPattern(), negative.event)).toBe(false);
  });

  it("has no severity filter and no exact type list, not even inside an alternative", () => {
    expect(filterProblems(packagedPattern())).toEqual([]);
  });

  it("filters on detail-type, never on source alone", () => {
    expect(packagedPattern()["detail-type"]).toEqual(["GuardDuty Finding"]);
  });
});

describe("the attack-sequence checks catch broken patterns", () => {
  it.each([
    {
      what: "the sequence alternatives removed (access keys only, as before)",
      broken: (p: Json) =>
        withAlternatives(
          p,
          alternatives(p).filter((branch) => !isSequenceBranch(branch)),
        ),
      expected: [
        "misses guardduty-attack-sequence-iam-user.json",
        "misses guardduty-attack-sequence-temporary-key.json",
        "misses guardduty-attack-sequence-two-actors.json",
        `misses ${NO_CREDENTIAL_FIXTURE}`,
      ],
    },
    {
      what: "the IAM sequence type alternative removed (silent on a sequence that names its principal only in text)",
      broken: (p: Json) =>
        withAlternatives(
          p,
          alternatives(p).filter((branch) => !mentions(branch, "AttackSequence")),
        ),
      expected: [
        `misses ${NO_CREDENTIAL_FIXTURE}`,
        "misses an IAM sequence that names no credential in a structured field",
      ],
    },
    {
      what: "the actor alternative removed",
      broken: (p: Json) =>
        withAlternatives(
          p,
          alternatives(p).filter((branch) => !mentions(branch, "credentialUid")),
        ),
      expected: ["misses credential only in an actor"],
    },
    {
      what: "the ACCESS_KEY resource alternative removed",
      broken: (p: Json) =>
        withAlternatives(
          p,
          alternatives(p).filter((branch) => !mentions(branch, "ACCESS_KEY")),
        ),
      expected: ["misses credential only in an ACCESS_KEY resource"],
    },
    {
      what: "the access-key alternative removed",
      broken: (p: Json) =>
        withAlternatives(
          p,
          alternatives(p).filter((branch) => !mentions(branch, "accessKeyDetails")),
        ),
      expected: ["misses guardduty-iam-user.json", "misses guardduty-s3-with-key.json"],
    },
    {
      what: "exists on the sequence object (EventBridge's exists only sees leaf values)",
      broken: (p: Json) =>
        withAlternatives(p, [
          ...alternatives(p).filter((branch) => !isSequenceBranch(branch)),
          { service: { detection: { sequence: [{ exists: true }] } } },
        ]),
      expected: ["misses guardduty-attack-sequence-iam-user.json"],
    },
    {
      what: "a sequence alternative on any sequence at all",
      broken: (p: Json) =>
        withAlternatives(p, [
          ...alternatives(p).filter((branch) => !mentions(branch, "sequence")),
          { service: { detection: { sequence: { uid: [{ exists: true }] } } } },
        ]),
      expected: ["matches negative another family's sequence that names no credential"],
    },
    {
      what: "sequences matched by an exact type",
      broken: (p: Json) =>
        withAlternatives(p, [
          ...alternatives(p).filter((branch) => !isSequenceBranch(branch)),
          { type: ["AttackSequence:IAM/CompromisedCredentials"] },
        ]),
      expected: ["filters on an exact type list", "misses a renamed sequence type"],
    },
    {
      what: "a severity filter inside an alternative",
      broken: (p: Json) =>
        withAlternatives(
          p,
          alternatives(p).map((branch) =>
            isSequenceBranch(branch) ? { ...branch, severity: [{ numeric: [">=", 4] }] } : branch,
          ),
        ),
      expected: ["filters on detail.severity", "misses a severity-1 sequence"],
    },
    {
      what: "no detail-type",
      broken: (p: Json) => ({ source: p.source, detail: p.detail }),
      expected: ["matches negative a sequence sent as Runtime Protection health status"],
    },
    {
      what: "the alternatives flattened into one object (every branch required at once)",
      broken: (p: Json) => ({ ...p, detail: Object.assign({}, ...alternatives(p)) }),
      expected: ["misses guardduty-attack-sequence-iam-user.json", "misses guardduty-iam-user.json"],
    },
  ])("reports $what", ({ broken, expected }) => {
    const found = problems(broken(packagedPattern()));
    for (const message of expected) {
      expect(found).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
    }
  });
});
