/**
 * Streams the values of one planned GGUF tensor out of the checkpoint in row chunks, so memory
 * stays at a few chunks however large the tensor (token_embd of the real model is 1.2 GB in bf16,
 * 2.3 GB as f32). A chunk carries what its encoders can use without extra work: the raw bf16 bits
 * (bf16 → bf16 is a copy), f32 values, or ready ggml MXFP4 blocks (kept experts are never decoded).
 */
import { InvalidInputError } from "../errors.js";
import type { GgufTensorPlan } from "../arch/gpt-oss/index.js";
import { bf16ToF32, f16ToF32 } from "../formats/float/floatConversions.js";
import { dequantizeGgmlMxfp4 } from "../formats/mxfp4/dequantizeGgmlMxfp4.js";
import { repackHfMxfp4ToGgml } from "../formats/mxfp4/repackHfMxfp4ToGgml.js";
import { createMxfp4RepackArena, type Mxfp4RepackArena } from "../formats/mxfp4/wasmMxfp4Repack.js";
import { selectRows } from "../formats/mxfp4/selectRows.js";
import type { SafetensorsCheckpoint } from "../formats/safetensors/index.js";
import { takePooledBuffer } from "../util/bufferPool.js";

export interface TensorChunk {
  /** Rows in this chunk and elements per row (ggml ne0). */
  nRows: number;
  nPerRow: number;
  /** Index of the first row in the tensor. */
  firstRow: number;
  /** For expert tensors chunked per expert: which expert (selects the imatrix slice). */
  expert?: number;
  bf16?: Uint16Array;
  f32?: Float32Array;
  /** ggml block_mxfp4 bytes of the rows. */
  mxfp4?: Buffer;
  /** The pooled buffer the values were read into (bufferPool): given back once the chunk is written. */
  readBuffer?: Buffer;
}

/** Experts whose reads are in flight ahead of the one being repacked. */
const EXPERT_READ_AHEAD = 3;

/** Elements per chunk for float tensors: 8 Mi elements = 16 MiB of bf16, 32 MiB of f32. */
const CHUNK_ELEMENTS = 8 << 20;

function aligned(buffer: Buffer, bytesPerElement: number): ArrayBuffer | SharedArrayBuffer {
  if (buffer.byteOffset % bytesPerElement === 0) return buffer.buffer;
  const copy = Buffer.allocUnsafeSlow(buffer.length);
  buffer.copy(copy);
  return copy.buffer;
}

function toF32(chunk: TensorChunk): Float32Array {
  if (chunk.f32) return chunk.f32;
  if (chunk.bf16) {
    chunk.f32 = bf16ToF32(chunk.bf16);
    return chunk.f32;
  }
  if (chunk.mxfp4) {
    chunk.f32 = dequantizeGgmlMxfp4({ data: chunk.mxfp4 });
    return chunk.f32;
  }
  throw new Error("empty chunk");
}
export { toF32 as chunkToF32 };

function decodeFloat(buffer: Buffer, dtype: string, where: string, name: string): Pick<TensorChunk, "bf16" | "f32"> {
  switch (dtype) {
    case "BF16":
      return { bf16: new Uint16Array(aligned(buffer, 2), buffer.byteOffset % 2 === 0 ? buffer.byteOffset : 0, buffer.length / 2) };
    case "F16": {
      const h = new Uint16Array(aligned(buffer, 2), buffer.byteOffset % 2 === 0 ? buffer.byteOffset : 0, buffer.length / 2);
      return { f32: f16ToF32(h) };
    }
    case "F32":
      return { f32: new Float32Array(aligned(buffer, 4), buffer.byteOffset % 4 === 0 ? buffer.byteOffset : 0, buffer.length / 4) };
    default:
      throw new InvalidInputError(where, `unsupported dtype ${dtype} for a float tensor`, name);
  }
}

/**
 * The fused gate_up blocks are read once per expert and both halves repacked at once; the ggml
 * blocks of `up` (parity 1) wait here until the `up` tensor, which comes after `gate` in every order
 * we write (the converter's and llama-quantize's), asks for them. This avoids reading the largest
 * tensors of the checkpoint twice, for at most the `up` half of one layer in memory.
 */
export class FusedExpertCache {
  private key: string | undefined;
  private parts = new Map<number, Buffer>();
  /** Where reads land and repacked blocks go, when WebAssembly SIMD is available (sharedRepackArena). */
  readonly arena = sharedRepackArena();
  readonly halfBlocksScratch = { buffer: Buffer.alloc(0) };
  readonly halfScalesScratch = { buffer: Buffer.alloc(0) };
  /**
   * ggml blocks of one expert, recycled: the writer gives each back (releaseBlocks) once written, so
   * the ~10 GB of experts of the full model stream through a few dozen buffers instead of fresh ones
   * (fresh ones cost V8 a full GC every few experts).
   */
  private freeBlocks: Buffer[] = [];

