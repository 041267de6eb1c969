// The plan step, Finding + Config → Plan, pure: no I/O, no SDK, nothing loaded on demand. Its parts, in the order a
// finding meets them: the gate (refusals.ts, asking principals.ts and approval.ts), the write (plan-containment.ts),
// one plan per key (merge-plans.ts), and plans made again while containing (replan.ts).

export { mergePlans } from "./merge-plans";
export { planContainment } from "./plan-containment";
export { Action, type Identity, type Plan, Skip } from "./plan-types";
export { planForAccount, planForOwner } from "./replan";
