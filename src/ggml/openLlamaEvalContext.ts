/**
 * A llama.cpp model and context whose graph computation is observed tensor by tensor through the
 * scheduler's eval callback (llama_context_params.cb_eval): ggml asks, for every node of the graph,
 * whether the callback wants it (`ask`), computes the graph up to each wanted node, then hands it over.
 *
 * Choices that make what the callback sees predictable:
 * - n_batch = n_ubatch: one llama_decode is one ubatch is one graph, so a caller decoding ≤ n_ubatch
 *   tokens at a time sees every wanted tensor exactly once per call;
 * - flash attention pinned (AUTO is resolved per backend at context creation and changes the graph);
 * - F16 KV cache: a quantized cache makes this llama.cpp rotate V (Hadamard), so attention outputs would
 *   be observed in a rotated space;
 * - llama_decode runs synchronously on the JS thread. The callback then runs on that thread too: a
 *   decode on a worker thread would bounce every callback to the main thread (measured 2.6× slower).
 * Knows nothing about any model family: callers match tensors by name and op.
 */
import { EnvironmentError, InvalidInputError, OssPrepError } from "../errors.js";
import { loadLlama } from "./loadLlama.js";
import { GGML_TENSOR_LAYOUT as T, loadLlamaRuntime } from "./loadLlamaRuntime.js";

/** A computed tensor's header, read in place (no copy of the 336-byte struct). */
export interface GgmlTensorHeader {
  name: string;
  /** GGML_OP_* value (see LlamaEvalContext.opIds). */
  op: number;
  /** GGML_TYPE_* value: F32 0, F16 1, I32 26, BF16 30. */
  type: number;
  /** Elements per dimension, ne[0] contiguous-most. */
  ne: [number, number, number, number];
  /** Byte strides per dimension. */
  nb: [number, number, number, number];
}

export interface ObservedTensor {
  header: GgmlTensorHeader;
  /**
   * Copies the tensor's bytes (ggml_nbytes: for a strided view the span from its first to its last
   * element, to be indexed with nb) into `into` at its byteOffset, from whatever backend holds it.
   * Returns the byte count.
   */
  copyTo(into: ArrayBufferView): number;
  /** ggml_nbytes of the tensor. */
  nbytes: number;
}

export interface LlamaEvalObserver {
  /** Called for every node of every graph (~60 per layer): keep it cheap. */
  wants(name: string, op: number): boolean;
  /**
   * A wanted tensor, computed. Return false to stop computing this graph here (an early exit: the
   * rest of the ubatch's graph is skipped and llama_decode still returns 0). Must not throw for
   * control flow: an exception stops the graph and is rethrown by decode().
   */
  observe(tensor: ObservedTensor): boolean;
}

export interface OpenLlamaEvalContextParams {
  ggufPath: string;
  /** Context length: the longest sequence decoded. */
  nCtx: number;
  /** Tokens per graph (n_batch = n_ubatch). */
  nUbatch: number;
  /** CPU threads for decoding (n_threads = n_threads_batch). */
  threads: number;
  /**
   * Layers offloaded to a GPU backend when one is registered. Default −1, llama.cpp's "all layers": the
   * calibration forward runs on whatever backend the libraries provide (CPU here, CUDA where the CUDA
   * build loads) without a flag; a CPU-only build ignores it.
   */
  nGpuLayers?: number;
  /** Default true: faster on CPU (measured ~2× on the fixture) and what AUTO picks on most backends. */
  flashAttention?: boolean;
  /**
   * llama.cpp's repacked CPU weights (llama_model_params.use_extra_bufts, default true): a copy of the
   * weights in an interleaved layout in anonymous memory — at gpt-oss-20b's size ~10 GiB beside the
   * mapped file. false keeps the weights mapped only. OSS_PREP_LLAMA_REPACK=0 sets false.
   */
  repackWeights?: boolean;
  observer: LlamaEvalObserver;
}

export interface LlamaEvalContext {
  nLayer: number;
  nEmbd: number;
  nUbatch: number;
  opIds: ReadonlyMap<string, number>;
  /** Decodes tokens (at most nUbatch) continuing the current sequence; throws on a decode error or an observer exception. */
  decode(tokens: Int32Array): void;
  /** Forgets the KV cache: the next decode starts a new sequence at position 0. */
  clearMemory(): void;
  close(): void;
}

const GGML_TYPE_F16 = 1;
const LOG_ERROR = 4;
const LOG_CONT = 5;

