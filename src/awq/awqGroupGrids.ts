import { InvalidInputError } from "../errors.js";
import { f16ToF32, f32ToF16 } from "../formats/float/floatConversions.js";
import { roundHalfToEven } from "./roundHalfToEven.js";

/** Largest 4-bit level. */
export const AWQ_MAX_LEVEL = 15;
/** AutoAWQ's floor on a group's range ((max − min).clamp(min=1e-5)): a constant group still gets a non-zero step. */
export const AWQ_MIN_RANGE = 1e-5;

export interface AwqGroupRanges {
  /** [rows, groups] min(0, smallest value) and max(0, largest value) of each group. */
  lo: Float32Array;
  hi: Float32Array;
}

export interface AwqGroupGrids {
  /** [rows, cols/groupSize] fp16 bits of each group's step s. */
  scaleBits: Uint16Array;
  /** The same steps as float32 (exactly the fp16 values). */
  scales: Float32Array;
  /** [rows, cols/groupSize] integer zero points z ∈ [0, 15]: a group's levels are (q − z)·s, q ∈ [0, 15]. */
  zeros: Uint8Array;
}

/** Each group's range, widened to include 0 (see awqGroupGrids). */
export function awqGroupRanges(params: { weight: Float32Array; rows: number; cols: number; groupSize: number }): AwqGroupRanges {
  const { weight, rows, cols, groupSize } = params;
  const groups = cols / groupSize;
  const lo = new Float32Array(rows * groups);
  const hi = new Float32Array(rows * groups);
  for (let k = 0, o = 0; k < rows * groups; k++, o += groupSize) {
    let l = 0;
    let h = 0;
    // Math.min/max compile to branchless instructions (random signs defeat a branch predictor); a NaN
    // weight makes the range NaN, which awqGroupGrids reports
    for (let i = 0; i < groupSize; i++) {
      const w = weight[o + i];
      l = Math.min(l, w);
      h = Math.max(h, w);
    }
    lo[k] = l;
    hi[k] = h;
  }
  return { lo, hi };
}

/**
 * Each group's asymmetric 4-bit grid, as AutoAWQ's pseudo_quantize_tensor (zero_point=True) picks it:
 * s = (max − min) / 15 and z = round(−min / s), with two changes that make the grid the one the files
 * store. s is rounded to fp16 first (the AutoAWQ GEMM layout stores fp16 scales; picking z and q with
 * the rounded s keeps them consistent with it), and the range always includes 0 (as GPTQ does; AutoAWQ
 * does not, which would clamp every weight of an all-positive group to one level — with zero-mean
 * weights the two agree). So z is always within [0, 15] without clamping, and 0 is exactly representable.
 *
 * `clipMax` ([rows, groups], optional) clamps each group's values to ±clipMax before the range is taken
 * (AWQ's clipping search). `ranges` may be passed when already computed (the clipping search reuses them).
 */
export function awqGroupGrids(params: {
  weight: Float32Array;
  rows: number;
  cols: number;
  groupSize: number;
  clipMax?: Float32Array;
  ranges?: AwqGroupRanges;
  /** Named in errors. */
  where?: string;
}): AwqGroupGrids {
  const { clipMax } = params;
  const { lo, hi } = params.ranges ?? awqGroupRanges(params);
  const n = lo.length;
  const steps = new Float32Array(n);
  const clippedLo = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    let l = lo[k];
    let h = hi[k];
    if (clipMax) {
      const c = clipMax[k];
      if (h > c) h = c;
      if (l < -c) l = -c;
    }
    clippedLo[k] = l;
    steps[k] = Math.max(h - l, AWQ_MIN_RANGE) / AWQ_MAX_LEVEL;
  }
  const scaleBits = f32ToF16(steps);
  const scales = f16ToF32(scaleBits);
  const zeros = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const s = scales[k];
    if (!(s > 0) || !Number.isFinite(s)) {
      const groups = params.cols / params.groupSize;
      throw new InvalidInputError(
        params.where ?? "awq",
        `group ${k % groups} of row ${Math.floor(k / groups)} has no finite fp16 step (range ${steps[k] * AWQ_MAX_LEVEL}): weights out of fp16 range or not finite`,
      );
    }
    zeros[k] = Math.min(AWQ_MAX_LEVEL, Math.max(0, roundHalfToEven(Math.fround(-clippedLo[k] / s))));
  }
  return { scaleBits, scales, zeros };
}
