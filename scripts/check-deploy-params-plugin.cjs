// A local plugin (serverless.yml, `plugins:`): before `sls package` or `sls deploy` packages anything, checks the
// parameters with the functions' own validation (check-deploy-params.ts) and prints the effective mode.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
// The checks are TypeScript shared with the functions; tsx loads them for this plugin only.
const { require: requireTypeScript } = require("tsx/cjs/api");

class CheckDeployParams {
  constructor(serverless, options, utils) {
    this.hooks = {
      "before:package:cleanup": () => {
        const { checkDeployParams, paramNames, parametersOfVariables } = requireTypeScript(
          "./check-deploy-params.ts",
          __filename,
        );
        const params = serverless.configurationInput?.params ?? {};
        const stageParams = Object.entries(params).flatMap(([stage, values]) =>
          stage === "default" ? [] : Object.keys(values ?? {}),
        );
        const yml = readFileSync(join(serverless.serviceDir, serverless.configurationFilename), "utf8");
        // Each value as the deploy resolves it: the default, the stage's, then --param.
        const cli = Object.fromEntries(
          (Array.isArray(options.param) ? options.param : options.param ? [options.param] : []).map(
            (entry) => {
              const [name, ...rest] = String(entry).split("=");
              return [name.trim(), rest.join("=")];
            },
          ),
        );
        const values = { ...(params.default ?? {}), ...(params[options.stage] ?? {}), ...cli };
        try {
          const mode = checkDeployParams({
            known: Object.keys(params.default ?? {}),
            given: [...paramNames(options.param), ...stageParams],
            environment: serverless.service.provider.environment ?? {},
            parameterOf: parametersOfVariables(yml),
            values,
          });
          utils?.log ? utils.log.notice(`Mode ${mode}`) : serverless.cli.log(`Mode ${mode}`);
        } catch (error) {
          if (error?.name !== "DeployParamsError") throw error;
          throw new serverless.classes.Error(error.message, "INVALID_DEPLOY_PARAMETER");
        }
      },
    };
  }
}

module.exports = CheckDeployParams;
