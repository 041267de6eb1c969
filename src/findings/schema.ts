import * as v from "valibot";
import { isObject } from "./values";

/**
 * Builds a value on first use, once. Parsers wrap their schemas in it: building its schemas is most of what loading
 * a parser costs, and a cold start should pay only for the source its event comes from, and only after it arrived.
 */
export const lazily = <T>(build: () => T): (() => T) => {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
};

/** A JSON object, never an array, which valibot's object schemas would read as an object with no fields. */
const jsonObject = () =>
  v.custom<Record<string, unknown>>(
    isObject,
    (issue) => `Invalid type: Expected Object but received ${issue.received}`,
  );

/** An object with these fields checked, and any other field kept as it came. */
export const object = <const Entries extends v.ObjectEntries>(entries: Entries) =>
  v.pipe(jsonObject(), v.looseObject(entries));

/** An object whose every field has the same type. */
export const recordOf = <const Value extends v.GenericSchema>(value: Value) =>
  v.pipe(jsonObject(), v.record(v.string(), value));

/** The EventBridge envelope fields every source shares. `detail` is validated by each parser. */
export const Envelope = lazily(() =>
  object({
    id: v.optional(v.string()),
    "detail-type": v.string(),
    source: v.string(),
    account: v.optional(v.string()),
    region: v.optional(v.string()),
    time: v.optional(v.string()),
    resources: v.optional(v.array(v.unknown())),
    detail: v.optional(v.unknown()),
  }),
);
export type Envelope = v.InferOutput<ReturnType<typeof Envelope>>;

// A finding that names a valid key is never dropped because a descriptive field has an unexpected type (a `null`
// description, a count sent as a string): those are read leniently, and a value that cannot be read is left out.

/** Optional text, read leniently: anything but a string (null, a number, an object) reads as absent. */
export const lenientText = () => v.fallback(v.optional(v.string()), undefined);

/** Any value, to be read by `numberOf` or `textOf` (values.ts). */
export const anything = () => v.optional(v.unknown());
