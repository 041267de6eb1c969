import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // Structured logs are asserted where they matter; elsewhere they only bury the test output.
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      // Tests never reach a real account: no credentials, profiles or instance metadata from the machine.
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_PROFILE: "",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    },
    testTimeout: 20_000,
    // A passing test's console output (a printed alert, a log line) is noise; a failing test's is kept.
    silent: "passed-only",
  },
});
