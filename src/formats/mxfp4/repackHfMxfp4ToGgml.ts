import { GGML_MXFP4_BLOCK_BYTES, MXFP4_NIBBLE_BYTES } from "./mxfp4Tables.js";

export interface RepackHfMxfp4ToGgmlParams {
  /** HF `*_blocks` bytes: nBlocks × 16, element 2j in the low nibble of byte j, 2j+1 in the high one. */
  blocks: Uint8Array;
  /** HF `*_scales` bytes (e8m0): one per block. */
  scales: Uint8Array;
  /** Blocks to convert; default scales.length. */
  nBlocks?: number;
  /** Where to write nBlocks × 17 bytes (e.g. straight into a GGUF tensor buffer); default a new Buffer. */
  out?: Uint8Array;
}

/**
 * HF MXFP4 (`*_blocks` + `*_scales`) → ggml block_mxfp4 rows, byte for byte what llama.cpp's converter
 * writes (conversion/gpt_oss.py repack_mxfp4). No value changes: only the nibbles move.
 *
 * The 17-byte output stride rules out aligned wide stores, so each half block is done as two 32-bit
 * words: with A = HF bytes 0..3 (or 4..7) and C = HF bytes 8..11 (or 12..15) of a block,
 * ggml byte 2i   = low(A_i)  | low(C_i) << 4    (elements 2i,   2i+16)
 * ggml byte 2i+1 = high(A_i) | high(C_i) << 4   (elements 2i+1, 2i+17)
 * computed four lanes at a time, then interleaved and stored through a DataView (~1.1 GB/s output on
 * one core of this machine, vs ~0.85 GB/s byte by byte).
 */
export function repackHfMxfp4ToGgml(params: RepackHfMxfp4ToGgmlParams): Buffer {
  const { blocks, scales } = params;
  const nBlocks = params.nBlocks ?? scales.length;
  if (!Number.isSafeInteger(nBlocks) || nBlocks < 0 || scales.length < nBlocks ||
      blocks.length < nBlocks * MXFP4_NIBBLE_BYTES) {
    throw new RangeError(
      `repackHfMxfp4ToGgml: ${nBlocks} blocks need ${nBlocks * MXFP4_NIBBLE_BYTES} block bytes and ${nBlocks} scales, got ${blocks.length} and ${scales.length}`,
    );
  }
  const outLength = nBlocks * GGML_MXFP4_BLOCK_BYTES;
  let out: Buffer;
  if (params.out) {
    if (params.out.length < outLength) {
      throw new RangeError(`repackHfMxfp4ToGgml: out has ${params.out.length} bytes, need ${outLength}`);
    }
    out = Buffer.from(params.out.buffer, params.out.byteOffset, outLength);
  } else {
    out = Buffer.allocUnsafeSlow(outLength);
  }

  if (blocks.byteOffset % 4 === 0) {
    const words = new Uint32Array(blocks.buffer, blocks.byteOffset, nBlocks * 4);
    const view = new DataView(out.buffer, out.byteOffset, outLength);
    // Little-endian words: lane i of A is HF byte i (both typed-array reads and setUint32(…, true)).
    const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    if (littleEndian) {
      for (let b = 0, w = 0, o = 0; b < nBlocks; b++, w += 4, o += GGML_MXFP4_BLOCK_BYTES) {
        out[o] = scales[b];
        for (let h = 0; h < 2; h++) {
          const a = words[w + h];
          const c = words[w + 2 + h];
          const even = (a & 0x0f0f0f0f) | ((c & 0x0f0f0f0f) << 4); // lanes → ggml bytes 0,2,4,6
          const odd = ((a >>> 4) & 0x0f0f0f0f) | (c & 0xf0f0f0f0); // lanes → ggml bytes 1,3,5,7
          const p = o + 1 + 8 * h;
          view.setUint32(p, (even & 0xff) | ((odd & 0xff) << 8) | ((even & 0xff00) << 8) | ((odd & 0xff00) << 16), true);
          view.setUint32(
            p + 4,
            ((even >>> 16) & 0xff) | (((odd >>> 16) & 0xff) << 8) | ((even >>> 24) << 16) | ((odd >>> 24) << 24),
            true,
          );
        }
      }
      return out;
    }
  }

  // Unaligned input (or a big-endian host): the same mapping byte by byte.
  for (let b = 0, i = 0, o = 0; b < nBlocks; b++, i += MXFP4_NIBBLE_BYTES, o += GGML_MXFP4_BLOCK_BYTES) {
    out[o] = scales[b];
    for (let k = 0; k < 8; k++) {
      const a = blocks[i + k];
      const c = blocks[i + 8 + k];
      out[o + 1 + 2 * k] = (a & 0x0f) | ((c & 0x0f) << 4);
      out[o + 2 + 2 * k] = (a >> 4) | (c & 0xf0);
    }
  }
  return out;
}
