import { createHandler } from "../src/handler";

/** Lambda entry point `securityHub`. Wiring only: the flow lives in src/respond.ts. */
export const handler = createHandler("securityHub");
