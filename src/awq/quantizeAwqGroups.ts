import { AWQ_MAX_LEVEL, awqGroupGrids, type AwqGroupGrids } from "./awqGroupGrids.js";
import { roundHalfToEven } from "./roundHalfToEven.js";

/** A linear weight [rows = out_features, cols = in_features] on AWQ's grid: w ≈ (q − z)·s per group of `groupSize` inputs. */
export interface AwqQuantizedWeight extends AwqGroupGrids {
  rows: number;
  cols: number;
  groupSize: number;
  /** [rows, cols] levels 0…15. */
  q: Uint8Array;
}

/**
 * Quantize a weight to AWQ's int4 asymmetric grid (see awqGroupGrids): q = clamp(round(w / s) + z, 0, 15),
 * with w first clamped to ±clipMax of its group when given. Ties round to even, as torch.round.
 */
export function quantizeAwqGroups(params: {
  weight: Float32Array;
  rows: number;
  cols: number;
  groupSize: number;
  clipMax?: Float32Array;
  where?: string;
}): AwqQuantizedWeight {
  const { weight, rows, cols, groupSize } = params;
  const grids = awqGroupGrids(params);
  const groups = cols / groupSize;
  const q = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const k = r * groups + g;
      const s = grids.scales[k];
      const z = grids.zeros[k];
      const o = r * cols + g * groupSize;
      for (let i = 0; i < groupSize; i++) {
        const level = roundHalfToEven(Math.fround(weight[o + i] / s)) + z;
        // biome-ignore lint/complexity/useMathMinMax: a ternary clamp in the hot loop; keeps -0 as is, so output stays byte-identical
        q[o + i] = level < 0 ? 0 : level > AWQ_MAX_LEVEL ? AWQ_MAX_LEVEL : level;
      }
    }
  }
  return { rows, cols, groupSize, q, ...grids };
}
