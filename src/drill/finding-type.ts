/**
 * The finding type the drill asks GuardDuty for (src/drill/run-drill.ts): an IAM-user credential finding, whose sample
 * carries resource.accessKeyDetails, so the guardduty rule delivers it and the responder handles it as a sample (no
 * action, one alert). Apart from the drill, so that the responder's metrics can recognise the drill's own findings
 * without loading the GuardDuty client.
 */
export const DRILL_FINDING_TYPE = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom";
