/**
 * A parameter count as the user writes it: `15e9`, `15000000000`, `15B`, `14.5B`, `900M` (the suffixes
 * are decimal, as model sizes are quoted). Returns undefined for anything else (a share such as `72%`
 * is parseParameterTarget's).
 */
export function parseParameterCount(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d+(?:\.\d+)?(?:[eE]\+?\d+)?)\s*([kKmMbBtT]?)\s*$/.exec(value);
  if (!match) return undefined;
  const scale = { "": 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[match[2].toLowerCase() as "" | "k" | "m" | "b" | "t"];
  const n = Number(match[1]) * scale;
  return Number.isFinite(n) && n > 0 ? Math.round(n) : undefined;
}

/** A parameter target: a count (parseParameterCount) or a share of the model's parameters, `71.7%` (0 < p < 100). */
export function parseParameterTarget(value: unknown): number | { percent: number } | undefined {
  if (typeof value === "string") {
    const share = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
    if (share) {
      const percent = Number(share[1]);
      return percent > 0 && percent < 100 ? { percent } : undefined;
    }
  }
  return parseParameterCount(value);
}
