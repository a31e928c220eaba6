import type { GptOssHyperparameters } from "../arch/gpt-oss/index.js";
import type { GptOssLayerWeights } from "../calib/gptOssWeights.js";
import type { MatmulBackend } from "../calib/matmulBackend.js";
import type { AwqGemmTensors } from "./awqGemmLayout.js";
import type { AwqClipReport, AwqScaleReport } from "./awqTypes.js";
import { attentionOutputRowWeights } from "./attentionOutputRowWeights.js";
import { gramDiagonalBlocks } from "./gramDiagonalBlocks.js";
import type { LinearInputStatistics } from "./linearInputStatistics.js";
import { packAwqGemm } from "./packAwqGemm.js";
import { quantizeAwqGroups } from "./quantizeAwqGroups.js";
import { scaleWeightColumns } from "./scaleWeightColumns.js";
import { type AwqClipSearch, searchAwqClip } from "./searchAwqClip.js";
import { searchAwqScale } from "./searchAwqScale.js";

export interface AttentionAwqResult {
  /** q_proj, k_proj, v_proj, o_proj → AWQ GEMM tensors. */
  linears: Map<"q_proj" | "k_proj" | "v_proj" | "o_proj", AwqGemmTensors>;
  /** input_layernorm.weight / s₁ and v_proj.bias / s₂ (absent for round-to-nearest: nothing is folded). */
  inputNorm?: Float32Array;
  vBias?: Float32Array;
  /** The chosen scales s₁ [hidden] and s₂ [heads·headDim] (absent for round-to-nearest). */
  qkvScale?: Float32Array;
  oScale?: Float32Array;
  scales: AwqScaleReport[];
  clipping: AwqClipReport[];
}

/** What the q/k/v scale search minimises. */
export type AttentionAwqObjective = "block-output" | "linear-output";

/**
 * AWQ for one layer's attention, from the statistics of its two inputs:
 * - q/k/v_proj share the input_layernorm output: one scale s₁ for the three, folded as
 *   input_layernorm.weight / s₁ and W·diag(s₁). Objective block-output (the default): each row's error
 *   weighted by what it does to the attention block's output (attentionOutputRowWeights: q/k rows
 *   through the softmax, v rows through o_proj), as AutoAWQ measures at module2inspect's output — q, k
 *   and v weighted alike (linear-output, the first version) lost to round-to-nearest on models the
 *   method was not tuned on;
 * - o_proj's input is the attention output, linear in v: its scale s₂ folds into v_proj's rows and
 *   bias (÷ s₂) and o_proj's columns (× s₂). Query heads read the KV head of their group (GQA), so s₂
 *   must be the same for the channel e of every head of a group: it is built from mean|x| averaged
 *   over the group's heads;
 * - clipping for v_proj and o_proj; none for q/k_proj (AutoAWQ avoids clipping them: errors in q and k
 *   are amplified by the softmax).
 * With method rtn: s = 1, no clipping, statistics not needed.
 */
