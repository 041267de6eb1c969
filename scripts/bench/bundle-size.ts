// Section 4: the deployment zips `sls package` produces.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { blocks, type Section, table, type Verdict } from "./report";
import { ROOT } from "./serverless-config";
import { int, kb, pct } from "./stats";
import { listZip } from "./zip";

const LIMIT_KB = 300;
const PACKAGE_ARGS = ["sls", "package", "--stage", "bench", "--region", "us-east-1"];
const PACKAGE_COMMAND = `npx ${PACKAGE_ARGS.join(" ")}`;

/** Newest modification time of the files a package is built from. */
const newestSource = (): number => {
  const files = [join(ROOT, "serverless.yml"), join(ROOT, "package-lock.json")];
  for (const dir of ["handlers", "src"]) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
    }
  }
  return Math.max(...files.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
};

/** Packages with `sls` unless (smoke run) the zips are newer than every source file; says which it did. */
const packageOnce = (zips: string[], smoke: boolean, env: NodeJS.ProcessEnv): string => {
  if (
    smoke &&
    zips.every(existsSync) &&
    Math.min(...zips.map((zip) => statSync(zip).mtimeMs)) > newestSource()
  ) {
    return (
      "This smoke run reused the zips already in `.serverless/`, because they are newer than serverless.yml, package-lock.json " +
      `and every file in handlers/ and src/ (\`npm test\` packages just before). The full run executes \`${PACKAGE_COMMAND}\`.`
    );
  }
  const started = performance.now();
  const child = spawnSync("npx", PACKAGE_ARGS, { cwd: ROOT, env, encoding: "utf8", timeout: 180_000 });
  if (child.status !== 0) {
    throw new Error(
      `${PACKAGE_COMMAND} failed (exit ${child.status}, ${child.error?.message ?? ""}):\n${(child.stdout ?? "").slice(-2000)}\n${(child.stderr ?? "").slice(-2000)}`,
    );
  }
  const took = ((performance.now() - started) / 1000).toFixed(1);
  return `\`${PACKAGE_COMMAND}\` (osls with serverless-esbuild, offline; took ${took} s here).`;
};

export const section: Section = {
  title: "Bundle: deployment package size",
  run: ({ settings, smoke, callerEnv, bundleBytes }) => {
    const zipOf = (name: string) => join(ROOT, ".serverless", `${name}.zip`);
    const how = packageOnce(
      settings.functions.map((fn) => zipOf(fn.name)),
      smoke,
      callerEnv,
    );
    const verdicts: Verdict[] = [];
    const rows: (string | number)[][] = [];
    const contents: string[] = [];
    let metaTotal = 0;
    for (const fn of settings.functions) {
      const zip = zipOf(fn.name);
      if (!existsSync(zip)) throw new Error(`${zip} was not produced`);
      const size = statSync(zip).size;
      const entries = listZip(zip);
      const meta = entries.filter((e) => e.name.endsWith("-meta.json"));
      const metaBytes = meta.reduce((sum, e) => sum + e.compressed, 0);
      metaTotal += metaBytes;
      const bundle = entries.find((e) => e.name === fn.entry.replace(/\.ts$/, ".js"));
      const built = bundleBytes?.get(fn.name);
      const same = built === bundle?.uncompressed ? "identical size" : `differs (${int(built ?? 0)} B)`;
      const inZip = bundle ? `${kb(bundle.compressed)} (${kb(bundle.uncompressed)} unzipped)` : "missing";
      const metaText = meta.length
        ? `${meta.length} files, ${kb(metaBytes)} (${pct(metaBytes, size)})`
        : "none";
      const vs = built === undefined || !bundle ? "n/a" : same;
      rows.push([fn.name, kb(size), entries.length, inZip, metaText, kb(size - metaBytes), vs]);
      contents.push(
        `- \`${fn.name}.zip\`: ${entries.map((e) => `${e.name} (${kb(e.compressed)} KB)`).join(", ")}`,
      );
      verdicts.push({
        target: `${fn.name}.zip ≤ ${LIMIT_KB} KB`,
        met: size / 1024 <= LIMIT_KB,
        text:
          `${kb(size)} KB.` +
          (meta.length
            ? ` ${kb(metaBytes)} KB of it is ${meta.length} esbuild metafiles that are not code (see this section's note on metafiles).`
            : ""),
      });
    }

    return {
      method:
        `${how} Each \`.serverless/<function>.zip\` is measured with \`fs.statSync\` (1 KB = 1,024 bytes). Its ` +
        "entries are listed from the zip's central directory. The last column checks that the packaged handler file " +
        "has the same size as section 2's build, i.e. that the benchmark used the same esbuild options as the deployment.",
      body: blocks(
        table(
          "Function | Zip KB | Entries | Bundle KB in zip | Metafiles in zip KB | Without metafiles KB | vs section 2 build",
          rows,
        ),
        contents.join("\n"),
        metaTotal > 0 &&
          "**Metafiles are shipped.** Every zip contains the esbuild metafile of *every* handler (`handlers/*-meta.json`). " +
            "serverless-esbuild 1.57 keeps them in unless each function's own `package.patterns` negates them: keep " +
            '`metafile` off in `custom.esbuild` (this benchmark builds its own), or add `package: { patterns: ["!handlers/*-meta.json"] }` ' +
            'to each function. Either brings each zip to the "Without metafiles" column.',
      ),
      verdicts,
    };
  },
};
