import { readdirSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentError } from "../errors.js";
import { findLlamaCppBinsDir } from "./findLlamaCppBinsDir.js";
import { loadKoffi } from "./loadKoffi.js";

/** struct ggml_type_traits (ggml.h), decoded. Function pointers are raw addresses, null when absent. */
export interface GgmlTypeTraits {
  typeName: string;
  /** Weights per block (1 for F32/F16/BF16). */
  blckSize: number;
  blckSizeInterleave: number;
  /** Bytes per block. */
  typeSize: number;
  isQuantized: boolean;
  /** ggml_to_float_t: void (const void * x, float * y, int64_t k). */
  toFloat: bigint | null;
  /** ggml_from_float_t: void (const float * x, void * y, int64_t k), the reference quantizer. */
  fromFloatRef: bigint | null;
}

/**
 * The functions of libggml-base this project calls. Pointer arguments take typed arrays or Buffers
 * (koffi passes their memory directly, honouring byteOffset); sizes are numbers.
 *
 * The `*Async` variants run on libuv's threadpool (see threadpoolSize.ts). They keep every buffer they
 * were given referenced until the native call has returned: koffi holds only the raw pointer, so a buffer
 * the garbage collector frees mid-call is a use-after-free in C.
 */
export interface GgmlBase {
  /** Absolute path of the loaded libggml-base. */
  libraryPath: string;
  /**
   * ggml_quantize_chunk: quantizes rows [start/nPerRow, +nRows) of `src` into the same rows of `dst`.
   * `start` counts elements (a multiple of nPerRow); src and dst are the whole tensor. Returns bytes
   * written. Aborts the process (GGML_ASSERT) on bad arguments: validate first (quantizeRows does).
   */
  quantizeChunk(
    type: number, src: Float32Array, dst: Uint8Array, start: number, nRows: number, nPerRow: number,
    imatrix: Float32Array | null,
  ): number;
  quantizeChunkAsync(
    type: number, src: Float32Array, dst: Uint8Array, start: number, nRows: number, nPerRow: number,
    imatrix: Float32Array | null,
  ): Promise<number>;
  /** Builds the lookup tables of IQ types (no-op for others); thread-safe, idempotent. */
  quantizeInit(type: number): void;
  quantizeRequiresImatrix(type: number): boolean;
  /** Bytes of a row of `ne` elements (ne must be a multiple of the block size). */
  rowSize(type: number, ne: number): number;
  blckSize(type: number): number;
  typeSize(type: number): number;
  typeTraits(type: number): GgmlTypeTraits;
  /** The type's to_float over `k` elements (a whole number of blocks). Throws if the type has none. */
  toFloat(type: number, src: Uint8Array, dst: Float32Array, k: number): void;
  toFloatAsync(type: number, src: Uint8Array, dst: Float32Array, k: number): Promise<void>;
  fp16ToFp32Row(src: Uint16Array, dst: Float32Array, n: number): void;
  fp32ToFp16Row(src: Float32Array, dst: Uint16Array, n: number): void;
  bf16ToFp32Row(src: Uint16Array, dst: Float32Array, n: number): void;
  /** Round-to-nearest-even with NaN quieting (what ggml's BF16 conversion does). */
  fp32ToBf16Row(src: Float32Array, dst: Uint16Array, n: number): void;
}

const LIBRARY_FILE = /^(lib)?ggml-base\.(so|dylib|dll)$/;

/** The file of libggml-base in a node-llama-cpp bins folder. */
export function ggmlBaseLibraryPath(binsDir: string): string {
  const file = readdirSync(binsDir).find((f) => LIBRARY_FILE.test(f));
  if (!file) throw new EnvironmentError(`${binsDir}: no ggml-base shared library`);
  return join(binsDir, file);
}

/**
 * In-flight native calls' buffers. Holding them in a module-level set (rather than relying on a closure
 * mentioning them) makes "referenced until the callback ran" explicit and immune to optimisation.
 */
const pinned = new Set<object>();

/** Runs a koffi `.async` call as a promise, pinning `keepAlive` until the native call has returned. */
export function callAsync<T>(
  fn: { async: (...args: unknown[]) => void },
  args: unknown[],
  keepAlive: object,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    pinned.add(keepAlive);
    try {
      fn.async(...args, (err: unknown, result: T) => {
        pinned.delete(keepAlive);
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(result);
      });
    } catch (err) {
      // koffi throws synchronously when its queue is full (max_async_calls) or an argument is wrong.
      pinned.delete(keepAlive);
      reject(err);
    }
  });
}

let ggmlBase: GgmlBase | undefined;

/**
 * Loads libggml-base from node-llama-cpp's prebuilt binaries (on first call only: nothing native is
 * loaded by importing this module) and binds the quantization and conversion functions.
 *
 * It is the same file node-llama-cpp's addon links, so when both are used in one process the dynamic
 * loader shares one copy (and one set of globals) between them.
 */
