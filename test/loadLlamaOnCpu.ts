/**
 * Loads a GGUF with node-llama-cpp's own libllama (through oss-prep's koffi bindings, src/ggml) on the
 * CPU, every layer on the CPU, with llama.cpp's tensor buffer-type overrides — what `--n-cpu-moe N` and
 * `-ot` set, which node-llama-cpp's API does not expose — and returns llama.cpp's whole log, debug lines
 * included: the model buffers it allocated ("CPU_Mapped model buffer size = …"), which tensors each
 * override matched ("tensor … buffer type overridden to …") and which weights it repacked.
 * A test helper: it loads the model, frees it, and keeps nothing.
 */
import { loadGgmlBase } from "../src/ggml/loadGgmlBase.js";
import { loadLlama } from "../src/ggml/loadLlama.js";
import { loadLlamaRuntime } from "../src/ggml/loadLlamaRuntime.js";

const GGML_BACKEND_DEVICE_TYPE_CPU = 0;
const LLAMA_LOAD_MODE_NONE = 0;
const LLAMA_LOAD_MODE_MMAP = 1;

export function loadLlamaOnCpu(params: {
  ggufPath: string;
  /** Map the file (llama.cpp's default) or read it into allocated buffers (--no-mmap). */
  mmap: boolean;
  /** Patterns searched in each tensor name (std::regex_search), each mapped to the CPU buffer type. */
  cpuOverridePatterns?: readonly string[];
}): { log: string[] } {
  const rt = loadLlamaRuntime();
  const lib = loadLlama();
  const { koffi, fn } = rt;
  const ggml = koffi.load(rt.ggmlPath);
  const ggmlBase = koffi.load(loadGgmlBase().libraryPath);
  const devByType = ggml.func("void *ggml_backend_dev_by_type(int type)") as (type: number) => unknown;
  const devBufferType = ggmlBase.func("void *ggml_backend_dev_buffer_type(void *dev)") as (dev: unknown) => unknown;
  const cpuBuft = koffi.address(devBufferType(devByType(GGML_BACKEND_DEVICE_TYPE_CPU))) as bigint;

  // whole lines: llama.cpp prints some in pieces (continuations, level CONT, carry no newline of their own)
  const log: string[] = [];
  let pending = "";
  const logger = koffi.register((_level: number, text: string | null) => {
    if (text === null) return;
    pending += text;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    log.push(...parts);
  }, koffi.pointer(rt.types.logCallback));
  const saved = new BigUint64Array(2);
  lib.logGet(saved.subarray(0, 1), saved.subarray(1, 2));
  lib.logSet(logger, null);

  // struct llama_model_tensor_buft_override { const char * pattern; ggml_backend_buffer_type_t buft; },
  // terminated by { NULL, NULL }
  const keep: Buffer[] = [];
  const patterns = params.cpuOverridePatterns ?? [];
  const overrides = Buffer.alloc(16 * (patterns.length + 1));
  patterns.forEach((pattern, i) => {
    const text = Buffer.from(`${pattern}\0`, "utf8");
    keep.push(text);
    overrides.writeBigUInt64LE(koffi.address(text) as bigint, 16 * i);
    overrides.writeBigUInt64LE(cpuBuft, 16 * i + 8);
  });
  let model: unknown = null;
  try {
    const modelParams = fn.modelDefaultParams() as Record<string, unknown>;
    modelParams.n_gpu_layers = 0;
    modelParams.load_mode = params.mmap ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE;
    modelParams.use_extra_bufts = true;
    if (patterns.length > 0) modelParams.tensor_buft_overrides = koffi.address(overrides);
    model = fn.modelLoadFromFile(params.ggufPath, modelParams);
    if (!model) throw new Error(`llama.cpp could not load ${params.ggufPath}:\n${log.slice(-10).join("\n")}`);
  } finally {
    if (model) fn.modelFree(model);
    if (pending) log.push(pending);
    lib.logSet(saved[0] === 0n ? null : saved[0], saved[1] === 0n ? null : saved[1]);
    koffi.unregister(logger);
    keep.length = 0;
  }
  return { log };
}
