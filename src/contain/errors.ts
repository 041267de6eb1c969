/** The SDK names modelled IAM errors `NoSuchEntityException` and unmodelled ones by their code (`AccessDenied`). */
export const errorCode = (error: unknown): string => {
  const name = (error as { name?: unknown })?.name;
  return typeof name === "string" ? name.replace(/Exception$/, "") : "Error";
};

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? `${errorCode(error)}: ${error.message}` : String(error);

export const isNoSuchEntity = (error: unknown): boolean => errorCode(error) === "NoSuchEntity";

/**
 * IAM refused the write because a policy denies it explicitly: the responder's own Deny on principals tagged as
 * protected, or an SCP. That is a decision someone made, reported as "protected", not a crash.
 */
export const isExplicitDeny = (error: unknown): boolean =>
  ["AccessDenied", "AccessDeniedException"].includes((error as { name?: string })?.name ?? "") &&
  /explicit deny/i.test((error as { message?: string }).message ?? "");

/** A step of containment failed after the SDK's own retries. Keeps the original error as cause. */
export class ContainmentError extends Error {
  // The class's own name too: a minified build shortens it, and `sls invoke local` reports errors by it (errorType).
  static {
    Object.defineProperty(ContainmentError, "name", { value: "ContainmentError" });
  }
  override name = "ContainmentError";
}
