// The packaged EventBridge rules against our fixtures: each rule delivers what its function handles and nothing
// else. The checks are plain functions returning problems, so the same code is run on deliberately broken
// patterns below to show that it would catch those regressions.
import { describe, expect, it } from "vitest";
import { matchesPattern } from "../support/event-pattern";
import { type EventRule, eventRules, loadTemplate } from "../support/template";
import { fixture, guardDutyKeyFindings, type Json, type Named, named } from "./rule-fixtures";

/** A fixture with some `detail` fields replaced. */
const detailVariant = (file: string, name: string, detail: Json): Named => {
  const event = fixture(file);
  return { name, event: { ...event, detail: { ...(event.detail as Json), ...detail } } };
};

/** A fixture with some envelope fields (such as `detail-type`) replaced. */
const envelopeVariant = (file: string, name: string, envelope: Json): Named => ({
  name,
  event: { ...fixture(file), ...envelope },
});

/** Not about a leaked key: no rule may deliver these. */
const NEGATIVES = [
  "guardduty-ec2.json",
  "guardduty-cloudtrail-api-call.json",
  "health-non-credential.json",
  "trusted-advisor-ok.json",
  "security-hub-insight-results.json",
];

/** Every GuardDuty fixture whose finding names an access key, found by reading the directory. */
const guardDutyFindingsWithKeys = (): Named[] =>
  guardDutyKeyFindings().filter(({ name }) => !NEGATIVES.includes(name));

/** One type per GuardDuty finding family that can name an access key (IAM and S3 findings). */
const GUARDDUTY_KEY_FINDING_TYPES = [
  "CredentialAccess:IAMUser/AnomalousBehavior",
  "DefenseEvasion:IAMUser/AnomalousBehavior",
  "Discovery:IAMUser/AnomalousBehavior",
  "Exfiltration:IAMUser/AnomalousBehavior",
  "Impact:IAMUser/AnomalousBehavior",
  "InitialAccess:IAMUser/AnomalousBehavior",
  "Persistence:IAMUser/AnomalousBehavior",
  "PrivilegeEscalation:IAMUser/AnomalousBehavior",
  "PenTest:IAMUser/KaliLinux",
  "Policy:IAMUser/RootCredentialUsage",
  "Recon:IAMUser/MaliciousIPCaller.Custom",
  "Stealth:IAMUser/CloudTrailLoggingDisabled",
  "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B",
  "Discovery:S3/MaliciousIPCaller",
  "Impact:S3/AnomalousBehavior.Delete",
  "Policy:S3/BucketBlockPublicAccessDisabled",
  "AttackSequence:IAM/CompromisedCredentials",
  // Renamed in 2021 (an exact-match rule went silent), the old name, and the newer InsideAWS variant.
  "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
  "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration",
  "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
];

interface RuleSpec {
  name: string;
  source: string;
  /** For a source with more than one rule: the detail-type that tells them apart. */
  detailType?: string;
  targetFunction: string;
  positives: () => Named[];
  /** Negatives specific to this rule, on top of NEGATIVES. */
  negatives: () => Named[];
  /** Properties of the pattern itself that fixtures alone would not pin down. */
  patternProblems: (pattern: Json) => string[];
}

const detailOf = (pattern: Json): Json => (pattern.detail ?? {}) as Json;

/** Types are renamed over time, so an exact list goes silent; only prefix (or no) type filters are allowed. */
const exactTypeFilter = (pattern: Json): string[] => {
  const types = detailOf(pattern).type;
  if (types === undefined) return [];
  const exact = Array.isArray(types) ? types.filter((entry) => typeof entry === "string") : [types];
  return exact.length > 0 ? [`filters on an exact detail.type list: ${JSON.stringify(exact)}`] : [];
};

/** The plan decides on severity, so that low findings still alert. */
const severityFilter = (pattern: Json): string[] =>
  detailOf(pattern).severity === undefined ? [] : ["filters on detail.severity"];

/** Every credential event says service RISK; a public rule with `IAM` never fires. */
const healthServiceFilter = (pattern: Json): string[] =>
  JSON.stringify(detailOf(pattern).service) === JSON.stringify(["RISK"])
    ? []
    : [`detail.service is ${JSON.stringify(detailOf(pattern).service)}, not exactly ["RISK"]`];

