// Who made a Security Hub finding, in either format, and what its maker's severity label means.

const LABEL_SEVERITY: Record<string, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 4, HIGH: 7, CRITICAL: 9 };

/** A Security Hub severity label (ASFF `Label`, OCSF `severity`) on GuardDuty's 0–10 scale, in any case. */
export const labelSeverity = (label: string | undefined): number | undefined => {
  const key = label?.toUpperCase();
  return key !== undefined && Object.hasOwn(LABEL_SEVERITY, key) ? LABEL_SEVERITY[key] : undefined;
};

/**
 * Only AWS's own integrations have product ARNs of the reserved form `arn:<partition>:securityhub:<region>::product/
 * aws/<service>` (ASFF `ProductArn`), or `…::productv2/aws/<service>` (OCSF `metadata.product.uid`, Security Hub
 * V2). Both leave the account empty. Anyone with securityhub:BatchImportFindings can import a finding under their
 * own `product/<account>/default`, so any other product is evidence for a person, never a reason to write.
 */
const AWS_PRODUCT_ARN = /^arn:aws[\w-]*:securityhub:[a-z0-9-]+::product(?:v2)?\/aws\/([a-z0-9-]+)$/;

/** The AWS service behind an AWS product ARN (`guardduty`), or undefined for any other product. */
export const awsProductService = (productArn: string | undefined): string | undefined =>
  productArn === undefined ? undefined : AWS_PRODUCT_ARN.exec(productArn)?.[1];

export const isAwsProduct = (productArn: string | undefined): boolean =>
  awsProductService(productArn) !== undefined;

/**
 * Whether a Security Hub copy of a finding may repeat one the guardduty function already handled, so the key is
 * read before writing. GuardDuty delivers its findings to the bus of the region that made them: a GuardDuty finding
 * of the bus's own region (the envelope's `region`) came that way too. One from another region reached this bus
 * through cross-region aggregation, GuardDuty there does not deliver here, and it is written directly. Without
 * either region it is taken for a repeat: the read costs one call, and a repeat written again reads as new.
 */
export const mayRepeatGuardDuty = (
  productArn: string | undefined,
  findingRegion: string | undefined,
  busRegion: string | undefined,
): boolean =>
  awsProductService(productArn) === "guardduty" &&
  (findingRegion === undefined || busRegion === undefined || findingRegion === busRegion);
