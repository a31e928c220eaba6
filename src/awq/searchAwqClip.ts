import type { MatmulBackend } from "../calib/matmulBackend.js";
import { awqGroupRanges } from "./awqGroupGrids.js";
import { fakeQuantizeAwqGroups } from "./fakeQuantizeAwqGroups.js";

export interface AwqClipSearch {
  /** [rows, groups]: each group's values are clamped to ±clipMax before quantization. */
  clipMax: Float32Array;
  /** Summed per-group output error without clipping and with the chosen clipping (per token). */
  lossBefore: number;
  lossAfter: number;
  /** Groups whose range was shrunk. */
  clippedGroups: number;
}

/**
 * AWQ's clipping search (AutoAWQ _compute_best_clip): for every group of every output row, shrink the
 * range to ±max|w|·(1 − i/grid) for i = 0 … maxShrink·grid − 1, quantize, and keep the shrink with
 * the lowest output error δ·G_gg·δᵀ (δ = dequantized − original weights of the group, G_gg the group's
 * diagonal block of the input Gram matrix per token; see gramDiagonalBlocks). i = 0 is no clipping,
 * so each group's error never grows.
 *
 * With a backend, each step's errors are products: per group, the rows' δ [rows, groupSize] times
 * G_gg, then a row-wise dot with δ (float32 products, float64 sums). Why: the quadratic forms are
 * rows·groupSize²/2 multiply-adds per group and step — at gpt-oss-20b's o_proj 2 G per layer, a quarter
 * of a layer's search in scalar JavaScript (profiled) — and a GEMM does them several times faster.
 * Without one, the forms are summed in float64 here (the reference the product path is tested against).
 */
export async function searchAwqClip(params: {
  weight: Float32Array;
  rows: number;
  cols: number;
  groupSize: number;
  /** gramDiagonalBlocks for the input the weight sees. */
  blocks: Float64Array;
  grid?: number;
  maxShrink?: number;
  backend?: MatmulBackend;
  signal?: AbortSignal;
}): Promise<AwqClipSearch> {
  const { weight, rows, cols, groupSize, blocks } = params;
  const grid = params.grid ?? 20;
  const steps = Math.round((params.maxShrink ?? 0.5) * grid);
  const groups = cols / groupSize;
  const ranges = awqGroupRanges({ weight, rows, cols, groupSize });
  const maxAbs = ranges.hi.map((h, k) => Math.max(h, -ranges.lo[k]));
  const clipMax = maxAbs.slice();
  const bestError = new Float64Array(rows * groups).fill(Infinity);
  let lossBefore = 0;
  const candidate = new Float32Array(rows * groups);
  const quantized = new Float32Array(rows * cols);
  const errors = new Float64Array(rows * groups);
  const shape = { weight, rows, cols, groupSize, blocks };
  const groupErrors = params.backend ? groupErrorsByProducts({ ...shape, backend: params.backend }) : groupErrorsInFloat64(shape);
  for (let step = 0; step < steps; step++) {
    params.signal?.throwIfAborted();
    const ratio = 1 - step / grid;
    for (let k = 0; k < candidate.length; k++) candidate[k] = maxAbs[k] * ratio;
    fakeQuantizeAwqGroups({ weight, rows, cols, groupSize, clipMax: candidate, ranges, out: quantized });
    await groupErrors(quantized, errors);
    for (let k = 0; k < errors.length; k++) {
      const error = errors[k];
      if (step === 0) lossBefore += error;
      if (error < bestError[k]) {
        bestError[k] = error;
        clipMax[k] = candidate[k];
      }
    }
  }
  let lossAfter = 0;
  let clippedGroups = 0;
  for (let k = 0; k < bestError.length; k++) {
    lossAfter += bestError[k];
    if (clipMax[k] < maxAbs[k]) clippedGroups++;
  }
  return { clipMax, lossBefore, lossAfter, clippedGroups };
}

interface ClipShape {
  weight: Float32Array;
  rows: number;
  cols: number;
  groupSize: number;
  blocks: Float64Array;
}

/** Writes δ·G_gg·δᵀ of every row and group ([rows, groups]) for the quantized weights into `errors`. */
type GroupErrors = (quantized: Float32Array, errors: Float64Array) => Promise<void>;

/** Per group, the rows' δ [rows, groupSize] times G_gg through the backend, then a row-wise dot with δ. */
function groupErrorsByProducts(params: ClipShape & { backend: MatmulBackend }): GroupErrors {
  const { weight, rows, cols, groupSize, backend } = params;
  const groups = cols / groupSize;
  const size = groupSize * groupSize;
  // G_gg as float32 (symmetric, so it is its own [m, k] weight) and the rows' δ gathered per group
  const blocks32 = Float32Array.from(params.blocks);
  const groupDelta = new Float32Array(rows * groupSize);
  return async (quantized, errors) => {
    for (let g = 0; g < groups; g++) {
      for (let r = 0; r < rows; r++) {
        const o = r * cols + g * groupSize;
        const d = r * groupSize;
        for (let i = 0; i < groupSize; i++) groupDelta[d + i] = quantized[o + i] - weight[o + i];
      }
      const product = await backend.matmulBias({ x: groupDelta, n: rows, k: groupSize, weight: blocks32.subarray(g * size, (g + 1) * size), m: groupSize });
      for (let r = 0; r < rows; r++) {
        const d = r * groupSize;
        let error = 0;
        for (let i = 0; i < groupSize; i++) error += product[d + i] * groupDelta[d + i];
        errors[r * groups + g] = error;
      }
    }
  };
}

/** The quadratic forms summed in float64 over the upper triangle (G_gg is symmetric). */
function groupErrorsInFloat64(params: ClipShape): GroupErrors {
  const { weight, rows, cols, groupSize, blocks } = params;
  const groups = cols / groupSize;
  const delta = new Float64Array(groupSize);
  return async (quantized, errors) => {
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < groups; g++) {
        const o = r * cols + g * groupSize;
        for (let i = 0; i < groupSize; i++) delta[i] = quantized[o + i] - weight[o + i];
        const b = g * groupSize * groupSize;
        let error = 0;
        for (let i = 0; i < groupSize; i++) {
          const di = delta[i];
          if (di === 0) continue;
          const bi = b + i * groupSize;
          let row = 0.5 * blocks[bi + i] * di;
          for (let j = i + 1; j < groupSize; j++) row += blocks[bi + j] * delta[j];
          error += 2 * di * row;
        }
        errors[r * groups + g] = error;
      }
    }
  };
}
