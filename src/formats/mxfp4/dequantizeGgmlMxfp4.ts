import {
  E8M0_TO_FP32_HALF, GGML_KVALUES_MXFP4, GGML_MXFP4_BLOCK_BYTES, MXFP4_BLOCK_SIZE, MXFP4_NIBBLE_BYTES,
} from "./mxfp4Tables.js";

export interface DequantizeGgmlMxfp4Params {
  /** ggml block_mxfp4 bytes: nBlocks × 17. */
  data: Uint8Array;
  /** Default data.length / 17. */
  nBlocks?: number;
}

const LOW_KVALUE = new Float32Array(256);
const HIGH_KVALUE = new Float32Array(256);
for (let byte = 0; byte < 256; byte++) {
  LOW_KVALUE[byte] = GGML_KVALUES_MXFP4[byte & 0x0f];
  HIGH_KVALUE[byte] = GGML_KVALUES_MXFP4[byte >> 4];
}

/**
 * ggml block_mxfp4 → f32, bit-identical to ggml's dequantize_row_mxfp4: y[j] = kvalues[low(qs[j])] · d,
 * y[j+16] = kvalues[high(qs[j])] · d with d = GGML_E8M0_TO_FP32_HALF(e). The f64 product JS computes is
 * exact (an integer ≤ 12 times a power of two), so storing it rounds exactly as ggml's f32 multiply does.
 */
export function dequantizeGgmlMxfp4(params: DequantizeGgmlMxfp4Params): Float32Array {
  const { data } = params;
  const nBlocks = params.nBlocks ?? data.length / GGML_MXFP4_BLOCK_BYTES;
  if (!Number.isSafeInteger(nBlocks) || nBlocks < 0 || data.length < nBlocks * GGML_MXFP4_BLOCK_BYTES) {
    throw new RangeError(
      `dequantizeGgmlMxfp4: ${data.length} bytes is not ${params.nBlocks ?? "a whole number of"} 17-byte blocks`,
    );
  }
  const out = new Float32Array(nBlocks * MXFP4_BLOCK_SIZE);
  for (let b = 0, i = 0, o = 0; b < nBlocks; b++, i += GGML_MXFP4_BLOCK_BYTES, o += MXFP4_BLOCK_SIZE) {
    const d = E8M0_TO_FP32_HALF[data[i]];
    for (let j = 0; j < MXFP4_NIBBLE_BYTES; j++) {
      const byte = data[i + 1 + j];
      out[o + j] = LOW_KVALUE[byte] * d;
      out[o + j + 16] = HIGH_KVALUE[byte] * d;
    }
  }
  return out;
}
