import type { MatmulBackend } from "../calib/matmulBackend.js";
/**
 * The MoE group of one layer once every expert's statistics are in (AWQ, experts policy awq): shared by
 * the TypeScript-engine driver (searchGptOssAwq) and the statistics-first one
 * (searchGptOssAwqFromStatistics). The scale candidates' output errors were summed over the experts by
 * the caller; this picks α, folds the scale into post_attention_layernorm and the router, clips and
 * quantizes every gate_up_proj, and takes each down_proj as the caller quantized it.
 */
import type { GptOssHyperparameters } from "../arch/gpt-oss/index.js";
import type { GptOssLayerWeights, GptOssWeightProvider } from "../calib/gptOssWeights.js";
import type { AwqGemmTensors } from "./awqGemmLayout.js";
import type { AwqScaleCandidate } from "./awqScaleCandidates.js";
import type { AwqClipReport, AwqScaleReport } from "./awqTypes.js";
import type { LinearInputStatistics } from "./linearInputStatistics.js";
import { packAwqGemm } from "./packAwqGemm.js";
import { quantizeAwqGroups } from "./quantizeAwqGroups.js";
import { scaleWeightColumns } from "./scaleWeightColumns.js";
import { searchAwqClip } from "./searchAwqClip.js";

const mlpPrefix = (layer: number) => `model.layers.${layer}.mlp`;

/** Per-layer state of the MoE search (experts policy awq). */
export interface MoeAwqState {
  candidates: AwqScaleCandidate[];
  /** Output error summed over experts, per candidate. */
  losses: number[];
  /** Tokens routed to each expert, and how many of them the engine has reported so far. */
  expected: Int32Array;
  seen: Int32Array;
  input: Map<number, LinearInputStatistics>;
  downInput: Map<number, LinearInputStatistics>;
  /** gate_up input Gram diagonal blocks per expert (unscaled), kept for clipping once s is chosen. */
  gateUpBlocks: Map<number, Float64Array>;
  down: Map<number, { tensors: AwqGemmTensors; clip?: AwqClipReport }>;
}

/** The MoE group once every expert has reported: pick α, fold, clip and quantize every gate_up_proj. */
export async function finishGptOssMoeAwq(params: {
  layer: number;
  state: MoeAwqState;
  weights: GptOssWeightProvider;
  lw: GptOssLayerWeights;
  config: GptOssHyperparameters;
  groupSize: number;
  clip: boolean;
  /** Products for the clipping search's errors (searchAwqClip); absent: summed in float64 here. */
  backend?: MatmulBackend;
  signal?: AbortSignal;
}): Promise<{ linears: Map<string, AwqGemmTensors>; folded: Map<string, Float32Array>; mlpScale: Float32Array; scale: AwqScaleReport; clipping: AwqClipReport[] }> {
  const { layer, state, weights, lw, config, groupSize, signal } = params;
  const { hidden, expertFfn: ffn, nExperts } = config;
  let best = 0;
  for (let i = 1; i < state.losses.length; i++) if (state.losses[i] < state.losses[best]) best = i;
  const s = state.candidates[best].scale;
  const linears = new Map<string, AwqGemmTensors>();
  const folded = new Map<string, Float32Array>();
  folded.set(`model.layers.${layer}.post_attention_layernorm.weight`, lw.postAttentionNorm.map((w, c) => w / s[c]));
  folded.set(`${mlpPrefix(layer)}.router.weight`, scaleWeightColumns({ weight: lw.routerWeight, rows: nExperts, cols: hidden, scale: s }));
  const gateUpClip: AwqClipReport = { linear: "gate_up_proj", lossBefore: 0, lossAfter: 0, clippedGroups: 0, groups: 0 };
  const downClip: AwqClipReport = { linear: "down_proj", lossBefore: 0, lossAfter: 0, clippedGroups: 0, groups: 0 };
  const add = (total: AwqClipReport, part: Omit<AwqClipReport, "linear">) => {
    total.lossBefore += part.lossBefore;
    total.lossAfter += part.lossAfter;
    total.clippedGroups += part.clippedGroups;
    total.groups += part.groups;
  };
  for (let e = 0; e < nExperts; e++) {
    signal?.throwIfAborted();
    const ew = await weights.expert(layer, e);
    const gateUp = scaleWeightColumns({ weight: ew.gateUp, rows: 2 * ffn, cols: hidden, scale: s });
    const blocks = state.gateUpBlocks.get(e);
    let clipMax: Float32Array | undefined;
    if (blocks && params.clip) {
      // the expert's input becomes x/s: its Gram blocks scale by 1/(s_i·s_j)
      const scaled = blocks.slice();
      for (let g = 0; g < hidden / groupSize; g++) {
        for (let i = 0; i < groupSize; i++) {
          for (let j = 0; j < groupSize; j++) scaled[(g * groupSize + i) * groupSize + j] /= s[g * groupSize + i] * s[g * groupSize + j];
        }
      }
      const clip = await searchAwqClip({ weight: gateUp, rows: 2 * ffn, cols: hidden, groupSize, blocks: scaled, backend: params.backend, signal });
      clipMax = clip.clipMax;
      add(gateUpClip, { ...clip, groups: clip.clipMax.length });
    }
    linears.set(`${mlpPrefix(layer)}.experts.${e}.gate_up_proj`, quantizeLinear(gateUp, 2 * ffn, hidden, groupSize, clipMax));
    const down = state.down.get(e);
    if (down?.clip) add(downClip, down.clip);
    // an expert no calibration token chose: no data to clip with, round-to-nearest
    linears.set(`${mlpPrefix(layer)}.experts.${e}.down_proj`, down ? down.tensors : quantizeLinear(ew.down, hidden, ffn, groupSize));
  }
  return {
    linears,
    folded,
    mlpScale: s,
    scale: { group: "mlp", alpha: state.candidates[best].alpha, loss: state.losses[best], rtnLoss: state.losses[0] },
    clipping: params.clip ? [gateUpClip, downClip] : [],
  };
}

function quantizeLinear(weight: Float32Array, rows: number, cols: number, groupSize: number, clipMax?: Float32Array): AwqGemmTensors {
  return packAwqGemm({ weight: quantizeAwqGroups({ weight, rows, cols, groupSize, clipMax }) });
}