  takeBlocks(bytes: number): Buffer {
    const fromArena = this.arena?.alloc(bytes);
    if (fromArena) return fromArena;
    const index = this.freeBlocks.findIndex((b) => b.length === bytes);
    return index >= 0 ? this.freeBlocks.splice(index, 1)[0] : Buffer.allocUnsafeSlow(bytes);
  }

  releaseBlocks(buffer: Buffer): void {
    if (this.arena?.owns(buffer)) this.arena.free(buffer);
    else if (this.freeBlocks.length < 64) this.freeBlocks.push(buffer);
  }

  /** Whether take(key, expert) would return blocks. */
  has(key: string, expert: number): boolean {
    return this.key === key && this.parts.has(expert);
  }

  /** A buffer to read HF blocks or scales into: in the arena when there is room. */
  takeReadBuffer(bytes: number): Buffer {
    return this.arena?.alloc(bytes) ?? Buffer.allocUnsafeSlow(bytes);
  }

  releaseReadBuffer(buffer: Buffer): void {
    if (this.arena?.owns(buffer)) this.arena.free(buffer);
  }

  take(key: string, expert: number): Buffer | undefined {
    if (this.key !== key) return undefined;
    const part = this.parts.get(expert);
    this.parts.delete(expert);
    return part;
  }

  put(key: string, expert: number, ggmlBlocks: Buffer): void {
    if (this.key !== key) {
      this.key = key;
      for (const stale of this.parts.values()) this.releaseBlocks(stale);
      this.parts.clear();
    }
    this.parts.set(expert, ggmlBlocks);
  }
}

/**
 * One arena for the process: 768 MiB of address space, of which the experts in flight touch a few
 * hundred MiB at most (the `up` halves of one layer, the queue, the free slots); undefined without
 * WebAssembly SIMD.
 */
let arena: Mxfp4RepackArena | undefined | null = null;
function sharedRepackArena(): Mxfp4RepackArena | undefined {
  if (arena === null) arena = createMxfp4RepackArena({ bytes: 768 << 20 });
  return arena;
}

function scratch(holder: { buffer: Buffer }, bytes: number): Buffer {
  if (holder.buffer.length < bytes) holder.buffer = Buffer.allocUnsafeSlow(bytes);
  return holder.buffer.subarray(0, bytes);
}

/** Rows `parity`, parity + 2, … of `data` (rows of rowBytes) into `out`. */
function selectRowsInto(data: Buffer, rowBytes: number, parity: number, out: Buffer): Buffer {
  const rows = data.length / rowBytes;
  for (let r = parity, o = 0; r < rows; r += 2, o += rowBytes) out.set(data.subarray(r * rowBytes, (r + 1) * rowBytes), o);
  return out;
}

