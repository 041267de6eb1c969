/** The narrow logger the core needs; the handlers pass Powertools' Logger, tests a stub. */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export const silentLog: Log = { info: () => {}, warn: () => {}, error: () => {} };
