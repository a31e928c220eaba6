import { awqGroupGrids } from "./awqGroupGrids.js";
import { fakeQuantizeAwqGroups } from "./fakeQuantizeAwqGroups.js";

/** Rows per block: the scaled block (BLOCK_ROWS·cols float32) stays in L2 at gpt-oss's widths. */
const BLOCK_ROWS = 32;

/**
 * The weight error of one AWQ scale candidate: ΔW = Q(W·diag(s))·diag(1/s) − W, into `out` [rows, cols].
 * A block of rows at a time, so the scaled rows, their grids and their quantized values stay in cache:
 * the three full-size passes this replaces (scale, fake-quantize, un-scale) were most of a candidate's
 * cost once the loss itself is cheap (a factored Gram). Same float32 roundings as those passes: the
 * losses are identical.
 */
export function awqCandidateDelta(params: { weight: Float32Array; rows: number; cols: number; groupSize: number; scale: Float32Array; out: Float32Array }): void {
  const { weight, rows, cols, groupSize, scale, out } = params;
  const scaled = new Float32Array(BLOCK_ROWS * cols);
  const quantized = new Float32Array(BLOCK_ROWS * cols);
  for (let first = 0; first < rows; first += BLOCK_ROWS) {
    const n = Math.min(BLOCK_ROWS, rows - first);
    const block = scaled.subarray(0, n * cols);
    const o = first * cols;
    for (let r = 0; r < n; r++) for (let c = 0, i = r * cols; c < cols; c++, i++) block[i] = weight[o + i] * scale[c];
    const grids = awqGroupGrids({ weight: block, rows: n, cols, groupSize });
    fakeQuantizeAwqGroups({ weight: block, rows: n, cols, groupSize, grids, out: quantized });
    for (let r = 0; r < n; r++) for (let c = 0, i = r * cols; c < cols; c++, i++) out[o + i] = quantized[i] / scale[c] - weight[o + i];
  }
}
