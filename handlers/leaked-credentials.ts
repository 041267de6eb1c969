import { createHandler } from "../src/entry/handler";

/** Lambda entry point `leakedCredentials`. Wiring only: the flow lives in src/entry/respond.ts. */
export const handler = createHandler("leakedCredentials");
