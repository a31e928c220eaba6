/**
 * Writes a GGUF file from tensors whose data arrives as a stream of encoded chunks. Memory is bounded
 * by a few chunks per lane, never by the size of a tensor or of the file. The file is written to a
 * temporary name, fsynced and renamed when complete.
 *
 * Lanes: the header fixes every tensor's offset, so tensors need not be written in file order.
 * Tensors are split into lanes (the caller's `lane`), each lane walks its tensors in file order
 * with its own producer running up to `depth` chunks ahead, and writes them at their offsets. The
 * quantizer puts kernel-bound tensors (quantized on the threadpool) in one lane and copy-bound ones
 * (MXFP4 experts repacked on the main thread, small f32 tensors) in another, so the cores quantize
 * the 1.2 GB output and token embeddings while the experts stream, instead of one after the other.
 * The sha256 is computed by a worker that re-reads the contiguous written prefix (TrailingFileHasher).
 *
 * Both the checkpoint → GGUF pass (convert and quantize) and the GGUF → GGUF quantize pass use it.
 */
import type { FileHandle } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { InvalidInputError } from "../../errors.js";
import { BoundedQueue } from "../../util/boundedQueue.js";
import { ensureFreeDiskSpace } from "../../util/ensureFreeDiskSpace.js";
import { openAtomicFile } from "../../util/atomic.js";
import { TrailingFileHasher } from "../../util/TrailingFileHasher.js";
import { encodeGgufHeader, type GgufTensorLayout } from "./encodeGgufHeader.js";
import type { GgmlType } from "./ggmlTypes.js";
import type { GgufValue } from "./ggufValue.js";

export interface StreamedGgufTensor {
  name: string;
  /** ggml order (ne0 first). */
  shape: readonly number[];
  type: GgmlType;
  /** Bytes the data must add up to (checked by the writer). */
  byteLength: number;
  /**
   * Which lane writes it (default 0). Tensors of one lane are produced and written in file order;
   * lanes run concurrently.
   */
  lane?: number;
  /**
   * The tensor's data as encoded chunks, in order, each a promise wrapped in an object (an async
   * generator would await a promise it yields, serialising the encodings). The producer awaits the
   * iterator (reads) but not the promises (encodings), so encodings of several chunks overlap; the
   * writer awaits each promise in order. A rejected promise fails the whole write. `release`, if
   * given, is called once the chunk's bytes are written (its buffer may then be reused).
   */
  chunks(): AsyncIterable<{ encoded: Promise<Buffer>; release?: () => void }>;
}

// Chunks smaller than this are gathered into one buffer before hitting the disk (per lane, while they
// are contiguous in the file): biases and norms are a few KB each, one pwrite(2) each would dominate.
const STAGING_BYTES = 8 << 20;

/** Positional writes of one lane, with small contiguous writes staged. */
class LaneWriter {
  private readonly staging = Buffer.allocUnsafe(STAGING_BYTES);
  private stagedAt = 0;
  private stagedBytes = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly hasher: TrailingFileHasher,
  ) {}

  async write(bytes: Uint8Array, position: number): Promise<void> {
    if (bytes.length < STAGING_BYTES / 8) {
      const contiguous = this.stagedBytes > 0 && this.stagedAt + this.stagedBytes === position;
      if (this.stagedBytes > 0 && (!contiguous || this.stagedBytes + bytes.length > STAGING_BYTES)) await this.flush();
      if (this.stagedBytes === 0) this.stagedAt = position;
      this.staging.set(bytes, this.stagedBytes);
      this.stagedBytes += bytes.length;
      return;
    }
    await this.flush();
    await this.writeFully(bytes, position);
  }

  async flush(): Promise<void> {
    if (this.stagedBytes === 0) return;
    const staged = this.staging.subarray(0, this.stagedBytes);
    this.stagedBytes = 0;
    await this.writeFully(staged, this.stagedAt);
  }

  /** pwrite(2) may write less than asked. */
  private async writeFully(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
    this.hasher.written(position, position + bytes.length);
  }
}

