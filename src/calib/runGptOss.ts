import { InvalidInputError } from "../errors.js";
import { applyRope } from "./applyRope.js";
import { buildRopeTable } from "./buildRopeTable.js";
import { computeRopeFrequencies } from "./computeRopeFrequencies.js";
import { createPlainMatmulBackend } from "./createPlainMatmulBackend.js";
import type { GptOssHooks } from "./gptOssHooks.js";
import type { GptOssNumerics } from "./gptOssNumerics.js";
import { gptOssAttention } from "./gptOssAttention.js";
import { addMoeOutput } from "./gptOssMoe.js";
import type { GptOssWeightProvider } from "./gptOssWeights.js";
import type { MatmulBackend, MatmulBiasParams } from "./matmulBackend.js";
import { openGptOssWeights } from "./openGptOssWeights.js";
import { rmsNorm } from "./rmsNorm.js";
import { routeTopK } from "./routeTopK.js";

export interface CalibProgress {
  /** "forward": the llama.cpp engine, which runs all layers per ubatch (done/total count tokens). */
  phase: "attention" | "experts" | "logits" | "forward";
  /** Layer being run (nLayers for the logits phase). */
  layer: number;
  nLayers: number;
  /** Within the phase: sequences batches, experts, or vocabulary chunks done / total. */
  done: number;
  total: number;
  /** A line for humans (the llama.cpp engine's tokens/s and ETA). */
  detail?: string;
}

export interface RunGptOssParams {
  /** Checkpoint folder; or pass `weights` (e.g. a wrapper with AWQ scales folded in). */
  dir?: string;
  weights?: GptOssWeightProvider;
  /** Token id sequences; each is attended on its own (positions restart at 0). */
  sequences: ArrayLike<number>[];
  /** Default: the plain TypeScript backend. The caller disposes a backend it passes. */
  backend?: MatmulBackend;
  hooks?: GptOssHooks;
  /** Logits to return per sequence: every position, the last one, or none (default: calibration needs none). */
  logits?: "all" | "last" | "none";
  /** Attention runs on batches of whole sequences of at most this many tokens (one longer sequence forms its own batch). Default 8192. */
  maxBatchTokens?: number;
  /** At most this many routed tokens per expert product (bounds the [tokens, 2·ffn] intermediate). Default 8192. */
  expertChunkTokens?: number;
  /** lm_head rows per product (bounds the f32 copy of the head). Default 16384. */
  vocabChunk?: number;
  /**
   * How the experts compute. "bf16" (default) as transformers runs the dequantized MXFP4 checkpoint:
   * `convert_moe_packed_tensors` leaves the expert weights in bfloat16, so the expert input is cast to
   * bf16 and every expert op (matmul with f32 accumulation, bias add, each SwiGLU op) rounds to bf16;
   * the routing-weighted sum and everything outside the experts stay float32. "f32" keeps the experts in
   * float32 too (the weights are exact either way: every MXFP4 value is a bf16 value).
   */
  expertPrecision?: "bf16" | "f32";
  /**
   * "fast" (default, for calibration) or "transformers": round op by op as transformers 5.x does on
   * CUDA (float32 model, dequantized MXFP4 experts in bf16, grouped_mm experts) and combine each token's
   * k expert outputs the way it does — summed in float32 in slot order, then added to the residual —
   * at the cost of k·tokens·hidden more floats. For comparisons with transformers' logits; see
   * GptOssNumerics. Requires bf16 expert precision.
   */
  numerics?: GptOssNumerics;
  /** Query positions per attention block (see gptOssAttention). Default 256. */
  queryBlock?: number;
  onProgress?: (progress: CalibProgress) => void;
}

export interface RunGptOssResult {
  /** Sequence s holds global tokens [sequenceOffsets[s], sequenceOffsets[s + 1]). */
  sequenceOffsets: Int32Array;
  /** Per sequence, row-major [rows, vocab]: rows = its length ("all"), 1 ("last") or 0 ("none"). */
  logits: Float32Array[];
  /** Wall seconds per phase, summed over layers (reading/dequantizing weights included where it happens). */
  seconds: { embedding: number; attention: number; router: number; experts: number; logits: number };
}

/**
 * The gpt-oss forward pass of transformers' GptOssForCausalLM (eager attention, float32), run layer by
 * layer over all calibration sequences: memory holds the residual stream and the MoE input of every
 * token (2 · tokens · hidden floats), one layer's attention and router weights, and one expert at a
 * time — dequantized when the engine reaches it and only applied to the tokens routed to it.
 * Matrix products go through `backend`; hooks observe every linear's input, the routing and the
 * experts' outputs (see GptOssHooks).
 */
export async function runGptOss(params: RunGptOssParams): Promise<RunGptOssResult> {
  if ((params.dir === undefined) === (params.weights === undefined)) {
    throw new TypeError("runGptOss: pass exactly one of dir and weights");
  }
  const weights = params.weights ?? (await openGptOssWeights({ dir: params.dir! }));
  const backend = params.backend ?? createPlainMatmulBackend();
  try {
    return await forward({ ...params, weights, backend });
  } finally {
    if (params.weights === undefined) await weights.close();
    if (params.backend === undefined) await backend.dispose();
  }
}

