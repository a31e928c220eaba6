import { availableParallelism } from "node:os";
import { GgmlType, ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
import { loadGgmlBase } from "./loadGgmlBase.js";
import { withKernelSlot } from "./kernelSlots.js";
import { threadpoolSize } from "./threadpoolSize.js";

export interface DequantizeRowsParams {
  /** ggml type of `data`; must have a to_float (F16, BF16, all block types but Q8_1/Q8_K). */
  type: GgmlType;
  /** nRows × ggml_row_size(type, nPerRow) bytes. */
  data: Uint8Array;
  nRows: number;
  nPerRow: number;
  /** Native calls at once; default min(os.availableParallelism(), libuv threadpool size). */
  concurrency?: number;
  /** Where to write the nRows × nPerRow values (e.g. reused scratch); default a new array. */
  out?: Float32Array;
}

/**
 * Expands ggml-typed rows to f32 with the type's own to_float from libggml-base (the same function the
 * CPU backend and llama-quantize's requantize path use). For F32 it returns a copy.
 */
export async function dequantizeRows(params: DequantizeRowsParams): Promise<Float32Array> {
  const { type, data, nRows, nPerRow } = params;
  const ggml = loadGgmlBase();
  const traits = ggml.typeTraits(type);
  if (!Number.isSafeInteger(nRows) || nRows < 0 || !Number.isSafeInteger(nPerRow) || nPerRow <= 0 ||
      nPerRow % traits.blckSize !== 0) {
    throw new RangeError(`dequantizeRows: bad shape nRows=${nRows} nPerRow=${nPerRow} for ${ggmlTypeName(type)}`);
  }
  const rowSize = ggml.rowSize(type, nPerRow);
  if (data.length !== nRows * rowSize) {
    throw new RangeError(`dequantizeRows: data has ${data.length} bytes, expected ${nRows} × ${rowSize}`);
  }
  if (params.out && params.out.length !== nRows * nPerRow) {
    throw new RangeError(`dequantizeRows: out has ${params.out.length} values, expected ${nRows} × ${nPerRow}`);
  }
  const out = params.out ?? new Float32Array(nRows * nPerRow);
  if (type === GgmlType.F32) {
    // F32 has no to_float (it needs none).
    new Uint8Array(out.buffer).set(data);
    return out;
  }
  if (traits.toFloat === null) throw new RangeError(`dequantizeRows: ${ggmlTypeName(type)} has no to_float`);
  if (nRows === 0) return out;

  const concurrency = Math.max(1, params.concurrency ?? Math.min(availableParallelism(), threadpoolSize()));
  const nChunks = Math.min(concurrency, nRows);
  const calls: Promise<void>[] = [];
  for (let c = 0; c < nChunks; c++) {
    const begin = Math.floor((c * nRows) / nChunks);
    const end = Math.floor(((c + 1) * nRows) / nChunks);
    calls.push(
      withKernelSlot(() =>
        ggml.toFloatAsync(
          type, data.subarray(begin * rowSize, end * rowSize), out.subarray(begin * nPerRow, end * nPerRow),
          (end - begin) * nPerRow,
        ),
      ),
    );
  }
  const results = await Promise.allSettled(calls);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return out;
}
