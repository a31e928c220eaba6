/**
 * AWQ over a gpt-oss checkpoint with activations from llama.cpp's forward pass (runLlamaGptOss). That
 * engine is token-major — a ubatch goes through every layer — so the search cannot interleave with it
 * layer by layer as searchGptOssAwq does with the TypeScript engine. Instead, statistics first: one
 * pass accumulates, for a window of layers, everything the searches read (LinearInputStatistics of the
 * q/k/v input and of the o_proj input; with experts awq also the MoE input's Σ|x| and per expert its
 * gate_up and down_proj inputs) over all calibration tokens; then the same per-layer searches run on
 * them, with the weights from the checkpoint, and onLayer is called in layer order exactly as the
 * TypeScript driver calls it, so the writers are unchanged.
 *
 * Memory: the statistics stay float64 Grams (XᵀX, what searchAttentionAwq and the clip search take),
 * accumulated in layer windows sized from a memory budget, one forward pass per window that stops the
 * graph after the window's last layer. Per layer that is 8·(hidden² + (nHeads·headDim)²) bytes — 200 MB
 * at gpt-oss-20b size (4.8 GB for all 24 layers) — plus, with experts awq, up to
 * 8·nExperts·(hidden² + ffn²) = 4.2 GB once an expert has seen more tokens than its input width.
 * Float32 accumulators would halve that, but a float32 sum of ~16k rank-one updates loses 3–4 of its
 * ~7 digits, and the searches compare losses of candidates that differ far less than that; halving
 * memory halves only the number of passes, which cost a fraction of a full pass each (the graph stops
 * early) — measured on the fixture: a window of 2 of 8 layers takes 0.26× a full decode.
 */
import { totalmem } from "node:os";
import type { GptOssWeightProvider } from "../calib/gptOssWeights.js";
import { formatLlamaProgress } from "../calib/llama/formatLlamaProgress.js";
import { type LlamaCalibField, runLlamaGptOss } from "../calib/llama/runLlamaGptOss.js";
import { createGgmlMatmulBackend } from "../calib/createGgmlMatmulBackend.js";
import type { MatmulBackend } from "../calib/matmulBackend.js";
import { openGptOssWeights } from "../calib/openGptOssWeights.js";
import { accumulateExpertAwq } from "./accumulateExpertAwq.js";
import { addLinearInputRows } from "./addLinearInputRows.js";
import { attentionLayerOutputs } from "./attentionLayerOutputs.js";
import { createRowBatch } from "./createRowBatch.js";
import { type AttentionSearchPool, createAttentionSearchPool } from "./createAttentionSearchPool.js";
import { awqScaleCandidates } from "./awqScaleCandidates.js";
import type { AwqExpertPolicy, AwqLayerResult, AwqProgress, } from "./awqTypes.js";
import { finishGptOssMoeAwq, type MoeAwqState } from "./finishGptOssMoeAwq.js";
import { createLinearInputStatistics, type LinearInputStatistics } from "./linearInputStatistics.js";
import { type AttentionAwqObjective, type AttentionAwqResult, searchAttentionAwq } from "./searchAttentionAwq.js";

export interface SearchGptOssAwqFromStatisticsParams {
  dir: string;
  /** A GGUF of the same checkpoint (the converter's bf16 output). */
  ggufPath: string;
  /** CPU threads of llama.cpp's decode. */
  threads: number;
  sequences: number[][];
  groupSize: number;
  experts: AwqExpertPolicy;
  /** AWQ's clipping search after the scale search (default true). */
  clip?: boolean;
  /** The q/k/v scale search objective (searchAttentionAwq's default when absent). */
  attentionObjective?: AttentionAwqObjective;
  /** Rank of the Gram factor in the scale searches (awqScaleLosses; 0: exact). */
  gramRank?: number;
  backend: MatmulBackend;
  /** Bytes the accumulated statistics may take (default a quarter of the machine's memory). */
  memoryBudgetBytes?: number;
  /**
   * Worker threads for the layers' attention searches (createAttentionSearchPool; default the machine's
   * threads, at most 8; 1 searches in this thread). Experts awq searches in this thread.
   */
  searchWorkers?: number;
  /** Gram products on a GPU device of llama.cpp's backends when one is registered (default true). */
  gramsOnGpu?: boolean;
  /** llama.cpp's tokens per graph (default 512). */
  ubatch?: number;
  onLayer(result: AwqLayerResult): Promise<void>;
  onProgress?(progress: AwqProgress): void;
  /** Where the window plan goes. */
  log?: (message: string) => void;
  signal?: AbortSignal;
}