async function forward(
  params: RunGptOssParams & { weights: GptOssWeightProvider; backend: MatmulBackend },
): Promise<RunGptOssResult> {
  const { weights, backend, hooks = {}, sequences } = params;
  const config = weights.config;
  const { hidden, nHeads, nKvHeads, headDim, nExperts, nExpertsUsed: topK, nLayers } = config;
  const eps = config.rmsNormEps;
  const maxBatchTokens = params.maxBatchTokens ?? 8192;
  const expertChunkTokens = params.expertChunkTokens ?? 8192;
  const vocabChunk = params.vocabChunk ?? 16384;
  const progress = params.onProgress ?? (() => {});
  const precision = params.expertPrecision ?? "bf16";
  const numerics = params.numerics ?? "fast";
  const torch = numerics === "transformers";
  const seconds = { embedding: 0, attention: 0, router: 0, experts: 0, logits: 0 };
  const where = params.dir ?? "runGptOss";

  if (sequences.length === 0) throw new InvalidInputError(where, "no sequences to run", "sequences");
  if (torch && precision !== "bf16") {
    throw new InvalidInputError(where, 'numerics "transformers" runs the experts in bf16, as transformers does; expertPrecision "f32" contradicts it', "expertPrecision");
  }
  const sequenceOffsets = new Int32Array(sequences.length + 1);
  sequences.forEach((s, i) => {
    if (s.length === 0) throw new InvalidInputError(where, "empty sequence", `sequences[${i}]`);
    sequenceOffsets[i + 1] = sequenceOffsets[i] + s.length;
  });
  const tokens = sequenceOffsets[sequences.length];
  const maxLength = Math.max(...sequences.map((s) => s.length));
  const rope = buildRopeTable({ frequencies: computeRopeFrequencies({ rope: config.rope, headDim }), length: maxLength });

  let t0 = performance.now();
  const allIds = new Int32Array(tokens);
  sequences.forEach((s, i) => { allIds.set(Array.from(s), sequenceOffsets[i]); });
  /** The residual stream, [tokens, hidden]. */
  const residual = await weights.embeddingRows(allIds);
  seconds.embedding += (performance.now() - t0) / 1000;

  const batches = sequenceBatches(sequenceOffsets, maxBatchTokens);
  const qWidth = nHeads * headDim;
  const kvWidth = nKvHeads * headDim;

  for (let layer = 0; layer < nLayers; layer++) {
    t0 = performance.now();
    const lw = await weights.layer(layer);
    const window = config.slidingLayers[layer] ? config.slidingWindow : 0;
    const att = lw.attention;
    for (let b = 0; b < batches.length; b++) {
      progress({ phase: "attention", layer, nLayers, done: b, total: batches.length });
      const [first, last] = batches[b];
      const offset = sequenceOffsets[first];
      const rows = sequenceOffsets[last] - offset;
      const x = residual.subarray(offset * hidden, (offset + rows) * hidden);
      const attnInput = rmsNorm({ x, rows, weight: lw.inputNorm, eps, numerics });
      const q = await linear(backend, { x: attnInput, n: rows, k: hidden, weight: att.qWeight, m: qWidth, bias: att.qBias }, torch);
      const k = await linear(backend, { x: attnInput, n: rows, k: hidden, weight: att.kWeight, m: kvWidth, bias: att.kBias }, torch);
      const v = await linear(backend, { x: attnInput, n: rows, k: hidden, weight: att.vWeight, m: kvWidth, bias: att.vBias }, torch);
      const oProjInput = new Float32Array(rows * qWidth);
      for (let s = first; s < last; s++) {
        const start = sequenceOffsets[s] - offset;
        const length = sequenceOffsets[s + 1] - sequenceOffsets[s];
        const qs = q.subarray(start * qWidth, (start + length) * qWidth);
        const ks = k.subarray(start * kvWidth, (start + length) * kvWidth);
        applyRope({ x: qs, rows: length, nHeads, headDim, table: rope, torchRounding: torch });
        applyRope({ x: ks, rows: length, nHeads: nKvHeads, headDim, table: rope, torchRounding: torch });
        const context = await gptOssAttention({
          q: qs,
          k: ks,
          v: v.subarray(start * kvWidth, (start + length) * kvWidth),
          length,
          nHeads,
          nKvHeads,
          headDim,
          sinks: att.sinks,
          slidingWindow: window,
          backend,
          queryBlock: params.queryBlock,
          numerics,
        });
        oProjInput.set(context, start * qWidth);
      }
      await hooks.onAttention?.({ layer, tokenOffset: offset, rows, attnInput, oProjInput });
      const o = await linear(backend, { x: oProjInput, n: rows, k: qWidth, weight: att.oWeight, m: hidden, bias: att.oBias }, torch);
      for (let i = 0; i < o.length; i++) x[i] += o[i];
    }
    seconds.attention += (performance.now() - t0) / 1000;

    t0 = performance.now();
    const mlpInput = rmsNorm({ x: residual, rows: tokens, weight: lw.postAttentionNorm, eps, numerics });
    const routerLogits = await linear(backend, { x: mlpInput, n: tokens, k: hidden, weight: lw.routerWeight, m: nExperts, bias: lw.routerBias }, torch);
    const { topkIdx, topkWeights } = routeTopK({ logits: routerLogits, tokens, nExperts, k: topK, torchRounding: torch });
    await hooks.onRouting?.({ layer, tokens, tokenOffset: 0, sequenceOffsets, mlpInput, routerLogits, topkIdx, topkWeights });
    seconds.router += (performance.now() - t0) / 1000;

    t0 = performance.now();
    await addMoeOutput({
      weights,
      layer,
      backend,
      mlpInput,
      tokens,
      topkIdx,
      topkWeights,
      residual,
      precision,
      numerics,
      expertChunkTokens,
      hooks,
      onExpertStart: (expert) => progress({ phase: "experts", layer, nLayers, done: expert, total: nExperts }),
    });
    seconds.experts += (performance.now() - t0) / 1000;
    await hooks.onLayer?.({ layer, tokens, hidden: residual });
  }

  t0 = performance.now();
  const logits = await computeLogits({ mode: params.logits ?? "none", residual, sequenceOffsets, weights, backend, vocabChunk, eps, numerics, progress });
  seconds.logits += (performance.now() - t0) / 1000;
  return { sequenceOffsets, logits, seconds };
}

