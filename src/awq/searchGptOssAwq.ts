import type { GptOssExpertWeights, GptOssLayerWeights, GptOssWeightProvider } from "../calib/gptOssWeights.js";
import type { MatmulBackend } from "../calib/matmulBackend.js";
import { openGptOssWeights } from "../calib/openGptOssWeights.js";
import { runGptOss } from "../calib/runGptOss.js";
import { accumulateExpertAwq } from "./accumulateExpertAwq.js";
import { addLinearInputRows } from "./addLinearInputRows.js";
import { attentionLayerOutputs } from "./attentionLayerOutputs.js";
import type { AwqGemmTensors } from "./awqGemmLayout.js";
import { awqScaleCandidates } from "./awqScaleCandidates.js";
import type { AwqExpertPolicy, AwqLayerResult, AwqMethod, AwqProgress, } from "./awqTypes.js";
import { finishGptOssMoeAwq, type MoeAwqState } from "./finishGptOssMoeAwq.js";
import { createLinearInputStatistics } from "./linearInputStatistics.js";
import { packAwqGemm } from "./packAwqGemm.js";
import { quantizeAwqGroups } from "./quantizeAwqGroups.js";
import { type AttentionAwqObjective, searchAttentionAwq } from "./searchAttentionAwq.js";

export interface SearchGptOssAwqParams {
  dir: string;
  /** The weights to read instead of opening `dir` (benchmarks pass synthetic real-size layers); the caller closes them. */
  weights?: GptOssWeightProvider;
  /** Calibration token sequences (unused for rtn). */
  sequences: number[][];
  groupSize: number;
  experts: AwqExpertPolicy;
  method: AwqMethod;
  /** AWQ's clipping search after the scale search (default true; rtn never clips). */
  clip?: boolean;
  /** The attention q/k/v search's objective (searchAttentionAwq; default block-output). */
  attentionObjective?: AttentionAwqObjective;
  /** Rank of the Gram factor in the scale searches (awqScaleLosses; 0: exact). */
  gramRank?: number;
  backend: MatmulBackend;
  /** How the calibration forward pass runs the experts (runGptOss); default bf16, as transformers. */
  expertPrecision?: "bf16" | "f32";
  /** Called once per layer, in order, with everything the writers need; awaited. */
  onLayer(result: AwqLayerResult): Promise<void>;
  onProgress?(progress: AwqProgress): void;
  signal?: AbortSignal;
}

export interface SearchGptOssAwqResult {
  tokens: number;
  seconds: { forward: number; search: number };
}

/**
 * AWQ over a gpt-oss checkpoint, layer by layer, with activations from the calibration engine's forward
 * pass (runGptOss: the float model, as AutoAWQ uses float activations). For each layer, while the pass
 * is in it:
 * - attention: statistics of the q/k/v input and of the o_proj input, then (when the layer's attention
 *   is done) the two scale searches and clipping (searchAttentionAwq);
 * - experts (policy awq): the post_attention_layernorm output feeds the router and every expert's
 *   gate_up_proj, so one scale serves them all; its output error is summed over the experts, each on
 *   the tokens routed to it, one expert at a time as the engine reaches it. The router weight gets the
 *   scale too (W_r·diag(s) on x/s: the same logits, so the same routing). down_proj's input (the clamped
 *   SwiGLU, with its +1 on up, is not scale-equivariant) takes no scale: clipping only;
 * - experts (keep): nothing; they stay MXFP4.
 * Round-to-nearest (method rtn) needs no activations: it quantizes each layer's weights directly.
 */
export async function searchGptOssAwq(params: SearchGptOssAwqParams): Promise<SearchGptOssAwqResult> {
  const base = params.weights ?? (await openGptOssWeights({ dir: params.dir }));
  try {
    if (params.method === "rtn") return await roundToNearest(params, base);
    return await searchWithActivations(params, base);
  } finally {
    if (!params.weights) await base.close();
  }
}

const attnPrefix = (layer: number) => `model.layers.${layer}.self_attn`;
const mlpPrefix = (layer: number) => `model.layers.${layer}.mlp`;

