// The deploy parameters, checked when `sls package` or `sls deploy` starts (scripts/check-deploy-params-plugin.cjs)
// with the validation the functions themselves run (src/shared/config.ts): `--param="dryrun=true"` or `mode=aprove` must
// fail the deploy, not the first finding, or a stack meant as a dry run goes out live.
import { closestName } from "../src/findings/closest-name";
import { ConfigError, describeMode, loadConfig } from "../src/shared/config";

/** What the framework knows when packaging starts, every variable resolved. */
export interface DeployParams {
  /** The names under `params.default` in serverless.yml: the only parameters there are. */
  known: readonly string[];
  /** Every parameter set: `--param` on the command line, and those of any stage under `params`. */
  given: readonly string[];
  /** The functions' environment as the parameters set it (`provider.environment`). */
  environment: Readonly<Record<string, unknown>>;
  /** The parameter that sets each variable (`RESPONDER_MODE: ${param:mode}`). */
  parameterOf: Readonly<Record<string, string>>;
  /** Every parameter's value as the deploy resolves it (default, then the stage's, then `--param`). */
  values?: Readonly<Record<string, unknown>>;
}

/**
 * Parameters no function reads: only the template's conditions do (`Fn::Equals [value, "true"]`, `strToBool`), where
 * any value but "true" silently means off. `drill=ture` must fail like `dryRun=ture` does.
 */
export const TEMPLATE_SWITCHES = ["drill", "chatActions", "securityHubRule"] as const;

export class DeployParamsError extends Error {
  override name = "DeployParamsError";
}

/** `--param` values as the framework passes them (`name=value`, one or many) to their names. */
export const paramNames = (option: unknown): string[] =>
  (Array.isArray(option) ? option : option === undefined ? [] : [option]).map(
    (entry) => String(entry).split("=")[0]?.trim() ?? "",
  );

/** Which parameter sets which variable, read from serverless.yml as written (`NAME: ${param:name}`). */
export const parametersOfVariables = (serverlessYml: string): Record<string, string> =>
  Object.fromEntries(
    [...serverlessYml.matchAll(/^\s*([A-Z][A-Z0-9_]*):\s*\$\{param:(\w+)\}/gm)].map((m) => [m[1], m[2]]),
  );

const quoted = (names: readonly string[]): string => names.map((name) => `"${name}"`).join(", ");

/**
 * Refuses a parameter name serverless.yml does not declare (the framework would ignore it) and any value the
 * functions would refuse, naming the parameter; otherwise returns the effective mode, in one line.
 */
export const checkDeployParams = ({
  known,
  given,
  environment,
  parameterOf,
  values = {},
}: DeployParams): string => {
  const unknown = [...new Set(given)].filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    const named = unknown.map((name) => {
      const meant = closestName(name, known);
      return meant ? `"${name}" (did you mean "${meant}"?)` : `"${name}"`;
    });
    throw new DeployParamsError(
      `unknown parameter ${named.join(", ")}; the parameters are ${quoted(known)} (serverless.yml, params.default)`,
    );
  }
  const switches = TEMPLATE_SWITCHES.filter(
    (name) => values[name] !== undefined && !["true", "false"].includes(String(values[name])),
  );
  if (switches.length > 0) {
    throw new DeployParamsError(
      switches
        .map((name) => `parameter "${name}" must be "true" or "false", got "${String(values[name])}"`)
        .join("; "),
    );
  }
  const strings = Object.entries(environment).filter((entry): entry is [string, string] => {
    return typeof entry[1] === "string";
  });
  try {
    return describeMode(loadConfig(Object.fromEntries(strings)));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const named = Object.entries(parameterOf)
      .filter(([variable]) => new RegExp(`\\b${variable}\\b`).test(error.message))
      .map(([, parameter]) => parameter);
    throw new DeployParamsError(
      `parameter ${quoted(named)} has a value the functions would refuse: ${error.message}`,
      { cause: error },
    );
  }
};
