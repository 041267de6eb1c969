// `npm run docs`: regenerates docs/configuration.md's table from serverless.yml, src/shared/config.ts and
// scripts/docs/settings.ts. `npm run docs -- --check` changes nothing and fails when the page is out of date.
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { CONFIGURATION_PAGE, DocsError, ROOT, renderConfigurationPage } from "./docs/configuration";

const check = process.argv.includes("--check");
const name = relative(ROOT, CONFIGURATION_PAGE);
try {
  const page = readFileSync(CONFIGURATION_PAGE, "utf8");
  const generated = renderConfigurationPage(page);
  if (generated === page) {
    console.log(`${name} is up to date`);
  } else if (check) {
    console.error(`${name} is out of date: run npm run docs`);
    process.exitCode = 1;
  } else {
    writeFileSync(CONFIGURATION_PAGE, generated);
    console.log(`${name} written`);
  }
} catch (error) {
  if (!(error instanceof DocsError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
