// The STS pieces loaded on first use (own account without a function ARN, a member role). A dynamic import of the
// package itself would keep every STS command in the bundle; importing this module lets esbuild drop the rest.
// Only leaf modules like this one may be imported dynamically: esbuild cannot tree-shake a package that a lazily
// loaded module imports, so a dynamic import of member-account.ts once kept all of IAM's schemas (88 KB).
export {
  AssumeRoleCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
