// The packaged Security Hub rules: on by default, one per format (ASFF and OCSF), each delivering only its own
// format's findings that name an access key. As in rules.test.ts, the checks return problems, so they are also run
// on broken copies of the patterns to show that they would catch them.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { matchesPattern } from "../support/event-pattern";
import {
  arnOf,
  type EventRule,
  eventRules,
  loadPackaged,
  PACKAGE_REGION,
  PACKAGE_STAGE,
  type PackagedConfigName,
  PROJECT_ROOT,
} from "../support/template";
import { fixture, fixtureFiles, type Json, type Named, named } from "./rule-fixtures";

const ASFF = "Security Hub Findings - Imported";
const OCSF = "Findings Imported V2";

/** A copy of a fixture's one finding with some fields replaced. */
const findingVariant = (file: string, name: string, change: Json): Named => {
  const event = fixture(file);
  const detail = event.detail as { findings: Json[] };
  detail.findings = [{ ...(detail.findings[0] as Json), ...change }];
  return { name, event };
};

const securityHubFixtures = (): string[] => fixtureFiles(/^security-hub-.*\.json$/);

const detailTypeOf = (file: string): unknown => fixture(file)["detail-type"];

/** Every V2 fixture, found by reading the directory: each names an access key. */
const ocsfFixtures = (): Named[] =>
  securityHubFixtures()
    .filter((file) => detailTypeOf(file) === OCSF)
    .map(named);

/** Every ASFF imported finding that names an access-key resource (the insight results name none). */
const asffFixtures = (): Named[] =>
  securityHubFixtures()
    .filter((file) => detailTypeOf(file) === ASFF)
    .map(named);

const OCSF_POSITIVES = (): Named[] => [
  ...ocsfFixtures(),
  findingVariant("security-hub-v2-guardduty.json", "a Low copy", { severity: "Low", severity_id: 2 }),
  findingVariant("security-hub-v2-guardduty.json", "a suppressed copy", {
    status: "Suppressed",
    status_id: 3,
  }),
  findingVariant("security-hub-v2-guardduty.json", "a copy from another product", {
    metadata: { product: { name: "Macie", uid: "arn:aws:securityhub:us-east-1::productv2/aws/macie" } },
  }),
  findingVariant("security-hub-v2-guardduty.json", "a copy whose key is the second resource", {
    resources: [
      { type: "AWS::EC2::Instance", uid: "i-0a1b2c3d4e5f60718" },
      { type: "AWS::IAM::AccessKey", uid: "AKIAGRACE00000000001" },
    ],
  }),
];

const OCSF_NEGATIVES = (): Named[] => [
  ...asffFixtures(),
  named("security-hub-insight-results.json"),
  findingVariant("security-hub-v2-guardduty.json", "an OCSF finding about an instance", {
    resources: [{ type: "AWS::EC2::Instance", uid: "i-0a1b2c3d4e5f60718" }],
  }),
  findingVariant("security-hub-v2-guardduty.json", "an OCSF finding with ASFF's resource type", {
    resources: [{ type: "AwsIamAccessKey", uid: "AKIAGRACE00000000001" }],
  }),
  {
    name: "an ASFF finding sent as Findings Imported V2",
    event: { ...fixture("security-hub-principal-name.json"), "detail-type": OCSF },
  },
];

const ASFF_POSITIVES = (): Named[] => [
  ...asffFixtures(),
  findingVariant("security-hub-principal-name.json", "a LOW copy", { Severity: { Label: "LOW" } }),
];

const ASFF_NEGATIVES = (): Named[] => [
  ...ocsfFixtures(),
  named("security-hub-insight-results.json"),
  {
    name: "an OCSF finding sent as Security Hub Findings - Imported",
    event: { ...fixture("security-hub-v2-guardduty.json"), "detail-type": ASFF },
  },
];

const matchesSafely = (pattern: unknown, event: unknown): boolean | string => {
  try {
    return matchesPattern(pattern, event);
  } catch (error) {
    return (error as Error).message;
  }
};

