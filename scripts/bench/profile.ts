// Where the time before the write goes: a V8 CPU profile of a fresh process, cut at the moment the double received
// UpdateAccessKey, its samples charged to the package or project folder whose code was running.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The clocks the runner reads at its first line: epoch ms (the double's call log) and monotonic µs (the profile's). */
export interface Clock {
  epoch: number;
  hr: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The groups a reader can act on; anything else is listed under its package name. */
export const groupOf = (module: string): string => {
  const pkg = module.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
  // Not a package: the project's src/ and handlers/, or the floor's own lines.
  if (pkg === undefined) return "own code (the handler, src/)";
  if (pkg === "valibot") return "valibot (event validation)";
  if (pkg.startsWith("@aws-lambda-powertools/")) return "Powertools Logger";
  if (pkg.startsWith("@middy/")) return "Middy";
  if (/^@(aws-sdk|smithy|aws)\//.test(pkg)) return "AWS SDK";
  return pkg;
};

/**
 * Unminified esbuild output marks each input's code with a `// path` comment line; a sample at a line belongs to the
 * nearest marker above it.
 */
const markersOf = (file: string): [number, string][] =>
  readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line, i): [number, string][] => {
      const m = line.match(/^\/\/ (\S+\.(?:[cm]?js|ts))$/);
      return m ? [[i, m[1] as string]] : [];
    });

/**
 * Milliseconds of CPU samples per group from the runner's first line (`clock`) to `writeAt` (epoch ms). Node's own JavaScript (the
 * module loader reading, compiling and linking files), V8's garbage collector and idle time (waiting on file reads
 * and the network) get groups of their own.
 */
export const profileUntil = (dir: string, clock: Clock, writeAt: number): Map<string, number> => {
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no CPU profile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const markers = new Map<string, [number, string][]>();
  const cut = clock.hr + (writeAt - clock.epoch) * 1000;
  const totals = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    // Node's start-up before the runner's first line is the same for every build; only its noise would remain.
    if (at < clock.hr || at > cut) return;
    const frame = nodes.get(id);
    let group = "Node (loading modules, the runtime)";
    if (frame?.functionName === "(idle)") group = "idle (waiting on file reads and the network)";
    else if (frame?.functionName === "(garbage collector)") group = "V8 garbage collection";
    else if (frame?.url.startsWith("file://")) {
      const path = frame.url.slice("file://".length);
      if (!markers.has(path)) markers.set(path, markersOf(path));
      const above = (markers.get(path) ?? []).filter(([line]) => line <= frame.lineNumber).at(-1);
      group = above ? groupOf(above[1]) : "esbuild's glue between chunks";
    }
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    totals.set(group, (totals.get(group) ?? 0) + ms);
  });
  return totals;
};
