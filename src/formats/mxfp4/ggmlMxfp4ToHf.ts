import { GGML_MXFP4_BLOCK_BYTES, MXFP4_NIBBLE_BYTES } from "./mxfp4Tables.js";

export interface GgmlMxfp4ToHfParams {
  /** ggml block_mxfp4 bytes: nBlocks × 17. */
  data: Uint8Array;
  /** Blocks to convert; default data.length / 17. */
  nBlocks?: number;
}

/** ggml block_mxfp4 → HF MXFP4 (`*_blocks` nBlocks × 16 and `*_scales` nBlocks), the inverse of repackHfMxfp4ToGgml. */
export function ggmlMxfp4ToHf(params: GgmlMxfp4ToHfParams): { blocks: Buffer; scales: Buffer } {
  const { data } = params;
  const nBlocks = params.nBlocks ?? data.length / GGML_MXFP4_BLOCK_BYTES;
  if (!Number.isSafeInteger(nBlocks) || nBlocks < 0 || data.length < nBlocks * GGML_MXFP4_BLOCK_BYTES) {
    throw new RangeError(
      `ggmlMxfp4ToHf: ${data.length} bytes is not ${params.nBlocks ?? "a whole number of"} 17-byte blocks`,
    );
  }
  const blocks = Buffer.allocUnsafeSlow(nBlocks * MXFP4_NIBBLE_BYTES);
  const scales = Buffer.allocUnsafeSlow(nBlocks);
  for (let b = 0, i = 0, o = 0; b < nBlocks; b++, i += GGML_MXFP4_BLOCK_BYTES, o += MXFP4_NIBBLE_BYTES) {
    scales[b] = data[i];
    for (let k = 0; k < 8; k++) {
      const even = data[i + 1 + 2 * k]; // elements 2k (low) and 2k+16 (high)
      const odd = data[i + 2 + 2 * k]; // elements 2k+1 (low) and 2k+17 (high)
      blocks[o + k] = (even & 0x0f) | ((odd & 0x0f) << 4);
      blocks[o + 8 + k] = (even >> 4) | (odd & 0xf0);
    }
  }
  return { blocks, scales };
}