/** Filters that would hide a low or closed finding: the plan decides on severity, status and type. */
const narrowingFilters = (pattern: unknown): string[] => {
  const findings = ((pattern as Json).detail as Json | undefined)?.findings as Json | undefined;
  return ["severity", "severity_id", "status", "status_id", "Severity", "Types", "Workflow", "RecordState"]
    .filter((field) => findings?.[field] !== undefined)
    .map((field) => `filters on detail.findings.${field}`);
};

/** What is wrong with a pattern: positives it misses, negatives it matches, filters it must not have. */
const problems = (pattern: unknown, positives: Named[], negatives: Named[]): string[] => [
  ...positives.flatMap(({ name, event }) => {
    const result = matchesSafely(pattern, event);
    return result === true ? [] : [`misses ${name}${typeof result === "string" ? `: ${result}` : ""}`];
  }),
  ...negatives.flatMap(({ name, event }) => {
    const result = matchesSafely(pattern, event);
    return result === false
      ? []
      : [`matches negative ${name}${typeof result === "string" ? `: ${result}` : ""}`];
  }),
  ...narrowingFilters(pattern),
];

const securityHubRules = (config: PackagedConfigName = "default"): EventRule[] =>
  eventRules(loadPackaged(config)).filter((rule) =>
    ((rule.pattern as Json | undefined)?.source as unknown[] | undefined)?.includes("aws.securityhub"),
  );

/** The one packaged Security Hub rule for a detail-type. */
const ruleFor = (detailType: string, config: PackagedConfigName = "default"): EventRule => {
  const found = securityHubRules(config).filter((rule) =>
    ((rule.pattern as Json)["detail-type"] as unknown[] | undefined)?.includes(detailType),
  );
  if (found.length !== 1) throw new Error(`Expected one rule for ${detailType}, found ${found.length}`);
  return found[0] as EventRule;
};

const patternOf = (detailType: string): Json => structuredClone(ruleFor(detailType).pattern) as Json;

