import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { IAMClient } from "@aws-sdk/client-iam";
import type { SecurityHubClient } from "@aws-sdk/client-securityhub";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { STSClient } from "@aws-sdk/client-sts";
import type { Context } from "aws-lambda";
import type { MetricPoint } from "../alert/metrics";
import type { FindingsCall } from "../alert/security-hub-record";
import { assumeMemberRole } from "../contain/member-account";
import type { KeyActivity } from "../enrich/cloudtrail";
import { MANUAL_HANDLER } from "../findings";
import type { Identity } from "../plan/plan";
import { type Config, describeMode, loadConfig, Mode } from "../shared/config";
import type { Log } from "../shared/log";
import { RecentEvents } from "./recent-events";
import type { Responder } from "./responder";

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * SDK settings for an incident: the standard retry mode absorbs IAM throttling, and connection and request
 * timeouts stay well below the function's timeout so that a hung call is retried, then reported.
 */
export const clientConfig = (env: Environment) => ({
  // An empty value means unset, as everywhere else in the configuration.
  region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
  maxAttempts: 6,
  retryMode: "standard",
  // Without throwOnRequestTimeout the SDK only logs a slow reply and keeps waiting.
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
});
export type ClientSettings = ReturnType<typeof clientConfig>;

const PARTITION_PREFIXES: [string, string][] = [
  ["cn-", "aws-cn"],
  ["us-gov-", "aws-us-gov"],
  ["us-isob-", "aws-iso-b"],
  ["us-isof-", "aws-iso-f"],
  ["eu-isoe-", "aws-iso-e"],
  ["us-iso-", "aws-iso"],
];

export const partitionOf = (region: string): string =>
  PARTITION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";

/** `arn:<partition>:lambda:<region>:<account>:function:<name>` gives our identity without a call. */
export const identityFromArn = (arn: string | undefined): Identity | undefined => {
  const [, partition, , , account] = arn?.split(":") ?? [];
  return partition && account && /^\d{12}$/.test(account) ? { account, partition } : undefined;
};

/** `…:assumed-role/<role>/<session>` or `…:user/<path>/<name>`: who the responder runs as, when STS told us. */
export const principalOf = (arn: string | undefined): Pick<Identity, "roleName" | "userName"> => {
  const resource = arn?.split(":").slice(5).join(":") ?? "";
  const [kind, ...rest] = resource.split("/");
  if (kind === "assumed-role" && rest[0]) return { roleName: rest[0] };
  if (kind === "user" && rest.length > 0) return { userName: rest.at(-1) };
  return {};
};

/**
 * The clients. IAM is built with the container (Lambda's init phase), since nearly every event writes to it. SNS, STS,
 * CloudTrail and Security Hub are loaded on first use: SNS only after the write, STS only for a member account or when
 * the context has no function ARN, CloudTrail only when enrichment is on, Security Hub only after the alert. Their
 * code then costs nothing before the write.
 */
class Clients {
  readonly iam: IAMClient;
  private snsClient?: Promise<SNSClient>;
  private stsClient?: Promise<STSClient>;
  private cloudtrailClient?: Promise<CloudTrailClient>;
  private securityHubClient?: Promise<SecurityHubClient>;
  constructor(readonly config: ClientSettings) {
    this.iam = new IAMClient(config);
  }
  sns(): Promise<SNSClient> {
    this.snsClient ??= import("../alert/publish").then(
      ({ SNSClient }) => new SNSClient({ ...this.config, maxAttempts: 4 }),
    );
    return this.snsClient;
  }
  sts(): Promise<STSClient> {
    this.stsClient ??= import("../contain/sts").then(({ STSClient }) => new STSClient(this.config));
    return this.stsClient;
  }
  cloudtrail(): Promise<CloudTrailClient> {
    // Enrichment is best effort: one retry at most, so a throttled look-up gives up quickly.
    this.cloudtrailClient ??= import("../enrich/cloudtrail").then(
      ({ CloudTrailClient }) => new CloudTrailClient({ ...this.config, maxAttempts: 2 }),
    );
    return this.cloudtrailClient;
  }
  securityHub(): Promise<SecurityHubClient> {
    // Best effort, after the alert: one retry at most, like enrichment.
    this.securityHubClient ??= import("../alert/securityhub-client").then(
      ({ SecurityHubClient }) => new SecurityHubClient({ ...this.config, maxAttempts: 2 }),
    );
    return this.securityHubClient;
  }
}

/** Sends one update call; returns the error message of each finding Security Hub did not process. */
const sendFindingsCall = async (
  client: SecurityHubClient,
  call: FindingsCall,
  abortSignal: AbortSignal,
): Promise<string[]> => {
  const { BatchUpdateFindingsCommand, BatchUpdateFindingsV2Command } = await import(
    "../alert/securityhub-client"
  );
  const output =
    call.api === "BatchUpdateFindings"
      ? await client.send(new BatchUpdateFindingsCommand(call.input), { abortSignal })
      : await client.send(new BatchUpdateFindingsV2Command(call.input), { abortSignal });
  return (output.UnprocessedFindings ?? []).map((f) => `${f.ErrorCode ?? "error"}: ${f.ErrorMessage ?? ""}`);
};

