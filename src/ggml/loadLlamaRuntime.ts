/**
 * libllama for running a model (not just llama_model_quantize): a registered ggml backend, the
 * model/context/batch structs of llama.h, the decode and memory functions, and the ggml-base functions
 * an eval callback needs to read tensors. Bound once per process, on first use.
 *
 * The structs are laid out by koffi with the C ABI and checked at startup against the offsets that
 * offsetof() printed for this llama.cpp release (node-llama-cpp's bundled v0.4.0, x86_64/arm64 LP64;
 * see /work/proto15/offsets in the research notes). A library whose structs differ would silently read
 * garbage parameters, so any difference is an EnvironmentError naming the field.
 */
import { EnvironmentError } from "../errors.js";
import { loadGgmlBase } from "./loadGgmlBase.js";
import { type LlamaLib, loadLlama } from "./loadLlama.js";
import type { Koffi } from "./loadKoffi.js";

type KoffiType = ReturnType<Koffi["struct"]>;
type NativeFn = (...args: unknown[]) => unknown;

/** sizeof(struct ggml_tensor) and the offsets the eval callback reads (ggml.h, LP64). */
export const GGML_TENSOR_LAYOUT = { sizeof: 336, type: 0, buffer: 8, ne: 16, nb: 48, op: 80, name: 256, nameBytes: 64 } as const;
/** GGML_OP_COUNT of this ggml (static_assert in ggml.c); ggml_op_name indexes a table of this length. */
const GGML_OP_COUNT = 101;

export interface LlamaRuntime {
  koffi: Koffi;
  libraryPath: string;
  /** libggml: the backend registry (devices, backend loading). */
  ggmlPath: string;
  types: { modelParams: KoffiType; contextParams: KoffiType; batch: KoffiType; evalCallback: KoffiType; logCallback: KoffiType };
  /** GGML_OP_* values by name ("MUL", "ADD_ID", …), read from ggml_op_name: the enum shifts between releases. */
  opIds: ReadonlyMap<string, number>;
  fn: {
    modelDefaultParams: NativeFn;
    contextDefaultParams: NativeFn;
    modelLoadFromFile: NativeFn;
    modelFree: NativeFn;
    initFromModel: NativeFn;
    free: NativeFn;
    batchGetOne: NativeFn;
    decode: NativeFn;
    getMemory: NativeFn;
    memoryClear: NativeFn;
    modelNLayer: NativeFn;
    modelNEmbd: NativeFn;
    nCtx: NativeFn;
    nUbatch: NativeFn;
    /** ggml_backend_tensor_get(tensor, data, offset, size): works for any backend's buffer. */
    tensorGet: NativeFn;
    nbytes: NativeFn;
  };
}

/** offsetof() and sizeof() printed by a C program compiled against this release's llama.h. */
const EXPECTED_LAYOUT = {
  llama_model_params: { sizeof: 80, fields: { n_gpu_layers: 16, load_mode: 24, main_gpu: 32, kv_overrides: 64, vocab_only: 72, load_mtp: 77 } },
  llama_context_params: {
    sizeof: 160,
    fields: { n_batch: 4, n_ubatch: 8, n_threads: 28, n_threads_batch: 32, flash_attn_type: 52, cb_eval: 88, cb_eval_user_data: 96, type_k: 104, type_v: 108, embeddings: 128, samplers: 136, ctx_other: 152 },
  },
  llama_batch: { sizeof: 56, fields: { token: 8, pos: 24, logits: 48 } },
} as const;

let runtime: LlamaRuntime | undefined;

