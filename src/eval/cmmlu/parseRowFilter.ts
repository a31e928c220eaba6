/**
 * Which test rows of each subject to draw questions from, as a modulo rule on the 0-based row index
 * in file order: `all`, `i%M==R` or `i%M!=R` (spaces allowed). The fixture was trained on `i%5!=0`
 * and holds out `i%5==0`; the same rule expresses any k-fold style split of a CSV.
 */
import { UsageError } from "../../errors.js";
import { matchRowFilter, type RowFilter } from "./matchRowFilter.js";

export type { RowFilter } from "./matchRowFilter.js";

export function parseRowFilter(params: { text: string; option?: string }): RowFilter {
  const matched = matchRowFilter(params.text);
  if ("problem" in matched) throw new UsageError(`${params.option ?? "--rows"} ${JSON.stringify(params.text)}: ${matched.problem}`);
  return matched;
}
