import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parametersOfVariables } from "../../scripts/check-deploy-params";
import {
  CONFIGURATION_PAGE,
  configurationRows,
  DocsError,
  parameterDefaults,
  renderConfigurationPage,
  stackVariables,
  variablesReadByConfig,
} from "../../scripts/docs/configuration";
import { LIBRARY_VARIABLES, SETTINGS } from "../../scripts/docs/settings";
import { loadConfig } from "../../src/shared/config";
import { ROOT } from "./pages";

const serverlessYml = () => readFileSync(join(ROOT, "serverless.yml"), "utf8");

describe("docs/configuration.md", () => {
  it("is what `npm run docs` writes: run it after adding or changing a parameter", () => {
    const page = readFileSync(CONFIGURATION_PAGE, "utf8");
    expect(page, "docs/configuration.md is out of date: run npm run docs").toBe(
      renderConfigurationPage(page),
    );
  });

  it("has a row for every serverless.yml parameter, every variable src/shared/config.ts reads and the stack sets", () => {
    const rows = configurationRows(serverlessYml()).map((row) => `${row[0]} ${row[1]}`);
    for (const name of parameterDefaults(serverlessYml()).keys()) {
      expect(rows.some((row) => row.includes(`\`${name}\``))).toBe(true);
    }
    const setByStack = stackVariables(serverlessYml()).filter((name) => !LIBRARY_VARIABLES.includes(name));
    expect(setByStack).toContain("RESPONDER_ROLE_NAME");
    for (const variable of [...variablesReadByConfig(), ...setByStack]) {
      expect(rows.some((row) => row.includes(`\`${variable}\``))).toBe(true);
    }
    expect(variablesReadByConfig()).toContain("RESPONDER_MODE");
  });

  it("fails, naming it, when a parameter has no meaning written", () => {
    const yml = serverlessYml().replace(/^ {2}default:\n/m, '  default:\n    newOption: "false"\n');
    expect(() => configurationRows(yml)).toThrow(DocsError);
    expect(() => configurationRows(yml)).toThrow(/parameter "newOption" \(serverless.yml\) has no row/);
  });

  it("fails when a documented parameter is gone or sets another variable", () => {
    const gone = SETTINGS.map((s) => (s.parameter === "drill" ? { ...s, parameter: "drills" } : s));
    expect(() => configurationRows(serverlessYml(), gone)).toThrow(/"drills" is documented but not in/);
    const swapped = SETTINGS.map((s) => (s.variable === "TAG_USER" ? { ...s, parameter: "tagUsers" } : s));
    expect(() => configurationRows(serverlessYml(), swapped)).toThrow(
      /TAG_USER is set by parameter "tagUser"/,
    );
  });

  it("states one default for both: the functions' own defaults equal serverless.yml's", () => {
    const defaults = parameterDefaults(serverlessYml());
    const environment = Object.fromEntries(
      Object.entries(parametersOfVariables(serverlessYml())).map(([variable, parameter]) => [
        variable,
        defaults.get(parameter) ?? "",
      ]),
    );
    expect(loadConfig(environment)).toEqual(loadConfig({}));
  });
});
