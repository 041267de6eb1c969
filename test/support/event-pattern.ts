// A test-only EventBridge event-pattern matcher, so rule patterns can be checked against our fixtures offline.
// It follows the documented semantics (and aws/event-ruler's): fields AND, values OR, arrays in the event match
// if any element matches, and `exists` only sees leaf values. Unsupported or malformed filters throw, so a
// pattern this matcher does not understand can never pass a test by accident.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Leaf = null | boolean | number | string;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isLeaf = (value: unknown): value is Leaf =>
  value === null || ["string", "number", "boolean"].includes(typeof value);

/** The leaf values at a field: arrays are flattened; an object is an intermediate node and has none. */
const leavesOf = (value: unknown): Leaf[] => {
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return isLeaf(value) ? [value] : [];
};

/** The objects at a field, looking through (nested) arrays. */
const objectsOf = (value: unknown): JsonObject[] => {
  if (Array.isArray(value)) return value.flatMap(objectsOf);
  return isObject(value) ? [value] : [];
};

const fail = (message: string): never => {
  throw new Error(`Unsupported event pattern: ${message}`);
};

/** `\*` is a literal asterisk and `\\` a backslash; every other `*` matches any run of characters. */
const wildcardRegExp = (glob: string): RegExp => {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob.charAt(i);
    if (char === "\\") {
      const next = glob.charAt(++i);
      if (next !== "*" && next !== "\\") fail(`bad escape in wildcard ${JSON.stringify(glob)}`);
      source += `\\${next}`;
    } else if (char === "*") {
      if (glob.charAt(i + 1) === "*") fail(`consecutive wildcards in ${JSON.stringify(glob)}`);
      source += "[\\s\\S]*";
    } else {
      source += char.replace(/[.+?^${}()|[\]\\/-]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
};

const stringOperand = (operator: string, operand: unknown): string =>
  typeof operand === "string" ? operand : fail(`${operator} needs a string, got ${JSON.stringify(operand)}`);

/** `prefix`/`suffix` take a string, or `{"equals-ignore-case": string}`. */
const affixTest = (operator: "prefix" | "suffix", operand: unknown): ((leaf: Leaf) => boolean) => {
  const ignoreCase = isObject(operand);
  const affix = ignoreCase
    ? stringOperand(operator, operand["equals-ignore-case"])
    : stringOperand(operator, operand);
  const wanted = ignoreCase ? affix.toLowerCase() : affix;
  return (leaf) => {
    if (typeof leaf !== "string") return false;
    const text = ignoreCase ? leaf.toLowerCase() : leaf;
    return operator === "prefix" ? text.startsWith(wanted) : text.endsWith(wanted);
  };
};

const NUMERIC_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  "=": (a, b) => a === b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

/** `[">", 0, "<=", 5]`: every operator/value pair must hold; only JSON numbers qualify. */
const numericTest = (operand: unknown): ((leaf: Leaf) => boolean) => {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    return fail(`numeric needs operator/value pairs, got ${JSON.stringify(operand)}`);
  }
  const conditions: Array<[(a: number, b: number) => boolean, number]> = [];
  for (let i = 0; i < operand.length; i += 2) {
    const compare = NUMERIC_OPERATORS[String(operand[i])];
    const bound = operand[i + 1];
    if (!compare || typeof bound !== "number")
      return fail(`bad numeric condition ${JSON.stringify(operand)}`);
    conditions.push([compare, bound]);
  }
  return (leaf) => typeof leaf === "number" && conditions.every(([compare, bound]) => compare(leaf, bound));
};

/** `anything-but`: a value, a list of values, or a nested `prefix`/`suffix`/`equals-ignore-case`/`wildcard`. */
const anythingButTest = (operand: unknown): ((leaf: Leaf) => boolean) => {
  if (isObject(operand)) {
    const [operator, ...rest] = Object.keys(operand);
    if (!operator || rest.length > 0)
      return fail(`anything-but takes one filter, got ${JSON.stringify(operand)}`);
    if (!["prefix", "suffix", "equals-ignore-case", "wildcard"].includes(operator)) {
      return fail(`anything-but cannot use ${operator}`);
    }
    const inner = operand[operator];
    const tests = (Array.isArray(inner) ? inner : [inner]).map((value) => leafTest({ [operator]: value }));
    return (leaf) => !tests.some((test) => test(leaf));
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  if (!excluded.every((value) => typeof value === "string" || typeof value === "number")) {
    return fail(`anything-but takes strings or numbers, got ${JSON.stringify(operand)}`);
  }
  return (leaf) => !excluded.includes(leaf as string | number);
};

/** One entry of a field's match list (other than `exists`, which looks at the whole field). */
const leafTest = (entry: unknown): ((leaf: Leaf) => boolean) => {
  if (isLeaf(entry)) return (leaf) => leaf === entry; // JSON.parse makes 5 and 5.0 the same number
  if (!isObject(entry)) return fail(`a match list holds values or filters, got ${JSON.stringify(entry)}`);
  const [operator, ...rest] = Object.keys(entry);
  if (!operator || rest.length > 0)
    return fail(`a filter has exactly one operator, got ${JSON.stringify(entry)}`);
  const operand = entry[operator];
  switch (operator) {
    case "prefix":
    case "suffix":
      return affixTest(operator, operand);
    case "equals-ignore-case": {
      const wanted = stringOperand(operator, operand).toLowerCase();
      return (leaf) => typeof leaf === "string" && leaf.toLowerCase() === wanted;
    }
    case "wildcard": {
      const pattern = wildcardRegExp(stringOperand(operator, operand));
      return (leaf) => typeof leaf === "string" && pattern.test(leaf);
    }
    case "anything-but":
      return anythingButTest(operand);
    case "numeric":
      return numericTest(operand);
    default:
      return fail(`unknown filter ${operator}`);
  }
};

/** A match list `[...]`: the field matches if any entry matches any of its leaf values. */
const matchesList = (list: unknown[], value: unknown): boolean => {
  if (list.length === 0) return fail("empty match list");
  const leaves = leavesOf(value);
  return list.some((entry) => {
    if (isObject(entry) && "exists" in entry) {
      if (typeof entry.exists !== "boolean") return fail(`exists takes true or false, got ${entry.exists}`);
      return entry.exists === leaves.length > 0;
    }
    const test = leafTest(entry);
    return leaves.some(test);
  });
};

/** `$or` is only an operator when it holds two or more objects (otherwise it is an ordinary field name). */
const isOrOperator = (key: string, value: unknown): value is JsonObject[] =>
  key === "$or" && Array.isArray(value) && value.length >= 2 && value.every(isObject);

const matchesObject = (pattern: JsonObject, event: unknown): boolean =>
  Object.entries(pattern).every(([key, value]) => {
    if (isOrOperator(key, value)) return value.some((branch) => matchesObject(branch, event));
    const field = isObject(event) ? event[key] : undefined;
    if (Array.isArray(value)) return matchesList(value, field);
    if (isObject(value)) {
      // Each candidate object is matched as a whole, so two fields never come from different array elements.
      const candidates = objectsOf(field);
      return candidates.length > 0
        ? candidates.some((candidate) => matchesObject(value, candidate))
        : matchesObject(value, undefined);
    }
    return fail(`field ${key} must hold a match list or an object, got ${JSON.stringify(value)}`);
  });

/** Whether an EventBridge event pattern matches an event. Throws on filters it does not support. */
export const matchesPattern = (pattern: unknown, event: unknown): boolean => {
  if (!isObject(pattern)) return fail("a pattern is a JSON object");
  return matchesObject(pattern, event);
};
