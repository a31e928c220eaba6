/**
 * A keep count as the user writes it: an absolute number (`22`) or a share of what the model has
 * (`75%`), so one pipeline file fits the tiny fixture (16 heads → 12) and gpt-oss-20b (64 → 48).
 */
export type KeepCount = { count: number } | { percent: number };

/** Parse `N` or `P%`; returns undefined for anything else (the caller names the option in its error). */
export function parseKeepCount(value: unknown): KeepCount | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? { count: value } : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (percent) {
    const p = Number(percent[1]);
    return p > 0 && p <= 100 ? { percent: p } : undefined;
  }
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) && n > 0 ? { count: n } : undefined;
  }
  return undefined;
}

export function formatKeepCount(keep: KeepCount): string {
  return "count" in keep ? String(keep.count) : `${keep.percent}%`;
}
