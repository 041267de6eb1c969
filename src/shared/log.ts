/** The narrow logger the core needs; the handlers pass Powertools' Logger, tests a stub. */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
  /** A log whose every line also carries these keys (finding id, key ID, user, account). */
  withKeys(keys: Record<string, unknown>): Log;
}

export const silentLog: Log = {
  info: () => {},
  warn: () => {},
  error: () => {},
  withKeys: () => silentLog,
};
