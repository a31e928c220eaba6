/**
 * Encode a chunk of rows into a ggml type: float formats here (with the converter's rounding),
 * quantized types through ggml's own kernels (quantizeRows, loaded only when needed).
 */
import { InvalidInputError } from "../errors.js";
import { GgmlType, ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
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
  /** The file and tensor the rows come from, named when a row cannot be quantized. */
  where?: { file: string; tensor: string };
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
  // llama.cpp validates quantized rows (ggml_validate_row_data) and refuses the model: a NaN or ±Inf
  // weight makes its block's scale non-finite, and the file evaluates to garbage. Checked here on the
  // source bits, before the kernel, so the error names the tensor and row.
  const bad = firstNonFiniteRow(chunk);
  if (bad !== undefined) {
    const where = params.where ?? { file: "input", tensor: "a tensor" };
    throw new InvalidInputError(where.file, `row ${chunk.firstRow + bad} holds a NaN or infinite value: it cannot be quantized to ${ggmlTypeName(type)} (llama.cpp refuses such rows too)`, where.tensor);
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

/** The first row (within the chunk) holding a NaN or ±Inf, from the source's own bits; undefined if none. */
function firstNonFiniteRow(chunk: TensorChunk): number | undefined {
  const { nPerRow } = chunk;
  if (chunk.mxfp4) {
    // block_mxfp4: an E8M0 scale byte then 16 bytes of FP4 pairs (always finite); scale 0xFF is NaN
    const blocksPerRow = nPerRow / 32;
    const b = chunk.mxfp4;
    for (let i = 0; i < b.length; i += 17) if (b[i] === 0xff) return Math.floor(i / 17 / blocksPerRow);
    return undefined;
  }
  if (chunk.bf16) {
    const u = chunk.bf16;
    for (let i = 0; i < u.length; i++) if ((u[i] & 0x7f80) === 0x7f80) return Math.floor(i / nPerRow);
    return undefined;
  }
  const f = chunkToF32(chunk);
  const u = new Uint32Array(f.buffer, f.byteOffset, f.length);
  for (let i = 0; i < u.length; i++) if ((u[i] & 0x7f800000) === 0x7f800000) return Math.floor(i / nPerRow);
  return undefined;
}
