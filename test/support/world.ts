// The world every fixture in events/ describes (events/README.md): our account, the member account, the users the
// fixtures name and their keys. One copy, so that the fixtures, the double's seed and the tests cannot drift apart.

/** The account the responder runs in (the fixtures' own account). */
export const SELF_ACCOUNT = "111111111111";
/** The other account of the world: events name it, the member role acts in it, and it may own the event's keys. */
export const MEMBER_ACCOUNT = "222222222222";
/** The role MEMBER_ROLE_NAME names when a test deploys it in the member account. */
export const MEMBER_ROLE = "AccessKeyResponderMember";

/** Each fixture user of our account and the Active key the fixtures name for them. */
export const FIXTURE_KEYS = {
  alice: "AKIAALICE00000000001",
  bob: "AKIABOB0000000000001",
  carol: "AKIACAROL00000000001",
  "breakglass-admin": "AKIABREAKGLASS000001",
  dave: "AKIADAVE000000000002",
  frank: "AKIAFRANK00000000001",
  grace: "AKIAGRACE00000000001",
  heidi: "AKIAHEIDI00000000001",
  ivan: "AKIAIVAN000000000001",
  "judy@example.com": "AKIAJUDY000000000001",
} as const;
/** The root user's key. */
export const ROOT_KEY = "AKIAROOT000000000001";
/** erin's key: erin is a user of the member account. */
export const ERIN_KEY = "AKIAERIN000000000001";

/** Security Hub's products for GuardDuty's findings (ASFF, then OCSF) in the fixtures' Region. */
export const GUARDDUTY_PRODUCT = "arn:aws:securityhub:us-east-1::product/aws/guardduty";
export const GUARDDUTY_PRODUCT_V2 = "arn:aws:securityhub:us-east-1::productv2/aws/guardduty";
/** A Security Hub product an account imports its own findings under: not AWS's, so never evidence for a write. */
export const CUSTOM_PRODUCT = "arn:aws:securityhub:us-east-1:333333333333:product/333333333333/default";
