import type { MatmulBackend } from "../calib/matmulBackend.js";
import type { FactoredGram } from "./factorGram.js";

/**
 * Σ_r Δ_r·G·Δ_rᵀ / tokens for G ≈ F·Fᵀ + D (factorGram): ‖Δ·F‖² + Σ_r Σ_c D_c·Δ_rc², over `count`
 * tokens — one [rows, cols]·[cols, rank] product instead of [rows, cols]·[cols, cols]. Exact when the
 * factor holds G's whole trace; otherwise what it misses is the off-diagonal part of G − F·Fᵀ.
 */
export async function factoredOutputErrorLoss(params: { delta: Float32Array; rows: number; gram: FactoredGram; count: number; backend: MatmulBackend }): Promise<number> {
  const { delta, rows, gram, count, backend } = params;
  if (count === 0) return 0;
  const { cols, rank, residualDiagonal } = gram;
  const product = await backend.matmulBias({ x: delta, n: rows, k: cols, weight: gram.projection, m: rank });
  let low = 0;
  for (let i = 0; i < rows * rank; i++) low += product[i] * product[i];
  let rest = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) rest += residualDiagonal[c] * delta[o + c] * delta[o + c];
  }
  return (low + rest) / count;
}
