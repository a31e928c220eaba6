import { AWQ_MAX_LEVEL, type AwqGroupGrids, awqGroupGrids, type AwqGroupRanges } from "./awqGroupGrids.js";

/**
 * The values a weight takes after quantization to AWQ's grid and dequantization, (q − z)·s, without
 * keeping q: the inner step of the scale and clipping searches, which try many candidates. Same grid
 * and rounding as quantizeAwqGroups.
 */
export function fakeQuantizeAwqGroups(params: {
  weight: Float32Array;
  rows: number;
  cols: number;
  groupSize: number;
  clipMax?: Float32Array;
  /** The groups' ranges when already computed (awqGroupRanges). */
  ranges?: AwqGroupRanges;
  /** The groups' grids when already computed (awqGroupGrids; clipMax and ranges are then not read). */
  grids?: AwqGroupGrids;
  out?: Float32Array;
}): Float32Array {
  const { weight, rows, cols, groupSize } = params;
  const { scales, zeros } = params.grids ?? awqGroupGrids(params);
  const out = params.out ?? new Float32Array(rows * cols);
  const groups = cols / groupSize;
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const s = scales[r * groups + g];
      const z = zeros[r * groups + g];
      const o = r * cols + g * groupSize;
      for (let i = 0; i < groupSize; i++) {
        // roundHalfToEven of the float32 quotient, inlined (the hot loop of both searches); |x| < 2³¹ so `& 1` is the parity
        const x = Math.fround(weight[o + i] / s);
        let level = Math.floor(x + 0.5);
        if (level - x === 0.5 && (level & 1) !== 0) level--;
        level += z;
        // biome-ignore lint/complexity/useMathMinMax: a ternary clamp in the hot loop; keeps -0 as is, so output stays byte-identical
        level = level < 0 ? 0 : level > AWQ_MAX_LEVEL ? AWQ_MAX_LEVEL : level;
        out[o + i] = (level - z) * s;
      }
    }
  }
  return out;
}
