/**
 * An analytic estimate of the memory llama.cpp needs to serve a GGUF: per GPU weights + KV cache +
 * compute buffers + the runtime's own overhead, for llama.cpp's layer split, and in host memory the
 * weights it keeps there (token embeddings; with `--n-cpu-moe N` the experts of the first N layers) and
 * its host-side buffers. Works from tensor names, shapes and types and the model's hyperparameters
 * alone: no GPU, no weights, no file read — cheap enough to call for every candidate of a search.
 *
 * Every rule follows llama.cpp (release bundled in node-llama-cpp 3.21.1, commit 80fb11a); docs/vram.md
 * gives the source lines:
 * - Placement (src/llama-model.cpp, load_tensors): the token embeddings stay in host memory; the
 *   n_layer repeating layers plus the output layer are split across the GPUs in proportion to their
 *   free memory (here: their capacity less the runtime overhead), layer il on the GPU where
 *   il / (n_layer + 1) falls; the output layer is the last "layer".
 * - Experts on the CPU (`--n-cpu-moe N`, common/arg.cpp): tensors matching
 *   `blk\.<i>\.ffn_(up|down|gate|gate_up)_(ch|)exps` for i < N — the weights and the biases of the
 *   layer's experts — get a host buffer type instead of their layer's GPU (src/llama-model-loader.cpp,
 *   create_tensor); the rest of the layer, its KV cache included, stays on its GPU. The layer split is
 *   unchanged. Host buffer: see hostModelBufferBytes.ts (mmap: the file span, CPU_Mapped; otherwise the
 *   pinned CUDA_Host buffer).
 * - Weight bytes on a GPU (ggml-cuda.cu, get_alloc_size): ggml_nbytes, plus for a quantized tensor whose
 *   row length is not a multiple of 512 the bytes of the missing elements once, each tensor aligned to 128.
 * - KV cache (llama-kv-cache*.cpp): K and V of n_kv_heads × head_dim per cell, in the cache type (F16
 *   unless --cache-type-k/-v), per layer on that layer's GPU. Full-attention layers hold pad256(n_ctx)
 *   cells; sliding-window layers pad256(min(n_ctx, n_swa × n_seq + n_ubatch)) with a unified cache
 *   (llama-server's --kv-unified), pad256(min(n_ctx_seq, n_swa + n_ubatch)) per sequence otherwise.
 * - Compute buffers (llama-context.cpp, sched_reserve; sizes fitted on what llama.cpp reports for
 *   gpt-oss-20b on H200, see docs/vram.md): activations of one ubatch, A = 14.09 × n_ubatch × n_embd × 4
 *   bytes, plus the graph inputs copied to the GPU — the KQ masks (F16, n_kv × n_ubatch for the full
 *   and the sliding cache), the input embeddings (n_ubatch × n_embd F32) and ≈ 3.9 kB per token of
 *   positions and indices — once on one GPU and 4 times on each GPU with several GPUs (pipeline
 *   parallelism keeps GGML_SCHED_MAX_COPIES = 4 copies of the inputs; llama.cpp turns it off when any
 *   tensor override is set, so with experts on the CPU there is one copy).
 *   With experts on the CPU, a prompt ubatch (≥ 32 tokens, ggml-cuda's op_offload_min_batch_size) runs
 *   their matrix products on the first GPU anyway (ggml-backend.cpp, the scheduler's "1.off" rule), which
 *   copies the whole expert tensor into that GPU's compute buffer: GPU 0's buffer grows by the largest
 *   such tensor less the activations already freed when it runs (fitted on an H100). A quantized KV
 *   cache adds the F16 copies of K and V the flash-attention kernels make for a prompt ubatch
 *   (ggml-cuda/fattn.cu, ggml_cuda_flash_attn_ext_get_alloc_size) on each GPU with a full-attention layer.
 * - Host compute and output buffers (CUDA_Host, pinned): the graph inputs, which live on the CPU backend
 *   (the KQ masks, once per input copy, and 2 × n_ubatch × n_embd × 4 bytes of embeddings; fitted), and
 *   the logits of n_seq outputs (n_vocab × 4 bytes each, llama_context::output_reserve).
 * - Runtime overhead per GPU: the CUDA context, kernels, cuBLAS and the memory pool as they stand while
 *   serving, which no llama.cpp buffer accounts for: 709 MiB measured on H200 (597 MiB once the
 *   context exists, 112 more after the first batches). Pass another value for other cards or drivers.
 */
