// The fixtures of events/ as the packaged EventBridge rules see them, for the rule tests (rules*.test.ts). Each is read
// from disk on every call, so that no test sees another test's changes.
import { readdirSync, readFileSync } from "node:fs";
import { PROJECT_ROOT } from "../support/template";

export type Json = Record<string, unknown>;

/** An event, and the name a check reports it under. */
export interface Named {
  name: string;
  event: unknown;
}

export const EVENTS_DIR = `${PROJECT_ROOT}events/`;

export const fixture = (file: string): Json =>
  JSON.parse(readFileSync(`${EVENTS_DIR}${file}`, "utf8")) as Json;
export const named = (file: string): Named => ({ name: file, event: fixture(file) });

/** The fixture files whose name matches `pattern`, found by reading the directory. */
export const fixtureFiles = (pattern: RegExp): string[] =>
  readdirSync(EVENTS_DIR).filter((file) => pattern.test(file));

const accessKeyIdOf = (event: Json): unknown =>
  ((event.detail as Json | undefined)?.resource as { accessKeyDetails?: Json } | undefined)?.accessKeyDetails
    ?.accessKeyId;

/** Every GuardDuty fixture whose finding names an access key (accessKeyDetails). */
export const guardDutyKeyFindings = (): Named[] =>
  fixtureFiles(/^guardduty-.*\.json$/)
    .map(named)
    .filter(({ event }) => accessKeyIdOf(event as Json) !== undefined);