export async function writeGgufStreaming(params: {
  path: string;
  metadata: Iterable<readonly [string, GgufValue]>;
  tensors: readonly StreamedGgufTensor[];
  /** Chunks read and encoded ahead of the one being written, per lane (default 3). */
  depth?: number;
  signal?: AbortSignal;
  onProgress?: (p: { bytesWritten: number; totalBytes: number; tensor: string }) => void;
}): Promise<{ path: string; fileBytes: number; sha256: string }> {
  const { tensors } = params;
  const header = encodeGgufHeader({
    metadata: params.metadata,
    tensors: tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type, byteLength: t.byteLength })),
    file: params.path,
  });
  const totalBytes = tensors.reduce((n, t) => n + t.byteLength, 0);
  // refuse before writing a byte when the file cannot fit
  await ensureFreeDiskSpace({ dir: dirname(params.path), neededBytes: header.fileSize, what: basename(params.path) });

  const file = await openAtomicFile(params.path);
  const handle = file.handle;
  const hasher = new TrailingFileHasher({ path: file.tempPath });
  const lanes = [...new Set(tensors.map((t) => t.lane ?? 0))].sort((a, b) => a - b);
  let stopped = false;
  let bytesWritten = 0;
  const padding = Buffer.alloc(header.alignment);

  const runLane = async (lane: number): Promise<void> => {
    const indices = tensors.flatMap((t, i) => ((t.lane ?? 0) === lane ? [i] : []));
    const queue = new BoundedQueue<{ index: number; encoded: Promise<Buffer>; release?: () => void }>(params.depth ?? 3);
    const producer = (async () => {
      try {
        for (const index of indices) {
          if (stopped) break;
          for await (const { encoded, release } of tensors[index].chunks()) {
            encoded.catch(() => undefined); // surfaced when the writer awaits it, in order
            params.signal?.throwIfAborted();
            if (stopped) break;
            await queue.push({ index, encoded, release });
          }
        }
        queue.close();
      } catch (error) {
        queue.close(error);
      }
    })();
    const writer = new LaneWriter(handle, hasher);
    try {
      for (const index of indices) {
        const layout: GgufTensorLayout = header.tensors[index];
        const name = layout.name;
        let got = 0;
        for (;;) {
          const job = await queue.peek();
          if (!job || job.index !== index) break;
          queue.shift();
          const bytes = await job.encoded;
          if (got + bytes.length > layout.byteLength) throw new InvalidInputError(params.path, `got more than the ${layout.byteLength} bytes the tensor holds`, name);
          await writer.write(bytes, layout.absoluteOffset + got);
          got += bytes.length;
          bytesWritten += bytes.length;
          params.onProgress?.({ bytesWritten, totalBytes, tensor: name });
          // the bytes are on the file (or copied to staging): the buffer may be reused
          job.release?.();
        }
        if (got !== layout.byteLength) throw new InvalidInputError(params.path, `got ${got} bytes, the tensor holds ${layout.byteLength}`, name);
        const pad = (header.alignment - (layout.byteLength % header.alignment)) % header.alignment;
        if (pad > 0) await writer.write(padding.subarray(0, pad), layout.absoluteOffset + layout.byteLength);
      }
      await writer.flush();
      await producer;
    } catch (error) {
      stopped = true;
      queue.close(error);
      // encodings already started keep their buffers referenced until they settle
      await producer;
      throw error;
    }
  };

  try {
    const headerWriter = new LaneWriter(handle, hasher);
    await headerWriter.write(header.bytes, 0);
    await headerWriter.flush();
    const results = await Promise.allSettled(lanes.map(runLane));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    const sha256 = await hasher.digest(header.fileSize);
    await file.commit();
    return { path: params.path, fileBytes: header.fileSize, sha256 };
  } catch (error) {
    stopped = true;
    await hasher.close();
    await file.abort();
    throw error;
  }
}
