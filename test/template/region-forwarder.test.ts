// Forwarding to the responder's bus: infra/region-forwarder.json (every Region of every account, by StackSet), the
// global-events forwarder in AWS Health's backup Region (us-west-2), and the stack's bus policy that lets the
// organization's forwarders in. As in infra.test.ts, each check returns problems, so that it also runs on broken
// copies of the templates and shows that it would catch them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { matchesPattern } from "../support/event-pattern";
import {
  evaluateConditions,
  eventRules,
  loadPackaged,
  loadTemplate,
  PACKAGED_CONFIGS,
  PROJECT_ROOT,
  resource,
  resourcesOfType,
  roleStatements,
  type Template,
} from "../support/template";
import { allows, same } from "./policy-checks";

type Json = Record<string, unknown>;

const regionForwarder = () => loadTemplate(`${PROJECT_ROOT}infra/region-forwarder.json`);
const globalForwarder = () => loadTemplate(`${PROJECT_ROOT}infra/global-events-forwarder.json`);
const event = (name: string): Json =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, "events", name), "utf8")) as Json;

const RESPONDER_ACCOUNT = "111111111111";
const OTHER_ACCOUNT = "333333333333";
const RESPONDER_REGION = "us-east-1";
const OCSF = "Findings Imported V2";

/** The responder's default bus, as the forwarders name it, and as it reads once deployed. */
const RESPONDER_BUS = {
  "Fn::Sub": "arn:${AWS::Partition}:events:${ResponderRegion}:${ResponderAccountId}:event-bus/default",
};
const GLOBAL_FORWARDER_BUS = {
  "Fn::Sub": "arn:${AWS::Partition}:events:${ResponderRegion}:${AWS::AccountId}:event-bus/default",
};
const busArn = (region: string, account: string) => `arn:aws:events:${region}:${account}:event-bus/default`;

/** Where a stack of a forwarder template is deployed, and with which parameters. */
type Deployment = Record<string, string>;
const deployment = (where: { account: string; region: string }, parameters: Deployment = {}): Deployment => ({
  "AWS::Partition": "aws",
  "AWS::AccountId": where.account,
  "AWS::Region": where.region,
  ResponderAccountId: RESPONDER_ACCOUNT,
  ResponderRegion: RESPONDER_REGION,
  ...parameters,
});

/** `{"Fn::Sub": "…${Name}…"}` with every name replaced from the deployment; an unknown name throws. */
const substitute = (value: unknown, deployed: Deployment): string => {
  const text = (value as { "Fn::Sub"?: unknown } | undefined)?.["Fn::Sub"];
  if (typeof text !== "string") throw new Error(`not an Fn::Sub string: ${JSON.stringify(value)}`);
  return text.replace(/\$\{([\w:]+)\}/g, (_, name: string) => {
    const found = deployed[name];
    if (found === undefined) throw new Error(`no value for \${${name}}`);
    return found;
  });
};

/** The rules a stack of the template really has in a deployment: those whose Condition holds. */
const deployedRules = (template: Template, deployed: Deployment) => {
  const conditions = evaluateConditions(template, deployed);
  return eventRules(template).filter(({ logicalId }) => {
    const condition = resource(template, logicalId).Condition;
    return condition === undefined || conditions[condition] === true;
  });
};

/** Where each deployed rule sends an event (the resolved target ARNs), for the rules that match it. */
const forwardedTo = (template: Template, deployed: Deployment, sent: unknown): string[] =>
  deployedRules(template, deployed)
    .filter((rule) => matchesPattern(rule.pattern, sent))
    .flatMap((rule) => rule.targets.map((target) => substitute(target.Arn, deployed)));

// ---------- the responder's rules, from the packaged stack (so that a change there shows up here) ----------

const stackRules = () => eventRules(loadPackaged("default"));
const stackGuardDutyPattern = (): unknown => {
  const rules = stackRules().filter((rule) => rule.targetFunction === "GuarddutyLambdaFunction");
  if (rules.length !== 1) throw new Error(`expected one guardduty rule in the stack, found ${rules.length}`);
  return rules[0]?.pattern;
};
const detailTypes = (pattern: unknown): unknown[] => ((pattern as Json)["detail-type"] as unknown[]) ?? [];
/** The stack's Security Hub V2 rule, if the packaged stack has one yet. */
const stackOcsfPattern = (): unknown =>
  stackRules().find((rule) => detailTypes(rule.pattern).includes(OCSF))?.pattern;
const NO_OCSF_RULE =
  "the packaged stack has no `Findings Imported V2` rule yet (serverless.yml, securityHub function): " +
  "nothing to compare the forwarder's option with";