export interface SearchGptOssAwqFromStatisticsResult {
  tokens: number;
  seconds: { forward: number; search: number };
  /** Layers per forward pass. */
  windows: number[][];
}

interface LayerStatistics {
  attn: LinearInputStatistics;
  o: LinearInputStatistics;
  /** Σ|x| of the MoE input over all tokens (experts awq). */
  mlpSumAbs: Float64Array;
  routed: Int32Array;
  expertInput: Map<number, LinearInputStatistics>;
  expertDownInput: Map<number, LinearInputStatistics>;
}


export async function searchGptOssAwqFromStatistics(params: SearchGptOssAwqFromStatisticsParams): Promise<SearchGptOssAwqFromStatisticsResult> {
  const { backend, groupSize, signal } = params;
  const clip = params.clip ?? true;
  const weights = await openGptOssWeights({ dir: params.dir });
  let pool: AttentionSearchPool | undefined;
  let gpuGrams: MatmulBackend | undefined;
  try {
    const config = weights.config;
    const { hidden, expertFfn: ffn, nExperts, nLayers } = config;
    const oWidth = config.nHeads * config.headDim;
    const expertsAwq = params.experts === "awq";
    // the activation Grams on the GPU llama.cpp runs on, when there is one (createGgmlMatmulBackend)
    gpuGrams = params.gramsOnGpu === false ? undefined : createGgmlMatmulBackend({ device: "gpu" });
    const gramBackend = gpuGrams ?? backend;
    params.log?.(`awq statistics: Gram products on ${gramBackend.name}`);
    const batchRows = gpuGrams ? GPU_GRAM_BATCH_ROWS : 0;
    const bytesPerLayer = 8 * (hidden * hidden + oWidth * oWidth) + 4 * batchRows * (hidden + oWidth) + (expertsAwq ? 8 * nExperts * (hidden * hidden + ffn * ffn) : 0);
    const budget = params.memoryBudgetBytes ?? totalmem() / 4;
    const perWindow = Math.max(1, Math.min(nLayers, Math.floor(budget / bytesPerLayer)));
    const windows: number[][] = [];
    for (let first = 0; first < nLayers; first += perWindow) windows.push(Array.from({ length: Math.min(perWindow, nLayers - first) }, (_, i) => first + i));
    params.log?.(`awq statistics: ${(bytesPerLayer / 2 ** 20).toFixed(1)} MiB per layer at most, ${perWindow} layer(s) per llama.cpp pass, ${windows.length} pass(es)`);

    const tokens = params.sequences.reduce((n, s) => n + s.length, 0);
    let forwardSeconds = 0;
    let searchSeconds = 0;
    const workers = expertsAwq ? 1 : Math.min(params.searchWorkers ?? Math.min(8, params.threads), nLayers);
    pool = createAttentionSearchPool({ dir: params.dir, groupSize, clip, objective: params.attentionObjective, gramRank: params.gramRank, threads: Math.max(1, Math.floor(params.threads / workers)), workers });
    if (pool) params.log?.(`awq searches: ${pool.workers} worker threads`);
    for (const window of windows) {
      const stats = new Map<number, LayerStatistics>();
      for (const layer of window) {
        stats.set(layer, {
          attn: createLinearInputStatistics({ cols: hidden }),
          o: createLinearInputStatistics({ cols: oWidth }),
          mlpSumAbs: new Float64Array(expertsAwq ? hidden : 0),
          routed: new Int32Array(nExperts),
          expertInput: new Map(),
          expertDownInput: new Map(),
        });
      }
      // hook time is Gram products: counted as search, as in the TypeScript driver
      let hookSeconds = 0;
      const timed = async (fn: () => Promise<void>) => {
        const t0 = performance.now();
        await fn();
        hookSeconds += (performance.now() - t0) / 1000;
      };
      const omit: LlamaCalibField[] = expertsAwq ? ["routerLogits", "output"] : ["mlpInput", "routerLogits", "downInput", "output"];
      // on a GPU, rows are gathered into large products: each product's result is added to the float64
      // Gram on the host, and that addition (cols² per product) costs more than a 512-row product itself
      const batches = new Map(
        window.map((layer) => {
          const s = stats.get(layer)!;
          return [layer, { attn: createRowBatch({ stats: s.attn, rows: batchRows, backend: gramBackend }), o: createRowBatch({ stats: s.o, rows: batchRows, backend: gramBackend }) }] as const;
        }),
      );
      const t0 = performance.now();
      await runLlamaGptOss({
        ggufPath: params.ggufPath,
        sequences: params.sequences,
        threads: params.threads,
        ubatch: params.ubatch,
        layers: window,
        omit,
        signal,
        onProgress: (p) =>
          params.onProgress?.({ phase: "forward", layer: window[0], nLayers, detail: `layers ${window[0]}–${window[window.length - 1]}: ${formatLlamaProgress(p)}` }),
        hooks: {
          onAttention: (event) =>
            timed(async () => {
              const b = batches.get(event.layer)!;
              await b.attn.add(event.attnInput, event.rows);
              await b.o.add(event.oProjInput, event.rows);
            }),
          ...(expertsAwq && {
            onRouting(event) {
              const s = stats.get(event.layer)!;
              const x = event.mlpInput;
              for (let i = 0; i < event.tokens * hidden; i++) s.mlpSumAbs[i % hidden] += Math.abs(x[i]);
              for (const e of event.topkIdx) s.routed[e]++;
            },
            onExpert: (event) =>
              timed(async () => {
                const s = stats.get(event.layer)!;
                const e = event.expert;
                if (!s.expertInput.has(e)) {
                  s.expertInput.set(e, createLinearInputStatistics({ cols: hidden, keepRows: true }));
                  s.expertDownInput.set(e, createLinearInputStatistics({ cols: ffn, keepRows: true }));
                }
                await addLinearInputRows({ stats: s.expertInput.get(e)!, x: event.input, n: event.tokens.length, backend: gramBackend });
                await addLinearInputRows({ stats: s.expertDownInput.get(e)!, x: event.downInput, n: event.tokens.length, backend: gramBackend });
              }),
          }),
        },
      });
      for (const b of batches.values()) await timed(async () => {
        await b.attn.flush();
        await b.o.flush();
      });
      forwardSeconds += (performance.now() - t0) / 1000 - hookSeconds;
      searchSeconds += hookSeconds;

      if (pool) {
        searchSeconds += await searchWindowInPool({ pool, window, stats, onProgress: params.onProgress, onLayer: params.onLayer, nLayers, signal });
        continue;
      }
      for (const layer of window) {
        signal?.throwIfAborted();
        const t1 = performance.now();
        const result = await searchLayer({ layer, stats: stats.get(layer)!, weights, tokens, groupSize, clip, objective: params.attentionObjective, gramRank: params.gramRank, expertsAwq, backend, where: params.dir, signal });
        stats.delete(layer);
        const dt = (performance.now() - t1) / 1000;
        searchSeconds += dt;
        result.report.searchSeconds = dt;
        params.onProgress?.({ phase: "layer", layer, nLayers, report: result.report });
        await params.onLayer(result);
      }
    }
    return { tokens, seconds: { forward: forwardSeconds, search: searchSeconds }, windows };
  } finally {
    await pool?.close();
    await gpuGrams?.dispose();
    await weights.close();
  }
}

