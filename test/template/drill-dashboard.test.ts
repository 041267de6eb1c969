// The drill (param drill) and the dashboard in the packaged templates: off by default, wired and narrowly granted
// when on, and a dashboard that shows every metric the functions publish. Each check returns problems, and runs on
// broken copies too.
import { describe, expect, it } from "vitest";
import { MetricName } from "../../src/alert/metrics";
import { DRILL_PERMISSIONS } from "../../src/drill/run-drill";
import { METRICS_NAMESPACE, SERVICE_NAME } from "../../src/entry/handler";
import {
  arnOf,
  DRILL_FUNCTION,
  DRILL_ROLE,
  EXECUTION_ROLE,
  evaluateConditions,
  loadPackaged,
  type PackagedConfigName,
  ref,
  resourcesOfType,
  roleStatements,
  type Template,
} from "../support/template";
import { allows, grantedBy } from "./policy-checks";

const DAY = 86_400;

const scheduleRules = (template: Template) =>
  resourcesOfType(template, "AWS::Events::Rule").filter(([, rule]) => rule.Properties?.ScheduleExpression);

/** The drill's schedule: one rule, targeting the drill function, at least weekly, retried and dead-lettered. */
const scheduleProblems = (template: Template, enabled: boolean): string[] => {
  const rules = scheduleRules(template);
  if (rules.length !== 1) return [`expected one schedule rule, found ${rules.length}`];
  const [id, rule] = rules[0] as (typeof rules)[number];
  const properties = rule.Properties as Record<string, unknown>;
  const targets = properties.Targets as Array<Record<string, unknown>>;
  const expression = String(properties.ScheduleExpression);
  return [
    ...(JSON.stringify(targets.map((t) => t.Arn)) === JSON.stringify([arnOf(DRILL_FUNCTION)])
      ? []
      : [`${id} does not target only ${DRILL_FUNCTION}`]),
    ...(properties.State === (enabled ? "ENABLED" : "DISABLED")
      ? []
      : [`${id} is ${String(properties.State)}`]),
    // At least once a week: a weekly rate, or a cron on named weekdays.
    ...(/^rate\((7 days|[1-6] days?)\)$/.test(expression) ||
    /^cron\(\S+ \S+ \? \* [A-Z,]+ \*\)$/.test(expression)
      ? []
      : [`${id} does not run at least weekly (${expression})`]),
    ...targets.flatMap((t) =>
      JSON.stringify(t.DeadLetterConfig) === JSON.stringify({ Arn: arnOf("FailureQueue") }) && t.RetryPolicy
        ? []
        : [`${id} target does not retry and dead-letter to the failure queue`],
    ),
  ];
};

/** DrillMissingAlarm: DrillCompleted of the service, summed per day over 7 days, missing data breaching. */
const alarmProblems = (template: Template): string[] => {
  const alarm = template.Resources.DrillMissingAlarm;
  if (!alarm) return ["no DrillMissingAlarm"];
  const p = alarm.Properties as Record<string, unknown>;
  const expected: Record<string, unknown> = {
    Namespace: METRICS_NAMESPACE,
    MetricName: MetricName.DrillCompleted,
    Dimensions: [{ Name: "service", Value: SERVICE_NAME }],
    Statistic: "Sum",
    Period: DAY,
    ComparisonOperator: "LessThanThreshold",
    Threshold: 1,
    TreatMissingData: "breaching",
    AlarmActions: [ref("AlertTopic"), ref("AlarmTopic")],
  };
  return [
    ...(alarm.Condition === "Drill" ? [] : ["DrillMissingAlarm is not conditional on Drill"]),
    ...Object.entries(expected)
      .filter(([key, value]) => JSON.stringify(p[key]) !== JSON.stringify(value))
      .map(([key]) => `DrillMissingAlarm ${key} is ${JSON.stringify(p[key])}`),
    // CloudWatch refuses more than 7 days of look-back (Period x EvaluationPeriods <= 604800).
    ...(Number(p.Period) * Number(p.EvaluationPeriods) === 7 * DAY
      ? []
      : [`DrillMissingAlarm looks back ${Number(p.Period) * Number(p.EvaluationPeriods)} s, not 7 days`]),
    // Every day of the window must lack a drill: fewer datapoints would alarm between two twice-weekly drills.
    ...(p.DatapointsToAlarm === undefined || p.DatapointsToAlarm === p.EvaluationPeriods
      ? []
      : [
          `DrillMissingAlarm alarms on ${String(p.DatapointsToAlarm)} of ${String(p.EvaluationPeriods)} days`,
        ]),
  ];
};

/**
 * DrillGrant, where its Condition holds, allows the drill's own role exactly the drill's two GuardDuty actions, on
 * "*": neither has resource-level permissions, so a narrower ARN would never match and the drill would be denied.
 */
