import type { MatmulBackend } from "../calib/matmulBackend.js";
import type { LinearInputStatistics } from "./linearInputStatistics.js";

/**
 * Add n rows of a linear's input to its statistics. The Gram update XᵀX goes through the matmul
 * backend as products of the transposed batch with itself ([cols, n] · [n, cols], see addGram).
 * `upperOnly` leaves the lower triangle to completeGram (stats.upperOnly is set): for a caller that
 * adds many batches and completes once (createRowBatch).
 */
export async function addLinearInputRows(params: { stats: LinearInputStatistics; x: Float32Array; n: number; backend: MatmulBackend; upperOnly?: boolean }): Promise<void> {
  const { stats, x, n, backend } = params;
  const upperOnly = params.upperOnly ?? false;
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
    if (kept > 0) await addGram(stats.gram, stats.rows, kept, cols, backend, upperOnly);
    stats.rows = undefined;
  }
  await addGram(stats.gram!, x, n, cols, backend, upperOnly);
  // a full addition keeps an incomplete lower triangle incomplete: completeGram overwrites it from the upper one
  if (upperOnly) stats.upperOnly = true;
  stats.count += n;
}

/** target += values (a function of its own with local arrays: V8 keeps the loop tight). */
function addInto(target: Float64Array, values: Float32Array): void {
  const n = values.length;
  for (let i = 0; i < n; i++) target[i] += values[i];
}

/** Tile edge of the transposition: a tile's rows and columns both stay in L1. */
const TILE = 32;

/**
 * Column blocks of the staircase Gram product (addGram): with B blocks the products do (B+1)/2B of the
 * full product's multiply-adds — 56% at 8 — while each stays a large GEMM (a block of rows against
 * every column from its own on).
 */
const GRAM_BLOCKS = 8;

/**
 * gram += XᵀX for rows X [n, cols]. XᵀX is symmetric, so only what lies on and above the diagonal
 * blocks is multiplied: block i of Xᵀ's rows against Xᵀ's rows from block i's start to the end (both
 * contiguous in the transposed copy), and the part right of each diagonal block is mirrored into the
 * lower triangle on the host. Why: on a CPU these products are a third of AWQ's time at full size and
 * run near onnxruntime's peak rate (docs/benchmarks.md), so fewer multiply-adds is what makes them faster.
 */
async function addGram(gram: Float64Array, x: Float32Array, n: number, cols: number, backend: MatmulBackend, upperOnly: boolean): Promise<void> {
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
  // block height a multiple of the tile, so the mirroring below works in whole tiles where it can
  const height = Math.max(TILE, Math.ceil(cols / GRAM_BLOCKS / TILE) * TILE);
  for (let r0 = 0; r0 < cols; r0 += height) {
    const h = Math.min(height, cols - r0);
    const w = cols - r0;
    const from = transposed.subarray(r0 * n);
    const product = await backend.matmulBias({ x: from, n: h, k: n, weight: from, m: w });
    addStaircaseBlock(gram, product, cols, r0, h, w, upperOnly);
  }
}

/**
 * Adds a staircase product P [h, w] — rows r0…r0+h of XᵀX from column r0 on — into the full Gram:
 * P as it is above and on the diagonal, and (unless upperOnly) its part right of the diagonal block
 * transposed into the lower triangle (in tiles, so neither side strides through memory a column at a time).
 */
function addStaircaseBlock(gram: Float64Array, p: Float32Array, cols: number, r0: number, h: number, w: number, upperOnly: boolean): void {
  for (let i = 0; i < h; i++) {
    const g = (r0 + i) * cols + r0;
    const o = i * w;
    for (let j = 0; j < w; j++) gram[g + j] += p[o + j];
  }
  if (upperOnly) return;
  for (let j0 = h; j0 < w; j0 += TILE) {
    const j1 = Math.min(w, j0 + TILE);
    for (let i0 = 0; i0 < h; i0 += TILE) {
      const i1 = Math.min(h, i0 + TILE);
      for (let j = j0; j < j1; j++) {
        const g = (r0 + j) * cols + r0;
        for (let i = i0; i < i1; i++) gram[g + i] += p[i * w + j];
      }
    }
  }
}
