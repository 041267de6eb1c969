import type { Finding } from "../findings";
import { type Config, Mode } from "../shared/config";
import type { Identity } from "./plan-types";
import { isDirectRequest } from "./principals";

/** The CONTAIN_WITHOUT_APPROVAL entry that lets this finding be contained at once: its source, or a type prefix. */
const approvalException = (finding: Finding, config: Config): string | undefined =>
  config.containWithoutApproval.find((entry) =>
    entry.includes(":") ? finding.type.startsWith(entry) : entry === finding.source,
  );

/**
 * Why the write goes ahead in approve mode (a person's direct request is the approval; an exception listed in
 * CONTAIN_WITHOUT_APPROVAL), or undefined when it must wait for a person. Always "goes ahead" in the other modes.
 */
export const approvedBecause = (finding: Finding, config: Config, identity: Identity): string | undefined => {
  if (config.mode !== Mode.Approve) return "";
  if (isDirectRequest(finding, identity))
    return " (approve mode: a person's request to the manual function is the approval)";
  const entry = approvalException(finding, config);
  return entry === undefined
    ? undefined
    : ` (approve mode: contained without approval, CONTAIN_WITHOUT_APPROVAL has "${entry}")`;
};

export const AWAITING = "approve mode, so no change is made until a person approves";