/**
 * Approve mode makes no IAM call for a finding, so its preview needs no AWS: unless a write can follow, which only a
 * person's request to the manual function or a CONTAIN_WITHOUT_APPROVAL exception can ask for.
 */
const approvesWithoutAws = (config: Config, handler: string | undefined): boolean =>
  config.mode === Mode.Approve && handler !== MANUAL_HANDLER && config.containWithoutApproval.length === 0;

/** What a local run (`sls invoke local`, the shell's credentials) will do, and as whom: before it does it. */
export const localRunLine = (config: Config, found: { account?: string; arn?: string }): string =>
  `LIVE local run in account ${found.account ?? "(unknown)"} as ${found.arn ?? "(unknown principal)"}: ` +
  `${describeMode(config)} (-e DRY_RUN=true for a dry run)`;

/**
 * The per-container wiring: configuration, clients, identity and the memory of recent deliveries. Configuration is
 * read on every invocation (cheap, and a bad value fails that invocation naming the variable).
 */
export const createRuntime = (
  env: Environment,
  log: Log,
  record: (points: MetricPoint[]) => void = () => {},
  print: (line: string) => void = console.log,
  handler?: string,
) => {
  const clients = new Clients(clientConfig(env));
  const seen = new RecentEvents();
  const local = env.IS_LOCAL === "true";
  let cachedIdentity: Promise<Identity> | undefined;
  const lookUpIdentity = async (config: Config): Promise<Identity> => {
    const { GetCallerIdentityCommand } = await import("../contain/sts");
    const result = await (await clients.sts()).send(new GetCallerIdentityCommand({}));
    // Locally the shell's credentials act on a real account: say which, before anything is done.
    if (local) print(localRunLine(config, { account: result.Account, arn: result.Arn }));
    return {
      account: result.Account,
      partition: result.Arn?.split(":")[1] ?? "aws",
      ...principalOf(result.Arn),
    };
  };
  // The stack names the function's own role, so that a finding about it is refused without asking STS.
  const own = { handler, roleName: env.RESPONDER_ROLE_NAME || undefined };
  // The alert's commands name the manual function, which is not the one alerting: the stack passes its name. The
  // region is the function's own, the stack's; either, unknown (offline), prints as a placeholder.
  const commands = {
    manualFunctionName: env.MANUAL_FUNCTION_NAME || undefined,
    region: env.AWS_REGION || undefined,
  };

  return (
    context: Pick<Context, "invokedFunctionArn" | "awsRequestId" | "functionName"> &
      Partial<Pick<Context, "getRemainingTimeInMillis">>,
  ): Responder => {
    const config = loadConfig(env);
    const region = clients.config.region;
    const identity = async (): Promise<Identity> => {
      const fromContext = identityFromArn(context.invokedFunctionArn);
      if (fromContext) return { ...own, ...fromContext };
      // A dry run makes no IAM or STS call, so it works offline; the account is then simply not known.
      if (config.dryRun) return { ...own, account: undefined, partition: partitionOf(region) };
      cachedIdentity ??= lookUpIdentity(config).catch((error) => {
        cachedIdentity = undefined;
        throw error;
      });
      try {
        return { ...own, ...(await cachedIdentity) };
      } catch (error) {
        if (!local || !approvesWithoutAws(config, handler)) throw error;
        print(
          `APPROVE preview offline: AWS could not be reached (${error instanceof Error ? error.name : "error"}), ` +
            "so the account is not known; no key is changed until a person approves",
        );
        return { ...own, account: undefined, partition: partitionOf(region) };
      }
    };
    const memberClients = new Map<string, Promise<IAMClient>>();
    return {
      config,
      handler,
      stack: context.functionName || undefined,
      commands,
      identity,
      iamFor: (plan) => {
        if (!plan.roleArn) return Promise.resolve(clients.iam);
        const roleArn = plan.roleArn;
        let client = memberClients.get(roleArn);
        if (!client) {
          client = clients
            .sts()
            .then((sts) =>
              assumeMemberRole(
                sts,
                roleArn,
                `access-key-responder-${context.awsRequestId ?? "local"}`,
                clients.config,
              ),
            );
          memberClients.set(roleArn, client);
        }
        return client;
      },
      keyAccount: async (accessKeyId) => {
        const { accountOfKey } = await import("../contain/key-account");
        return accountOfKey(await clients.sts(), accessKeyId);
      },
      publish: async (alert) => {
        // After the write: the SNS client and the publishing code load only now.
        const { publishAlert } = await import("../alert/publish");
        const sns = config.alertTopicArn ? await clients.sns() : undefined;
        return publishAlert(sns, config.alertTopicArn, alert, print);
      },
      seen,
      now: () => new Date(),
      // Lambda's clock for this invocation; a context without one (a test, a script) means no deadline.
      timeLeft: context.getRemainingTimeInMillis?.bind(context),
      log,
      record,
      activity: async (accessKeyId): Promise<KeyActivity> => {
        const { recentActivity } = await import("../enrich/cloudtrail");
        return recentActivity(await clients.cloudtrail(), accessKeyId, { now: new Date() });
      },
      updateFindings: async (call, signal) => sendFindingsCall(await clients.securityHub(), call, signal),
    };
  };
};
