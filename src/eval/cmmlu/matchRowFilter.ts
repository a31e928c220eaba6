/**
 * The row rule `all`, `i%M==R` or `i%M!=R` (spaces allowed) as a RowFilter, or the problem with it —
 * for callers that word the error themselves (parseRowFilter, the eval params schema).
 */

export interface RowFilter {
  /** The rule as written canonically (`all`, `i%5!=0`). */
  text: string;
  accepts(row: number): boolean;
}

export function matchRowFilter(value: string): RowFilter | { problem: string } {
  const text = value.replace(/\s+/g, "");
  if (text === "all") return { text, accepts: () => true };
  const match = /^i%(\d+)(==|!=)(\d+)$/.exec(text);
  if (!match) return { problem: "expected all, i%M==R or i%M!=R (e.g. i%5!=0)" };
  const modulus = Number(match[1]);
  const remainder = Number(match[3]);
  if (modulus < 1 || remainder >= modulus) return { problem: "need M ≥ 1 and 0 ≤ R < M" };
  const equal = match[2] === "==";
  return {
    text: `i%${modulus}${match[2]}${remainder}`,
    accepts: (row) => (row % modulus === remainder) === equal,
  };
}
