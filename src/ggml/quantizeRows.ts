import { availableParallelism } from "node:os";
import { type GgmlType, ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
import { QUANTIZABLE_GGML_TYPES } from "./quantizableTypes.js";
import { loadGgmlBase } from "./loadGgmlBase.js";
import { takePooledBuffer } from "../util/bufferPool.js";
import { withKernelSlot } from "./kernelSlots.js";
import { threadpoolSize } from "./threadpoolSize.js";

export interface QuantizeRowsParams {
  /** Target ggml type. */
  type: GgmlType;
  /** nRows × nPerRow weights, row-major. */
  src: Float32Array;
  nRows: number;
  /** Elements per row: a multiple of the type's block size (256 for K-quants, 32 for Q8_0/MXFP4...). */
  nPerRow: number;
  /**
   * Importance matrix: nPerRow values shared by all rows, or nExperts × nPerRow for a stacked expert
   * tensor, where rows [e·nRows/nExperts, (e+1)·nRows/nExperts) use slice e (what llama.cpp does).
   */
  imatrix?: Float32Array;
  /**
   * Native calls to run at once. Default: min(os.availableParallelism(), libuv threadpool size);
   * more than the threadpool size only queues.
   */
  concurrency?: number;
}

/** Contiguous rows quantized by one native call, all within one imatrix slice. */
interface RowChunk {
  firstRow: number;
  nRows: number;
  imatrix: Float32Array | null;
}

/** Splits [0, nRows) into about `target` chunks that never straddle an imatrix (expert) boundary. */
function planChunks(
  nRows: number, nPerRow: number, imatrix: Float32Array | undefined, target: number,
): RowChunk[] {
  const nSlices = imatrix ? imatrix.length / nPerRow : 1;
  const rowsPerSlice = nRows / nSlices;
  const chunksPerSlice = Math.max(1, Math.ceil(target / nSlices));
  const chunks: RowChunk[] = [];
  for (let s = 0; s < nSlices; s++) {
    const slice = imatrix ? imatrix.subarray(s * nPerRow, (s + 1) * nPerRow) : null;
    const n = Math.min(chunksPerSlice, rowsPerSlice);
    for (let c = 0; c < n; c++) {
      // Even split: chunk c gets rows [floor(c·R/n), floor((c+1)·R/n)).
      const begin = Math.floor((c * rowsPerSlice) / n);
      const end = Math.floor(((c + 1) * rowsPerSlice) / n);
      if (end > begin) chunks.push({ firstRow: s * rowsPerSlice + begin, nRows: end - begin, imatrix: slice });
    }
  }
  return chunks;
}

/**
 * Quantizes rows of f32 weights to a ggml type with libggml-base's ggml_quantize_chunk, the function
 * llama-quantize calls, so the bytes are llama.cpp's. Rows are independent in every ggml quantizer, so
 * the result is byte-identical to one ggml_quantize_chunk call over all rows however it is split.
 *
 * The rows are split into chunks run in parallel on libuv's threadpool via koffi `.async` (see
 * threadpoolSize.ts for UV_THREADPOOL_SIZE). `src`, the output and the imatrix stay referenced until
 * every native call has returned, including when one fails.
 *
 * Returns nRows × ggml_row_size(type, nPerRow) bytes.
 */
export async function quantizeRows(params: QuantizeRowsParams): Promise<Buffer> {
  const { type, src, nRows, nPerRow, imatrix } = params;
  if (!QUANTIZABLE_GGML_TYPES.has(type)) {
    throw new RangeError(`quantizeRows: ggml_quantize_chunk cannot produce ggml type ${type}`);
  }
  if (!Number.isSafeInteger(nRows) || nRows < 0 || !Number.isSafeInteger(nPerRow) || nPerRow <= 0) {
    throw new RangeError(`quantizeRows: bad shape nRows=${nRows} nPerRow=${nPerRow}`);
  }
  if (src.length !== nRows * nPerRow) {
    throw new RangeError(`quantizeRows: src has ${src.length} values, expected ${nRows} × ${nPerRow}`);
  }
  const ggml = loadGgmlBase();
  // ggml_quantize_chunk GGML_ASSERTs these (aborting the process), so check them here.
  const blockSize = ggml.blckSize(type);
  if (nPerRow % blockSize !== 0) {
    throw new RangeError(
      `quantizeRows: ${ggmlTypeName(type)} needs rows of a multiple of ${blockSize} values, got ${nPerRow}`,
    );
  }
  if (imatrix) {
    const nSlices = imatrix.length / nPerRow;
    if (!Number.isInteger(nSlices) || nSlices < 1 || nRows % nSlices !== 0) {
      throw new RangeError(
        `quantizeRows: imatrix has ${imatrix.length} values; expected ${nPerRow} or a multiple of it that divides ${nRows} rows`,
      );
    }
  } else if (ggml.quantizeRequiresImatrix(type)) {
    throw new RangeError(`quantizeRows: ${ggmlTypeName(type)} requires an importance matrix`);
  }

  const rowSize = ggml.rowSize(type, nPerRow);
  // allocUnsafeSlow: an ArrayBuffer of its own (not a slice of Node's pool) that native code fills fully.
  // from the pool: the streaming writers give it back once written (bufferPool)
  const dst = takePooledBuffer(rowSize * nRows);
  if (nRows === 0) return dst;

  const concurrency = Math.max(1, params.concurrency ?? Math.min(availableParallelism(), threadpoolSize()));
  const chunks = planChunks(nRows, nPerRow, imatrix, concurrency);
  // Build IQ tables once here rather than racing on the critical section from every worker.
  ggml.quantizeInit(type);

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      const written = await withKernelSlot(() =>
        ggml.quantizeChunkAsync(type, src, dst, chunk.firstRow * nPerRow, chunk.nRows, nPerRow, chunk.imatrix),
      );
      if (written !== chunk.nRows * rowSize) {
        throw new Error(`ggml_quantize_chunk wrote ${written} bytes, expected ${chunk.nRows * rowSize}`);
      }
    }
  };
  // allSettled, not all: a rejection must not let the caller drop buffers other calls still write to.
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, chunks.length) }, worker),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return dst;
}
