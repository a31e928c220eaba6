import { readdirSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentError } from "../errors.js";
import { findLlamaCppBinsDir } from "./findLlamaCppBinsDir.js";
import { loadGgmlBase } from "./loadGgmlBase.js";
import { loadKoffi, type Koffi } from "./loadKoffi.js";

/** Decoded `llama_model_quantize_params` (include/llama.h of v0.4.0); pointers as bigint addresses or null. */
export interface LlamaModelQuantizeParamsStruct {
  nthread: number;
  ftype: number;
  output_tensor_type: number;
  token_embedding_type: number;
  allow_requantize: boolean;
  quantize_output_tensor: boolean;
  only_copy: boolean;
  pure: boolean;
  keep_split: boolean;
  dry_run: boolean;
  imatrix: bigint | null;
  kv_overrides: bigint | null;
  tt_overrides: bigint | null;
  prune_layers: bigint | null;
  max_buf_size: number | bigint;
}

type KoffiType = ReturnType<Koffi["struct"]>;
type NativeFn = ((...args: unknown[]) => unknown) & { async: (...args: unknown[]) => void };

/** The pieces of libllama (and libggml) that llamaModelQuantize uses. */
export interface LlamaLib {
  /** Absolute path of the loaded libllama. */
  libraryPath: string;
  /** Absolute path of the loaded libggml (backend registry: ggml_backend_load_all_from_path lives there). */
  ggmlPath: string;
  binsDir: string;
  koffi: Koffi;
  /** koffi types mirroring llama.h, for encoding parameter memory. */
  types: {
    quantizeParams: KoffiType;
    /** struct llama_model_tensor_override { const char *pattern; enum ggml_type type; } */
    tensorOverride: KoffiType;
    /** struct llama_model_imatrix_data { const char *name; const float *data; size_t size; } */
    imatrixData: KoffiType;
    /** ggml_log_callback: void (enum ggml_log_level level, const char *text, void *user_data) */
    logCallback: KoffiType;
  };
  modelQuantizeDefaultParams(): LlamaModelQuantizeParamsStruct;
  /** uint32_t llama_model_quantize(const char *fname_inp, const char *fname_out, const llama_model_quantize_params *params) */
  modelQuantize: NativeFn;
  /** llama_log_get(ggml_log_callback *cb, void **user_data): arguments are 8-byte out cells. */
  logGet: NativeFn;
  /** llama_log_set(ggml_log_callback cb, void *user_data): also sets ggml's logger. */
  logSet: NativeFn;
}

function findLibrary(binsDir: string, pattern: RegExp, what: string): string {
  const file = readdirSync(binsDir).find((f) => pattern.test(f));
  if (!file) throw new EnvironmentError(`${binsDir}: no ${what} shared library`);
  return join(binsDir, file);
}

let llama: LlamaLib | undefined;

/**
 * Loads libllama from node-llama-cpp's prebuilt binaries (first call only).
 *
 * How the libraries have to be loaded (found by trying):
 * - libllama's DT_NEEDED are libggml and libggml-base, found through RUNPATH $ORIGIN on Linux; we still
 *   load ggml-base, then ggml, then llama by absolute path, which also works where the loader would not
 *   look beside the library (Windows DLL search order). Being the same files node-llama-cpp's addon
 *   links, they are shared with it when both run in one process.
 * - No ggml backend is loaded and llama_backend_init is not called. llama_model_quantize only uses
 *   ggml-base's quantizers and gguf code: it works, byte for byte, with zero backends registered (tried).
 *   Loading the CPU backend here would be harmful: node-llama-cpp's addon calls
 *   ggml_backend_load_all_from_path unconditionally, so a backend we registered first would be
 *   registered twice; and llama_backend_init's own ggml_backend_load_all() searches the executable's
 *   folder (node's) and the working directory, i.e. it could pick up stray libraries from the cwd.
 *   Only ggml_time_init is called (what llama_backend_init would do that matters: timers on Windows).
 */
export function loadLlama(): LlamaLib {
  if (llama) return llama;
  const koffi = loadKoffi();
  const ggmlBase = loadGgmlBase();
  const binsDir = findLlamaCppBinsDir();
  // libggml.v0.4.0.so / libggml.cuda.v0.4.0.so / ggml.dll; not ggml-base or ggml-cpu-*.
  const ggmlPath = findLibrary(binsDir, /^(lib)?ggml(\.[\w]+)*\.(so|dylib|dll)$/, "ggml");
  const libraryPath = findLibrary(binsDir, /^(lib)?llama(\.[\w]+)*\.(so|dylib|dll)$/, "llama");
  let llamaLib: ReturnType<Koffi["load"]>;
  try {
    koffi.load(ggmlPath);
    llamaLib = koffi.load(libraryPath);
  } catch (err) {
    throw new EnvironmentError(
      `cannot load llama.cpp from ${binsDir} (ggml-base at ${ggmlBase.libraryPath}): ${(err as Error).message}`,
      { cause: err },
    );
  }

  const logCallback = koffi.proto("void oss_prep_ggml_log_callback(int level, const char *text, void *user_data)");
  const tensorOverride = koffi.struct("oss_prep_llama_model_tensor_override", {
    pattern: "const char *",
    type: "int",
  });
  const imatrixData = koffi.struct("oss_prep_llama_model_imatrix_data", {
    name: "const char *",
    data: "void *",
    size: "size_t",
  });
  // Field for field as in llama.h; koffi lays it out with the C ABI (64 bytes on LP64, checked in tests
  // against llama_model_quantize_default_params()).
  const quantizeParams = koffi.struct("oss_prep_llama_model_quantize_params", {
    nthread: "int32_t",
    ftype: "int",
    output_tensor_type: "int",
    token_embedding_type: "int",
    allow_requantize: "bool",
    quantize_output_tensor: "bool",
    only_copy: "bool",
    pure: "bool",
    keep_split: "bool",
    dry_run: "bool",
    imatrix: "void *",
    kv_overrides: "void *",
    tt_overrides: "void *",
    prune_layers: "void *",
    max_buf_size: "size_t",
  });

  const modelQuantizeDefaultParams = llamaLib.func(
    "oss_prep_llama_model_quantize_params llama_model_quantize_default_params(void)",
  );
  const modelQuantize = llamaLib.func(
    "uint32_t llama_model_quantize(const char *fname_inp, const char *fname_out, const void *params)",
  ) as NativeFn;
  const logGet = llamaLib.func("void llama_log_get(void *log_callback_out, void *user_data_out)") as NativeFn;
  const logSet = llamaLib.func("void llama_log_set(void *log_callback, void *user_data)") as NativeFn;
  // Same handle as loadGgmlBase's (the loader counts references); ggml_time_init lives in ggml-base.
  const timeInit = koffi.load(ggmlBase.libraryPath).func("void ggml_time_init(void)");
  timeInit();

  llama = {
    libraryPath,
    ggmlPath,
    binsDir,
    koffi,
    types: { quantizeParams, tensorOverride, imatrixData, logCallback },
    modelQuantizeDefaultParams: () => modelQuantizeDefaultParams() as LlamaModelQuantizeParamsStruct,
    modelQuantize,
    logGet,
    logSet,
  };
  return llama;
}
