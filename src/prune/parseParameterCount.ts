/**
 * A parameter count as the user writes it: `15e9`, `15000000000`, `15B`, `14.5B`, `900M` (the suffixes
 * are decimal, as model sizes are quoted). Returns undefined for anything else.
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
