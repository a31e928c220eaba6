/**
 * Which test rows of each subject to draw questions from, as a modulo rule on the 0-based row index
 * in file order: `all`, `i%M==R` or `i%M!=R` (spaces allowed). The fixture was trained on `i%5!=0`
 * and holds out `i%5==0`; the same rule expresses any k-fold style split of a CSV.
 */
import { UsageError } from "../../errors.js";

export interface RowFilter {
  /** The rule as written canonically (`all`, `i%5!=0`). */
  text: string;
  accepts(row: number): boolean;
}

export function parseRowFilter(params: { text: string; option?: string }): RowFilter {
  const option = params.option ?? "--rows";
  const text = params.text.replace(/\s+/g, "");
  if (text === "all") return { text, accepts: () => true };
  const match = /^i%(\d+)(==|!=)(\d+)$/.exec(text);
  if (!match) {
    throw new UsageError(`${option} ${JSON.stringify(params.text)}: expected all, i%M==R or i%M!=R (e.g. i%5!=0)`);
  }
  const modulus = Number(match[1]);
  const remainder = Number(match[3]);
  if (modulus < 1 || remainder >= modulus) {
    throw new UsageError(`${option} ${JSON.stringify(params.text)}: need M ≥ 1 and 0 ≤ R < M`);
  }
  const equal = match[2] === "==";
  return {
    text: `i%${modulus}${match[2]}${remainder}`,
    accepts: (row) => (row % modulus === remainder) === equal,
  };
}