/**
 * A linear layer. With `torchRounding` the float32 product is rounded before the bias is added (one more
 * float32 rounding), as cuBLAS' epilogue adds the bias to its float32 accumulator.
 */
async function linear(backend: MatmulBackend, params: MatmulBiasParams, torchRounding: boolean): Promise<Float32Array> {
  if (!torchRounding || params.bias === undefined) return backend.matmulBias(params);
  const y = await backend.matmulBias({ ...params, bias: undefined });
  const { n, m, bias } = params;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) y[i * m + j] += bias[j];
  return y;
}

/** [first, last) sequence index ranges holding at most maxTokens tokens each (a longer sequence alone). */
function sequenceBatches(offsets: Int32Array, maxTokens: number): Array<[number, number]> {
  const batches: Array<[number, number]> = [];
  const n = offsets.length - 1;
  let first = 0;
  for (let s = 1; s <= n; s++) {
    if (s === n || offsets[s + 1] - offsets[first] > maxTokens) {
      batches.push([first, s]);
      first = s;
    }
  }
  return batches;
}

async function computeLogits(params: {
  mode: "all" | "last" | "none";
  residual: Float32Array;
  sequenceOffsets: Int32Array;
  weights: GptOssWeightProvider;
  backend: MatmulBackend;
  vocabChunk: number;
  eps: number;
  numerics: GptOssNumerics;
  progress: (p: CalibProgress) => void;
}): Promise<Float32Array[]> {
  const { mode, residual, sequenceOffsets, weights, backend, vocabChunk, eps, numerics } = params;
  const { hidden, vocabSize, nLayers } = weights.config;
  const nSequences = sequenceOffsets.length - 1;
  if (mode === "none") return Array.from({ length: nSequences }, () => new Float32Array(0));
  // The rows to project: every token, or each sequence's last.
  const rowTokens: number[] = [];
  const rowsPerSequence: number[] = [];
  for (let s = 0; s < nSequences; s++) {
    const [a, b] = [sequenceOffsets[s], sequenceOffsets[s + 1]];
    const chosen = mode === "all" ? Array.from({ length: b - a }, (_, i) => a + i) : [b - 1];
    rowTokens.push(...chosen);
    rowsPerSequence.push(chosen.length);
  }
  const n = rowTokens.length;
  const gathered = new Float32Array(n * hidden);
  rowTokens.forEach((t, i) => { gathered.set(residual.subarray(t * hidden, (t + 1) * hidden), i * hidden); });
  const normed = rmsNorm({ x: gathered, rows: n, weight: await weights.finalNorm(), eps, numerics });
  const all = new Float32Array(n * vocabSize);
  const nChunks = Math.ceil(vocabSize / vocabChunk);
  for (let c = 0; c < nChunks; c++) {
    params.progress({ phase: "logits", layer: nLayers, nLayers, done: c, total: nChunks });
    const start = c * vocabChunk;
    const end = Math.min(vocabSize, start + vocabChunk);
    const head = await weights.lmHeadRows(start, end);
    const part = await backend.matmulBias({ x: normed, n, k: hidden, weight: head, m: end - start });
    for (let i = 0; i < n; i++) all.set(part.subarray(i * (end - start), (i + 1) * (end - start)), i * vocabSize + start);
  }
  const out: Float32Array[] = [];
  let row = 0;
  for (const rows of rowsPerSequence) {
    out.push(all.slice(row * vocabSize, (row + rows) * vocabSize));
    row += rows;
  }
  return out;
}
