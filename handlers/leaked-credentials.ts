import { createHandler } from "../src/handler";

/** Lambda entry point `leakedCredentials`. Wiring only: the flow lives in src/respond.ts. */
export const handler = createHandler("leakedCredentials");
