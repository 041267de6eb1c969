import { createHandler } from "../src/handler";

/** Lambda entry point `guardduty`. Wiring only: the flow lives in src/respond.ts. */
export const handler = createHandler("guardduty");