const SPECS: RuleSpec[] = [
  {
    name: "GuardDuty",
    source: "aws.guardduty",
    targetFunction: "GuarddutyLambdaFunction",
    positives: () => [
      ...guardDutyFindingsWithKeys(),
      // An IAM attack sequence that names its principal only in text: never silent.
      named("guardduty-attack-sequence-no-credential.json"),
      ...GUARDDUTY_KEY_FINDING_TYPES.map((type) => detailVariant("guardduty-iam-user.json", type, { type })),
      detailVariant("guardduty-iam-user.json", "severity 1 copy", { severity: 1 }),
    ],
    negatives: () => [
      envelopeVariant("guardduty-iam-user.json", "Runtime Protection health status", {
        "detail-type": "GuardDuty Runtime Protection Health Status",
      }),
    ],
    patternProblems: (pattern) => [...exactTypeFilter(pattern), ...severityFilter(pattern)],
  },
  {
    name: "Health",
    source: "aws.health",
    targetFunction: "LeakedCredentialsLambdaFunction",
    positives: () =>
      [
        "health-credentials-exposed-two-keys.json",
        "health-credentials-exposure-suspected.json",
        "health-credentials-compromised.json",
        "health-credentials-compromise-suspected.json",
        "health-iam-quarantine.json",
        "health-with-metadata.json",
        "health-member-account.json",
      ].map(named),
    negatives: () => [],
    patternProblems: healthServiceFilter,
  },
  {
    name: "Trusted Advisor",
    source: "aws.trustedadvisor",
    targetFunction: "LeakedCredentialsLambdaFunction",
    positives: () => ["trusted-advisor-exposed-key.json", "trusted-advisor-root.json"].map(named),
    negatives: () => [],
    patternProblems: () => [],
  },
  {
    name: "Security Hub",
    source: "aws.securityhub",
    detailType: "Security Hub Findings - Imported",
    targetFunction: "SecurityHubLambdaFunction",
    positives: () =>
      [
        "security-hub-principal-name.json",
        "security-hub-legacy-user-name.json",
        "security-hub-member-account.json",
        "security-hub-null-key.json",
      ].map(named),
    // OCSF findings have their own rule (below); this one is for ASFF only.
    negatives: () => [
      envelopeVariant("security-hub-principal-name.json", "Findings Imported V2", {
        "detail-type": "Findings Imported V2",
      }),
      named("security-hub-v2-guardduty.json"),
    ],
    patternProblems: () => [],
  },
  {
    name: "Security Hub V2",
    source: "aws.securityhub",
    detailType: "Findings Imported V2",
    targetFunction: "SecurityHubLambdaFunction",
    positives: () =>
      [
        "security-hub-v2-guardduty.json",
        "security-hub-v2-custom-product.json",
        "security-hub-v2-resolved.json",
      ].map(named),
    negatives: () => ["security-hub-principal-name.json", "security-hub-legacy-user-name.json"].map(named),
    patternProblems: () => [],
  },
];

const matchesSafely = (pattern: unknown, event: unknown): boolean | string => {
  try {
    return matchesPattern(pattern, event);
  } catch (error) {
    return (error as Error).message;
  }
};

/** What is wrong with a pattern: positives it misses and negatives it matches. */
const ruleProblems = (pattern: unknown, positives: Named[], negatives: Named[]): string[] => {
  const problems: string[] = [];
  for (const { name, event } of positives) {
    const result = matchesSafely(pattern, event);
    if (result !== true) problems.push(`misses ${name}${typeof result === "string" ? `: ${result}` : ""}`);
  }
  for (const { name, event } of negatives) {
    const result = matchesSafely(pattern, event);
    if (result !== false)
      problems.push(`matches negative ${name}${typeof result === "string" ? `: ${result}` : ""}`);
  }
  return problems;
};

const specProblems = (spec: RuleSpec, pattern: Json): string[] => [
  ...ruleProblems(pattern, spec.positives(), [...NEGATIVES.map(named), ...spec.negatives()]),
  ...spec.patternProblems(pattern),
];

const packagedRules = (): EventRule[] => eventRules(loadTemplate());

