import { describe, expect, it } from "vitest";
import { closestName } from "../../../src/findings/closest-name";

describe("closestName", () => {
  const FIELDS = ["accessKeyId", "userName", "account", "reason", "status", "requestedBy"];

  it("matches a name in another case, or within one edit per four letters", () => {
    expect(closestName("ACCESSKEYID", FIELDS)).toBe("accessKeyId");
    expect(closestName("acesKeyID", FIELDS)).toBe("accessKeyId");
    expect(closestName("reasn", FIELDS)).toBe("reason");
  });

  it("suggests nothing for a name that resembles none", () => {
    expect(closestName("CreateDate", FIELDS)).toBeUndefined();
    expect(closestName("region", FIELDS)).toBeUndefined();
    expect(closestName("key", FIELDS)).toBeUndefined();
  });
});

describe("closestName for deploy parameters", () => {
  it("finds dryRun for dryrun and containWithoutApproval for a typo in it", () => {
    expect(closestName("dryrun", ["mode", "dryRun", "drill"])).toBe("dryRun");
    expect(closestName("containWithoutAproval", ["containWithoutApproval", "drill"])).toBe(
      "containWithoutApproval",
    );
  });
});
