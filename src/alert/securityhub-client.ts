// The Security Hub pieces loaded after the alert, to record the outcome on the finding. A leaf module, like contain/sts.ts:
// importing only these names lets esbuild drop the rest of the package.
export {
  BatchUpdateFindingsCommand,
  BatchUpdateFindingsV2Command,
  SecurityHubClient,
} from "@aws-sdk/client-securityhub";