const grantProblems = (template: Template): string[] => {
  const grant = template.Resources.DrillGrant;
  if (!grant) return ["no DrillGrant"];
  const statements = roleStatements(template, {
    role: DRILL_ROLE,
    conditions: { ...evaluateConditions(template), Drill: true },
  });
  const guardduty = [...grantedBy(statements)].filter((a) => a.startsWith("guardduty:")).sort();
  const notOnStar = allows(statements)
    .filter((s) => s.Action.some((a) => a.startsWith("guardduty:")))
    .filter((s) => JSON.stringify(s.Resource) !== JSON.stringify(["*"]));
  return [
    ...(grant.Condition === "Drill" ? [] : ["DrillGrant is not conditional on Drill"]),
    ...(JSON.stringify((grant.Properties as { RoleName: unknown }).RoleName) ===
    JSON.stringify(ref(DRILL_ROLE))
      ? []
      : ["DrillGrant is not on the drill's role"]),
    ...(JSON.stringify(guardduty) === JSON.stringify([...DRILL_PERMISSIONS].sort())
      ? []
      : [`GuardDuty actions granted: ${guardduty.join(", ")}`]),
    ...notOnStar.map(
      (s) => `${s.Sid ?? "a statement"} grants GuardDuty on ${JSON.stringify(s.Resource)}, not "*"`,
    ),
  ];
};

// Every metric the functions publish, so that a new one cannot be left off the dashboard unnoticed.
const DASHBOARD_METRICS = [...Object.values(MetricName), "ApproximateNumberOfMessagesVisible"];

const dashboardBody = (template: Template): string => {
  const [, dashboard] = resourcesOfType(template, "AWS::CloudWatch::Dashboard")[0] ?? [];
  const body = (dashboard?.Properties?.DashboardBody as { "Fn::Sub"?: [string, unknown] } | undefined)?.[
    "Fn::Sub"
  ];
  if (!body) throw new Error("no dashboard with a Fn::Sub body");
  return body[0];
};

/** The dashboard's body is JSON and shows every metric, p50 and p99 of the time to containment, the queue. */
const dashboardProblems = (template: Template): string[] => {
  let parsed: { widgets?: Array<{ properties?: { metrics?: unknown } }> };
  try {
    parsed = JSON.parse(dashboardBody(template));
  } catch (error) {
    return [`the dashboard body is not JSON: ${(error as Error).message}`];
  }
  const shown = JSON.stringify((parsed.widgets ?? []).map((w) => w.properties?.metrics));
  return [
    ...DASHBOARD_METRICS.filter((name) => !shown.includes(`${name}`)).map(
      (name) => `the dashboard lacks ${name}`,
    ),
    ...["p50", "p99"]
      .filter((stat) => !shown.includes(`"stat":"${stat}"`))
      .map((s) => `no ${s} of TimeToContainment`),
    ...(shown.includes("${QueueName}") ? [] : ["the queue widget does not name the failure queue"]),
  ];
};

describe.each([
  ["default", false],
  ["allOptIns", true],
] as [PackagedConfigName, boolean][])("the drill, %s package", (name, on) => {
  it(
    on ? "the schedule targets the drill function weekly, enabled" : "the schedule is there but disabled",
    () => {
      expect(scheduleProblems(loadPackaged(name), on)).toEqual([]);
    },
  );

  it(`the Drill condition is ${on}`, () => {
    expect(evaluateConditions(loadPackaged(name)).Drill).toBe(on);
  });

  it(
    on
      ? "grants the drill's role only the two GuardDuty actions, the responders' role none"
      : "grants no GuardDuty action",
    () => {
      const template = loadPackaged(name);
      expect(grantProblems(template)).toEqual([]);
      const guardduty = (role: string) =>
        [...grantedBy(roleStatements(template, { role }))].filter((a) => a.startsWith("guardduty:")).sort();
      expect(guardduty(DRILL_ROLE)).toEqual(on ? [...DRILL_PERMISSIONS].sort() : []);
      expect(guardduty(EXECUTION_ROLE)).toEqual([]);
    },
  );

  it("DrillMissingAlarm watches DrillCompleted, breaching when missing, only with drill on", () => {
    expect(alarmProblems(loadPackaged(name))).toEqual([]);
  });

  it("the dashboard body parses as JSON and names every metric", () => {
    expect(dashboardProblems(loadPackaged(name))).toEqual([]);
  });

  it("FunctionErrorsAlarm counts the drill function's errors", () => {
    const alarm = loadPackaged(name).Resources.FunctionErrorsAlarm?.Properties;
    expect(JSON.stringify(alarm?.Metrics)).toContain(JSON.stringify(ref(DRILL_FUNCTION)));
    expect(JSON.stringify(alarm?.Metrics)).toContain("m1 + m2 + m3 + m4 + m5");
  });
});