const sourcesOf = (rule: EventRule): unknown[] => {
  const source = (rule.pattern as Json | undefined)?.source;
  return Array.isArray(source) ? source : [];
};

const detailTypesOf = (rule: EventRule): unknown[] => {
  const detailType = (rule.pattern as Json | undefined)?.["detail-type"];
  return Array.isArray(detailType) ? detailType : [];
};

const packagedRule = (spec: RuleSpec): EventRule => {
  const found = packagedRules().filter(
    (rule) =>
      sourcesOf(rule).includes(spec.source) &&
      (spec.detailType === undefined || detailTypesOf(rule).includes(spec.detailType)),
  );
  if (found.length !== 1) {
    throw new Error(`Expected one rule for ${spec.source} ${spec.detailType ?? ""}, found ${found.length}`);
  }
  return found[0] as EventRule;
};

const patternOf = (spec: RuleSpec): Json => structuredClone(packagedRule(spec).pattern) as Json;
const spec = (name: string): RuleSpec => SPECS.find((candidate) => candidate.name === name) as RuleSpec;

describe("packaged EventBridge rules", () => {
  it("are exactly one rule per source (and detail-type where a source has two), each with a pattern", () => {
    const rules = packagedRules();
    expect(rules.flatMap(sourcesOf).sort()).toEqual(SPECS.map((s) => s.source).sort());
    expect(SPECS.map((s) => packagedRule(s).logicalId).sort()).toEqual(rules.map((r) => r.logicalId).sort());
    for (const rule of rules) expect(rule.pattern, rule.logicalId).toBeTypeOf("object");
  });

  it.each(SPECS)("the $name rule invokes $targetFunction", (s) => {
    expect(packagedRule(s).targetFunction).toBe(s.targetFunction);
  });

  it.each(SPECS)("the $name rule matches its positives and no negative", (s) => {
    expect(specProblems(s, patternOf(s))).toEqual([]);
  });

  it.each(NEGATIVES)("%s matches no rule", (file) => {
    const matching = packagedRules().filter((rule) => matchesPattern(rule.pattern, fixture(file)));
    expect(matching.map((rule) => rule.logicalId)).toEqual([]);
  });

  it("delivers each positive to its own rule only (no double handling)", () => {
    const rules = packagedRules();
    for (const s of SPECS) {
      const own = packagedRule(s).logicalId;
      for (const { name, event } of s.positives()) {
        const matching = rules
          .filter((rule) => matchesPattern(rule.pattern, event))
          .map((rule) => rule.logicalId);
        expect(matching, name).toEqual([own]);
      }
    }
  });

  it("covers every named GuardDuty fixture that carries an access key", () => {
    const files = guardDutyFindingsWithKeys().map(({ name }) => name);
    expect(files).toEqual(
      expect.arrayContaining([
        "guardduty-sample.json",
        "guardduty-root.json",
        "guardduty-assumed-role.json",
        "guardduty-protected-user.json",
        "guardduty-member-account.json",
        "guardduty-low-severity.json",
        "guardduty-s3-with-key.json",
        "guardduty-invalid-key.json",
      ]),
    );
  });

  describe("GuardDuty specifics", () => {
    const guardDuty = spec("GuardDuty");

    it("has no exact detail.type list and no severity filter", () => {
      const pattern = patternOf(guardDuty);
      expect(exactTypeFilter(pattern)).toEqual([]);
      expect(severityFilter(pattern)).toEqual([]);
    });

    it.each(GUARDDUTY_KEY_FINDING_TYPES)("matches a %s finding", (type) => {
      expect(
        matchesPattern(patternOf(guardDuty), detailVariant("guardduty-iam-user.json", type, { type }).event),
      ).toBe(true);
    });

    it("matches a severity-1 copy of a finding", () => {
      const event = detailVariant("guardduty-iam-user.json", "severity 1", { severity: 1 }).event;
      expect(matchesPattern(patternOf(guardDuty), event)).toBe(true);
    });

    it("does not match the same finding sent as Runtime Protection health status", () => {
      const event = fixture("guardduty-iam-user.json");
      event["detail-type"] = "GuardDuty Runtime Protection Health Status";
      expect(matchesPattern(patternOf(guardDuty), event)).toBe(false);
    });
  });

  it("filters Health events on service RISK exactly", () => {
    expect(detailOf(patternOf(spec("Health"))).service).toEqual(["RISK"]);
  });
});

