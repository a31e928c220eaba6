import { E8M0_TO_FP32, FP4_E2M1_VALUES, MXFP4_BLOCK_SIZE, MXFP4_NIBBLE_BYTES } from "./mxfp4Tables.js";

export interface DequantizeHfMxfp4Params {
  /** HF `*_blocks` bytes: nBlocks × 16. */
  blocks: Uint8Array;
  /** HF `*_scales` e8m0 bytes: nBlocks. */
  scales: Uint8Array;
  /** Default scales.length. */
  nBlocks?: number;
}

/** Code of the low / high nibble of every byte, as E2M1 values: one lookup per element, no shifts. */
const LOW_VALUE = new Float32Array(256);
const HIGH_VALUE = new Float32Array(256);
for (let byte = 0; byte < 256; byte++) {
  LOW_VALUE[byte] = FP4_E2M1_VALUES[byte & 0x0f];
  HIGH_VALUE[byte] = FP4_E2M1_VALUES[byte >> 4];
}

/**
 * HF MXFP4 → f32 with transformers' semantics (integrations/mxfp4.py convert_moe_packed_tensors):
 * value = FP4_VALUES[code] · 2^(scale − 127), low nibble = even element. Every result is exact in f32
 * (and in bf16, where transformers computes it), so this is bit-identical to transformers, including
 * −0 for code 8 (ggml's dequantization gives +0 there). e8m0 255 (NaN in the spec) is not special-cased.
 *
 * Output is in the blocks' row order, [.., rows, cols]; transformers then transposes expert weights to
 * its [E, cols, rows] parameter layout, which is not done here.
 */
export function dequantizeHfMxfp4(params: DequantizeHfMxfp4Params): Float32Array {
  const { blocks, scales } = params;
  const nBlocks = params.nBlocks ?? scales.length;
  if (!Number.isSafeInteger(nBlocks) || nBlocks < 0 || scales.length < nBlocks ||
      blocks.length < nBlocks * MXFP4_NIBBLE_BYTES) {
    throw new RangeError(
      `dequantizeHfMxfp4: ${nBlocks} blocks need ${nBlocks * MXFP4_NIBBLE_BYTES} block bytes and ${nBlocks} scales, got ${blocks.length} and ${scales.length}`,
    );
  }
  const out = new Float32Array(nBlocks * MXFP4_BLOCK_SIZE);
  for (let b = 0, i = 0, o = 0; b < nBlocks; b++, i += MXFP4_NIBBLE_BYTES, o += MXFP4_BLOCK_SIZE) {
    const scale = E8M0_TO_FP32[scales[b]];
    for (let j = 0; j < MXFP4_NIBBLE_BYTES; j++) {
      const byte = blocks[i + j];
      out[o + 2 * j] = LOW_VALUE[byte] * scale;
      out[o + 2 * j + 1] = HIGH_VALUE[byte] * scale;
    }
  }
  return out;
}
