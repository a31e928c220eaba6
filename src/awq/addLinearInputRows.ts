import type { MatmulBackend } from "../calib/matmulBackend.js";
import type { LinearInputStatistics } from "./linearInputStatistics.js";

/**
 * Add n rows of a linear's input to its statistics. The Gram update XᵀX goes through the matmul
 * backend as one product of the transposed batch with itself ([cols, n] · [n, cols]).
 */
export async function addLinearInputRows(params: { stats: LinearInputStatistics; x: Float32Array; n: number; backend: MatmulBackend }): Promise<void> {
  const { stats, x, n, backend } = params;
  const { cols } = stats;
  if (n === 0) return;
  for (let r = 0; r < n; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      stats.sumAbs[c] += Math.abs(x[o + c]);
      stats.sum[c] += x[o + c];
    }
  }
  if (stats.rows && stats.count + n <= cols) {
    const grown = new Float32Array((stats.count + n) * cols);
    grown.set(stats.rows.subarray(0, stats.count * cols));
    grown.set(x.subarray(0, n * cols), stats.count * cols);
    stats.rows = grown;
    stats.count += n;
    return;
  }
  if (stats.rows) {
    // too many rows to keep: switch to the Gram matrix, starting with the rows kept so far
    const kept = stats.count;
    stats.gram = new Float64Array(cols * cols);
    if (kept > 0) await addGram(stats.gram, stats.rows, kept, cols, backend);
    stats.rows = undefined;
  }
  await addGram(stats.gram!, x, n, cols, backend);
  stats.count += n;
}

async function addGram(gram: Float64Array, x: Float32Array, n: number, cols: number, backend: MatmulBackend): Promise<void> {
  const transposed = new Float32Array(cols * n);
  for (let r = 0; r < n; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) transposed[c * n + r] = x[o + c];
  }
  const product = await backend.matmulBias({ x: transposed, n: cols, k: n, weight: transposed, m: cols });
  for (let i = 0; i < product.length; i++) gram[i] += product[i];
}