export function loadGgmlBase(): GgmlBase {
  if (ggmlBase) return ggmlBase;
  const koffi = loadKoffi();
  const libraryPath = ggmlBaseLibraryPath(findLlamaCppBinsDir());
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(libraryPath);
  } catch (err) {
    throw new EnvironmentError(`cannot load ${libraryPath}: ${(err as Error).message}`, { cause: err });
  }

  const toFloatProto = koffi.proto("void oss_prep_ggml_to_float_t(const void *x, float *y, int64_t k)");
  // Field order and types exactly as in ggml.h; koffi applies the C ABI's alignment (56 bytes on LP64).
  const traitsStruct = koffi.struct("oss_prep_ggml_type_traits", {
    type_name: "const char *",
    blck_size: "int64_t",
    blck_size_interleave: "int64_t",
    type_size: "size_t",
    is_quantized: "bool",
    to_float: "void *",
    from_float_ref: "void *",
  });

  const quantizeChunk = lib.func(
    "size_t ggml_quantize_chunk(int type, const float *src, void *dst, int64_t start, int64_t nrows, int64_t n_per_row, const float *imatrix)",
  );
  const quantizeInit = lib.func("void ggml_quantize_init(int type)");
  const quantizeRequiresImatrix = lib.func("bool ggml_quantize_requires_imatrix(int type)");
  const rowSize = lib.func("size_t ggml_row_size(int type, int64_t ne)");
  const blckSize = lib.func("int64_t ggml_blck_size(int type)");
  const typeSize = lib.func("size_t ggml_type_size(int type)");
  const getTypeTraits = lib.func("void *ggml_get_type_traits(int type)");
  const fp16ToFp32Row = lib.func("void ggml_fp16_to_fp32_row(const uint16_t *x, float *y, int64_t n)");
  const fp32ToFp16Row = lib.func("void ggml_fp32_to_fp16_row(const float *x, uint16_t *y, int64_t n)");
  const bf16ToFp32Row = lib.func("void ggml_bf16_to_fp32_row(const uint16_t *x, float *y, int64_t n)");
  const fp32ToBf16Row = lib.func("void ggml_fp32_to_bf16_row(const float *x, uint16_t *y, int64_t n)");

  const traitsCache = new Map<number, GgmlTypeTraits>();
  const typeTraits = (type: number): GgmlTypeTraits => {
    let traits = traitsCache.get(type);
    if (!traits) {
      const raw = koffi.decode(getTypeTraits(type), traitsStruct) as {
        type_name: string | null; blck_size: number | bigint; blck_size_interleave: number | bigint;
        type_size: number | bigint; is_quantized: boolean; to_float: unknown; from_float_ref: unknown;
      };
      traits = {
        typeName: raw.type_name ?? "",
        blckSize: Number(raw.blck_size),
        blckSizeInterleave: Number(raw.blck_size_interleave),
        typeSize: Number(raw.type_size),
        isQuantized: raw.is_quantized,
        // koffi 3 hands pointers to JS as bigint addresses (null for NULL).
        toFloat: (raw.to_float as bigint | null) ?? null,
        fromFloatRef: (raw.from_float_ref as bigint | null) ?? null,
      };
      traitsCache.set(type, traits);
    }
    return traits;
  };

  // One callable per type's to_float, decoded from the function pointer so it also has `.async`.
  const toFloatFns = new Map<number, ReturnType<typeof koffi.decode>>();
  const toFloatFn = (type: number) => {
    let fn = toFloatFns.get(type);
    if (!fn) {
      const address = typeTraits(type).toFloat;
      if (address === null) throw new RangeError(`ggml type ${type} has no to_float`);
      // decode(address, prototype) turns a C function pointer into a callable with `.async`.
      fn = koffi.decode(address, toFloatProto);
      toFloatFns.set(type, fn);
    }
    return fn as ((...args: unknown[]) => void) & { async: (...args: unknown[]) => void };
  };

  ggmlBase = {
    libraryPath,
    quantizeChunk: (type, src, dst, start, nRows, nPerRow, imatrix) =>
      Number(quantizeChunk(type, src, dst, start, nRows, nPerRow, imatrix)),
    quantizeChunkAsync: async (type, src, dst, start, nRows, nPerRow, imatrix) =>
      Number(
        await callAsync<number | bigint>(
          quantizeChunk,
          [type, src, dst, start, nRows, nPerRow, imatrix],
          { src, dst, imatrix },
        ),
      ),
    quantizeInit: (type) => void quantizeInit(type),
    quantizeRequiresImatrix: (type) => Boolean(quantizeRequiresImatrix(type)),
    rowSize: (type, ne) => Number(rowSize(type, ne)),
    blckSize: (type) => Number(blckSize(type)),
    typeSize: (type) => Number(typeSize(type)),
    typeTraits,
    toFloat: (type, src, dst, k) => void toFloatFn(type)(src, dst, k),
    toFloatAsync: (type, src, dst, k) => callAsync<void>(toFloatFn(type), [src, dst, k], { src, dst }),
    fp16ToFp32Row: (src, dst, n) => void fp16ToFp32Row(src, dst, n),
    fp32ToFp16Row: (src, dst, n) => void fp32ToFp16Row(src, dst, n),
    bf16ToFp32Row: (src, dst, n) => void bf16ToFp32Row(src, dst, n),
    fp32ToBf16Row: (src, dst, n) => void fp32ToBf16Row(src, dst, n),
  };
  return ggmlBase;
}