describe("the rule checks catch broken patterns", () => {
  const withDetail = (pattern: Json, detail: Json): Json => ({
    ...pattern,
    detail: { ...detailOf(pattern), ...detail },
  });
  const withoutDetailKey = (pattern: Json, key: string): Json => {
    const { [key]: _removed, ...detail } = detailOf(pattern);
    return { ...pattern, detail };
  };

  it.each([
    {
      what: "an exact-match GuardDuty type list",
      spec: "GuardDuty",
      broken: (p: Json) =>
        withDetail(p, {
          type: [
            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration",
            "UnauthorizedAccess:IAMUser/TorIPCaller",
          ],
        }),
      expected: [
        "filters on an exact detail.type list",
        "misses UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
      ],
    },
    {
      what: "a source-only GuardDuty pattern",
      spec: "GuardDuty",
      broken: () => ({ source: ["aws.guardduty"] }),
      expected: [
        "matches negative guardduty-cloudtrail-api-call.json",
        "matches negative guardduty-ec2.json",
      ],
    },
    {
      what: "a GuardDuty pattern without the access-key condition",
      spec: "GuardDuty",
      broken: (p: Json) => ({ source: p.source, "detail-type": p["detail-type"] }),
      expected: ["matches negative guardduty-ec2.json"],
    },
    {
      what: "a GuardDuty severity filter",
      spec: "GuardDuty",
      broken: (p: Json) => withDetail(p, { severity: [{ numeric: [">=", 4] }] }),
      expected: [
        "filters on detail.severity",
        "misses severity 1 copy",
        "misses guardduty-low-severity.json",
      ],
    },
    {
      what: "a GuardDuty pattern without detail-type",
      spec: "GuardDuty",
      broken: (p: Json) => ({ source: p.source, detail: p.detail }),
      expected: ["matches negative Runtime Protection health status"],
    },
    {
      what: "a Health pattern missing AWS_RISK_IAM_QUARANTINE",
      spec: "Health",
      broken: (p: Json) =>
        withDetail(p, {
          eventTypeCode: (detailOf(p).eventTypeCode as string[]).filter(
            (c) => c !== "AWS_RISK_IAM_QUARANTINE",
          ),
        }),
      expected: ["misses health-iam-quarantine.json"],
    },
    {
      what: "a Health pattern on service IAM",
      spec: "Health",
      broken: (p: Json) => withDetail(p, { service: ["IAM"] }),
      expected: ['detail.service is ["IAM"]', "misses health-credentials-exposed-two-keys.json"],
    },
    {
      what: "a Health pattern without an event type filter",
      spec: "Health",
      broken: (p: Json) => withoutDetailKey(withoutDetailKey(p, "eventTypeCode"), "service"),
      expected: ["matches negative health-non-credential.json"],
    },
    {
      what: "a Trusted Advisor pattern without status ERROR",
      spec: "Trusted Advisor",
      broken: (p: Json) => withoutDetailKey(p, "status"),
      expected: ["matches negative trusted-advisor-ok.json"],
    },
    {
      what: "a Security Hub pattern without detail-type",
      spec: "Security Hub",
      broken: (p: Json) => ({ source: p.source, detail: p.detail }),
      expected: ["matches negative Findings Imported V2"],
    },
    {
      what: "a Security Hub pattern on the wrong resource type",
      spec: "Security Hub",
      broken: (p: Json) => withDetail(p, { findings: { Resources: { Type: ["AwsIamUser"] } } }),
      expected: ["misses security-hub-principal-name.json", "misses security-hub-null-key.json"],
    },
    {
      what: "a pattern the matcher cannot read",
      spec: "Trusted Advisor",
      broken: (p: Json) => withDetail(p, { status: "ERROR" }),
      expected: ["misses trusted-advisor-exposed-key.json: Unsupported event pattern"],
    },
  ])("reports $what", ({ spec: name, broken, expected }) => {
    const s = spec(name);
    const problems = specProblems(s, broken(patternOf(s)));
    for (const message of expected) {
      expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
    }
  });
});
