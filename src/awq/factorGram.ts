import type { MatmulBackend } from "../calib/matmulBackend.js";
import { mulberry32 } from "../util/mulberry32.js";
import { symmetricEigen } from "./symmetricEigen.js";

/**
 * A Gram matrix G = XᵀX [cols, cols] as a low-rank part plus a diagonal rest: G ≈ F·Fᵀ + D, with
 * F = U·√Λ [cols, rank] from the top `rank` eigenpairs (randomized subspace iteration through the
 * matmul backend, then Jacobi on the small projected matrix) and D = diag(G − F·Fᵀ), what each input
 * channel's energy is beyond the factor. The rest is kept per channel, not as one mean, because AWQ's
 * candidates differ exactly in how they move error between channels.
 *
 * Why: AWQ's searches evaluate Σ_r Δ_r·G·Δ_rᵀ for 20 candidate weight errors per group; with G in full
 * that costs rows·cols² multiply-adds per candidate (≈ 42 G for q/k/v at gpt-oss-20b's sizes), with the
 * factor rows·cols·rank. Activation Grams are dominated by a few directions, and the error the factor
 * leaves is the off-diagonal part of G − F·Fᵀ (see outputErrorLoss with `factored`).
 */
export interface FactoredGram {
  cols: number;
  rank: number;
  /** Fᵀ, [rank, cols] row-major: the `weight` operand of the backend product Δ·F (float32). */
  projection: Float32Array;
  /** diag(G − F·Fᵀ) [cols], clamped at 0. */
  residualDiagonal: Float64Array;
  /** Share of the trace the factor holds (1 = exact). */
  captured: number;
}

export async function factorGram(params: { gram: Float64Array; cols: number; rank: number; backend: MatmulBackend; oversample?: number; iterations?: number; seed?: number }): Promise<FactoredGram> {
  const { gram, cols, backend } = params;
  const rank = Math.min(params.rank, cols);
  const k = Math.min(cols, rank + (params.oversample ?? 16));
  const gram32 = Float32Array.from(gram);
  let trace = 0;
  for (let i = 0; i < cols; i++) trace += gram[i * cols + i];

  // Ω [k, cols] random; Y = (G·Ωᵀ)ᵀ = Ω·G (G symmetric), kept as rows [k, cols]
  const next = mulberry32(params.seed ?? 1);
  let basisRows: Float32Array = new Float32Array(k * cols);
  for (let i = 0; i < basisRows.length; i++) basisRows[i] = next() - 0.5;
  for (let it = 0; it <= (params.iterations ?? 2); it++) {
    basisRows = await backend.matmulBias({ x: basisRows, n: k, k: cols, weight: gram32, m: cols });
    orthonormalizeRows(basisRows, k, cols);
  }
  // B = Q·G·Qᵀ [k, k] with Q = basisRows
  const gq = await backend.matmulBias({ x: basisRows, n: k, k: cols, weight: gram32, m: cols });
  const projected32 = await backend.matmulBias({ x: gq, n: k, k: cols, weight: basisRows, m: k });
  const projected = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) projected[i * k + j] = (projected32[i * k + j] + projected32[j * k + i]) / 2;
  const { values, vectors } = symmetricEigen({ matrix: projected, n: k });

  const projection = new Float32Array(rank * cols);
  const residualDiagonal = new Float64Array(cols);
  for (let c = 0; c < cols; c++) residualDiagonal[c] = gram[c * cols + c];
  let capturedSum = 0;
  for (let j = 0; j < rank; j++) {
    const lambda = Math.max(0, values[j]);
    capturedSum += lambda;
    const root = Math.sqrt(lambda);
    for (let c = 0; c < cols; c++) {
      let u = 0;
      for (let i = 0; i < k; i++) u += vectors[i * k + j] * basisRows[i * cols + c];
      const f = u * root;
      projection[j * cols + c] = f;
      residualDiagonal[c] -= f * f;
    }
  }
  for (let c = 0; c < cols; c++) residualDiagonal[c] = Math.max(0, residualDiagonal[c]);
  return { cols, rank, projection, residualDiagonal, captured: trace > 0 ? capturedSum / trace : 1 };
}

/** Modified Gram-Schmidt on the rows of a [n, cols] matrix, in place (float64 accumulation). */
function orthonormalizeRows(rows: Float32Array, n: number, cols: number): void {
  for (let i = 0; i < n; i++) {
    const ri = rows.subarray(i * cols, (i + 1) * cols);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        const rj = rows.subarray(j * cols, (j + 1) * cols);
        let dot = 0;
        for (let c = 0; c < cols; c++) dot += ri[c] * rj[c];
        for (let c = 0; c < cols; c++) ri[c] -= dot * rj[c];
      }
    }
    let norm = 0;
    for (let c = 0; c < cols; c++) norm += ri[c] * ri[c];
    norm = Math.sqrt(norm);
    if (norm === 0) {
      ri[i % cols] = 1; // a degenerate direction: any unit vector, orthogonalised on the next pass
      continue;
    }
    for (let c = 0; c < cols; c++) ri[c] /= norm;
  }
}