export async function searchAttentionAwq(params: {
  weights: GptOssLayerWeights;
  config: GptOssHyperparameters;
  groupSize: number;
  method: "awq" | "rtn";
  /** Run the clipping search (default true). */
  clip?: boolean;
  /** The q/k/v search's objective (default block-output). */
  objective?: AttentionAwqObjective;
  /** Rank of the Gram factor the scale searches use (awqScaleLosses; 0: exact). */
  gramRank?: number;
  attnStats?: LinearInputStatistics;
  oStats?: LinearInputStatistics;
  backend: MatmulBackend;
  where: string;
  signal?: AbortSignal;
}): Promise<AttentionAwqResult> {
  const { weights, config, groupSize, backend, signal } = params;
  const { hidden, nHeads, nKvHeads, headDim } = config;
  const qOut = nHeads * headDim;
  const kvOut = nKvHeads * headDim;
  const nRep = nHeads / nKvHeads;
  const att = weights.attention;
  const quantize = (weight: Float32Array, rows: number, cols: number, clipMax?: Float32Array, name = "") =>
    packAwqGemm({ weight: quantizeAwqGroups({ weight, rows, cols, groupSize, clipMax, where: `${params.where}: ${name}` }) });

  if (params.method === "rtn") {
    return {
      linears: new Map([
        ["q_proj", quantize(att.qWeight, qOut, hidden, undefined, "q_proj")],
        ["k_proj", quantize(att.kWeight, kvOut, hidden, undefined, "k_proj")],
        ["v_proj", quantize(att.vWeight, kvOut, hidden, undefined, "v_proj")],
        ["o_proj", quantize(att.oWeight, hidden, qOut, undefined, "o_proj")],
      ]),
      scales: [],
      clipping: [],
    };
  }
  const attnStats = params.attnStats!;
  const oStats = params.oStats!;

  const qkv = new Float32Array((qOut + 2 * kvOut) * hidden);
  qkv.set(att.qWeight, 0);
  qkv.set(att.kWeight, qOut * hidden);
  qkv.set(att.vWeight, (qOut + kvOut) * hidden);
  const block = (params.objective ?? "block-output") === "block-output" ? await attentionOutputRowWeights({ weights: att, config, stats: attnStats, backend }) : undefined;
  const qkvSearch = await searchAwqScale({ weight: qkv, rows: qOut + 2 * kvOut, cols: hidden, groupSize, stats: attnStats, rowWeights: block?.rows, meanRowWeights: block?.meanRows, gramRank: params.gramRank, backend, signal });
  const s1 = qkvSearch.scale;

  // mean |x| of o_proj's input channel e of KV group g: averaged over the group's query heads
  const meanAbs = new Float64Array(qOut);
  const count = Math.max(1, oStats.count);
  for (let g = 0; g < nKvHeads; g++) {
    for (let e = 0; e < headDim; e++) {
      let sum = 0;
      for (let r = 0; r < nRep; r++) sum += oStats.sumAbs[(g * nRep + r) * headDim + e];
      for (let r = 0; r < nRep; r++) meanAbs[(g * nRep + r) * headDim + e] = sum / nRep / count;
    }
  }
  const oSearch = await searchAwqScale({ weight: att.oWeight, rows: hidden, cols: qOut, groupSize, stats: oStats, meanAbs, gramRank: params.gramRank, backend, signal });
  const s2 = oSearch.scale;
  const s2kv = new Float32Array(kvOut);
  for (let g = 0; g < nKvHeads; g++) for (let e = 0; e < headDim; e++) s2kv[g * headDim + e] = s2[g * nRep * headDim + e];

  const inputNorm = weights.inputNorm.map((w, c) => w / s1[c]);
  const vBias = att.vBias.map((b, r) => b / s2kv[r]);
  const q = scaleWeightColumns({ weight: att.qWeight, rows: qOut, cols: hidden, scale: s1 });
  const k = scaleWeightColumns({ weight: att.kWeight, rows: kvOut, cols: hidden, scale: s1 });
  const v = scaleWeightColumns({ weight: att.vWeight, rows: kvOut, cols: hidden, scale: s1 });
  for (let r = 0; r < kvOut; r++) for (let c = 0; c < hidden; c++) v[r * hidden + c] /= s2kv[r];
  const o = scaleWeightColumns({ weight: att.oWeight, rows: hidden, cols: qOut, scale: s2 });

  const clip = params.clip ?? true;
  const vClip = clip ? await searchAwqClip({ weight: v, rows: kvOut, cols: hidden, groupSize, blocks: gramDiagonalBlocks({ stats: attnStats, groupSize, inputScale: s1 }), backend, signal }) : undefined;
  const oClip = clip ? await searchAwqClip({ weight: o, rows: hidden, cols: qOut, groupSize, blocks: gramDiagonalBlocks({ stats: oStats, groupSize, inputScale: s2 }), backend, signal }) : undefined;
  const clipReport = (linear: string, c: AwqClipSearch | undefined): AwqClipReport[] =>
    c ? [{ linear, lossBefore: c.lossBefore, lossAfter: c.lossAfter, clippedGroups: c.clippedGroups, groups: c.clipMax.length }] : [];
  return {
    linears: new Map([
      ["q_proj", quantize(q, qOut, hidden, undefined, "q_proj")],
      ["k_proj", quantize(k, kvOut, hidden, undefined, "k_proj")],
      ["v_proj", quantize(v, kvOut, hidden, vClip?.clipMax, "v_proj")],
      ["o_proj", quantize(o, hidden, qOut, oClip?.clipMax, "o_proj")],
    ]),
    inputNorm,
    vBias,
    qkvScale: s1,
    oScale: s2,
    scales: [
      { group: "qkv", alpha: qkvSearch.alpha, loss: qkvSearch.loss, rtnLoss: qkvSearch.rtnLoss },
      { group: "o", alpha: oSearch.alpha, loss: oSearch.loss, rtnLoss: oSearch.rtnLoss },
    ],
    clipping: [...clipReport("v_proj", vClip), ...clipReport("o_proj", oClip)],
  };
}