import { type GgmlType, ggmlBlockSize, ggmlTensorBytes, ggmlTypeFromName, ggmlTypeSize } from "../formats/gguf/ggmlTypes.js";
import { cpuMoeOverridePatterns } from "./cpuMoeOverridePatterns.js";
import { HOST_BUFFER_ALIGNMENT, hostModelBufferBytes } from "./hostModelBufferBytes.js";
import type { KvCacheTypeName } from "./kvCacheTypes.js";

export const MIB = 1024 * 1024;

/** Defaults measured or read in llama.cpp; docs/vram.md says where each comes from. */
export const VRAM_PLAN_DEFAULTS = {
  ubatch: 512,
  /** CUDA context + kernels + cuBLAS + pool while serving, per GPU (H200, driver 580, CUDA 13). */
  runtimeOverheadMiB: 709,
  /** Live f32 activations of one ubatch, in units of n_ubatch × n_embd × 4 bytes (fitted). */
  activationFactor: 14.09,
  /** Positions, output ids and other small graph inputs, per ubatch token (fitted). */
  smallInputBytesPerToken: 3870,
  /** GGML_SCHED_MAX_COPIES: input copies kept for pipeline parallelism with several GPUs. */
  pipelineCopies: 4,
  matrixRowPadding: 512,
  bufferAlignment: 128,
  /** GGUF data alignment (general.alignment's default): where tensors lie when the file is not at hand. */
  ggufAlignment: 32,
  /** Host (CUDA_Host) compute buffer beyond the masks and 2 × n_ubatch × n_embd × 4 bytes (fitted, MiB). */
  hostComputeExtraMiB: 0.02,
  /**
   * With experts on the CPU, GPU 0's compute buffer is the all-GPU one plus the copy of an expert tensor
   * less the activations already freed when that product runs: 3.711 × n_ubatch × n_embd × 4 bytes
   * (20.87 MiB for gpt-oss), fitted on llama.cpp's reports on an H100 (docs/vram.md).
   */
  expertCopySlackFactor: 3.711,
} as const;

export interface VramPlanModel {
  nLayers: number;
  nEmbd: number;
  nKvHeads: number;
  headDim: number;
  /** 0 when the model has no sliding-window attention. */
  slidingWindow: number;
  slidingLayers: boolean[];
}

export interface VramPlanTensor {
  name: string;
  /** ggml order (ne0 first). */
  shape: readonly number[];
  type: GgmlType;
  /**
   * Offset of the tensor's data in the GGUF's data section (a GGUF header gives it). Absent: the
   * tensors are taken as written in the order given, each aligned to 32 bytes, as oss-prep and
   * llama.cpp write them. Only the mmap host buffer's span depends on it.
   */
  offset?: number;
}

export interface VramPlanGpu {
  label: string;
  memoryMiB: number;
}

export interface VramPlanGpuEstimate {
  gpu: number;
  label: string;
  capacityMiB: number;
  /** Repeating layers on this GPU (first, last), and whether it holds the output layer. */
  layers: [number, number] | null;
  outputLayer: boolean;
  weightsMiB: number;
  kvMiB: number;
  /** Compute buffer, including expertCopyMiB and flashAttentionF16MiB. */
  computeMiB: number;
  /**
   * Part of computeMiB: what the copy of a CPU-resident expert tensor (made for a prompt batch's product
   * on this GPU) adds: the tensor less the activations freed by then.
   */
  expertCopyMiB: number;
  /** Part of computeMiB: F16 copies of a quantized KV cache for flash attention. */
  flashAttentionF16MiB: number;
  overheadMiB: number;
  totalMiB: number;
  headroomMiB: number;
  fits: boolean;
}

/** What llama.cpp keeps in host memory. */
export interface VramPlanHost {
  /** Layers whose experts stay in host memory: [0, N − 1], or null. */
  expertLayers: [number, number] | null;
  /** Token embeddings (always on the host: llama.cpp's input layer is the CPU). */
  tokenEmbeddingsMiB: number;
  /** Expert weights and biases of the `--n-cpu-moe` layers. */
  expertsMiB: number;
  /** tokenEmbeddingsMiB + expertsMiB: the weights that must be in RAM while serving. */
  weightsMiB: number;
  /**
   * The model buffer llama.cpp reports for them: with mmap, CPU_Mapped, the span of the file from the
   * first to the last host tensor (tensors of the GPUs in between included; those pages are read once
   * while loading and then only page cache); without mmap, CUDA_Host, pinned memory holding exactly them.
   */
  modelBuffer: { name: "CPU_Mapped" | "CUDA_Host"; MiB: number };
  /** CUDA_Host compute buffer (graph inputs; fitted). */
  computeMiB: number;
  /** CUDA_Host output buffer (logits). */
  outputMiB: number;
  /** weightsMiB + computeMiB + outputMiB: RAM the runtime needs beyond its own process. */
  requiredMiB: number;
}