// ---------- checks ----------

/** The forwarder's rules, each forwarding what one rule of the stack receives. */
const FORWARDING_RULES = ["GuardDutyCredentialFindings", "SecurityHubV2KeyFindings"];

/** No other rule, and each rule named in `expected` has exactly the stack rule's pattern. */
const patternProblems = (forwarder: Template, expected: Record<string, unknown>): string[] => {
  const rules = eventRules(forwarder);
  return [
    ...rules
      .filter((rule) => !FORWARDING_RULES.includes(rule.logicalId))
      .map((rule) => `${rule.logicalId} is not one of the forwarding rules`),
    ...Object.entries(expected)
      .filter(([id, pattern]) => !same(rules.find((rule) => rule.logicalId === id)?.pattern, pattern))
      .map(
        ([id, pattern]) =>
          `${id} forwards ${JSON.stringify(rules.find((rule) => rule.logicalId === id)?.pattern)}, ` +
          `not the stack rule's ${JSON.stringify(pattern)}`,
      ),
  ];
};

/** Every rule sends to the responder's default bus, with the forwarding role, and nowhere else. */
const targetProblems = (forwarder: Template, bus: unknown): string[] =>
  eventRules(forwarder).flatMap((rule) => {
    const expected = [
      { Id: rule.targets[0]?.Id, Arn: bus, RoleArn: { "Fn::GetAtt": ["ForwardRole", "Arn"] } },
    ];
    return same(rule.targets, expected)
      ? []
      : [
          `${rule.logicalId} sends to ${JSON.stringify(rule.targets)}, not only to the responder's default bus`,
        ];
  });

/** The forwarding role may only put events on that bus, and only EventBridge of this account may assume it. */
const roleProblems = (forwarder: Template, bus: unknown): string[] => {
  const role = resource(forwarder, "ForwardRole");
  const statements = roleStatements(forwarder, {
    role: "ForwardRole",
    conditions: evaluateConditions(forwarder, deployment({ account: OTHER_ACCOUNT, region: "eu-west-1" })),
  });
  const expected = [{ Effect: "Allow", Action: ["events:PutEvents"], Resource: [bus] }];
  const trust = (role.Properties?.AssumeRolePolicyDocument as { Statement?: unknown } | undefined)?.Statement;
  const expectedTrust = [
    {
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
    },
  ];
  return [
    ...(same(allows(statements), expected) && statements.length === expected.length
      ? []
      : [`the forwarding role allows ${JSON.stringify(statements)}, not only events:PutEvents on the bus`]),
    ...(role.Properties?.ManagedPolicyArns === undefined ? [] : ["the forwarding role has managed policies"]),
    ...(same(trust, expectedTrust) ? [] : [`the forwarding role trusts ${JSON.stringify(trust)}`]),
  ];
};

/**
 * Where each rule exists: everywhere but the responder's own account and Region (its own rules receive those
 * events; forwarding there would send the bus's events back to itself), the V2 rule only with its option on. The
 * role has no Condition, so a stack never ends up with no resource.
 */
const placementProblems = (forwarder: Template): string[] => {
  const places = [
    { account: OTHER_ACCOUNT, region: "eu-west-1", forwards: true },
    { account: OTHER_ACCOUNT, region: RESPONDER_REGION, forwards: true },
    { account: RESPONDER_ACCOUNT, region: "eu-west-1", forwards: true },
    { account: RESPONDER_ACCOUNT, region: RESPONDER_REGION, forwards: false },
  ];
  return [
    ...places.flatMap(({ account, region, forwards }) =>
      (["false", "true"] as const).flatMap((option) => {
        const deployed = deployment({ account, region }, { ForwardSecurityHubV2: option });
        const names = deployedRules(forwarder, deployed).map((rule) => rule.logicalId);
        const expected = forwards
          ? ["GuardDutyCredentialFindings", ...(option === "true" ? ["SecurityHubV2KeyFindings"] : [])]
          : [];
        return same(names, expected)
          ? []
          : [
              `in ${account} ${region} with ForwardSecurityHubV2=${option}, the rules are ${names.join(", ") || "none"}`,
            ];
      }),
    ),
    ...(resource(forwarder, "ForwardRole").Condition === undefined ? [] : ["the role has a Condition"]),
  ];
};

