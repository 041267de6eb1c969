import * as v from "valibot";
import { isAccessKeyId } from "../shared/identifiers";
import { type ParsedEvent, PrincipalType, Source } from "./finding";
import { facts } from "./finding-fields";
import { type Envelope, lazily, lenientText, object } from "./schema";
import { describeIssues, mismatch, salvaged } from "./schema-failure";
import { objectAt, textOf, toIsoTime } from "./values";

export const EXPOSED_KEYS_CHECK = "Exposed Access Keys";

const schemas = lazily(() => {
  // Field names contain spaces and parentheses, exactly as Trusted Advisor sends them.
  const CheckItemDetail = object({
    "Access Key ID": v.pipe(v.string(), v.minLength(1)),
    "User Name (IAM or Root)": v.optional(v.string()),
    // Shown to people only: read leniently.
    "Fraud Type": lenientText(),
    Location: lenientText(),
    "Case ID": lenientText(),
    "Time Updated": lenientText(),
    Deadline: lenientText(),
  });

  const TrustedAdvisorDetail = object({
    "check-name": v.string(),
    status: v.string(),
    uuid: lenientText(),
    "check-item-detail": v.unknown(),
  });
  return { CheckItemDetail, TrustedAdvisorDetail };
});

/** Names Trusted Advisor uses for the root user in "User Name (IAM or Root)". */
const isRootName = (name: string | undefined): boolean =>
  name !== undefined && ["<root_account>", "root", "<root>"].includes(name.trim().toLowerCase());

/**
 * An exposed-keys item that failed the schema but names a valid key: reported for a person to decide. An item of
 * another check, or one whose status says it is not a leak, stays as it was (invalid), naming no key.
 */
const salvage = (envelope: Envelope, error: v.GenericIssue[]): ParsedEvent | undefined => {
  const d = objectAt(envelope.detail);
  const check = textOf(d["check-name"]);
  const status = textOf(d.status);
  if ((check !== undefined && check !== EXPOSED_KEYS_CHECK) || (status !== undefined && status !== "ERROR")) {
    return undefined;
  }
  const key = objectAt(d["check-item-detail"])["Access Key ID"];
  return salvaged(
    [key],
    {
      source: Source.TrustedAdvisor,
      findingId: textOf(d.uuid) || envelope.id || (isAccessKeyId(key) ? key : "(no item id)"),
      eventId: envelope.id,
      type: EXPOSED_KEYS_CHECK,
      title: `Trusted Advisor: ${EXPOSED_KEYS_CHECK}`,
      account: envelope.account,
      region: envelope.region,
      sample: false,
    },
    `some of its fields could not be read (${describeIssues(error, "detail")})`,
  );
};

/** Turns a Trusted Advisor "Exposed Access Keys" item in status ERROR into one Finding. */
export const parseTrustedAdvisorEvent = (envelope: Envelope): ParsedEvent => {
  const eventId = envelope.id;
  const source = Source.TrustedAdvisor;
  const head = v.safeParse(schemas().TrustedAdvisorDetail, envelope.detail);
  if (!head.success) {
    return salvage(envelope, head.issues) ?? mismatch(source, eventId, "Trusted Advisor event", head.issues);
  }
  if (head.output["check-name"] !== EXPOSED_KEYS_CHECK) {
    return {
      kind: "ignored",
      source,
      eventId,
      reason: `not the exposed-keys check: ${head.output["check-name"]}`,
    };
  }
  // A refresh to OK or WARN is not a leak (a rule without status ERROR fires on every refresh).
  if (head.output.status !== "ERROR") {
    return {
      kind: "ignored",
      source,
      eventId,
      reason: `exposed-keys check item in status ${head.output.status}`,
    };
  }
  const item = v.safeParse(schemas().CheckItemDetail, head.output["check-item-detail"]);
  if (!item.success) {
    return (
      salvage(envelope, item.issues) ??
      mismatch(source, eventId, "Exposed Access Keys item", item.issues, "detail.check-item-detail")
    );
  }
  const i = item.output;
  const user = i["User Name (IAM or Root)"]?.trim();
  const root = isRootName(user);
  return {
    kind: "findings",
    source,
    eventId,
    findings: [
      {
        source,
        findingId: head.output.uuid ?? eventId ?? i["Access Key ID"],
        eventId,
        type: EXPOSED_KEYS_CHECK,
        title: `Trusted Advisor: ${EXPOSED_KEYS_CHECK} (${i["Fraud Type"] ?? "unknown fraud type"})`,
        accessKeyId: i["Access Key ID"],
        userName: root || !user ? undefined : user,
        principalType: root ? PrincipalType.Root : user ? PrincipalType.IAMUser : PrincipalType.Unknown,
        // Trusted Advisor reports on the account it runs in, which is the account of the event.
        account: envelope.account,
        region: envelope.region,
        sample: false,
        observedAt: toIsoTime(i["Time Updated"]) ?? toIsoTime(envelope.time),
        update: false,
        requestedStatus: "Inactive",
        details: facts({
          "Fraud type": i["Fraud Type"],
          "Exposed at": i.Location,
          "Support case": i["Case ID"],
        }),
      },
    ],
  };
};
