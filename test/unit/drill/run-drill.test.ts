import {
  CreateSampleFindingsCommand,
  GuardDutyClient,
  ListDetectorsCommand,
} from "@aws-sdk/client-guardduty";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import "aws-sdk-client-mock-vitest/extend";
import { readFileSync } from "node:fs";
import { DRILL_FINDING_TYPE, DRILL_PERMISSIONS, DrillError, runDrill } from "../../../src/drill/run-drill";

const guardduty = mockClient(GuardDutyClient);
const DETECTOR = "7c2e9a41d05b8f3e6a1d4c9b2e0f5a38";
const client = () => new GuardDutyClient({ region: "eu-west-1" });

beforeEach(() => {
  guardduty.reset();
});

describe("runDrill", () => {
  it("finds this region's detector, then asks it for one sample credential finding", async () => {
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
    guardduty.on(CreateSampleFindingsCommand).resolves({});

    const result = await runDrill(client(), "eu-west-1");

    expect(guardduty).toHaveReceivedCommandTimes(ListDetectorsCommand, 1);
    expect(guardduty).toHaveReceivedCommandTimes(CreateSampleFindingsCommand, 1);
    expect(guardduty).toHaveReceivedCommandWith(CreateSampleFindingsCommand, {
      DetectorId: DETECTOR,
      FindingTypes: ["UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"],
    });
    expect(result).toEqual({ region: "eu-west-1", detectorId: DETECTOR, findingType: DRILL_FINDING_TYPE });
  });

  it("asks for a finding type whose sample names an access key, so the guardduty rule delivers it", () => {
    expect(DRILL_FINDING_TYPE).toMatch(/:IAMUser\//);
  });

  it("fails loudly, naming the region, when the region has no detector", async () => {
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });

    const drill = runDrill(client(), "eu-west-1");

    await expect(drill).rejects.toBeInstanceOf(DrillError);
    await expect(drill).rejects.toThrow("no GuardDuty detector in eu-west-1");
    expect(guardduty).toHaveReceivedCommandTimes(CreateSampleFindingsCommand, 0);
  });

  it("follows the pages of ListDetectors until a detector shows up", async () => {
    guardduty
      .on(ListDetectorsCommand)
      .resolvesOnce({ DetectorIds: [], NextToken: "page-2" })
      .resolvesOnce({ DetectorIds: [DETECTOR] });
    guardduty.on(CreateSampleFindingsCommand).resolves({});

    await runDrill(client(), "eu-west-1");

    expect(guardduty).toHaveReceivedNthCommandWith(ListDetectorsCommand, 2, { NextToken: "page-2" });
    expect(guardduty).toHaveReceivedCommandWith(CreateSampleFindingsCommand, { DetectorId: DETECTOR });
  });

  it("fails naming the region when every page is empty", async () => {
    guardduty
      .on(ListDetectorsCommand)
      .resolvesOnce({ DetectorIds: [], NextToken: "page-2" })
      .resolvesOnce({ DetectorIds: [] });

    await expect(runDrill(client(), "ap-south-2")).rejects.toThrow("no GuardDuty detector in ap-south-2");
    expect(guardduty).toHaveReceivedCommandTimes(ListDetectorsCommand, 2);
  });

  it("with more than one detector, drills the first only: one drill, one alert", async () => {
    guardduty
      .on(ListDetectorsCommand)
      .resolves({ DetectorIds: [DETECTOR, "0123456789abcdef0123456789abcdef"] });
    guardduty.on(CreateSampleFindingsCommand).resolves({});

    await runDrill(client(), "eu-west-1");

    expect(guardduty).toHaveReceivedCommandTimes(CreateSampleFindingsCommand, 1);
    expect(guardduty).toHaveReceivedCommandWith(CreateSampleFindingsCommand, { DetectorId: DETECTOR });
  });

  it("keeps GuardDuty's refusal as the cause", async () => {
    const denied = Object.assign(new Error("not authorized"), { name: "AccessDeniedException" });
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
    guardduty.on(CreateSampleFindingsCommand).rejects(denied);

    const error = await runDrill(client(), "eu-west-1").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DrillError);
    expect((error as DrillError).message).toContain(`detector ${DETECTOR} (eu-west-1)`);
    expect((error as DrillError).cause).toBe(denied);
  });

  it("declares only the two GuardDuty actions it calls", () => {
    expect([...DRILL_PERMISSIONS].sort()).toEqual([
      "guardduty:CreateSampleFindings",
      "guardduty:ListDetectors",
    ]);
  });

  it("neither imports nor wires an IAM client, in the core or in the handler", () => {
    for (const file of ["src/drill/run-drill.ts", "handlers/drill.ts"]) {
      const source = readFileSync(new URL(`../../../${file}`, import.meta.url), "utf8");
      expect(source, file).not.toMatch(/client-iam|IAMClient|src\/entry\//);
    }
  });
});
