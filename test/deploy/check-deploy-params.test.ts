import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkDeployParams,
  DeployParamsError,
  parametersOfVariables,
  paramNames,
} from "../../scripts/check-deploy-params";
import { ROOT, sls } from "../support/sls";

const SERVERLESS_YML = readFileSync(join(ROOT, "serverless.yml"), "utf8");
const KNOWN = ["mode", "dryRun", "containWithoutApproval", "protectedUsers", "minSeverity", "drill"];

/** The environment serverless.yml sets from the parameters, each at its default unless given. */
const environmentWith = (values: Record<string, string> = {}) => {
  const defaults: Record<string, string> = { mode: "contain", dryRun: "false", minSeverity: "4" };
  return Object.fromEntries(
    Object.entries(parametersOfVariables(SERVERLESS_YML)).map(([variable, param]) => [
      variable,
      values[param] ?? defaults[param] ?? "",
    ]),
  );
};

const check = (values: Record<string, string> = {}, given = Object.keys(values)) =>
  checkDeployParams({
    known: KNOWN,
    given,
    environment: { ...environmentWith(values), ALERT_TOPIC_ARN: { Ref: "AlertTopic" } },
    parameterOf: parametersOfVariables(SERVERLESS_YML),
  });

describe("checkDeployParams", () => {
  it.each([
    [{}, "CONTAIN: keys will be disabled (set Inactive) as findings arrive"],
    [{ dryRun: "true" }, "OBSERVE: dry run, no key will be changed (plans and alerts only)"],
    [{ mode: "observe" }, "OBSERVE: dry run, no key will be changed (plans and alerts only)"],
    [
      { mode: "approve", containWithoutApproval: "health" },
      "APPROVE: no key will be changed until a person approves (a request to the manual function); contained at once: health",
    ],
  ])("answers the effective mode for %j", (values, mode) => {
    expect(check(values)).toBe(mode);
  });

  it("refuses an unknown parameter, naming it and the one it most likely meant", () => {
    expect(() => check({}, ["dryrun", "colour"])).toThrow(
      new DeployParamsError(
        'unknown parameter "dryrun" (did you mean "dryRun"?), "colour"; the parameters are "mode", "dryRun", ' +
          '"containWithoutApproval", "protectedUsers", "minSeverity", "drill" (serverless.yml, params.default)',
      ),
    );
  });

  it.each([
    [
      { mode: "aprove" },
      'parameter "mode" has a value the functions would refuse: RESPONDER_MODE must be one of',
    ],
    [
      { dryRun: "yes" },
      'parameter "dryRun" has a value the functions would refuse: DRY_RUN must be "true" or "false"',
    ],
    [{ minSeverity: "high" }, 'parameter "minSeverity" has a value the functions would refuse: MIN_SEVERITY'],
    [
      { mode: "approve", dryRun: "true" },
      'parameter "mode", "dryRun" has a value the functions would refuse',
    ],
  ])("refuses %j as the functions would, naming the parameter", (values, message) => {
    expect(() => check(values)).toThrow(message);
  });

  it.each([
    ["drill", "ture"],
    ["chatActions", "yes"],
    ["securityHubRule", "False"],
  ])("refuses %s=%s: the template's conditions would silently read it as off", (name, value) => {
    expect(() =>
      checkDeployParams({
        known: [...KNOWN, name],
        given: [name],
        environment: environmentWith(),
        parameterOf: parametersOfVariables(SERVERLESS_YML),
        values: { [name]: value },
      }),
    ).toThrow(`parameter "${name}" must be "true" or "false", got "${value}"`);
  });

  it("accepts the template switches at true and false", () => {
    for (const value of ["true", "false"]) {
      expect(
        checkDeployParams({
          known: KNOWN,
          given: [],
          environment: environmentWith(),
          parameterOf: parametersOfVariables(SERVERLESS_YML),
          values: { drill: value, chatActions: value, securityHubRule: value },
        }),
      ).toMatch(/^CONTAIN/);
    }
  });

  it("reads which parameter sets each variable from serverless.yml", () => {
    expect(parametersOfVariables(SERVERLESS_YML)).toMatchObject({
      RESPONDER_MODE: "mode",
      DRY_RUN: "dryRun",
      CONTAIN_WITHOUT_APPROVAL: "containWithoutApproval",
      ENRICH_CLOUDTRAIL: "enrichCloudTrail",
    });
  });

  it("takes the names of --param values, one or many", () => {
    expect(paramNames(["dryrun=true", "mode=a=b"])).toEqual(["dryrun", "mode"]);
    expect(paramNames("drill=true")).toEqual(["drill"]);
    expect(paramNames(undefined)).toEqual([]);
  });
});

/** `sls package` with parameters, offline. A refused parameter stops it before it clears the last package. */
const slsPackage = (params: string[]) =>
  sls(["package", "--package", join(ROOT, ".build", "refused-params"), ...params]);

describe("sls package", { timeout: 60_000 }, () => {
  it("fails on an unknown parameter name and on a value the functions would refuse, naming the parameter", async () => {
    const template = join(ROOT, ".serverless", "cloudformation-template-update-stack.json");
    const before = existsSync(template) ? statSync(template).mtimeMs : undefined;

    const [unknown, refused, switched] = await Promise.all([
      slsPackage(["--param=dryrun=true"]),
      slsPackage(["--param=mode=aprove"]),
      slsPackage(["--param=chatActions=yes"]),
    ]);

    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain('unknown parameter "dryrun" (did you mean "dryRun"?)');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('parameter "mode" has a value the functions would refuse');
    expect(refused.output).toContain('got "aprove"');
    expect(switched.code).not.toBe(0);
    expect(switched.output).toContain(`parameter "chatActions" must be "true" or "false", got "yes"`);
    // Refused before the framework's cleanup: the last package (the template tests read it) is still there.
    expect(existsSync(template) ? statSync(template).mtimeMs : undefined).toBe(before);
  });
});