export function openLlamaEvalContext(params: OpenLlamaEvalContextParams): LlamaEvalContext {
  const rt = loadLlamaRuntime();
  const { koffi, fn } = rt;
  const { observer, ggufPath } = params;

  // llama.cpp reports why a load failed only through its log: keep the errors for the message
  const errors: string[] = [];
  let lastLevel = 0;
  const verbose = Boolean(process.env.OSS_PREP_LLAMA_LOG);
  const logger = koffi.register((level: number, text: string | null) => {
    const effective = level === LOG_CONT ? lastLevel : level;
    if (level !== LOG_CONT) lastLevel = level;
    if (text === null) return;
    if (effective >= LOG_ERROR) errors.push(text);
    if (verbose) process.stderr.write(text);
  }, koffi.pointer(rt.types.logCallback));
  // llama_log_get/set as loadLlama bound them (loaded and cached by loadLlamaRuntime)
  const llamaLib = loadLlama();
  const savedLogger = new BigUint64Array(2);
  llamaLib.logGet(savedLogger.subarray(0, 1), savedLogger.subarray(1, 2));
  llamaLib.logSet(logger, null);
  const restoreLog = () => {
    llamaLib.logSet(savedLogger[0] === 0n ? null : savedLogger[0], savedLogger[1] === 0n ? null : savedLogger[1]);
    koffi.unregister(logger);
  };
  // llama.cpp's first error line is the cause; later ones repeat "failed to load model" up the call chain
  const llamaSays = () => errors.join("").split("\n").map((l) => l.trim().replace(/^\w+: (error loading model: )?/, "")).find(Boolean) ?? "";

  let callbackError: unknown;
  // header reads: a view on the tensor's struct, no copy; the name is ASCII (ggml_format_name)
  const headerBytes = (t: unknown) => new Uint8Array(koffi.view(t as never, T.sizeof) as ArrayBuffer);
  const readName = (bytes: Uint8Array) => {
    let end = T.name;
    while (end < T.name + T.nameBytes && bytes[end] !== 0) end++;
    return String.fromCharCode.apply(null, bytes.subarray(T.name, end) as unknown as number[]);
  };
  const callback = koffi.register((t: unknown, ask: boolean) => {
    // any exception escaping into C would abort the process: stop the graph and rethrow after decode
    try {
      if (callbackError !== undefined) return false;
      const bytes = headerBytes(t);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const op = view.getInt32(T.op, true);
      if (ask) return observer.wants(readName(bytes), op);
      const ne: GgmlTensorHeader["ne"] = [0, 0, 0, 0];
      const nb: GgmlTensorHeader["nb"] = [0, 0, 0, 0];
      for (let i = 0; i < 4; i++) {
        ne[i] = Number(view.getBigInt64(T.ne + 8 * i, true));
        nb[i] = Number(view.getBigUint64(T.nb + 8 * i, true));
      }
      const nbytes = Number(fn.nbytes(t));
      const header: GgmlTensorHeader = { name: readName(bytes), op, type: view.getInt32(T.type, true), ne, nb };
      return observer.observe({
        header,
        nbytes,
        copyTo(into) {
          if (into.byteLength < nbytes) throw new RangeError(`${header.name}: ${nbytes} bytes do not fit a ${into.byteLength}-byte buffer`);
          fn.tensorGet(t, into, 0, nbytes);
          return nbytes;
        },
      });
    } catch (error) {
      callbackError = error;
      return false;
    }
  }, koffi.pointer(rt.types.evalCallback));

  let model: unknown = null;
  let ctx: unknown = null;
  const close = () => {
    if (ctx) fn.free(ctx);
    if (model) fn.modelFree(model);
    ctx = null;
    model = null;
    koffi.unregister(callback);
    restoreLog();
  };
  try {
    const modelParams = fn.modelDefaultParams() as Record<string, unknown>;
    modelParams.n_gpu_layers = params.nGpuLayers ?? -1;
    modelParams.use_extra_bufts = params.repackWeights ?? process.env.OSS_PREP_LLAMA_REPACK !== "0";
    model = fn.modelLoadFromFile(ggufPath, modelParams);
    if (!model) {
      const why = llamaSays();
      throw new InvalidInputError(ggufPath, `llama.cpp cannot load this model${why ? ` (${why})` : ""}`);
    }
    const contextParams = fn.contextDefaultParams() as Record<string, unknown>;
    Object.assign(contextParams, {
      n_ctx: params.nCtx,
      n_batch: params.nUbatch,
      n_ubatch: params.nUbatch,
      n_seq_max: 1,
      n_threads: params.threads,
      n_threads_batch: params.threads,
      flash_attn_type: (params.flashAttention ?? true) ? 1 : 0,
      type_k: GGML_TYPE_F16,
      type_v: GGML_TYPE_F16,
      cb_eval: callback,
      cb_eval_user_data: null,
      embeddings: false,
      no_perf: true,
    });
    ctx = fn.initFromModel(model, contextParams);
    if (!ctx) {
      const why = llamaSays();
      throw new EnvironmentError(`${ggufPath}: llama.cpp cannot create a context (n_ctx ${params.nCtx}, n_ubatch ${params.nUbatch}, ${params.threads} threads)${why ? `: ${why}` : ""}`);
    }
  } catch (error) {
    close();
    throw error;
  }
  const nUbatch = Number(fn.nUbatch(ctx));
  const memory = fn.getMemory(ctx);
  return {
    nLayer: Number(fn.modelNLayer(model)),
    nEmbd: Number(fn.modelNEmbd(model)),
    nUbatch,
    opIds: rt.opIds,
    decode(tokens) {
      if (!ctx) throw new Error("openLlamaEvalContext: decode after close");
      if (tokens.length === 0 || tokens.length > nUbatch) throw new RangeError(`decode: ${tokens.length} tokens, expected 1..${nUbatch}`);
      callbackError = undefined;
      errors.length = 0;
      // the batch points into `tokens`, alive for the whole synchronous call
      const batch = fn.batchGetOne(tokens, tokens.length);
      const status = Number(fn.decode(ctx, batch));
      if (callbackError !== undefined) {
        const error = callbackError;
        callbackError = undefined;
        throw error;
      }
      if (status !== 0) {
        const why = llamaSays();
        throw new OssPrepError(`${ggufPath}: llama_decode failed with status ${status} on ${tokens.length} tokens${why ? `: ${why}` : ""}`);
      }
    },
    clearMemory() {
      if (ctx) fn.memoryClear(memory, true);
    },
    close,
  };
}
