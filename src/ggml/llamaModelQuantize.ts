import { existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { InvalidInputError, OssPrepError } from "../errors.js";
import type { GgmlType } from "../formats/gguf/ggmlTypes.js";
import type { LlamaFtype } from "../formats/gguf/llamaFtype.js";
import { callAsync } from "./loadGgmlBase.js";
import { loadLlama } from "./loadLlama.js";

export interface LlamaModelQuantizeParams {
  /** GGUF to quantize. */
  input: string;
  /** GGUF to write. Written to `<output>.tmp-<pid>` and renamed on success, so never left half-written. */
  output: string;
  /** Target llama_ftype, e.g. MOSTLY_Q4_K_M: picks the default type and llama.cpp's mixing rules. */
  ftype: LlamaFtype;
  /** Threads llama.cpp uses (default os.availableParallelism(); 0 means std::thread::hardware_concurrency). */
  nthread?: number;
  /** Allow quantizing tensors that are already quantized (e.g. MXFP4 experts to Q4_K). Default false. */
  allowRequantize?: boolean;
  /** `--tensor-type PATTERN=TYPE`: regex (std::regex, searched in the tensor name) → GgmlType, first match wins. */
  tensorTypeOverrides?: ReadonlyArray<{ pattern: string; type: GgmlType }>;
  /** `--output-tensor-type`; default: llama.cpp's rules. */
  outputTensorType?: GgmlType;
  /** `--token-embedding-type`; default: llama.cpp's rules. */
  tokenEmbeddingType?: GgmlType;
  /** `--pure`: every quantizable tensor to the default type, no mixing. */
  pure?: boolean;
  /** Default true (llama.cpp's default); `--leave-output-tensor` sets false. */
  quantizeOutputTensor?: boolean;
  /** Compute sizes and types only; nothing is written. */
  dryRun?: boolean;
  /** Importance matrix per tensor name: ne[0]·ne[2] values each (all experts of a 3D tensor). */
  imatrix?: ReadonlyArray<{ name: string; data: Float32Array }>;
  /**
   * Key/values set in the output (llama_model_kv_override; llama-quantize passes its quantize.imatrix.*
   * keys this way). Integers are written as u32 by llama_model_quantize. Keys and strings ≤ 127 bytes.
   */
  kvOverrides?: ReadonlyArray<{ key: string; value: number | string | boolean; kind?: "int" | "float" }>;
  /** `--prune-layers`: block indices to drop. */
  pruneLayers?: readonly number[];
  /** Bytes of rows llama.cpp keeps in memory at once (0 = its default, 8 GiB). */
  maxBufSize?: number;
  /** Receives llama.cpp's log (level: 1 debug … 4 error, 5 continuation). Default: kept, shown on failure. */
  onLog?: (level: number, text: string) => void;
}

export interface LlamaModelQuantizeResult {
  /** Everything llama.cpp logged during the call (per-tensor types and sizes included). */
  log: string;
}

/** C string in memory of its own (off the V8 heap, so its address is stable while pinned). */
function cString(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.includes(0)) throw new RangeError(`string contains NUL: ${JSON.stringify(text)}`);
  const out = Buffer.allocUnsafeSlow(bytes.length + 1);
  bytes.copy(out);
  out[bytes.length] = 0;
  return out;
}

/** Calls run one at a time: llama's logger is process-global and we swap it for each call. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs libllama's llama_model_quantize (what the llama-quantize tool runs) on a GGUF file, off the event
 * loop (koffi `.async`, one libuv threadpool thread, plus `nthread` threads of llama.cpp's own).
 *
 * This is the oracle our own quantizer must match byte for byte, and the benchmark anchor.
 *
 * All parameter memory (the struct, strings, override and imatrix arrays) is allocated here, off the V8
 * heap, and stays referenced until the native call returns. llama.cpp's log goes to `onLog` (or is
 * collected) instead of stderr, and the previous logger is restored afterwards. On failure
 * (llama_model_quantize returns non-zero: it catches its exceptions and only logs them) the error
 * message carries the end of the log.
 */
export function llamaModelQuantize(params: LlamaModelQuantizeParams): Promise<LlamaModelQuantizeResult> {
  const run = queue.then(() => quantizeNow(params));
  queue = run.catch(() => undefined);
  return run;
}

