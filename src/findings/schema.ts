import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

// zod/mini loads no locale, so every issue would read "Invalid input". English alone keeps the messages that
// reach alerts and logs as full zod wrote them, without bundling every other locale. Every parser imports this
// module (for `lazily`), so the locale is set before anything is parsed.
z.config(en());

/**
 * Builds a value on first use, once. Parsers wrap their schemas in it: building zod schemas is most of what loading
 * a parser costs, and a cold start should pay only for the source its event comes from, and only after it arrived.
 */
export const lazily = <T>(build: () => T): (() => T) => {
  let built: T | undefined;
  return () => {
    built ??= build();
    return built;
  };
};

/** The EventBridge envelope fields every source shares. `detail` is validated by each parser. */
export const Envelope = lazily(() =>
  z.looseObject({
    id: z.optional(z.string()),
    "detail-type": z.string(),
    source: z.string(),
    account: z.optional(z.string()),
    region: z.optional(z.string()),
    time: z.optional(z.string()),
    resources: z.optional(z.array(z.unknown())),
    detail: z.optional(z.unknown()),
  }),
);
export type Envelope = z.infer<ReturnType<typeof Envelope>>;

// A finding that names a valid key is never dropped because a descriptive field has an unexpected type (a `null`
// description, a count sent as a string): those are read leniently, and a value that cannot be read is left out.

/** Optional text, read leniently: anything but a string (null, a number, an object) reads as absent. */
export const lenientText = () => z.catch(z.optional(z.string()), undefined);

/** Any value, to be read by `numberOf` or `textOf` (values.ts). */
export const anything = () => z.optional(z.unknown());