/** Deployed in us-west-2, the global-events forwarder forwards Health's backup copy, but never to its own bus. */
const backupRegionProblems = (forwarder: Template): string[] => {
  const backup = event("health-backup-us-west-2.json");
  const elsewhere = deployment(
    { account: RESPONDER_ACCOUNT, region: "us-west-2" },
    { ResponderRegion: "eu-west-1" },
  );
  const sameRegion = deployment(
    { account: RESPONDER_ACCOUNT, region: "us-west-2" },
    { ResponderRegion: "us-west-2" },
  );
  const sent = forwardedTo(forwarder, elsewhere, backup);
  const looped = deployedRules(forwarder, sameRegion).map((rule) => rule.logicalId);
  return [
    ...(same(sent, [busArn("eu-west-1", RESPONDER_ACCOUNT)])
      ? []
      : [`deployed in us-west-2, the Health backup copy goes to ${JSON.stringify(sent)}`]),
    ...(looped.length === 0
      ? []
      : [`deployed in the responder's own Region, it still has ${looped.join(", ")}`]),
  ];
};

/** The stack's bus policy: only with organizationId, PutEvents on this Region's default bus, within the organization. */
const busPolicyProblems = (template: Template, organizationId: string | undefined): string[] => {
  const policies = resourcesOfType(template, "AWS::Events::EventBusPolicy");
  const conditions = evaluateConditions(template);
  const created = policies.filter(
    ([, policy]) => policy.Condition === undefined || conditions[policy.Condition],
  );
  const expected = {
    Effect: "Allow",
    Principal: "*",
    Action: "events:PutEvents",
    Resource: {
      "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
    },
    Condition: { StringEquals: { "aws:PrincipalOrgID": organizationId } },
  };
  if (organizationId === undefined) {
    return created.map(([id]) => `${id} is created without organizationId`);
  }
  return [
    ...(created.length === 1 ? [] : [`${created.length} bus policies are created, expected one`]),
    ...created.flatMap(([id, policy]) => [
      ...(policy.Condition === "HasOrganizationId" ? [] : [`${id} is not conditional on HasOrganizationId`]),
      ...((policy.Properties?.EventBusName ?? "default") === "default"
        ? []
        : [`${id} is not on the default bus`]),
      ...(same(policy.Properties?.Statement, expected)
        ? []
        : [
            `${id} allows ${JSON.stringify(policy.Properties?.Statement)}, expected ${JSON.stringify(expected)}`,
          ]),
    ]),
  ];
};

// ---------- the templates as shipped ----------

describe("the region forwarder template", () => {
  it("forwards GuardDuty findings with exactly the pattern of the stack's guardduty rule", () => {
    expect(
      patternProblems(regionForwarder(), { GuardDutyCredentialFindings: stackGuardDutyPattern() }),
    ).toEqual([]);
  });

  it("forwards Security Hub V2 findings (its option) with exactly the pattern of the stack's V2 rule", (context) => {
    const ocsf = stackOcsfPattern();
    if (ocsf === undefined) context.skip(NO_OCSF_RULE);
    expect(patternProblems(regionForwarder(), { SecurityHubV2KeyFindings: ocsf })).toEqual([]);
  });

  it("forwards a GuardDuty finding from eu-west-1 to the responder's default bus, in any account", () => {
    const finding = event("guardduty-iam-user-eu-west-1.json");
    expect(finding.region).toBe("eu-west-1");
    for (const account of [RESPONDER_ACCOUNT, OTHER_ACCOUNT]) {
      const deployed = deployment({ account, region: "eu-west-1" });
      expect(forwardedTo(regionForwarder(), deployed, finding), account).toEqual([
        busArn(RESPONDER_REGION, RESPONDER_ACCOUNT),
      ]);
    }
  });

  it("forwards a Security Hub V2 finding only with ForwardSecurityHubV2=true", (context) => {
    const findings = readdirSync(join(PROJECT_ROOT, "events"))
      .filter((file) => /^security-hub-v2-.*\.json$/.test(file))
      .map(event)
      .filter((sent) => sent["detail-type"] === OCSF);
    if (findings.length === 0) context.skip("no Security Hub V2 fixture in events/ yet");
    const where = { account: OTHER_ACCOUNT, region: "eu-west-1" };
    for (const sent of findings) {
      expect(
        forwardedTo(regionForwarder(), deployment(where, { ForwardSecurityHubV2: "true" }), sent),
      ).toEqual([busArn(RESPONDER_REGION, RESPONDER_ACCOUNT)]);
      expect(forwardedTo(regionForwarder(), deployment(where), sent)).toEqual([]);
    }
  });

  it("sends only to the responder's default bus, with a role that may only put events there", () => {
    expect(targetProblems(regionForwarder(), RESPONDER_BUS)).toEqual([]);
    expect(roleProblems(regionForwarder(), RESPONDER_BUS)).toEqual([]);
  });

  it("forwards from every account and Region but the responder's own, where it forwards nothing", () => {
    expect(placementProblems(regionForwarder())).toEqual([]);
  });

  it("takes the responder's account and Region, and the V2 option off by default", () => {
    const { Parameters = {} } = regionForwarder();
    expect(RESPONDER_ACCOUNT).toMatch(new RegExp(Parameters.ResponderAccountId?.AllowedPattern ?? "^$"));
    expect(RESPONDER_REGION).toMatch(new RegExp(Parameters.ResponderRegion?.AllowedPattern ?? "^$"));
    expect(Parameters.ForwardSecurityHubV2).toMatchObject({
      Default: "false",
      AllowedValues: ["true", "false"],
    });
  });
});

