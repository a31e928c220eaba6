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
  if (!stats.rows && backend.inputStatistics) {
    // the device computes the sums and the Gram from the rows as they are (no host passes over them)
    const s = await backend.inputStatistics({ x, n, cols });
    addInto(stats.sumAbs, s.sumAbs);
    addInto(stats.sum, s.sum);
    addInto(stats.gram!, s.gram);
    stats.count += n;
    return;
  }
  // locals, not property loads in the loop: this runs over every calibration row of every layer
  const { sumAbs, sum } = stats;
  for (let r = 0; r < n; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = x[o + c];
      sumAbs[c] += Math.abs(v);
      sum[c] += v;
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

/** target += values (a function of its own with local arrays: V8 keeps the loop tight). */
function addInto(target: Float64Array, values: Float32Array): void {
  const n = values.length;
  for (let i = 0; i < n; i++) target[i] += values[i];
}

/** Tile edge of the transposition: a tile's rows and columns both stay in L1. */
const TILE = 32;

async function addGram(gram: Float64Array, x: Float32Array, n: number, cols: number, backend: MatmulBackend): Promise<void> {
  const transposed = new Float32Array(cols * n);
  for (let r0 = 0; r0 < n; r0 += TILE) {
    const r1 = Math.min(n, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let r = r0; r < r1; r++) {
        const o = r * cols;
        for (let c = c0; c < c1; c++) transposed[c * n + r] = x[o + c];
      }
    }
  }
  const product = await backend.matmulBias({ x: transposed, n: cols, k: n, weight: transposed, m: cols });
  addInto(gram, product);
}