export function loadLlamaRuntime(): LlamaRuntime {
  if (runtime) return runtime;
  const lib: LlamaLib = loadLlama();
  const { koffi } = lib;
  const llama = koffi.load(lib.libraryPath);
  const ggml = koffi.load(lib.ggmlPath);
  const ggmlBase = koffi.load(loadGgmlBase().libraryPath);

  const modelParams = koffi.struct("oss_prep_llama_model_params", {
    devices: "void *", tensor_buft_overrides: "void *", n_gpu_layers: "int32_t", split_mode: "int", load_mode: "int", lazy_mode: "int",
    main_gpu: "int32_t", tensor_split: "void *", progress_callback: "void *", progress_callback_user_data: "void *", kv_overrides: "void *",
    vocab_only: "bool", check_tensors: "bool", use_extra_bufts: "bool", no_host: "bool", no_alloc: "bool", load_mtp: "bool",
  });
  const contextParams = koffi.struct("oss_prep_llama_context_params", {
    n_ctx: "uint32_t", n_batch: "uint32_t", n_ubatch: "uint32_t", n_seq_max: "uint32_t", n_rs_seq: "uint32_t", n_outputs_max: "uint32_t",
    n_outputs_max_per_seq: "uint32_t", n_threads: "int32_t", n_threads_batch: "int32_t", ctx_type: "int", rope_scaling_type: "int",
    pooling_type: "int", attention_type: "int", flash_attn_type: "int", rope_freq_base: "float", rope_freq_scale: "float",
    yarn_ext_factor: "float", yarn_attn_factor: "float", yarn_beta_fast: "float", yarn_beta_slow: "float", yarn_orig_ctx: "uint32_t",
    defrag_thold: "float", cb_eval: "void *", cb_eval_user_data: "void *", type_k: "int", type_v: "int", abort_callback: "void *",
    abort_callback_data: "void *", embeddings: "bool", offload_kqv: "bool", no_perf: "bool", op_offload: "bool", swa_full: "bool",
    kv_unified: "bool", samplers: "void *", n_samplers: "size_t", ctx_other: "void *",
  });
  const batch = koffi.struct("oss_prep_llama_batch", {
    n_tokens: "int32_t", token: "void *", embd: "void *", pos: "void *", n_seq_id: "void *", seq_id: "void *", logits: "void *",
  });
  const types = { llama_model_params: modelParams, llama_context_params: contextParams, llama_batch: batch };
  for (const [name, expected] of Object.entries(EXPECTED_LAYOUT)) {
    const type = types[name as keyof typeof types];
    const mismatches: string[] = [];
    if (koffi.sizeof(type) !== expected.sizeof) mismatches.push(`sizeof ${koffi.sizeof(type)}, expected ${expected.sizeof}`);
    for (const [field, offset] of Object.entries(expected.fields)) {
      const actual = koffi.offsetof(type, field);
      if (actual !== offset) mismatches.push(`${field} at ${actual}, expected ${offset}`);
    }
    if (mismatches.length > 0) {
      throw new EnvironmentError(`${lib.libraryPath}: struct ${name} is not laid out as this oss-prep expects (${mismatches.join("; ")}); the calibration engine supports node-llama-cpp's bundled llama.cpp v0.4.0`);
    }
  }

  // bool (*ggml_backend_sched_eval_callback)(struct ggml_tensor * t, bool ask, void * user_data)
  const evalCallback = koffi.proto("bool oss_prep_ggml_eval_callback(void *t, bool ask, void *user_data)");
  const opName = ggmlBase.func("const char *ggml_op_name(int op)") as (op: number) => string | null;
  const opIds = new Map<string, number>();
  for (let op = 0; op < GGML_OP_COUNT; op++) {
    const name = opName(op);
    if (name) opIds.set(name, op);
  }
  // GLU is this release's last op: anywhere else, the enum (and the table read above) is another ggml's
  if (opIds.get("GLU") !== GGML_OP_COUNT - 1) {
    throw new EnvironmentError(`${lib.ggmlPath}: ggml's op table is not the one of llama.cpp v0.4.0 (GLU at ${opIds.get("GLU")}); the calibration engine supports node-llama-cpp's bundled release`);
  }

  // GGML_BACKEND_DL build: no backend is linked in, ggml loads the best CPU variant (and any GPU
  // backend shipped beside it) from the bins folder. Once per process: when backends are already
  // registered (node-llama-cpp's addon, which shares these libraries, got here first) they are used
  // as they are — loading them a second time would register every device twice.
  const regCount = ggml.func("size_t ggml_backend_reg_count(void)") as () => number | bigint;
  if (Number(regCount()) === 0) {
    // ggml logs each backend it loads ("load_backend: loaded CPU backend from …") at info level:
    // quiet unless OSS_PREP_LLAMA_LOG asks, so a command's stderr stays its own
    const quiet = koffi.register((_level: number, text: string | null) => {
      if (process.env.OSS_PREP_LLAMA_LOG && text) process.stderr.write(text);
    }, koffi.pointer(lib.types.logCallback));
    const saved = new BigUint64Array(2);
    lib.logGet(saved.subarray(0, 1), saved.subarray(1, 2));
    lib.logSet(quiet, null);
    try {
      (ggml.func("void ggml_backend_load_all_from_path(const char *dir_path)") as (dir: string) => void)(lib.binsDir);
    } finally {
      lib.logSet(saved[0] === 0n ? null : saved[0], saved[1] === 0n ? null : saved[1]);
      koffi.unregister(quiet);
    }
    if (Number(regCount()) === 0) throw new EnvironmentError(`${lib.binsDir}: no ggml backend could be loaded for this machine`);
  }
  (llama.func("void llama_backend_init(void)") as () => void)();

  runtime = {
    koffi,
    libraryPath: lib.libraryPath,
    ggmlPath: lib.ggmlPath,
    types: { modelParams, contextParams, batch, evalCallback, logCallback: lib.types.logCallback },
    opIds,
    fn: {
      modelDefaultParams: llama.func("oss_prep_llama_model_params llama_model_default_params(void)"),
      contextDefaultParams: llama.func("oss_prep_llama_context_params llama_context_default_params(void)"),
      modelLoadFromFile: llama.func("void *llama_model_load_from_file(const char *path_model, oss_prep_llama_model_params params)"),
      modelFree: llama.func("void llama_model_free(void *model)"),
      initFromModel: llama.func("void *llama_init_from_model(void *model, oss_prep_llama_context_params params)"),
      free: llama.func("void llama_free(void *ctx)"),
      batchGetOne: llama.func("oss_prep_llama_batch llama_batch_get_one(void *tokens, int32_t n_tokens)"),
      decode: llama.func("int32_t llama_decode(void *ctx, oss_prep_llama_batch batch)"),
      getMemory: llama.func("void *llama_get_memory(void *ctx)"),
      memoryClear: llama.func("void llama_memory_clear(void *mem, bool data)"),
      modelNLayer: llama.func("int32_t llama_model_n_layer(void *model)"),
      modelNEmbd: llama.func("int32_t llama_model_n_embd(void *model)"),
      nCtx: llama.func("uint32_t llama_n_ctx(void *ctx)"),
      nUbatch: llama.func("uint32_t llama_n_ubatch(void *ctx)"),
      tensorGet: ggmlBase.func("void ggml_backend_tensor_get(void *tensor, void *data, size_t offset, size_t size)"),
      nbytes: ggmlBase.func("size_t ggml_nbytes(void *tensor)"),
    },
  };
  return runtime;
}
