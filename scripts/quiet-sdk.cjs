// `node scripts/quiet-sdk.cjs <command> [args…]`: runs the command with the AWS SDK's Node-version warning turned
// off. On Node 20 every SDK client prints a 10-line NodeVersionSupportWarning; the variable works on every platform,
// where `NAME=value command` in package.json would need a POSIX shell.
const { spawnSync } = require("node:child_process");

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: node scripts/quiet-sdk.cjs <command> [args…]");
  process.exit(2);
}
const result = spawnSync(command, args, {
  stdio: "inherit",
  env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  // npm puts node_modules/.bin on PATH; on Windows its entries are .cmd files, which only a shell runs.
  shell: process.platform === "win32",
});
if (result.error) {
  console.error(`${command}: ${result.error.message}`);
  process.exit(1);
}
if (result.signal) process.kill(process.pid, result.signal);
process.exit(result.status ?? 1);
