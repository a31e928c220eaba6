/**
 * Quantize a gpt-oss GGUF (ours or llama.cpp's conversion, at F32/F16/BF16 with MXFP4 or float
 * experts) the way llama_model_quantize does: same key/values, same tensor order, each tensor
 * copied when its type does not change, else expanded to f32 (F16/BF16 in TS, exact; quantized types
 * with ggml's own to_float) and quantized with ggml's kernels. Streams in row chunks of ≈ 8 Mi
 * values (one expert at most), so memory stays bounded on the full model.
 */
import { releasePooledBuffer } from "../util/bufferPool.js";
import { open, type FileHandle } from "node:fs/promises";
import { InvalidInputError } from "../errors.js";
import { checkGptOssGguf } from "../arch/gpt-oss/index.js";
import { f16ToF32 } from "../formats/float/floatConversions.js";
import { GgmlType, ggmlRowBytes, ggmlTensorBytes, ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
import { GgufValueType, ggufPlainValue } from "../formats/gguf/ggufValue.js";
import { readGguf, type GgufFile, type GgufTensorInfo } from "../formats/gguf/readGguf.js";
import { writeGgufStreaming, type StreamedGgufTensor } from "../formats/gguf/writeGgufStreaming.js";
import { encodeChunk } from "../convert/encodeChunk.js";
import type { TensorChunk } from "../convert/tensorChunks.js";
import { buildQuantizeResult } from "./buildQuantizeResult.js";
import type { ImportanceMatrix } from "./imatrix/readImatrixGguf.js";
import { imatrixForPlan } from "./imatrixForPlan.js";
import { planQuantization, type ExpertPolicy } from "./planQuantization.js";
import { quantizedGgufMetadata } from "./quantizedGgufMetadata.js";
import type { QuantizeProgress, QuantizeResult } from "./quantizeResult.js";
import type { QuantizeType } from "./recipe/quantizeTypes.js";
import type { TensorTypeDecision } from "./recipe/planTensorTypes.js";

/** Values per chunk when converting (32 MiB of f32); copies go in chunks of COPY_BYTES. */
const CHUNK_ELEMENTS = 8 << 20;
const COPY_BYTES = 16 << 20;

/** Types we can expand to f32 without ggml (exactly) or with ggml's to_float. */
const NOT_DEQUANTIZABLE = new Set<GgmlType>([GgmlType.I8, GgmlType.I16, GgmlType.I32, GgmlType.I64, GgmlType.F64, GgmlType.Q8_1, GgmlType.Q8_K]);

function u32Key(gguf: GgufFile, key: string): number {
  const value = gguf.metadata.get(key);
  if (!value || typeof ggufPlainValue(value) !== "number") throw new InvalidInputError(gguf.path, "missing or not a number", key);
  return ggufPlainValue(value) as number;
}

/**
 * Read buffers, recycled once the writer is done with a chunk: the experts of the full model would
 * otherwise stream through ~10 GB of fresh buffers, and V8 answers each few hundred MB with a full GC.
 */
class ReadBuffers {
  private free: ArrayBuffer[] = [];
  take(length: number): Buffer {
    const index = this.free.findIndex((b) => b.byteLength >= length);
    // a buffer of its own, at offset 0: typed-array views over it are aligned
    const buffer = index >= 0 ? this.free.splice(index, 1)[0] : new ArrayBuffer(Math.max(length, 1));
    return Buffer.from(buffer, 0, length);
  }
  release(data: Buffer): void {
    if (this.free.length < 8) this.free.push(data.buffer as ArrayBuffer);
  }
}

async function readRange(handle: FileHandle, path: string, position: number, length: number, name: string, buffers: ReadBuffers): Promise<Buffer> {
  const data = buffers.take(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(data, got, length - got, position + got);
    if (bytesRead === 0) throw new InvalidInputError(path, `file ended while reading tensor data at ${position + got}`, name);
    got += bytesRead;
  }
  return data;
}

async function decodeRows(data: Buffer, type: GgmlType, nRows: number, nPerRow: number, firstRow: number, expert: number | undefined): Promise<TensorChunk> {
  const base = { nRows, nPerRow, firstRow, expert };
  switch (type) {
    case GgmlType.F32:
      return { ...base, f32: new Float32Array(data.buffer, data.byteOffset, data.length / 4) };
    case GgmlType.BF16:
      return { ...base, bf16: new Uint16Array(data.buffer, data.byteOffset, data.length / 2) };
    case GgmlType.F16:
      return { ...base, f32: f16ToF32(new Uint16Array(data.buffer, data.byteOffset, data.length / 2)) };
    case GgmlType.MXFP4:
      return { ...base, mxfp4: data };
    default: {
      const { dequantizeRows } = await import("../ggml/dequantizeRows.js");
      return { ...base, f32: await dequantizeRows({ type, data, nRows, nPerRow }) };
    }
  }
}

export async function quantizeGguf(params: {
  path: string;
  outPath: string;
  quantizeType: QuantizeType;
  experts: ExpertPolicy;
  imatrix?: ImportanceMatrix;
  signal?: AbortSignal;
  onProgress?: (p: QuantizeProgress) => void;
}): Promise<QuantizeResult> {
  const started = performance.now();
  const { quantizeType, experts, path } = params;
  const gguf = await readGguf({ path });
  const arch = gguf.metadata.get("general.architecture");
  if (!arch || arch.type !== GgufValueType.STRING) throw new InvalidInputError(path, "no general.architecture: not a model GGUF (an imatrix or LoRA file?)");
  if (arch.value !== "gpt-oss") throw new InvalidInputError(path, `general.architecture is ${JSON.stringify(arch.value)}: only gpt-oss models can be quantized`, "general.architecture");
  // metadata against tensors, before a byte is written (what llama.cpp's loader will check, and more)
  checkGptOssGguf(gguf);
  const nExpert = u32Key(gguf, "gpt-oss.expert_count");
  const nLayer = u32Key(gguf, "gpt-oss.block_count");

  const plan = planQuantization({
    tensors: gguf.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type })),
    quantizeType,
    experts,
    nExpert,
    nLayer,
    hasImatrix: params.imatrix !== undefined,
    where: path,
  });
  for (const t of plan.tensors) {
    if (t.type !== t.sourceType && NOT_DEQUANTIZABLE.has(t.sourceType)) {
      throw new InvalidInputError(path, `cannot convert a ${ggmlTypeName(t.sourceType)} tensor to ${ggmlTypeName(t.type)} (no dequantization)`, t.name);
    }
  }
  const imatrix = params.imatrix ? imatrixForPlan({ imatrix: params.imatrix, tensors: plan.tensors }) : undefined;
  const infos = new Map(gguf.tensors.map((t) => [t.name, t]));

  const handle = await open(path, "r");
  const buffers = new ReadBuffers();
  try {
    const tensorChunks = (decision: TensorTypeDecision, info: GgufTensorInfo) =>
      async function* (): AsyncGenerator<{ encoded: Promise<Buffer>; release?: () => void }> {
        if (decision.type === decision.sourceType) {
          for (let offset = 0; offset < info.byteLength; offset += COPY_BYTES) {
            const length = Math.min(COPY_BYTES, info.byteLength - offset);
            const data = await readRange(handle, path, info.absoluteOffset + offset, length, info.name, buffers);
            yield { encoded: Promise.resolve(data), release: () => buffers.release(data) };
          }
          return;
        }
        const nPerRow = info.shape[0];
        const rowBytes = ggmlRowBytes(info.type, nPerRow);
        const rowsPerExpert = info.shape[1] ?? 1;
        const nExperts = info.shape.slice(2).reduce((a, b) => a * b, 1);
        const rowsPerChunk = Math.max(1, Math.min(rowsPerExpert, Math.floor(CHUNK_ELEMENTS / nPerRow)));
        const values = imatrix?.lookup(info.name);
        for (let e = 0; e < nExperts; e++) {
          for (let row = 0; row < rowsPerExpert; row += rowsPerChunk) {
            const nRows = Math.min(rowsPerChunk, rowsPerExpert - row);
            const firstRow = e * rowsPerExpert + row;
            const data = await readRange(handle, path, info.absoluteOffset + firstRow * rowBytes, nRows * rowBytes, info.name, buffers);
            const slice = values?.subarray((values.length === nPerRow ? 0 : e) * nPerRow, ((values.length === nPerRow ? 0 : e) + 1) * nPerRow);
            const encoded = (async () => {
              const chunk = await decodeRows(data, info.type, nRows, nPerRow, firstRow, nExperts > 1 ? e : undefined);
              return encodeChunk({ chunk, type: decision.type, imatrix: slice, where: { file: path, tensor: info.name } });
            })();
            // the encoding reads `data` (or views of it) until it resolves, before the write
            yield { encoded, release: () => { buffers.release(data); encoded.then(releasePooledBuffer, () => undefined); } };
          }
        }
      };
    const tensors: StreamedGgufTensor[] = plan.tensors.map((d) => {
      const info = infos.get(d.name)!;
      // copies in one lane, kernel work in the other: they overlap (see writeGgufStreaming)
      const lane = d.type === d.sourceType ? 1 : 0;
      return { name: d.name, shape: info.shape, type: d.type, byteLength: ggmlTensorBytes(d.type, info.shape), lane, chunks: tensorChunks(d, info) };
    });
    const metadata = quantizedGgufMetadata({ metadata: gguf.metadata, fileType: quantizeType.ftype, overrides: imatrix?.metadata });
    const result = await writeGgufStreaming({ path: params.outPath, metadata, tensors, signal: params.signal, onProgress: params.onProgress });
    return buildQuantizeResult({
      written: result,
      quantizeType,
      experts,
      input: { kind: "gguf", path },
      decisions: plan.tensors,
      imatrix: params.imatrix && imatrix ? { source: params.imatrix, used: imatrix.used } : undefined,
      startedMs: started,
    });
  } finally {
    await handle.close();
  }
}
