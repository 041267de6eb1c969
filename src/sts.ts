// The STS pieces the runtime loads on first use. A dynamic import of the package itself would keep every STS
// command in the bundle; importing this module instead lets esbuild drop what is never used.
export { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
