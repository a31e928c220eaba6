import type { MatmulBackend } from "../calib/matmulBackend.js";
import type { AwqScaleCandidate } from "./awqScaleCandidates.js";
import { awqCandidateDelta } from "./awqCandidateDelta.js";
import { type FactoredGram, factorGram } from "./factorGram.js";
import { checkGramComplete, type LinearInputStatistics } from "./linearInputStatistics.js";
import { outputErrorLoss } from "./outputErrorLoss.js";

/**
 * For each candidate scale s: quantize W·diag(s), undo the scale (the folded producer divides the input
 * by s), and measure the output error against W on the calibration inputs. A group whose linears see
 * different inputs (the experts behind one norm) sums these per linear.
 *
 * With gramRank > 0 and a Gram wider than that, the Gram is factored once (factorGram: G ≈ F·Fᵀ + D)
 * and every candidate costs rows·cols·rank instead of rows·cols² — the search's whole cost at full
 * size (AWQ_GRAM_RANK says how the default was chosen).
 */
export async function awqScaleLosses(params: {
  weight: Float32Array;
  rows: number;
  cols: number;
  groupSize: number;
  stats: LinearInputStatistics;
  candidates: readonly AwqScaleCandidate[];
  /** [rows]: weights of the rows' squared errors (outputErrorLoss), default 1. */
  rowWeights?: Float64Array;
  /** [rows]: weights of the rows' mean-input errors (outputErrorLoss). */
  meanRowWeights?: Float64Array;
  /** Rank of the Gram's factor (0 or absent: the exact Gram). */
  gramRank?: number;
  backend: MatmulBackend;
  signal?: AbortSignal;
}): Promise<number[]> {
  const { weight, rows, cols, groupSize, stats, candidates, backend } = params;
  const rank = params.gramRank ?? 0;
  let factored: FactoredGram | undefined;
  let gram32: Float32Array | undefined;
  checkGramComplete(stats, "awqScaleLosses");
  if (stats.gram && !stats.rows && rank > 0 && rank < cols) factored = await factorGram({ gram: stats.gram, cols, rank, backend });
  else if (stats.gram) gram32 = Float32Array.from(stats.gram);
  const delta = new Float32Array(rows * cols);
  const losses: number[] = [];
  for (const { scale } of candidates) {
    params.signal?.throwIfAborted();
    awqCandidateDelta({ weight, rows, cols, groupSize, scale, out: delta });
    losses.push(await outputErrorLoss({ delta, rows, stats, gram32, factored, rowWeights: params.rowWeights, meanRowWeights: params.meanRowWeights, backend }));
  }
  return losses;
}