export async function* tensorChunks(params: {
  checkpoint: SafetensorsCheckpoint;
  plan: GgufTensorPlan;
  /** When true, MXFP4 experts come as ggml blocks only (no f32 decode). */
  keepMxfp4: boolean;
  fused: FusedExpertCache;
  where: string;
}): AsyncGenerator<TensorChunk> {
  const { checkpoint, plan, where } = params;
  const source = plan.source;
  if (source.kind === "float") {
    const info = checkpoint.get(source.tensor);
    const bytesPerElement = source.dtype === "F32" ? 4 : 2;
    if (source.lastAxisParity !== undefined) {
      // fused gate_up bias [E, 2F]: gate = even elements, up = odd ones (small: read whole)
      const buffer = await checkpoint.readTensor(source.tensor);
      const selected = selectRows({ data: buffer, shape: info.shape, parity: source.lastAxisParity, axis: info.shape.length - 1, bytesPerElement });
      const nPerRow = plan.shape[0];
      yield { nRows: selected.data.length / bytesPerElement / nPerRow, nPerRow, firstRow: 0, ...decodeFloat(selected.data, source.dtype, where, source.tensor) };
      return;
    }
    const nPerRow = plan.shape[0];
    const totalRows = info.byteLength / bytesPerElement / nPerRow;
    const rowsPerChunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / nPerRow));
    for (let row = 0; row < totalRows; row += rowsPerChunk) {
      const nRows = Math.min(rowsPerChunk, totalRows - row);
      const start = row * nPerRow * bytesPerElement;
      const length = nRows * nPerRow * bytesPerElement;
      const buffer = await checkpoint.readTensorRangeInto(source.tensor, start, start + length, takePooledBuffer(length));
      yield { nRows, nPerRow, firstRow: row, readBuffer: buffer, ...decodeFloat(buffer, source.dtype, where, source.tensor) };
    }
    return;
  }

  // MXFP4 experts, one expert per chunk
  const { nExperts, rows, cols } = source;
  const blocksPerRow = cols / 32;
  const fusedRows = source.parity === undefined ? rows : 2 * rows;
  const blockBytesPerExpert = fusedRows * blocksPerRow * 16;
  const scaleBytesPerExpert = fusedRows * blocksPerRow;
  const ggmlRowBytes = blocksPerRow * 17;
  const fused = params.fused;
  // Read-ahead: the next experts' reads are in flight while this one is repacked and written, so a
  // checkpoint partly evicted from the page cache is read from disk with several requests queued.
  const pending = new Map<number, Promise<{ blocks: Buffer; scales: Buffer }>>();
  const startRead = (e: number): void => {
    if (pending.has(e) || e >= nExperts || (source.parity === 1 && fused.has(source.blocks, e))) return;
    const read = Promise.all([
      checkpoint.readTensorRangeInto(source.blocks, e * blockBytesPerExpert, (e + 1) * blockBytesPerExpert, fused.takeReadBuffer(blockBytesPerExpert)),
      checkpoint.readTensorRangeInto(source.scales, e * scaleBytesPerExpert, (e + 1) * scaleBytesPerExpert, fused.takeReadBuffer(scaleBytesPerExpert)),
    ]).then(([blocks, scales]) => ({ blocks, scales }));
    read.catch(() => undefined); // surfaced when awaited below
    pending.set(e, read);
  };
  for (let e = 0; e < nExperts; e++) {
    for (let ahead = e; ahead < e + EXPERT_READ_AHEAD; ahead++) startRead(ahead);
    const cached = source.parity === 1 ? fused.take(source.blocks, e) : undefined;
    if (cached) {
      yield { nRows: rows, nPerRow: cols, firstRow: e * rows, expert: e, mxfp4: cached };
      continue;
    }
    startRead(e);
    const { blocks, scales } = await pending.get(e)!;
    pending.delete(e);
    const releaseReads = () => {
      fused.releaseReadBuffer(blocks);
      fused.releaseReadBuffer(scales);
    };
    const nBlocks = rows * blocksPerRow;
    const wasm = fused.arena;
    if (wasm?.owns(blocks) && wasm.owns(scales)) {
      // SIMD repack in the arena; gate_up rows interleave gate (even) and up (odd): stride 2 rows
      const stride = source.parity === undefined ? 1 : 2;
      const repackHalf = (parity: number): Buffer | undefined => {
        const out = fused.takeBlocks(rows * ggmlRowBytes);
        if (!wasm.owns(out)) {
          fused.releaseBlocks(out);
          return undefined;
        }
        wasm.repackRows({ blocks: blocks.subarray(parity * blocksPerRow * 16), scales: scales.subarray(parity * blocksPerRow), out, nRows: rows, blocksPerRow, rowStrideBlocks: stride * blocksPerRow });
        return out;
      };
      if (source.parity === undefined) {
        const mxfp4 = repackHalf(0);
        if (mxfp4) {
          releaseReads();
          yield { nRows: rows, nPerRow: cols, firstRow: e * rows, expert: e, mxfp4 };
          continue;
        }
      } else {
        const mine = repackHalf(source.parity);
        const other = mine && repackHalf(1 - source.parity);
        if (mine && other) {
          releaseReads();
          fused.put(source.blocks, e, other);
          yield { nRows: rows, nPerRow: cols, firstRow: e * rows, expert: e, mxfp4: mine };
          continue;
        }
        if (mine) fused.releaseBlocks(mine);
      }
      // the arena is full: the JavaScript repack below, into ordinary memory
    }
    if (source.parity === undefined) {
      const mxfp4 = repackHfMxfp4ToGgml({ blocks, scales, nBlocks, out: params.fused.takeBlocks(rows * ggmlRowBytes) }) as Buffer;
      releaseReads();
      yield { nRows: rows, nPerRow: cols, firstRow: e * rows, expert: e, mxfp4 };
      continue;
    }
    // gate_up rows interleave gate (even) and up (odd): gather each half, repack it
    const halves = [0, 1].map((parity) =>
      repackHfMxfp4ToGgml({
        blocks: selectRowsInto(blocks, blocksPerRow * 16, parity, scratch(params.fused.halfBlocksScratch, nBlocks * 16)),
        scales: selectRowsInto(scales, blocksPerRow, parity, scratch(params.fused.halfScalesScratch, nBlocks)),
        nBlocks,
        out: params.fused.takeBlocks(rows * ggmlRowBytes),
      }) as Buffer,
    );
    releaseReads();
    params.fused.put(source.blocks, e, halves[1 - source.parity]);
    yield { nRows: rows, nPerRow: cols, firstRow: e * rows, expert: e, mxfp4: halves[source.parity] };
  }
}
