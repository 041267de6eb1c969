import {
  CreateSampleFindingsCommand,
  type GuardDutyClient,
  ListDetectorsCommand,
} from "@aws-sdk/client-guardduty";
import { DRILL_FINDING_TYPE } from "./finding-type";

/** What the drill function's own role is granted (serverless.yml DrillRole, DrillGrant). It reads and writes no IAM. */
export const DRILL_PERMISSIONS = ["guardduty:ListDetectors", "guardduty:CreateSampleFindings"] as const;

export { DRILL_FINDING_TYPE };

/** The drill could not run: no detector here, or GuardDuty refused. Keeps the original as cause. */
export class DrillError extends Error {
  // The class's own name too: a minified build shortens it, and `sls invoke local` reports errors by it (errorType).
  static {
    Object.defineProperty(DrillError, "name", { value: "DrillError" });
  }
  override name = "DrillError";
}

export interface DrillResult {
  region: string;
  detectorId: string;
  findingType: string;
}

/** This region's detector. GuardDuty allows one per account and region; pages are followed until one shows up. */
const findDetector = async (guardduty: GuardDutyClient): Promise<string | undefined> => {
  let nextToken: string | undefined;
  do {
    const page = await guardduty.send(new ListDetectorsCommand({ NextToken: nextToken }));
    const [first] = page.DetectorIds ?? [];
    if (first) return first;
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return undefined;
};

/**
 * Asks GuardDuty for one sample credential finding, so that the real path (GuardDuty, EventBridge, the guardduty
 * function, the alert) runs end to end. Fails loudly when this region has no detector: the drill's failure alarm
 * and queue are how a broken path shows.
 */
export const runDrill = async (guardduty: GuardDutyClient, region: string): Promise<DrillResult> => {
  let detectorId: string | undefined;
  try {
    detectorId = await findDetector(guardduty);
  } catch (error) {
    throw new DrillError(`listing the GuardDuty detectors of ${region} failed`, { cause: error });
  }
  if (!detectorId) {
    throw new DrillError(
      `no GuardDuty detector in ${region}: enable GuardDuty in this region, or deploy with drill=false`,
    );
  }
  try {
    await guardduty.send(
      new CreateSampleFindingsCommand({ DetectorId: detectorId, FindingTypes: [DRILL_FINDING_TYPE] }),
    );
  } catch (error) {
    throw new DrillError(`creating a sample finding in detector ${detectorId} (${region}) failed`, {
      cause: error,
    });
  }
  return { region, detectorId, findingType: DRILL_FINDING_TYPE };
};