/** Rows per Gram product when the products run on a GPU (see createRowBatch). */
const GPU_GRAM_BATCH_ROWS = 8192;

/**
 * A window's attention searches in the pool, at most `workers` ahead of the layer being delivered (so
 * at most that many results wait in memory), delivered to onLayer in layer order. Returns the wall seconds.
 */
async function searchWindowInPool(params: {
  pool: AttentionSearchPool;
  window: number[];
  stats: Map<number, LayerStatistics>;
  nLayers: number;
  onLayer(result: AwqLayerResult): Promise<void>;
  onProgress?(progress: AwqProgress): void;
  signal?: AbortSignal;
}): Promise<number> {
  const { pool, window, stats } = params;
  const t0 = performance.now();
  const pending: Array<Promise<{ attention: AttentionAwqResult; seconds: number }>> = [];
  const dispatch = (upTo: number) => {
    while (pending.length < Math.min(window.length, upTo)) {
      const layer = window[pending.length];
      const s = stats.get(layer)!;
      stats.delete(layer);
      const job = pool.search({ layer, attnStats: s.attn, oStats: s.o });
      job.catch(() => {}); // awaited in order below; a failure is thrown there
      pending.push(job);
    }
  };
  dispatch(pool.workers);
  for (let i = 0; i < window.length; i++) {
    params.signal?.throwIfAborted();
    const layer = window[i];
    const { attention, seconds } = await pending[i];
    dispatch(i + 1 + pool.workers);
    const { linears, folded, scales, clipping } = attentionLayerOutputs({ layer, attention });
    const result: AwqLayerResult = { layer, linears, folded, scales: { qkv: attention.qkvScale, o: attention.oScale }, report: { layer, scales, clipping, searchSeconds: seconds } };
    params.onProgress?.({ phase: "layer", layer, nLayers: params.nLayers, report: result.report });
    await params.onLayer(result);
  }
  return (performance.now() - t0) / 1000;
}