async function roundToNearest(params: SearchGptOssAwqParams, weights: GptOssWeightProvider): Promise<SearchGptOssAwqResult> {
  const { config } = weights;
  const started = performance.now();
  for (let layer = 0; layer < config.nLayers; layer++) {
    params.signal?.throwIfAborted();
    const t0 = performance.now();
    const lw = await weights.layer(layer);
    const attention = await searchAttentionAwq({ weights: lw, config, groupSize: params.groupSize, method: "rtn", backend: params.backend, where: params.dir, signal: params.signal });
    const linears = new Map<string, AwqGemmTensors>();
    for (const [name, tensors] of attention.linears) linears.set(`${attnPrefix(layer)}.${name}`, tensors);
    if (params.experts === "awq") {
      for (let e = 0; e < config.nExperts; e++) {
        const ew = await weights.expert(layer, e);
        linears.set(`${mlpPrefix(layer)}.experts.${e}.gate_up_proj`, quantizeLinear(ew.gateUp, 2 * config.expertFfn, config.hidden, params.groupSize));
        linears.set(`${mlpPrefix(layer)}.experts.${e}.down_proj`, quantizeLinear(ew.down, config.hidden, config.expertFfn, params.groupSize));
      }
    }
    const report = { layer, scales: [], clipping: [], searchSeconds: (performance.now() - t0) / 1000 };
    params.onProgress?.({ phase: "layer", layer, nLayers: config.nLayers, report });
    await params.onLayer({ layer, linears, folded: new Map(), scales: {}, report });
  }
  return { tokens: 0, seconds: { forward: 0, search: (performance.now() - started) / 1000 } };
}

function quantizeLinear(weight: Float32Array, rows: number, cols: number, groupSize: number, clipMax?: Float32Array): AwqGemmTensors {
  return packAwqGemm({ weight: quantizeAwqGroups({ weight, rows, cols, groupSize, clipMax }) });
}

