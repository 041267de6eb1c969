import * as v from "valibot";
import { type Finding, type ParsedEvent, Source } from "./finding";
import { type Envelope, lazily, object } from "./schema";
import { describeIssues, mismatch, salvagedFindings } from "./schema-failure";
import { isAwsProduct } from "./security-hub-product";
import { textOf } from "./values";

// A Security Hub event in either format (ASFF, OCSF): the `findings` array around them, the responder's own updates
// coming back, and what a finding that failed its schema still yields. Each format reads its findings itself.

/** Who the responder says it is when it records an outcome on a finding (ASFF `Note.UpdatedBy`). */
export const RESPONDER_UPDATED_BY = "access-key-responder";
/** How the responder's note (ASFF `Note.Text`) and comment (OCSF `comment`) begin. */
export const RESPONDER_NOTE_PREFIX = `[${RESPONDER_UPDATED_BY}]`;

/** Why the event is the responder's own update of the finding coming back, or undefined. */
export const ECHO_REASON =
  "the responder's own update of the finding (its note), re-emitted by Security Hub: nothing new to act on";

/** Both formats' events list their findings under `detail.findings`; each is read by its format. */
const Detail = lazily(() => object({ findings: v.array(v.unknown()) }));

/** What a Security Hub finding that failed its schema still names, read from the raw finding by its format. */
export interface RawSecurityHubFinding {
  keys: unknown[];
  id: unknown;
  type: string;
  title: unknown;
  account: unknown;
  region?: unknown;
  sample: boolean;
  product: unknown;
  /** What the provenance says when the finding names no product. */
  noProduct: string;
}

/**
 * A finding that failed its schema but names valid keys: each is reported for a person to decide, with the same
 * provenance as a finding read in full.
 */
const salvage = (raw: RawSecurityHubFinding, envelope: Envelope, why: string): Finding[] => {
  const product = textOf(raw.product);
  const base = {
    source: Source.SecurityHub,
    findingId: textOf(raw.id) || envelope.id || "(no finding id)",
    eventId: envelope.id,
    type: raw.type,
    title: textOf(raw.title) ?? raw.type,
    account: textOf(raw.account),
    region: textOf(raw.region),
    sample: raw.sample,
    provenance: { product: product ?? raw.noProduct, aws: isAwsProduct(product) },
  };
  return salvagedFindings(raw.keys, base, why);
};

/** A schema a finding failed: `what` failed at `path`, and `why` its keys, if it names any, are for a person. */
export interface SchemaFailure {
  what: string;
  /** By default, that some of its fields could not be read. */
  why?: string;
  issues: v.GenericIssue[];
  path: string;
}

/** What one finding of a Security Hub event gives: its Findings, "echo" for the responder's own update, or a failure. */
export type FindingRead = Finding[] | "echo" | SchemaFailure;

/** What tells the two Security Hub formats apart; everything else about their events is the same. */
export interface SecurityHubFormat {
  detailType: string;
  /** The reason an event of another detail-type is ignored, before the detail-type: "not an imported finding". */
  other: string;
  /** What the reason calls an event whose detail has no `findings` array. */
  eventName: string;
  read: (raw: unknown, path: string, envelope: Envelope) => FindingRead;
  /** The raw finding's fields, read without a schema, for when `read` fails. */
  rawFinding: (raw: unknown) => RawSecurityHubFinding;
}

/**
 * A Security Hub event, either format: its `findings`, each read by the format. A finding that fails its schema
 * still yields the keys it names, for a person; naming none, it makes the whole event invalid. An event of nothing
 * but the responder's own updates coming back says so, rather than that no finding names a key.
 */
export const parseSecurityHubFindings = (envelope: Envelope, format: SecurityHubFormat): ParsedEvent => {
  const eventId = envelope.id;
  const source = Source.SecurityHub;
  if (envelope["detail-type"] !== format.detailType) {
    return { kind: "ignored", source, eventId, reason: `${format.other}: ${envelope["detail-type"]}` };
  }
  const head = v.safeParse(Detail(), envelope.detail);
  if (!head.success) return mismatch(source, eventId, format.eventName, head.issues);
  const findings: Finding[] = [];
  let echoes = 0;
  for (const [index, raw] of head.output.findings.entries()) {
    const read = format.read(raw, `detail.findings.${index}`, envelope);
    if (read === "echo") echoes++;
    else if (Array.isArray(read)) findings.push(...read);
    else {
      const why = `${read.why ?? "some of its fields could not be read"} (${describeIssues(read.issues, read.path)})`;
      const rescued = salvage(format.rawFinding(raw), envelope, why);
      if (rescued.length === 0) return mismatch(source, eventId, read.what, read.issues, read.path);
      findings.push(...rescued);
    }
  }
  if (findings.length === 0) {
    const reason = echoes > 0 ? ECHO_REASON : "no finding names an access key";
    return { kind: "ignored", source, eventId, reason };
  }
  return { kind: "findings", source, eventId, findings };
};
