/** Where a finding came from: the parsers set it, the configuration names it (containWithoutApproval). */
export const Source = {
  GuardDuty: "guardduty",
  Health: "health",
  TrustedAdvisor: "trusted-advisor",
  SecurityHub: "security-hub",
  Manual: "manual",
} as const;
export type Source = (typeof Source)[keyof typeof Source];
