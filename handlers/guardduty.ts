import { createHandler } from "../src/entry/handler";

/** Lambda entry point `guardduty`. Wiring only: the flow lives in src/entry/respond.ts. */
export const handler = createHandler("guardduty");
