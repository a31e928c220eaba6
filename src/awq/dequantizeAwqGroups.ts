import type { AwqQuantizedWeight } from "./quantizeAwqGroups.js";

/** (q − z)·s for every weight, [rows, cols] float32: what an AWQ kernel computes from qweight, qzeros and scales. */
export function dequantizeAwqGroups(params: { weight: AwqQuantizedWeight; out?: Float32Array }): Float32Array {
  const { rows, cols, groupSize, q, zeros, scales } = params.weight;
  const out = params.out ?? new Float32Array(rows * cols);
  const groups = cols / groupSize;
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const s = scales[r * groups + g];
      const z = zeros[r * groups + g];
      const o = r * cols + g * groupSize;
      for (let i = 0; i < groupSize; i++) out[o + i] = (q[o + i] - z) * s;
    }
  }
  return out;
}
