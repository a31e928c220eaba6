/**
 * Writes a GGUF file from tensors whose data arrives as a stream of encoded chunks, with reading and
 * encoding overlapping the writing: a producer walks all tensors' chunks in file order and runs up to
 * `depth` encodings ahead of the writer. Memory is bounded by those few chunks, never by the size of
 * a tensor or of the file. The file is written to a temporary name and renamed when complete.
 *
 * Both the checkpoint → GGUF pass (convert and quantize) and the GGUF → GGUF quantize pass use it.
 */
import { basename, dirname } from "node:path";
import { BoundedQueue } from "../../util/boundedQueue.js";
import { ensureFreeDiskSpace } from "../../util/ensureFreeDiskSpace.js";
import { GgufWriter } from "./GgufWriter.js";
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
   * The tensor's data as encoded chunks, in order, each a promise wrapped in an object (an async
   * generator would await a promise it yields, serialising the encodings). The producer awaits the
   * iterator (reads) but not the promises (encodings), so encodings of several chunks overlap; the
   * writer awaits each promise in order. A rejected promise fails the whole write. `release`, if
   * given, is called once the chunk's bytes are written (its buffer may then be reused).
   */
  chunks(): AsyncIterable<{ encoded: Promise<Buffer>; release?: () => void }>;
}

export async function writeGgufStreaming(params: {
  path: string;
  metadata: Iterable<readonly [string, GgufValue]>;
  tensors: readonly StreamedGgufTensor[];
  /** Chunks read and encoded ahead of the one being written (default 3). */
  depth?: number;
  signal?: AbortSignal;
  onProgress?: (p: { bytesWritten: number; totalBytes: number; tensor: string }) => void;
}): Promise<{ path: string; fileBytes: number; sha256: string }> {
  const { tensors } = params;
  // hashed while written: stages record the digest without re-reading a multi-GB file
  const writer = new GgufWriter({ path: params.path, sha256: true });
  for (const [key, value] of params.metadata) writer.addKV(key, value);
  for (const t of tensors) writer.addTensorInfo({ name: t.name, shape: t.shape, type: t.type, byteLength: t.byteLength });
  const totalBytes = tensors.reduce((n, t) => n + t.byteLength, 0);
  // refuse before writing a byte when the file cannot fit (tensor data + per-tensor padding + header)
  const headerAllowance = 1 << 24;
  await ensureFreeDiskSpace({
    dir: dirname(params.path),
    neededBytes: totalBytes + tensors.length * 32 + headerAllowance,
    what: basename(params.path),
  });

  const queue = new BoundedQueue<{ index: number; encoded: Promise<Buffer>; release?: () => void }>(params.depth ?? 3);
  let stopped = false;
  const producer = (async () => {
    try {
      for (let index = 0; index < tensors.length && !stopped; index++) {
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

  let bytesWritten = 0;
  try {
    await writer.writeHeader();
    for (let index = 0; index < tensors.length; index++) {
      const name = tensors[index].name;
      async function* chunksOfTensor(): AsyncGenerator<Buffer> {
        for (;;) {
          const job = await queue.peek();
          if (!job || job.index !== index) return;
          queue.shift();
          const bytes = await job.encoded;
          bytesWritten += bytes.length;
          params.onProgress?.({ bytesWritten, totalBytes, tensor: name });
          yield bytes;
          // resumed: the writer has copied or written the bytes
          job.release?.();
        }
      }
      await writer.writeTensorData(name, chunksOfTensor());
    }
    await producer;
    const result = await writer.finish();
    return { path: result.path, fileBytes: result.fileSize, sha256: result.sha256! };
  } catch (error) {
    stopped = true;
    queue.close(error);
    await producer;
    // encodings already started keep their buffers referenced until they settle
    await writer.abort();
    throw error;
  }
}
