/**
 * Encode a chunk of rows into a ggml type: float formats here (with the converter's rounding),
 * quantized types through ggml's own kernels (quantizeRows, loaded only when needed).
 */
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { f32ToBf16, f32ToF16, requantizeBf16 } from "../formats/float/floatConversions.js";
import { releaseFloat32Scratch, takeFloat32Scratch } from "../util/float32Scratch.js";
import { chunkToF32, type TensorChunk } from "./tensorChunks.js";

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

export async function encodeChunk(params: {
  chunk: TensorChunk;
  type: GgmlType;
  /** Importance matrix slice for these rows (nPerRow values), K-quants and friends. */
  imatrix?: Float32Array;
}): Promise<Buffer> {
  const { chunk, type } = params;
  switch (type) {
    case GgmlType.MXFP4:
      if (chunk.mxfp4) return chunk.mxfp4;
      break; // requantizing floats to MXFP4: ggml's kernel below
    case GgmlType.F32:
      return bytesOf(chunkToF32(chunk));
    case GgmlType.BF16:
      return bytesOf(chunk.bf16 ? requantizeBf16(chunk.bf16) : f32ToBf16(chunkToF32(chunk)));
    case GgmlType.F16:
      return bytesOf(f32ToF16(chunkToF32(chunk)));
  }
  const { quantizeRows } = await import("../ggml/quantizeRows.js");
  const rows = { type, nRows: chunk.nRows, nPerRow: chunk.nPerRow, imatrix: params.imatrix };
  if (chunk.f32 || !(chunk.bf16 || chunk.mxfp4)) return quantizeRows({ ...rows, src: chunkToF32(chunk) });
  // bf16 or MXFP4 rows: expanded by ggml's own to_float on the threadpool (what llama-quantize runs;
  // exact like bf16ToF32 / dequantizeGgmlMxfp4, but off the event loop) into reused scratch, which
  // is free again once ggml is done with it
  const { dequantizeRows } = await import("../ggml/dequantizeRows.js");
  const scratch = takeFloat32Scratch(chunk.nRows * chunk.nPerRow);
  try {
    const [sourceType, bytes] = chunk.bf16
      ? [GgmlType.BF16, new Uint8Array(chunk.bf16.buffer, chunk.bf16.byteOffset, chunk.bf16.byteLength)]
      : [GgmlType.MXFP4, chunk.mxfp4!];
    await dequantizeRows({ type: sourceType, data: bytes, nRows: chunk.nRows, nPerRow: chunk.nPerRow, out: scratch });
    return await quantizeRows({ ...rows, src: scratch });
  } finally {
    releaseFloat32Scratch(scratch);
  }
}