describe("the global-events forwarder in AWS Health's backup Region", () => {
  it("deployed in us-west-2, forwards the backup copy of a Health event to the responder's Region", () => {
    expect(backupRegionProblems(globalForwarder())).toEqual([]);
  });

  it("deployed in us-east-1, forwards the primary copy of the same event to the same bus", () => {
    const deployed = deployment(
      { account: RESPONDER_ACCOUNT, region: "us-east-1" },
      { ResponderRegion: "eu-west-1" },
    );
    expect(forwardedTo(globalForwarder(), deployed, event("health-member-account.json"))).toEqual([
      busArn("eu-west-1", RESPONDER_ACCOUNT),
    ]);
  });

  it("keeps a role that may only put events on the responder's bus", () => {
    expect(targetProblems(globalForwarder(), GLOBAL_FORWARDER_BUS)).toEqual([]);
    expect(roleProblems(globalForwarder(), GLOBAL_FORWARDER_BUS)).toEqual([]);
  });
});

describe("the stack's event bus policy for the organization's forwarders", () => {
  it("is not created without organizationId", () => {
    expect(resourcesOfType(loadPackaged("default"), "AWS::Events::EventBusPolicy")).toHaveLength(1);
    expect(busPolicyProblems(loadPackaged("default"), undefined)).toEqual([]);
  });

  it("with organizationId, lets only the organization's principals put events on this Region's default bus", () => {
    expect(
      busPolicyProblems(loadPackaged("allOptIns"), PACKAGED_CONFIGS.allOptIns.params.organizationId),
    ).toEqual([]);
  });
});

// ---------- broken copies ----------

