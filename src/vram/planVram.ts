/**
 * An analytic estimate of the GPU memory llama.cpp needs to serve a GGUF: weights + KV cache +
 * compute buffers + the runtime's own overhead, per GPU, for llama.cpp's layer split. Works from
 * tensor names, shapes and types and the model's hyperparameters alone: no GPU, no weights.
 *
 * Every rule follows llama.cpp (release bundled in node-llama-cpp 3.21.1, commit 80fb11a):
 * - Placement (src/llama-model.cpp, load_tensors): the token embeddings stay in host memory; the
 *   n_layer repeating layers plus the output layer are split across the GPUs in proportion to their
 *   free memory (here: their capacity less the runtime overhead), layer il on the GPU where
 *   il / (n_layer + 1) falls; the output layer is the last "layer".
 * - Weight bytes (ggml-cuda.cu, get_alloc_size): ggml_nbytes, plus for a quantized tensor whose row
 *   length is not a multiple of 512 the bytes of the missing elements once, each tensor aligned to 128.
 * - KV cache (llama-kv-cache*.cpp): K and V in F16, n_kv_heads × head_dim each, per layer on that
 *   layer's GPU. Full-attention layers hold pad256(n_ctx) cells; sliding-window layers
 *   pad256(min(n_ctx, n_swa × n_seq + n_ubatch)) with a unified cache (llama-server's --kv-unified),
 *   pad256(min(n_ctx_seq, n_swa + n_ubatch)) per sequence otherwise (node-llama-cpp).
 * - Compute buffers (llama-context.cpp, sched_reserve; sizes fitted on what llama.cpp reports for
 *   gpt-oss-20b on H200, see docs/vram.md): activations of one ubatch, A = 14.09 × n_ubatch × n_embd × 4
 *   bytes, plus the graph inputs copied to the GPU — the KQ masks (F16, n_kv × n_ubatch for the full
 *   and the sliding cache), the input embeddings (n_ubatch × n_embd F32) and ≈ 3.9 kB per token of
 *   positions and indices — once on one GPU and 4 times on each GPU with several GPUs (pipeline
 *   parallelism keeps GGML_SCHED_MAX_COPIES = 4 copies of the inputs).
 * - Runtime overhead per GPU: the CUDA context, kernels, cuBLAS and the memory pool as they stand while
 *   serving, which no llama.cpp buffer accounts for: 709 MiB measured on H200 (597 MiB once the
 *   context exists, 112 more after the first batches). Pass another value for other cards or drivers.
 */
import { type GgmlType, ggmlBlockSize, ggmlTensorBytes, ggmlTypeSize } from "../formats/gguf/ggmlTypes.js";

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
  computeMiB: number;
  overheadMiB: number;
  totalMiB: number;
  headroomMiB: number;
  fits: boolean;
}

export interface VramPlan {
  gpus: VramPlanGpuEstimate[];
  /** Weights llama.cpp keeps in host memory (the token embeddings). */
  hostWeightsMiB: number;
  totalMiB: number;
  fits: boolean;
  settings: { ctx: number; parallel: number; kvUnified: boolean; ubatch: number; kvCells: { full: number; sliding: number; streams: number }; pipelineParallel: boolean };
}

const pad = (n: number, to: number) => Math.ceil(n / to) * to;

/** Bytes llama.cpp's CUDA buffer gives one tensor (before alignment). */
export function cudaTensorAllocBytes(tensor: VramPlanTensor, matrixRowPadding: number = VRAM_PLAN_DEFAULTS.matrixRowPadding): number {
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

export function planVram(params: {
  model: VramPlanModel;
  tensors: readonly VramPlanTensor[];
  gpus: readonly VramPlanGpu[];
  ctx: number;
  parallel: number;
  /** One KV cache shared by all sequences (llama-server --kv-unified, its default for auto slots); default true. */
  kvUnified?: boolean;
  ubatch?: number;
  runtimeOverheadMiB?: number;
}): VramPlan {
  const d = VRAM_PLAN_DEFAULTS;
  const { model, gpus } = params;
  const ubatch = params.ubatch ?? d.ubatch;
  const kvUnified = params.kvUnified ?? true;
  const overheadMiB = params.runtimeOverheadMiB ?? d.runtimeOverheadMiB;
  const nGpus = gpus.length;
  if (nGpus === 0) throw new RangeError("planVram: no GPU");

  // placement (free memory ≈ capacity less the overhead, the same on identical cards)
  const weights = gpus.map((g) => Math.max(1, g.memoryMiB - overheadMiB));
  const gpuOfLayer = (il: number) => layerGpu({ il, nLayers: model.nLayers, weights });
  const weightBytes = new Array<number>(nGpus).fill(0);
  let hostBytes = 0;
  for (const t of params.tensors) {
    const bytes = pad(cudaTensorAllocBytes(t), d.bufferAlignment);
    const m = /^blk\.(\d+)\./.exec(t.name);
    if (m) weightBytes[gpuOfLayer(Number(m[1]))] += bytes;
    else if (t.name.startsWith("token_embd.")) hostBytes += ggmlTensorBytes(t.type, t.shape);
    else weightBytes[gpuOfLayer(model.nLayers)] += bytes;
  }

  // KV cache
  const nCtx = pad(params.ctx * (kvUnified ? 1 : params.parallel), 256);
  const streams = kvUnified ? 1 : params.parallel;
  const fullCells = kvUnified ? nCtx : pad(nCtx / params.parallel, 256);
  const slidingCells = model.slidingWindow > 0 ? pad(Math.min(fullCells, model.slidingWindow * (kvUnified ? params.parallel : 1) + ubatch), 256) : fullCells;
  const cellBytes = model.nKvHeads * model.headDim * 2 /* K and V */ * 2; /* F16 */
  const kvBytes = new Array<number>(nGpus).fill(0);
  for (let il = 0; il < model.nLayers; il++) {
    const cells = model.slidingWindow > 0 && model.slidingLayers[il] ? slidingCells : fullCells;
    kvBytes[gpuOfLayer(il)] += cells * streams * cellBytes;
  }

  // compute buffers
  const pipelineParallel = nGpus > 1;
  const copies = pipelineParallel ? d.pipelineCopies : 1;
  const hasSliding = model.slidingWindow > 0 && model.slidingLayers.some(Boolean);
  const inputsPerCopy = fullCells * ubatch * 2 + (hasSliding ? slidingCells * ubatch * 2 : 0) + ubatch * model.nEmbd * 4 + ubatch * d.smallInputBytesPerToken;
  const activations = d.activationFactor * ubatch * model.nEmbd * 4;
  const computeBytes = activations + copies * inputsPerCopy;

  const estimates: VramPlanGpuEstimate[] = gpus.map((g, i) => {
    const layers: number[] = [];
    for (let il = 0; il < model.nLayers; il++) if (gpuOfLayer(il) === i) layers.push(il);
    const weightsMiB = weightBytes[i] / MIB;
    const kvMiB = kvBytes[i] / MIB;
    const computeMiB = computeBytes / MIB;
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
      overheadMiB,
      totalMiB,
      headroomMiB: g.memoryMiB - totalMiB,
      fits: totalMiB <= g.memoryMiB,
    };
  });
  return {
    gpus: estimates,
    hostWeightsMiB: hostBytes / MIB,
    totalMiB: estimates.reduce((s, e) => s + e.totalMiB, 0),
    fits: estimates.every((e) => e.fits),
    settings: { ctx: params.ctx, parallel: params.parallel, kvUnified, ubatch, kvCells: { full: fullCells, sliding: slidingCells, streams }, pipelineParallel },
  };
}
