import type { MatmulBackend } from "../calib/matmulBackend.js";
import type { FactoredGram } from "./factorGram.js";
import { checkGramComplete, type LinearInputStatistics } from "./linearInputStatistics.js";

/**
 * Mean squared output error of a weight error ΔW [rows, cols] on the calibration inputs:
 * Σ_tokens ‖ΔW·x‖² / tokens — from the kept rows (‖X·ΔWᵀ‖²) or the Gram matrix (Σ_r Δ_r·G·Δ_rᵀ), through
 * the matmul backend either way. Biases cancel in the difference, so they play no part. With row weights
 * w, Σ_r w_r·(Δ_r·x)²: the rows' errors in the units of what their outputs feed (the attention block's
 * output for q/k/v, attentionOutputRowWeights), at the same cost. With a factored Gram (factorGram,
 * G ≈ F·Fᵀ + D) the product is Δ·F, rows·cols·rank instead of rows·cols² (awqScaleLosses decides).
 */
export async function outputErrorLoss(params: {
  delta: Float32Array;
  rows: number;
  stats: LinearInputStatistics;
  /** The Gram matrix as float32 (converted once per search by the caller), when stats hold one. */
  gram32?: Float32Array;
  /** G ≈ F·Fᵀ + D from factorGram: used instead of the full Gram when given. */
  factored?: FactoredGram;
  /** [rows]: each row's squared error is multiplied by its weight (default 1). */
  rowWeights?: Float64Array;
  /**
   * [rows]: adds Σ_r m_r·(Δ_r·μ)², μ = Σx / tokens — the error of the mean input alone (what survives an
   * average over many tokens, e.g. the attention's over its keys); rows with m_r = 0 add nothing.
   */
  meanRowWeights?: Float64Array;
  backend: MatmulBackend;
}): Promise<number> {
  const { delta, rows, stats, backend, rowWeights } = params;
  const { cols, count } = stats;
  if (count === 0) return 0;
  const meanPart = meanError(delta, rows, cols, stats, params.meanRowWeights);
  if (stats.rows) {
    const y = await backend.matmulBias({ x: stats.rows, n: count, k: cols, weight: delta, m: rows });
    let sum = 0;
    if (rowWeights) for (let i = 0; i < y.length; i++) sum += rowWeights[i % rows] * y[i] * y[i];
    else for (let i = 0; i < y.length; i++) sum += y[i] * y[i];
    return sum / count + meanPart;
  }
  if (params.factored) return (await factoredLoss(delta, rows, params.factored, rowWeights, backend)) / count + meanPart;
  checkGramComplete(stats, "outputErrorLoss");
  const gram = params.gram32 ?? Float32Array.from(stats.gram!);
  const product = await backend.matmulBias({ x: delta, n: rows, k: cols, weight: gram, m: cols });
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    let row = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) row += product[i] * delta[i];
    sum += rowWeights ? rowWeights[r] * row : row;
  }
  return sum / count + meanPart;
}

/** Σ_r w_r·(‖(Δ·F)_r‖² + Σ_c D_c·Δ_rc²): Δ_r·G·Δ_rᵀ with G ≈ F·Fᵀ + D. */
async function factoredLoss(delta: Float32Array, rows: number, gram: FactoredGram, rowWeights: Float64Array | undefined, backend: MatmulBackend): Promise<number> {
  const { cols, rank, residualDiagonal } = gram;
  const product = await backend.matmulBias({ x: delta, n: rows, k: cols, weight: gram.projection, m: rank });
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    let row = 0;
    for (let i = r * rank; i < (r + 1) * rank; i++) row += product[i] * product[i];
    const o = r * cols;
    for (let c = 0; c < cols; c++) row += residualDiagonal[c] * delta[o + c] * delta[o + c];
    sum += rowWeights ? rowWeights[r] * row : row;
  }
  return sum;
}

function meanError(delta: Float32Array, rows: number, cols: number, stats: LinearInputStatistics, weights?: Float64Array): number {
  if (!weights) return 0;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    if (weights[r] === 0) continue;
    let e = 0;
    for (let c = 0; c < cols; c++) e += delta[r * cols + c] * stats.sum[c];
    e /= stats.count;
    sum += weights[r] * e * e;
  }
  return sum;
}
