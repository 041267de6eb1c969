import { createHandler } from "../src/handler";

/** Lambda entry point `manual`. Wiring only: the flow lives in src/respond.ts. */
export const handler = createHandler("manual");
