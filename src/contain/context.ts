import type { IAMClient } from "@aws-sdk/client-iam";
import type { Identity, Plan } from "../plan/plan";
import type { Config } from "../shared/config";
import type { Log } from "../shared/log";

/** What carrying out a plan needs from the outside world. */
export interface ContainContext {
  config: Config;
  identity: Identity;
  /** The IAM client for the plan's account: ours, or one acting through the member role. */
  iamFor(plan: Plan): Promise<IAMClient>;
  /** The account that owns an access key ID, from STS GetAccessKeyInfo (authoritative, whoever asks). */
  keyAccount(accessKeyId: string): Promise<string>;
  now(): Date;
  log: Log;
}
