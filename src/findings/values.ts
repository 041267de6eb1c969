import { clip } from "../shared/identifiers";

// Readers of values no schema vouches for: fields read leniently, and the raw event when its schema failed.

/** Normalizes the time formats the sources use (ISO-8601, RFC-1123, epoch ms as a string) to ISO-8601. */
export const toIsoTime = (value: unknown): string | undefined => {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const asNumber = typeof value === "number" ? value : /^\d{10,13}$/.test(value) ? Number(value) : Number.NaN;
  const date = Number.isFinite(asNumber)
    ? new Date(asNumber < 1e12 ? asNumber * 1000 : asNumber)
    : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

/** A finite number, or a string that is one ("8", "8.0"); undefined for anything else. */
export const numberOf = (value: unknown): number | undefined => {
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : NaN;
  return Number.isFinite(number) ? number : undefined;
};

/** A string as is; anything else reads as absent. */
export const textOf = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** What a value is, for a reason shown to people: `a string ("high")`, `null`, `an object`. */
export const described = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "an array"
      : typeof value === "string"
        ? `a string (${JSON.stringify(clip(value, 40))})`
        : typeof value === "object"
          ? "an object"
          : `${typeof value === "number" ? "the number" : `a ${typeof value}`} ${String(value)}`;

/** A JSON object: not null, and not an array. */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `value` when it is an object (not an array): the salvaging reads go through it, never assuming a shape. */
export const objectAt = (value: unknown): Record<string, unknown> => (isObject(value) ? value : {});

/** `value` when it is an array, else none. */
export const arrayAt = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
