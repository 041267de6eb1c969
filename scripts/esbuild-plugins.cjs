// esbuild plugins for serverless-esbuild (custom.esbuild.plugins in serverless.yml). The functions ship as ES modules
// with code splitting, so code used only after the write (SNS, STS, CloudTrail, metrics, the alert) sits in chunks
// that are read on first use, not at load.
const { mkdirSync, rmSync, writeFileSync } = require("node:fs");
const { basename, extname, join, resolve } = require("node:path");

/** The entry of a one-entry build, as serverless-esbuild makes one build per function file. */
const entryOf = (options) => {
  const entries = Array.isArray(options.entryPoints)
    ? options.entryPoints
    : Object.values(options.entryPoints ?? {});
  if (entries.length !== 1) return undefined;
  const entry = entries[0];
  return typeof entry === "string" ? entry : entry.in;
};

/**
 * Each function's chunks go to `<entry>.chunks/` beside its entry file. serverless-esbuild leaves out of a function's
 * zip every file named after another function's entry (`handlers/manual.*`), so each zip holds its own chunks only.
 */
const chunksPerFunction = {
  name: "chunks-per-function",
  setup(build) {
    const options = build.initialOptions;
    if (options.format !== "esm" || !options.splitting) return;
    const entry = entryOf(options);
    if (entry === undefined) throw new Error("chunks-per-function: expects one entry point per build");
    options.chunkNames = `${basename(entry, extname(entry))}.chunks/[name]-[hash]`;
    // esbuild can emit a chunk that nothing imports once dead code is dropped (bowser, a browser-only dependency of
    // the SDK): such files are deleted, so the zip holds only what the entry reaches.
    const wantedMetafile = options.metafile === true;
    options.metafile = true;
    build.onEnd((result) => {
      if (result.errors.length > 0 || !result.metafile) return;
      const outputs = result.metafile.outputs;
      // Metafile paths are relative to the build's working directory.
      const at = (path) => resolve(options.absWorkingDir ?? process.cwd(), path);
      // Every target of import() is an entry point in the metafile too; only the function's own entry is a start.
      const start = Object.keys(outputs).filter((out) => at(outputs[out].entryPoint ?? "") === at(entry));
      if (start.length !== 1) throw new Error(`chunks-per-function: no output for ${entry}`);
      const reached = new Set();
      for (let out = start.pop(); out !== undefined; out = start.pop()) {
        if (reached.has(out)) continue;
        reached.add(out);
        for (const i of outputs[out].imports) if (!i.external) start.push(i.path);
      }
      for (const out of Object.keys(outputs)) {
        if (reached.has(out)) continue;
        rmSync(at(out));
        delete outputs[out];
      }
      if (!wantedMetafile) result.metafile = undefined;
    });
  },
};

/**
 * Node and Lambda load a `.js` file as an ES module only under a package.json with "type": "module". It is written
 * beside the outputs (in the build folder, never in handlers/ itself), so the zip carries it and `sls invoke local`
 * loads the same files.
 */
const moduleType = {
  name: "module-type",
  setup(build) {
    const { format, outdir } = build.initialOptions;
    if (format !== "esm" || outdir === undefined) return;
    build.onEnd((result) => {
      if (result.errors.length > 0) return;
      mkdirSync(outdir, { recursive: true });
      writeFileSync(join(outdir, "package.json"), '{ "type": "module" }\n');
    });
  },
};

module.exports = [chunksPerFunction, moduleType];