async function searchWithActivations(params: SearchGptOssAwqParams, base: GptOssWeightProvider): Promise<SearchGptOssAwqResult> {
  const { backend, groupSize, signal } = params;
  const clip = params.clip ?? true;
  const config = base.config;
  const { hidden, expertFfn: ffn, nExperts, nLayers } = config;
  let layerWeights: GptOssLayerWeights | undefined;
  let lastExpert: { layer: number; expert: number; weights: GptOssExpertWeights } | undefined;
  // the engine reads through this wrapper so the searches see the weights it just used
  const weights: GptOssWeightProvider = {
    config,
    embeddingRows: (ids) => base.embeddingRows(ids),
    layer: async (layer) => (layerWeights = await base.layer(layer)),
    async expert(layer, expert) {
      const w = await base.expert(layer, expert);
      lastExpert = { layer, expert, weights: w };
      return w;
    },
    finalNorm: () => base.finalNorm(),
    lmHeadRows: (start, end) => base.lmHeadRows(start, end),
    close: async () => {},
  };

  let searchSeconds = 0;
  let layerSearchSeconds = 0;
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      const dt = (performance.now() - t0) / 1000;
      searchSeconds += dt;
      layerSearchSeconds += dt;
    }
  };

  let attnStats = createLinearInputStatistics({ cols: hidden });
  let oStats = createLinearInputStatistics({ cols: config.nHeads * config.headDim });
  let attention: Awaited<ReturnType<typeof searchAttentionAwq>> | undefined;
  let moe: MoeAwqState | undefined;
  const started = performance.now();

  const finishExpert = async (layer: number, expert: number) => {
    const state = moe!;
    if (!lastExpert || lastExpert.layer !== layer || lastExpert.expert !== expert) throw new Error(`awq: expert ${layer}/${expert} weights not at hand`);
    await accumulateExpertAwq({ state, expert, weights: lastExpert.weights, hidden, ffn, groupSize, clip, gramRank: params.gramRank, backend, signal });
  };

  const result = await runGptOss({
    weights,
    sequences: params.sequences,
    backend,
    logits: "none",
    expertPrecision: params.expertPrecision,
    onProgress: (p) =>
      params.onProgress?.({
        phase: "forward",
        layer: p.layer,
        nLayers,
        // kept experts still run (the next layer needs their output) but are not searched: say which it is
        detail: p.phase === "experts" ? `${params.experts === "awq" ? "experts: forward + AWQ statistics" : "MoE forward (experts kept)"}, expert ${p.done + 1} of ${p.total}` : `${p.phase} ${p.done}/${p.total}`,
      }),
    hooks: {
      async onAttention(event) {
        signal?.throwIfAborted();
        await timed(async () => {
          await addLinearInputRows({ stats: attnStats, x: event.attnInput, n: event.rows, backend });
          await addLinearInputRows({ stats: oStats, x: event.oProjInput, n: event.rows, backend });
        });
      },
      async onRouting(event) {
        signal?.throwIfAborted();
        await timed(async () => {
          attention = await searchAttentionAwq({ weights: layerWeights!, config, groupSize, method: "awq", clip, objective: params.attentionObjective, gramRank: params.gramRank, attnStats, oStats, backend, where: params.dir, signal });
          attnStats = createLinearInputStatistics({ cols: hidden });
          oStats = createLinearInputStatistics({ cols: config.nHeads * config.headDim });
          if (params.experts !== "awq") return;
          const sumAbs = new Float64Array(hidden);
          for (let t = 0; t < event.tokens; t++) for (let c = 0; c < hidden; c++) sumAbs[c] += Math.abs(event.mlpInput[t * hidden + c]);
          const expected = new Int32Array(nExperts);
          for (const e of event.topkIdx) expected[e]++;
          const candidates = awqScaleCandidates({ meanAbs: sumAbs.map((v) => v / event.tokens) });
          moe = { candidates, losses: candidates.map(() => 0), expected, seen: new Int32Array(nExperts), input: new Map(), downInput: new Map(), gateUpBlocks: new Map(), down: new Map() };
        });
      },
      async onExpert(event) {
        if (params.experts !== "awq") return;
        signal?.throwIfAborted();
        await timed(async () => {
          const state = moe!;
          const e = event.expert;
          const n = event.tokens.length;
          if (!state.input.has(e)) {
            state.input.set(e, createLinearInputStatistics({ cols: hidden, keepRows: true }));
            state.downInput.set(e, createLinearInputStatistics({ cols: ffn, keepRows: true }));
          }
          await addLinearInputRows({ stats: state.input.get(e)!, x: event.input, n, backend });
          await addLinearInputRows({ stats: state.downInput.get(e)!, x: event.downInput, n, backend });
          state.seen[e] += n;
          if (state.seen[e] === state.expected[e]) await finishExpert(event.layer, e);
        });
      },
      async onLayer(event) {
        signal?.throwIfAborted();
        const layer = event.layer;
        const layerResult = await timed(async (): Promise<AwqLayerResult> => {
          const att = attention!;
          const { linears, folded, scales, clipping } = attentionLayerOutputs({ layer, attention: att });
          let mlpScale: Float32Array | undefined;
          if (params.experts === "awq") {
            const moeResult = await finishGptOssMoeAwq({ layer, state: moe!, weights: base, lw: layerWeights!, config, groupSize, clip, backend, signal });
            for (const [name, tensors] of moeResult.linears) linears.set(name, tensors);
            for (const [name, values] of moeResult.folded) folded.set(name, values);
            scales.push(moeResult.scale);
            mlpScale = moeResult.mlpScale;
            clipping.push(...moeResult.clipping);
            moe = undefined;
          }
          attention = undefined;
          return { layer, linears, folded, scales: { qkv: att.qkvScale, o: att.oScale, mlp: mlpScale }, report: { layer, scales, clipping, searchSeconds: 0 } };
        });
        layerResult.report.searchSeconds = layerSearchSeconds;
        layerSearchSeconds = 0;
        params.onProgress?.({ phase: "layer", layer, nLayers, report: layerResult.report });
        await params.onLayer(layerResult);
      },
    },
  });
  void result;
  const total = (performance.now() - started) / 1000;
  return { tokens: params.sequences.reduce((n, s) => n + s.length, 0), seconds: { forward: total - searchSeconds, search: searchSeconds } };
}