async function quantizeNow(params: LlamaModelQuantizeParams): Promise<LlamaModelQuantizeResult> {
  if (!existsSync(params.input)) throw new InvalidInputError(params.input, "no such file");
  const lib = loadLlama();
  const { koffi, types } = lib;
  const keep: object[] = []; // every buffer whose address goes into native memory
  const address = (buffer: Buffer): bigint => {
    keep.push(buffer);
    return koffi.address(buffer) as bigint;
  };

  const struct = lib.modelQuantizeDefaultParams();
  struct.nthread = params.nthread ?? availableParallelism();
  struct.ftype = params.ftype;
  struct.allow_requantize = params.allowRequantize ?? false;
  struct.pure = params.pure ?? false;
  struct.dry_run = params.dryRun ?? false;
  if (params.quantizeOutputTensor !== undefined) struct.quantize_output_tensor = params.quantizeOutputTensor;
  if (params.outputTensorType !== undefined) struct.output_tensor_type = params.outputTensorType;
  if (params.tokenEmbeddingType !== undefined) struct.token_embedding_type = params.tokenEmbeddingType;
  if (params.maxBufSize !== undefined) struct.max_buf_size = params.maxBufSize;

  if (params.tensorTypeOverrides?.length) {
    // Array terminated by an entry whose pattern is NULL.
    const entries = params.tensorTypeOverrides.map((o) => ({ pattern: address(cString(o.pattern)), type: o.type }));
    entries.push({ pattern: 0n, type: 0 });
    const size = koffi.sizeof(types.tensorOverride);
    const array = Buffer.alloc(size * entries.length);
    entries.forEach((e, i) => { koffi.encode(array, i * size, types.tensorOverride, e); });
    struct.tt_overrides = address(array);
  }

  if (params.imatrix?.length) {
    // One off-heap copy of all the values (llama.cpp copies them again into its own map).
    const totalFloats = params.imatrix.reduce((n, m) => n + m.data.length, 0);
    const values = Buffer.allocUnsafeSlow(totalFloats * 4);
    const valuesAddress = address(values);
    const entries: Array<{ name: bigint; data: bigint; size: number }> = [];
    let offset = 0;
    for (const m of params.imatrix) {
      values.set(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength), offset);
      entries.push({ name: address(cString(m.name)), data: valuesAddress + BigInt(offset), size: m.data.length });
      offset += m.data.byteLength;
    }
    entries.push({ name: 0n, data: 0n, size: 0 }); // terminated by a NULL name
    const size = koffi.sizeof(types.imatrixData);
    const array = Buffer.alloc(size * entries.length);
    entries.forEach((e, i) => { koffi.encode(array, i * size, types.imatrixData, e); });
    struct.imatrix = address(array);
  }

  if (params.kvOverrides?.length) {
    // struct llama_model_kv_override (llama.h): int tag; char key[128]; union { i64; f64; bool; char[128] }
    // at offset 136 (8-aligned); 264 bytes. The array ends with an entry whose key is empty.
    const SIZE = 264;
    const array = Buffer.alloc(SIZE * (params.kvOverrides.length + 1));
    params.kvOverrides.forEach((o, i) => {
      const at = i * SIZE;
      const key = Buffer.from(o.key, "utf8");
      if (key.length === 0 || key.length > 127) throw new RangeError(`kv override key ${JSON.stringify(o.key)}: 1 to 127 bytes`);
      key.copy(array, at + 4);
      if (typeof o.value === "string") {
        const value = Buffer.from(o.value, "utf8");
        if (value.length > 127) throw new RangeError(`kv override ${o.key}: string longer than 127 bytes`);
        array.writeInt32LE(3, at); // LLAMA_KV_OVERRIDE_TYPE_STR
        value.copy(array, at + 136);
      } else if (typeof o.value === "boolean") {
        array.writeInt32LE(2, at); // BOOL
        array.writeUInt8(o.value ? 1 : 0, at + 136);
      } else if (o.kind === "float") {
        array.writeInt32LE(1, at); // FLOAT
        array.writeDoubleLE(o.value, at + 136);
      } else {
        array.writeInt32LE(0, at); // INT
        array.writeBigInt64LE(BigInt(o.value), at + 136);
      }
    });
    struct.kv_overrides = address(array);
  }

  if (params.pruneLayers?.length) {
    const layers = Buffer.allocUnsafeSlow(4 * (params.pruneLayers.length + 1));
    params.pruneLayers.forEach((l, i) => { layers.writeInt32LE(l, 4 * i); });
    layers.writeInt32LE(-1, 4 * params.pruneLayers.length); // terminated by -1
    struct.prune_layers = address(layers);
  }

  const structBytes = Buffer.alloc(koffi.sizeof(types.quantizeParams));
  koffi.encode(structBytes, 0, types.quantizeParams, struct);

  const tempOutput = `${params.output}.tmp-${process.pid}`;
  const logChunks: string[] = [];
  const logger = koffi.register((level: number, text: string | null) => {
    if (text === null) return;
    logChunks.push(text);
    params.onLog?.(level, text);
  }, koffi.pointer(types.logCallback));
  const saved = new BigUint64Array(2);
  lib.logGet(saved.subarray(0, 1), saved.subarray(1, 2));
  lib.logSet(logger, null);
  let status: number;
  try {
    status = await callAsync<number>(
      lib.modelQuantize,
      [params.input, params.dryRun ? params.output : tempOutput, structBytes],
      { keep, structBytes },
    );
  } finally {
    lib.logSet(saved[0] === 0n ? null : saved[0], saved[1] === 0n ? null : saved[1]);
    koffi.unregister(logger);
  }
  const log = logChunks.join("");
  if (status !== 0) {
    await rm(tempOutput, { force: true });
    const tail = log.split("\n").filter((l) => l.trim()).slice(-8).join("\n");
    throw new OssPrepError(`llama_model_quantize failed on ${params.input} (status ${status}):\n${tail}`);
  }
  if (!params.dryRun) await rename(tempOutput, params.output);
  return { log };
}