export interface VramPlanSettings {
  ctx: number;
  parallel: number;
  kvUnified: boolean;
  ubatch: number;
  kvCells: { full: number; sliding: number; streams: number };
  pipelineParallel: boolean;
  /** llama.cpp's --n-cpu-moe (0: every expert on its layer's GPU). */
  cpuMoeLayers: number;
  cacheTypeK: KvCacheTypeName;
  cacheTypeV: KvCacheTypeName;
  mmap: boolean;
  /** llama.cpp's --tensor-split, when the plan was made with one. */
  tensorSplit?: readonly number[];
}

export interface VramPlan {
  gpus: VramPlanGpuEstimate[];
  /** Weights llama.cpp keeps in host memory (host.weightsMiB: the token embeddings and the CPU layers' experts). */
  hostWeightsMiB: number;
  host: VramPlanHost;
  /** Sum over the GPUs. */
  totalMiB: number;
  fits: boolean;
  settings: VramPlanSettings;
}

export interface PlanVramParams {
  model: VramPlanModel;
  tensors: readonly VramPlanTensor[];
  gpus: readonly VramPlanGpu[];
  /** KV cache size in tokens (llama-server's -c; per sequence when kvUnified is false). */
  ctx: number;
  parallel: number;
  /** One KV cache shared by all sequences (llama-server --kv-unified, its default for auto slots); default true. */
  kvUnified?: boolean;
  ubatch?: number;
  runtimeOverheadMiB?: number;
  /**
   * llama.cpp's --tensor-split (-ts): the share of layers each GPU gets, any scale. Default: free memory
   * (capacity less the overhead), as llama.cpp splits without -ts.
   */
  tensorSplit?: readonly number[];
  /** llama.cpp's --n-cpu-moe N: the experts of layers 0…N − 1 stay in host memory (default 0; ≥ n_layer is --cpu-moe). */
  cpuMoeLayers?: number;
  /** --cache-type-k / --cache-type-v (default f16; a quantized V needs flash attention, which the plan assumes). */
  cacheTypeK?: KvCacheTypeName;
  cacheTypeV?: KvCacheTypeName;
  /** The GGUF is memory-mapped (llama.cpp's default); false for --no-mmap. Default true. */
  mmap?: boolean;
}

const pad = (n: number, to: number) => Math.ceil(n / to) * to;

/** Bytes llama.cpp's CUDA buffer gives one tensor (before alignment). */
export function cudaTensorAllocBytes(tensor: Pick<VramPlanTensor, "shape" | "type"> & { name?: string }, matrixRowPadding: number = VRAM_PLAN_DEFAULTS.matrixRowPadding): number {
  let bytes = ggmlTensorBytes(tensor.type, tensor.shape);
  const ne0 = tensor.shape[0] ?? 1;
  if (ggmlBlockSize(tensor.type) > 1 && ne0 % matrixRowPadding !== 0) {
    bytes += Math.floor((ggmlTypeSize(tensor.type) * (matrixRowPadding - (ne0 % matrixRowPadding))) / ggmlBlockSize(tensor.type));
  }
  return bytes;
}

/** The GPU index llama.cpp gives layer `il` (il = n_layer is the output layer), splits by capacity. */
export function layerGpu(params: { il: number; nLayers: number; weights: readonly number[] }): number {
  const sum = params.weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const bounds = params.weights.map((w) => {
    acc += w;
    return acc / sum;
  });
  const x = params.il / (params.nLayers + 1);
  // std::upper_bound: the first split point greater than x
  const i = bounds.findIndex((b) => b > x);
  return i === -1 ? params.weights.length - 1 : i;
}

function kvType(name: KvCacheTypeName): GgmlType {
  const type = ggmlTypeFromName(name);
  if (type === undefined) throw new RangeError(`planVram: unknown KV cache type ${name}`);
  return type;
}

