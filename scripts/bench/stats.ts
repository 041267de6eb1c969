// Statistics and number formats for the report. No project imports: safe to load before the environment is set.

const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** Median (mean of the two middle values for an even count). */
export const median = (values: readonly number[]): number => {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Nearest-rank percentile: the smallest value with at least p% of the samples at or below it. */
export const percentile = (values: readonly number[], p: number): number =>
  values.length === 0
    ? Number.NaN
    : (sorted(values)[Math.max(1, Math.ceil((p / 100) * values.length)) - 1] as number);

export const mean = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / values.length;

export const ms = (value: number, digits = 2): string =>
  Number.isFinite(value) ? value.toFixed(digits) : "n/a";

/** Kibibytes with one decimal (1 KB = 1,024 bytes throughout the report). */
export const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
export const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);
export const int = (value: number): string => Math.round(value).toLocaleString("en-US");
export const pct = (part: number, whole: number): string =>
  whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "n/a";
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
