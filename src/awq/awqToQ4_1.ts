import { f32ToF16 } from "../formats/float/floatConversions.js";
import type { AwqQuantizedWeight } from "./quantizeAwqGroups.js";

/** ggml block_q4_1: fp16 d, fp16 m, 16 bytes of nibbles for 32 values (value = q·d + m). */
export const Q4_1_BLOCK_VALUES = 32;
export const Q4_1_BLOCK_BYTES = 20;

/**
 * Q4_1 blocks that carry AWQ's grid: for each group, d = s (the same fp16 bits) and m = −z·s rounded
 * to fp16, the nibbles being AWQ's levels q unchanged; so ggml dequantizes q·s − z·s = (q − z)·s, up to
 * the fp16 rounding of m (at most half an fp16 ulp of z·s, under 2⁻¹¹·z·s). ggml rows run along the
 * input dimension (ne0 = in_features) like AWQ's groups, so a group of 32 is one block and a group of
 * 64 two blocks with the same d and m. The levels come from `weight` directly: ggml's own quantizer
 * would pick another d and m.
 *
 * Returns rows × (cols/32) blocks, row-major ([out_features] rows of in_features values).
 */
export function awqToQ4_1(params: { weight: AwqQuantizedWeight; rowStart?: number; rowEnd?: number }): Buffer {
  const { cols, groupSize, q, zeros, scales, scaleBits } = params.weight;
  const rowStart = params.rowStart ?? 0;
  const rowEnd = params.rowEnd ?? params.weight.rows;
  if (groupSize % Q4_1_BLOCK_VALUES !== 0) throw new RangeError(`awqToQ4_1: group size ${groupSize} is not a multiple of ${Q4_1_BLOCK_VALUES}`);
  const groups = cols / groupSize;
  const blocksPerRow = cols / Q4_1_BLOCK_VALUES;
  const rows = rowEnd - rowStart;
  // m for every group at once (one fp16 conversion pass)
  const minus = new Float32Array(rows * groups);
  for (let r = 0; r < rows; r++) for (let g = 0; g < groups; g++) minus[r * groups + g] = -zeros[(rowStart + r) * groups + g] * scales[(rowStart + r) * groups + g];
  const mBits = f32ToF16(minus);
  const out = Buffer.alloc(rows * blocksPerRow * Q4_1_BLOCK_BYTES);
  for (let r = 0; r < rows; r++) {
    const row = rowStart + r;
    for (let b = 0; b < blocksPerRow; b++) {
      const g = Math.floor((b * Q4_1_BLOCK_VALUES) / groupSize);
      const o = (r * blocksPerRow + b) * Q4_1_BLOCK_BYTES;
      out.writeUInt16LE(scaleBits[row * groups + g], o);
      out.writeUInt16LE(mBits[r * groups + g], o + 2);
      const v = row * cols + b * Q4_1_BLOCK_VALUES;
      // dequantize_row_q4_1: low nibble of byte j is value j, high nibble value j + 16
      for (let j = 0; j < 16; j++) out[o + 4 + j] = q[v + j] | (q[v + j + 16] << 4);
    }
  }
  return out;
}