export function planVram(params: PlanVramParams): VramPlan {
  const d = VRAM_PLAN_DEFAULTS;
  const { model, gpus } = params;
  const ubatch = params.ubatch ?? d.ubatch;
  const kvUnified = params.kvUnified ?? true;
  const overheadMiB = params.runtimeOverheadMiB ?? d.runtimeOverheadMiB;
  const mmap = params.mmap ?? true;
  const cacheTypeK = params.cacheTypeK ?? "f16";
  const cacheTypeV = params.cacheTypeV ?? "f16";
  const cpuMoeLayers = params.cpuMoeLayers ?? 0;
  if (!Number.isInteger(cpuMoeLayers) || cpuMoeLayers < 0) throw new RangeError(`planVram: cpuMoeLayers must be a non-negative integer, got ${cpuMoeLayers}`);
  const nGpus = gpus.length;
  if (nGpus === 0) throw new RangeError("planVram: no GPU");

  // placement (free memory ≈ capacity less the overhead, the same on identical cards)
  if (params.tensorSplit && (params.tensorSplit.length !== gpus.length || params.tensorSplit.some((w) => !(w >= 0)) || params.tensorSplit.every((w) => w === 0))) {
    throw new RangeError(`planVram: tensorSplit needs one non-negative share per GPU (${gpus.length}), not all 0`);
  }
  const weights = params.tensorSplit ? [...params.tensorSplit] : gpus.map((g) => Math.max(1, g.memoryMiB - overheadMiB));
  const gpuOfLayer = (il: number) => layerGpu({ il, nLayers: model.nLayers, weights });
  // patterns for layers that do not exist match nothing, as in llama.cpp
  const cpuPatterns = cpuMoeOverridePatterns(Math.min(cpuMoeLayers, model.nLayers));
  const weightBytes = new Array<number>(nGpus).fill(0);
  const hostTensors: Array<{ offset: number; bytes: number }> = [];
  let embeddingBytes = 0;
  let expertBytes = 0;
  let largestExpertCopy = 0;
  let nVocab = 0;
  let offset = 0;
  for (const t of params.tensors) {
    const nbytes = ggmlTensorBytes(t.type, t.shape);
    const at = t.offset ?? pad(offset, d.ggufAlignment);
    offset = at + nbytes;
    if (t.name.startsWith("token_embd.")) {
      // the input layer is always the CPU (load_tensors: dev_input = cpu_dev)
      embeddingBytes += nbytes;
      hostTensors.push({ offset: at, bytes: nbytes });
      nVocab = Math.max(nVocab, t.shape[1] ?? 0);
      continue;
    }
    if (t.name.startsWith("output.")) nVocab = Math.max(nVocab, t.shape[1] ?? 0);
    if (cpuPatterns.length > 0 && cpuPatterns.some((p) => p.test(t.name))) {
      expertBytes += nbytes;
      hostTensors.push({ offset: at, bytes: nbytes });
      // the scheduler's copy on the GPU: a tensor of the same layout in a CUDA buffer
      largestExpertCopy = Math.max(largestExpertCopy, pad(cudaTensorAllocBytes(t), d.bufferAlignment));
      continue;
    }
    const bytes = pad(cudaTensorAllocBytes(t), d.bufferAlignment);
    const m = /^blk\.(\d+)\./.exec(t.name);
    weightBytes[gpuOfLayer(m ? Number(m[1]) : model.nLayers)] += bytes;
  }

  // KV cache
  const nCtx = pad(params.ctx * (kvUnified ? 1 : params.parallel), 256);
  const streams = kvUnified ? 1 : params.parallel;
  const fullCells = kvUnified ? nCtx : pad(nCtx / params.parallel, 256);
  const slidingCells = model.slidingWindow > 0 ? pad(Math.min(fullCells, model.slidingWindow * (kvUnified ? params.parallel : 1) + ubatch), 256) : fullCells;
  const nEmbdGqa = model.nKvHeads * model.headDim;
  const typeK = kvType(cacheTypeK);
  const typeV = kvType(cacheTypeV);
  // one K and one V tensor per layer, [n_embd_k_gqa, kv_size, n_stream], each allocated in the GPU's buffer
  const kvTensorBytes = (cells: number) =>
    pad(cudaTensorAllocBytes({ shape: [nEmbdGqa, cells, streams], type: typeK }), d.bufferAlignment) +
    pad(cudaTensorAllocBytes({ shape: [nEmbdGqa, cells, streams], type: typeV }), d.bufferAlignment);
  const kvBytes = new Array<number>(nGpus).fill(0);
  const hasFullLayer = new Array<boolean>(nGpus).fill(false);
  for (let il = 0; il < model.nLayers; il++) {
    const sliding = model.slidingWindow > 0 && model.slidingLayers[il];
    kvBytes[gpuOfLayer(il)] += kvTensorBytes(sliding ? slidingCells : fullCells);
    if (!sliding) hasFullLayer[gpuOfLayer(il)] = true;
  }

  // compute buffers
  const pipelineParallel = nGpus > 1 && cpuMoeLayers === 0;
  const copies = pipelineParallel ? d.pipelineCopies : 1;
  const hasSliding = model.slidingWindow > 0 && model.slidingLayers.some(Boolean);
  const maskBytes = fullCells * ubatch * 2 + (hasSliding ? slidingCells * ubatch * 2 : 0);
  const inputsPerCopy = maskBytes + ubatch * model.nEmbd * 4 + ubatch * d.smallInputBytesPerToken;
  const activations = d.activationFactor * ubatch * model.nEmbd * 4;
  const computeBytes = activations + copies * inputsPerCopy;
  // flash attention on a quantized cache: F16 copies of the K and V views of a full-attention layer
  const f16Elements = nEmbdGqa * fullCells * streams;
  const flashAttentionF16 = (typeK !== kvType("f16") ? pad(f16Elements * 2, 128) : 0) + (typeV !== kvType("f16") ? pad(f16Elements * 2, 128) : 0);

  const estimates: VramPlanGpuEstimate[] = gpus.map((g, i) => {
    const layers: number[] = [];
    for (let il = 0; il < model.nLayers; il++) if (gpuOfLayer(il) === i) layers.push(il);
    const weightsMiB = weightBytes[i] / MIB;
    const kvMiB = kvBytes[i] / MIB;
    // op offload always picks the first backend that takes the op: GPU 0
    const expertCopyMiB = i === 0 && largestExpertCopy > 0 ? Math.max(0, largestExpertCopy - d.expertCopySlackFactor * ubatch * model.nEmbd * 4) / MIB : 0;
    const flashAttentionF16MiB = hasFullLayer[i] ? flashAttentionF16 / MIB : 0;
    const computeMiB = computeBytes / MIB + expertCopyMiB + flashAttentionF16MiB;
    const totalMiB = weightsMiB + kvMiB + computeMiB + overheadMiB;
    return {
      gpu: i,
      label: g.label,
      capacityMiB: g.memoryMiB,
      layers: layers.length ? [layers[0], layers[layers.length - 1]] : null,
      outputLayer: gpuOfLayer(model.nLayers) === i,
      weightsMiB,
      kvMiB,
      computeMiB,
      expertCopyMiB,
      flashAttentionF16MiB,
      overheadMiB,
      totalMiB,
      headroomMiB: g.memoryMiB - totalMiB,
      fits: totalMiB <= g.memoryMiB,
    };
  });

  const hostWeightsMiB = (embeddingBytes + expertBytes) / MIB;
  const hostComputeMiB = (copies * maskBytes + 2 * ubatch * model.nEmbd * 4) / MIB + d.hostComputeExtraMiB;
  // logits of n_seq_max outputs (output_reserve at context creation)
  const hostOutputMiB = pad(nVocab * 4 * params.parallel, HOST_BUFFER_ALIGNMENT) / MIB;
  const expertLayerCount = Math.min(cpuMoeLayers, model.nLayers);
  const host: VramPlanHost = {
    expertLayers: expertLayerCount > 0 ? [0, expertLayerCount - 1] : null,
    tokenEmbeddingsMiB: embeddingBytes / MIB,
    expertsMiB: expertBytes / MIB,
    weightsMiB: hostWeightsMiB,
    modelBuffer: { name: mmap ? "CPU_Mapped" : "CUDA_Host", MiB: hostModelBufferBytes({ tensors: hostTensors, mmap }) / MIB },
    computeMiB: hostComputeMiB,
    outputMiB: hostOutputMiB,
    requiredMiB: hostWeightsMiB + hostComputeMiB + hostOutputMiB,
  };
  return {
    gpus: estimates,
    hostWeightsMiB,
    host,
    totalMiB: estimates.reduce((s, e) => s + e.totalMiB, 0),
    fits: estimates.every((e) => e.fits),
    settings: {
      ctx: params.ctx,
      parallel: params.parallel,
      kvUnified,
      ubatch,
      kvCells: { full: fullCells, sliding: slidingCells, streams },
      pipelineParallel,
      cpuMoeLayers,
      cacheTypeK,
      cacheTypeV,
      mmap,
      ...(params.tensorSplit && { tensorSplit: [...params.tensorSplit] }),
    },
  };
}