describe("the drill and dashboard checks catch a broken template", () => {
  const broken = (change: (t: Template) => void): Template => {
    const template = loadPackaged("allOptIns");
    change(template);
    return template;
  };
  const props = (t: Template, id: string) => t.Resources[id]?.Properties as Record<string, unknown>;
  const rule = (t: Template) => props(t, (scheduleRules(t)[0] as [string, unknown])[0]);

  it.each([
    {
      what: "a schedule disabled while drill is on",
      check: (t: Template) => scheduleProblems(t, true),
      change: (t: Template) => {
        rule(t).State = "DISABLED";
      },
      expected: "is DISABLED",
    },
    {
      what: "a schedule that runs monthly",
      check: (t: Template) => scheduleProblems(t, true),
      change: (t: Template) => {
        rule(t).ScheduleExpression = "rate(30 days)";
      },
      expected: "does not run at least weekly",
    },
    {
      what: "a schedule targeting another function",
      check: (t: Template) => scheduleProblems(t, true),
      change: (t: Template) => {
        const [target] = rule(t).Targets as Array<Record<string, unknown>>;
        if (target) target.Arn = arnOf("GuarddutyLambdaFunction");
      },
      expected: "does not target only",
    },
    {
      what: "a schedule without a dead-letter queue",
      check: (t: Template) => scheduleProblems(t, true),
      change: (t: Template) => {
        const [target] = rule(t).Targets as Array<Record<string, unknown>>;
        if (target) delete target.DeadLetterConfig;
      },
      expected: "does not retry and dead-letter",
    },
    {
      what: "an alarm that treats missing data as fine",
      check: alarmProblems,
      change: (t: Template) => {
        props(t, "DrillMissingAlarm").TreatMissingData = "notBreaching";
      },
      expected: "TreatMissingData",
    },
    {
      what: "an alarm on the wrong dimensions",
      check: alarmProblems,
      change: (t: Template) => {
        props(t, "DrillMissingAlarm").Dimensions = [];
      },
      expected: "Dimensions",
    },
    {
      what: "an alarm that lost its Condition",
      check: alarmProblems,
      change: (t: Template) => {
        delete (t.Resources.DrillMissingAlarm as { Condition?: string }).Condition;
      },
      expected: "not conditional",
    },
    {
      what: "an alarm looking back one day",
      check: alarmProblems,
      change: (t: Template) => {
        props(t, "DrillMissingAlarm").EvaluationPeriods = 1;
      },
      expected: "not 7 days",
    },
    {
      what: "a grant widened to guardduty:CreateDetector",
      check: grantProblems,
      change: (t: Template) => {
        const doc = props(t, "DrillGrant").PolicyDocument as { Statement: Array<{ Action: string[] }> };
        doc.Statement[0]?.Action.push("guardduty:CreateDetector");
      },
      expected: "GuardDuty actions granted",
    },
    {
      what: "GuardDuty granted on detector ARNs, which never match",
      check: grantProblems,
      change: (t: Template) => {
        const doc = props(t, "DrillGrant").PolicyDocument as { Statement: Array<{ Resource: unknown[] }> };
        (doc.Statement[0] as { Resource: unknown[] }).Resource = [
          { "Fn::Sub": "arn:${AWS::Partition}:guardduty:${AWS::Region}:${AWS::AccountId}:detector/*" },
        ];
      },
      expected: 'not "*"',
    },
    {
      what: "the grant moved back to the responders' role",
      check: grantProblems,
      change: (t: Template) => {
        props(t, "DrillGrant").RoleName = ref(EXECUTION_ROLE);
      },
      expected: "not on the drill's role",
    },
    {
      what: "a grant that lost its Condition",
      check: grantProblems,
      change: (t: Template) => {
        delete (t.Resources.DrillGrant as { Condition?: string }).Condition;
      },
      expected: "not conditional",
    },
    {
      what: "a dashboard body that is not JSON",
      check: dashboardProblems,
      change: (t: Template) => {
        const sub = props(t, "Dashboard").DashboardBody as { "Fn::Sub": [string, unknown] };
        sub["Fn::Sub"][0] = `${sub["Fn::Sub"][0]},`;
      },
      expected: "not JSON",
    },
    {
      what: "a dashboard without the drills",
      check: dashboardProblems,
      change: (t: Template) => {
        const sub = props(t, "Dashboard").DashboardBody as { "Fn::Sub": [string, unknown] };
        sub["Fn::Sub"][0] = sub["Fn::Sub"][0].replaceAll("DrillCompleted", "Drills");
      },
      expected: "lacks DrillCompleted",
    },
    {
      what: "a dashboard without p99",
      check: dashboardProblems,
      change: (t: Template) => {
        const sub = props(t, "Dashboard").DashboardBody as { "Fn::Sub": [string, unknown] };
        sub["Fn::Sub"][0] = sub["Fn::Sub"][0].replaceAll('"p99"', '"Average"');
      },
      expected: "no p99",
    },
  ])("reports $what", ({ check, change, expected }) => {
    const has = (problems: string[]) => problems.some((p) => p.includes(expected));
    expect(has(check(loadPackaged("allOptIns")))).toBe(false);
    expect(has(check(broken(change)))).toBe(true);
  });
});