/** One layer's searches on its accumulated statistics: what the TypeScript driver does at onRouting, per expert and at onLayer. */
async function searchLayer(params: {
  layer: number;
  stats: LayerStatistics;
  weights: GptOssWeightProvider;
  tokens: number;
  groupSize: number;
  clip: boolean;
  objective?: AttentionAwqObjective;
  gramRank?: number;
  expertsAwq: boolean;
  backend: MatmulBackend;
  where: string;
  signal?: AbortSignal;
}): Promise<AwqLayerResult> {
  const { layer, stats, weights, groupSize, clip, backend, signal } = params;
  const config = weights.config;
  const { hidden, expertFfn: ffn, nExperts } = config;
  const lw = await weights.layer(layer);
  const att = await searchAttentionAwq({ weights: lw, config, groupSize, method: "awq", clip, objective: params.objective, gramRank: params.gramRank, attnStats: stats.attn, oStats: stats.o, backend, where: params.where, signal });
  const { linears, folded, scales, clipping } = attentionLayerOutputs({ layer, attention: att });
  let mlpScale: Float32Array | undefined;
  if (params.expertsAwq) {
    const candidates = awqScaleCandidates({ meanAbs: stats.mlpSumAbs.map((v) => v / params.tokens) });
    const state: MoeAwqState = {
      candidates,
      losses: candidates.map(() => 0),
      expected: stats.routed,
      seen: stats.routed.slice(),
      input: stats.expertInput,
      downInput: stats.expertDownInput,
      gateUpBlocks: new Map(),
      down: new Map(),
    };
    for (let e = 0; e < nExperts; e++) {
      const input = state.input.get(e);
      if (!input) continue;
      signal?.throwIfAborted();
      await accumulateExpertAwq({ state, expert: e, weights: await weights.expert(layer, e), hidden, ffn, groupSize, clip, gramRank: params.gramRank, backend, signal });
    }
    const moe = await finishGptOssMoeAwq({ layer, state, weights, lw, config, groupSize, clip, backend, signal });
    for (const [name, tensors] of moe.linears) linears.set(name, tensors);
    for (const [name, values] of moe.folded) folded.set(name, values);
    scales.push(moe.scale);
    clipping.push(...moe.clipping);
    mlpScale = moe.mlpScale;
  }
  return { layer, linears, folded, scales: { qkv: att.qkvScale, o: att.oScale, mlp: mlpScale }, report: { layer, scales, clipping, searchSeconds: 0 } };
}
