import type { MatmulBackend } from "../calib/matmulBackend.js";
import type { AwqScaleCandidate } from "./awqScaleCandidates.js";
import { fakeQuantizeAwqGroups } from "./fakeQuantizeAwqGroups.js";
import type { LinearInputStatistics } from "./linearInputStatistics.js";
import { outputErrorLoss } from "./outputErrorLoss.js";

/**
 * For each candidate scale s: quantize W·diag(s), undo the scale (the folded producer divides the input
 * by s), and measure the output error against W on the calibration inputs. A group whose linears see
 * different inputs (the experts behind one norm) sums these per linear.
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
  backend: MatmulBackend;
  signal?: AbortSignal;
}): Promise<number[]> {
  const { weight, rows, cols, groupSize, stats, candidates, backend } = params;
  const gram32 = stats.gram ? Float32Array.from(stats.gram) : undefined;
  const scaled = new Float32Array(rows * cols);
  const quantized = new Float32Array(rows * cols);
  const losses: number[] = [];
  for (const { scale } of candidates) {
    params.signal?.throwIfAborted();
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) scaled[o + c] = weight[o + c] * scale[c];
    }
    fakeQuantizeAwqGroups({ weight: scaled, rows, cols, groupSize, out: quantized });
    // ΔW = Q(W·diag(s))·diag(1/s) − W, in place
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) quantized[o + c] = quantized[o + c] / scale[c] - weight[o + c];
    }
    losses.push(await outputErrorLoss({ delta: quantized, rows, stats, gram32, rowWeights: params.rowWeights, meanRowWeights: params.meanRowWeights, backend }));
  }
  return losses;
}