describe("the forwarding checks catch a broken template", () => {
  const ORGANIZATION = PACKAGED_CONFIGS.allOptIns.params.organizationId;
  const rule = (t: Template, id: string) => resource(t, id).Properties as Json;
  const forwarderProblems = (t: Template) => [
    ...patternProblems(t, { GuardDutyCredentialFindings: stackGuardDutyPattern() }),
    ...targetProblems(t, RESPONDER_BUS),
    ...roleProblems(t, RESPONDER_BUS),
    ...placementProblems(t),
  ];
  const roleStatement = (t: Template): Json => {
    const policies = (resource(t, "ForwardRole").Properties?.Policies ?? []) as Array<{
      PolicyDocument: { Statement: Json[] };
    }>;
    const [statement] = policies[0]?.PolicyDocument.Statement ?? [];
    if (!statement) throw new Error("the forwarding role has no statement");
    return statement;
  };
  const policyStatement = (t: Template): Json => {
    const [[, policy] = []] = resourcesOfType(t, "AWS::Events::EventBusPolicy");
    return policy?.Properties?.Statement as Json;
  };

  it.each([
    {
      what: "a GuardDuty pattern that lost the attack-sequence alternatives",
      change: (t: Template) => {
        const detail = (rule(t, "GuardDutyCredentialFindings").EventPattern as Json).detail as Json;
        rule(t, "GuardDutyCredentialFindings").EventPattern = {
          ...(rule(t, "GuardDutyCredentialFindings").EventPattern as Json),
          detail: (detail.$or as Json[] | undefined)?.[0] ?? { resource: { accessKeyDetails: {} } },
        };
      },
      expected: "GuardDutyCredentialFindings forwards",
    },
    {
      what: "a rule that forwards more than the stack receives",
      change: (t: Template) => {
        t.Resources.AllGuardDutyFindings = {
          Type: "AWS::Events::Rule",
          Properties: {
            EventPattern: { source: ["aws.guardduty"] },
            Targets: rule(t, "GuardDutyCredentialFindings").Targets,
          },
        };
      },
      expected: "AllGuardDutyFindings is not one of the forwarding rules",
    },
    {
      what: "a rule that sends to the bus of the Region it is in",
      change: (t: Template) => {
        const [target] = rule(t, "GuardDutyCredentialFindings").Targets as Json[];
        (target as Json).Arn = {
          "Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${ResponderAccountId}:event-bus/default",
        };
      },
      expected: "GuardDutyCredentialFindings sends to",
    },
    {
      what: "a role that may put events on any bus",
      change: (t: Template) => {
        roleStatement(t).Resource = "*";
      },
      expected: "the forwarding role allows",
    },
    {
      what: "a role that may do more than put events",
      change: (t: Template) => {
        roleStatement(t).Action = ["events:PutEvents", "events:PutRule"];
      },
      expected: "the forwarding role allows",
    },
    {
      what: "a GuardDuty rule that forwards in the responder's own account and Region too",
      change: (t: Template) => {
        delete resource(t, "GuardDutyCredentialFindings").Condition;
      },
      expected: `in ${RESPONDER_ACCOUNT} ${RESPONDER_REGION} with ForwardSecurityHubV2=false, the rules are GuardDutyCredentialFindings`,
    },
    {
      what: "a V2 rule that forwards whatever its option says",
      change: (t: Template) => {
        resource(t, "SecurityHubV2KeyFindings").Condition = "ForwardFromHere";
      },
      expected:
        "with ForwardSecurityHubV2=false, the rules are GuardDutyCredentialFindings, SecurityHubV2KeyFindings",
    },
  ])("reports $what", ({ change, expected }) => {
    const template = regionForwarder();
    expect(forwarderProblems(template)).toEqual([]);
    change(template);
    expect(forwarderProblems(template)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it("reports a V2 rule whose pattern is not the stack's", (context) => {
    if (stackOcsfPattern() === undefined) context.skip(NO_OCSF_RULE);
    const template = regionForwarder();
    const problems = () => patternProblems(template, { SecurityHubV2KeyFindings: stackOcsfPattern() });
    expect(problems()).toEqual([]);
    rule(template, "SecurityHubV2KeyFindings").EventPattern = {
      source: ["aws.securityhub"],
      "detail-type": [OCSF],
    };
    expect(problems()).toEqual(
      expect.arrayContaining([expect.stringContaining("SecurityHubV2KeyFindings forwards")]),
    );
  });

  it.each([
    {
      what: "a global-events forwarder in us-west-2 that forwards to its own bus",
      change: (t: Template) => {
        delete resource(t, "HealthCredentialEvents").Condition;
      },
      expected: "deployed in the responder's own Region, it still has HealthCredentialEvents",
    },
    {
      what: "a global-events forwarder whose Health rule no longer matches the backup copy",
      // "global" is what reference pages show; the published RISK events carry us-east-1.
      change: (t: Template) => {
        ((rule(t, "HealthCredentialEvents").EventPattern as Json).detail as Json).eventRegion = ["global"];
      },
      expected: "deployed in us-west-2, the Health backup copy goes to []",
    },
  ])("reports $what", ({ change, expected }) => {
    const template = globalForwarder();
    expect(backupRegionProblems(template)).toEqual([]);
    change(template);
    expect(backupRegionProblems(template)).toEqual(
      expect.arrayContaining([expect.stringContaining(expected)]),
    );
  });

  it.each([
    {
      what: "a bus policy created whatever organizationId says",
      packaged: "default" as const,
      organizationId: undefined,
      change: (t: Template) => {
        const [[, policy] = []] = resourcesOfType(t, "AWS::Events::EventBusPolicy");
        if (policy) delete policy.Condition;
      },
      expected: "is created without organizationId",
    },
    {
      what: "a bus policy without aws:PrincipalOrgID",
      packaged: "allOptIns" as const,
      organizationId: ORGANIZATION,
      change: (t: Template) => {
        delete policyStatement(t).Condition;
      },
      expected: "OrganizationForwardsEvents allows",
    },
    {
      what: "a bus policy that lets the organization do more than put events",
      packaged: "allOptIns" as const,
      organizationId: ORGANIZATION,
      change: (t: Template) => {
        policyStatement(t).Action = "events:*";
      },
      expected: "OrganizationForwardsEvents allows",
    },
  ])("reports $what", ({ packaged, organizationId, change, expected }) => {
    const template = loadPackaged(packaged);
    expect(busPolicyProblems(template, organizationId)).toEqual([]);
    change(template);
    expect(busPolicyProblems(template, organizationId)).toEqual(
      expect.arrayContaining([expect.stringContaining(expected)]),
    );
  });
});