describe("the Security Hub rules", () => {
  it.each(["default", "allOptIns"] as const)("are two, both enabled, with the %s parameters", (config) => {
    const rules = securityHubRules(config);

    expect(rules).toHaveLength(2);
    expect(rules.map((rule) => rule.state)).toEqual(["ENABLED", "ENABLED"]);
    expect(ruleFor(ASFF, config).logicalId).not.toBe(ruleFor(OCSF, config).logicalId);
  });

  it.each([ASFF, OCSF])(
    "the %s rule invokes the securityHub function, retries and dead-letters",
    (detailType) => {
      const rule = ruleFor(detailType);

      expect(rule.targetFunction).toBe("SecurityHubLambdaFunction");
      expect(rule.targets).toHaveLength(1);
      expect(rule.targets[0]?.DeadLetterConfig).toEqual({ Arn: arnOf("FailureQueue") });
      // The same retry policy as every other rule (serverless.yml: a day, 185 attempts).
      expect(rule.targets[0]?.RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: 86400,
        MaximumRetryAttempts: 185,
      });
    },
  );

  it("the V2 rule delivers every V2 fixture and copies of it, and no ASFF event, insight result or other resource", () => {
    expect(ocsfFixtures().map(({ name }) => name)).toEqual(
      expect.arrayContaining([
        "security-hub-v2-guardduty.json",
        "security-hub-v2-custom-product.json",
        "security-hub-v2-resolved.json",
      ]),
    );
    expect(problems(patternOf(OCSF), OCSF_POSITIVES(), OCSF_NEGATIVES())).toEqual([]);
  });

  it("the ASFF rule delivers every ASFF fixture, the other-region one included, and no V2 event", () => {
    expect(asffFixtures().map(({ name }) => name)).toContain("security-hub-other-region.json");
    expect(problems(patternOf(ASFF), ASFF_POSITIVES(), ASFF_NEGATIVES())).toEqual([]);
  });

  it("delivers each Security Hub fixture to one rule of the whole stack only", () => {
    const rules = eventRules(loadPackaged("default"));
    for (const { name, event } of [...ocsfFixtures(), ...asffFixtures()]) {
      const own = ruleFor(detailTypeOf(name) as string).logicalId;
      const matching = rules
        .filter((rule) => matchesPattern(rule.pattern, event))
        .map((rule) => rule.logicalId);
      expect(matching, name).toEqual([own]);
    }
  });

  it("securityHubRule=false turns both rules off (the parameter is kept)", () => {
    const run = spawnSync(
      join(PROJECT_ROOT, "node_modules", ".bin", "sls"),
      [
        "print",
        "--stage",
        PACKAGE_STAGE,
        "--region",
        PACKAGE_REGION,
        "--param=securityHubRule=false",
        "--format",
        "json",
      ],
      { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const config = JSON.parse(run.stdout) as {
      functions: { securityHub: { events: { eventBridge: { enabled: unknown; pattern: Json } }[] } };
    };

    expect(
      config.functions.securityHub.events.map(({ eventBridge }) => [
        eventBridge.pattern["detail-type"],
        eventBridge.enabled,
      ]),
    ).toEqual([
      [[ASFF], false],
      [[OCSF], false],
    ]);
  }, 60_000);
});

describe("the Security Hub rule checks catch broken patterns", () => {
  const withFindings = (pattern: Json, findings: Json): Json => ({ ...pattern, detail: { findings } });

  it.each([
    {
      what: "a V2 pattern on ASFF's resource field",
      detailType: OCSF,
      broken: (p: Json) => withFindings(p, { Resources: { Type: ["AWS::IAM::AccessKey"] } }),
      expected: ["misses security-hub-v2-guardduty.json", "misses security-hub-v2-custom-product.json"],
    },
    {
      what: "a V2 pattern on ASFF's resource type",
      detailType: OCSF,
      broken: (p: Json) => withFindings(p, { resources: { type: ["AwsIamAccessKey"] } }),
      expected: [
        "misses security-hub-v2-guardduty.json",
        "matches negative an OCSF finding with ASFF's resource type",
      ],
    },
    {
      what: "a V2 pattern without the resource condition",
      detailType: OCSF,
      broken: (p: Json) => ({ source: p.source, "detail-type": p["detail-type"] }),
      expected: ["matches negative an OCSF finding about an instance"],
    },
    {
      what: "a source-only V2 pattern",
      detailType: OCSF,
      broken: (p: Json) => ({ source: p.source }),
      expected: [
        "matches negative security-hub-insight-results.json",
        "matches negative an OCSF finding about an instance",
      ],
    },
    {
      what: "a V2 pattern with the ASFF detail-type",
      detailType: OCSF,
      broken: (p: Json) => ({ ...p, "detail-type": [ASFF] }),
      expected: ["misses security-hub-v2-guardduty.json", "misses security-hub-v2-resolved.json"],
    },
    {
      what: "a V2 severity filter",
      detailType: OCSF,
      broken: (p: Json) =>
        withFindings(p, { ...((p.detail as Json).findings as Json), severity: ["Critical", "High"] }),
      expected: ["filters on detail.findings.severity", "misses a Low copy"],
    },
    {
      what: "a V2 status filter",
      detailType: OCSF,
      broken: (p: Json) => withFindings(p, { ...((p.detail as Json).findings as Json), status: ["New"] }),
      expected: ["filters on detail.findings.status", "misses security-hub-v2-resolved.json"],
    },
    {
      what: "a source-only ASFF pattern",
      detailType: ASFF,
      broken: (p: Json) => ({ source: p.source }),
      expected: [
        "matches negative security-hub-v2-guardduty.json",
        "matches negative security-hub-insight-results.json",
      ],
    },
    {
      what: "an ASFF pattern with the V2 detail-type",
      detailType: ASFF,
      broken: (p: Json) => ({ ...p, "detail-type": [OCSF] }),
      expected: ["misses security-hub-principal-name.json", "misses security-hub-other-region.json"],
    },
  ])("reports $what", ({ detailType, broken, expected }) => {
    const [positives, negatives] =
      detailType === OCSF ? [OCSF_POSITIVES(), OCSF_NEGATIVES()] : [ASFF_POSITIVES(), ASFF_NEGATIVES()];
    const found = problems(broken(patternOf(detailType)), positives, negatives);
    for (const message of expected) {
      expect(found).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
    }
  });
});
