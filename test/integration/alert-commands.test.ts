// The commands in a published alert name the deployed manual function (MANUAL_FUNCTION_NAME, set by the stack) and
// the function's region (AWS_REGION), through the real handler wiring.
import { afterEach, expect, it } from "vitest";
import { loopbackDouble, publishedDocument, respondTo, useDouble } from "../support/harness";

const double = loopbackDouble();

afterEach(() => {
  delete process.env.MANUAL_FUNCTION_NAME;
});

const lambdaCommandOf = (text: string): string | undefined =>
  text
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line.startsWith("aws lambda invoke"));

it("names the manual function the stack deployed, and the region, in the approval command", async () => {
  useDouble(double, { RESPONDER_MODE: "approve", MANUAL_FUNCTION_NAME: "access-key-responder-prod-manual" });

  await respondTo("guardduty-iam-user", "guardduty");

  expect(lambdaCommandOf(publishedDocument(double).text)).toMatch(
    /^aws lambda invoke --function-name access-key-responder-prod-manual --region us-east-1 --cli-binary-format raw-in-base64-out --payload '\{[^']*\}' response\.json$/,
  );
});

it("prints a placeholder, not a redirection, when the stack did not name the manual function", async () => {
  useDouble(double, { RESPONDER_MODE: "approve" });

  await respondTo("guardduty-iam-user", "guardduty");

  const command = lambdaCommandOf(publishedDocument(double).text) ?? "";
  expect(command).toContain("--function-name {manual-function-name} --region us-east-1 ");
  expect(command.replace(/'[^']*'/g, "")).not.toMatch(/[<>]/);
});
