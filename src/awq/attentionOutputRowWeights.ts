import type { GptOssHyperparameters } from "../arch/gpt-oss/index.js";
import type { GptOssAttentionWeights } from "../calib/gptOssWeights.js";
import { computeRopeFrequencies } from "../calib/computeRopeFrequencies.js";
import type { MatmulBackend } from "../calib/matmulBackend.js";
import { checkGramComplete, type LinearInputStatistics } from "./linearInputStatistics.js";

/** Measured on the fixture (scripts/awq-objective-check.mjs; docs/awq.md), confirmed on two pruned models of other shapes. */
export const ATTENTION_CONCENTRATION = 0.3;
export const LOGIT_ALIGNMENT = 0.15;

export interface AttentionOutputRowWeights {
  /** [qOut + 2·kvOut]: one weight per row of the stacked q/k/v weight (q rows, then k, then v), on Δ_r·(G/N)·Δ_rᵀ. */
  rows: Float64Array;
  /** [qOut + 2·kvOut]: weights on the mean input's error (Δ_r·μ)² (v rows only). */
  meanRows: Float64Array;
  /** Per query head: E‖W_o,h·(v − E v)‖², the spread of the head's values through o_proj. */
  headSpread: Float64Array;
  /** [qOut] and [kvOut]: RoPE-averaged second moments E[q_a²], E[k_a²] (before YaRN's attention factor). */
  querySecondMoment: Float64Array;
  keySecondMoment: Float64Array;
}

/**
 * Row weights that put an error of any q/k/v row in units of the attention block's output (o_proj's
 * output, what the next layer sees), to first order, from the statistics of the shared input x alone
 * (G = Σxxᵀ, Σx, N — no raw activations, so an engine that only gathers per-layer statistics can use it).
 * The scale search then minimises Σ_r w_r·Δ_r·(G/N)·Δ_rᵀ, a row-weighted form of the linears' own error.
 *
 * - v row (group g, channel e): the attention output of every query head h of g is Σ_j p_j·v_j, so a
 *   v error reaches the output as Σ_{h∈g} W_o[:, h·d+e]·Δv_e: w = ‖Σ_{h∈g} W_o[:, h·d+e]‖² (exact when
 *   the heads attend alike, e.g. one token; the heads of a group read the same v, so their columns add
 *   coherently rather than in power).
 * - q row (head h, dim a): a query error moves logit j by Δz_j = c·Δq·k_j (c = YaRN factor²/√d), and
 *   the output by Σ_j p_j·Δz_j·(v_j − o) through W_o,h; by Cauchy–Schwarz its size is at most
 *   E[Δz²]·E‖W_o,h(v − E v)‖², with E[Δz²] = c²·Σ_a Δq_a²·E[k_a²] taking the key dimensions as
 *   uncorrelated: w = c²·Ē[k_a²]·spread_h. The keys are rotated (NeoX halves, a and a + d/2 turn
 *   together by a position-dependent angle), so E[k_a²] is averaged over the pair. Second moments, not
 *   variances: gpt-oss's sink logit makes a shift common to every key logit change the output too.
 * - k row (group g, dim a): the same with the roles swapped, summed over the group's query heads:
 *   w = c²·Σ_{h∈g} Ē[q_{h,a}²]·spread_h.
 * Second moments come analytically from the input's: E[yyᵀ] = W(G/N)Wᵀ + Wμbᵀ + bμᵀWᵀ + bbᵀ (μ = Σx/N).
 *
 * The attention averages over keys: with weights p_j, what varies from key to key (a v error's part
 * from x − μ, a logit error times the value's deviation) adds up incoherently and is damped by the
 * concentration ρ = E Σ_j p_j², while a v error's part from the mean input μ passes whole. So q/k
 * weights and the v rows' Gram part are multiplied by ρ, and v rows get (1 − ρ)·w on (Δ_r·μ)² (meanRows).
 * ρ = 1 (attention on one key) is the bound above.
 */
export async function attentionOutputRowWeights(params: {
  weights: GptOssAttentionWeights;
  config: GptOssHyperparameters;
  /** Statistics of the q/k/v input (input_layernorm output). */
  stats: LinearInputStatistics;
  /** ρ: how much of a v error's token-to-token part reaches the output (1: attention on one key). Default ATTENTION_CONCENTRATION. */
  concentration?: number;
  /** η: the fraction of the Cauchy–Schwarz bound a q/k error reaches (1: logit errors aligned with the values). Default LOGIT_ALIGNMENT. */
  alignment?: number;
  backend: MatmulBackend;
}): Promise<AttentionOutputRowWeights> {
  const { weights: att, config, stats, backend } = params;
  const rho = params.concentration ?? ATTENTION_CONCENTRATION;
  const eta = params.alignment ?? LOGIT_ALIGNMENT;
  const { hidden, nHeads, nKvHeads, headDim: d } = config;
  const qOut = nHeads * d;
  const kvOut = nKvHeads * d;
  const nRep = nHeads / nKvHeads;
  const half = d / 2;
  const count = Math.max(1, stats.count);
  const mean = Float64Array.from(stats.sum, (v) => v / count);
  const second = await secondMomentTimesWeights({ stats, backend, hidden, count, weights: [att.qWeight, att.kWeight, att.vWeight], rows: [qOut, kvOut, kvOut] });

  // E[y_r²] per row, then the RoPE pair average
  const moments = (weight: Float32Array, bias: Float32Array, product: Float32Array, rows: number) => {
    const m = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let wGw = 0;
      let wMu = 0;
      for (let c = 0; c < hidden; c++) {
        wGw += product[r * hidden + c] * weight[r * hidden + c];
        wMu += weight[r * hidden + c] * mean[c];
      }
      m[r] = wGw + 2 * bias[r] * wMu + bias[r] * bias[r];
    }
    const averaged = new Float64Array(rows);
    for (let head = 0; head < rows / d; head++) {
      for (let a = 0; a < half; a++) {
        const i = head * d + a;
        averaged[i] = averaged[i + half] = (m[i] + m[i + half]) / 2;
      }
    }
    return averaged;
  };
  const querySecondMoment = moments(att.qWeight, att.qBias, second[0], qOut);
  const keySecondMoment = moments(att.kWeight, att.kBias, second[1], kvOut);

  // Cov(v) per KV group: W_v(G/N − μμᵀ)W_vᵀ (the bias cancels), then spread_h = Σ_ef Cov_ef·(W_o,hᵀW_o,h)_ef
  const vMean = new Float64Array(kvOut);
  for (let r = 0; r < kvOut; r++) for (let c = 0; c < hidden; c++) vMean[r] += att.vWeight[r * hidden + c] * mean[c];
  const headSpread = new Float64Array(nHeads);
  const cov = new Float64Array(d * d);
  const oCross = new Float64Array(d * d);
  const headColumns = new Float32Array(d * hidden);
  for (let g = 0; g < nKvHeads; g++) {
    for (let e = 0; e < d; e++) {
      const pe = (g * d + e) * hidden;
      for (let f = 0; f < d; f++) {
        const wf = (g * d + f) * hidden;
        let s = 0;
        for (let c = 0; c < hidden; c++) s += second[2][pe + c] * att.vWeight[wf + c];
        cov[e * d + f] = s - vMean[g * d + e] * vMean[g * d + f];
      }
    }
    for (let rep = 0; rep < nRep; rep++) {
      const h = g * nRep + rep;
      // W_o,hᵀW_o,h as a product of the head's columns, gathered as rows [d, hidden]: hidden·d² multiply-adds
      // per head (0.75 G for gpt-oss-20b's 64 heads), which in scalar JavaScript were a third of this function
      for (let o = 0; o < hidden; o++) {
        const row = o * qOut + h * d;
        for (let e = 0; e < d; e++) headColumns[e * hidden + o] = att.oWeight[row + e];
      }
      const cross = await backend.matmulBias({ x: headColumns, n: d, k: hidden, weight: headColumns, m: d });
      for (let i = 0; i < d * d; i++) oCross[i] = cross[i];
      let spread = 0;
      for (let i = 0; i < d * d; i++) spread += cov[i] * oCross[i];
      headSpread[h] = Math.max(0, spread);
    }
  }

  const factor = computeRopeFrequencies({ rope: config.rope, headDim: d }).attentionFactor;
  // (factor² / √d)²: both q and k carry YaRN's factor, the logits are scaled by 1/√d
  const logitScale = factor ** 4 / d;
  const rows = new Float64Array(qOut + 2 * kvOut);
  for (let h = 0; h < nHeads; h++) {
    const g = Math.floor(h / nRep);
    for (let a = 0; a < d; a++) {
      rows[h * d + a] = logitScale * keySecondMoment[g * d + a] * headSpread[h];
      rows[qOut + g * d + a] += logitScale * querySecondMoment[h * d + a] * headSpread[h];
    }
  }
  for (let g = 0; g < nKvHeads; g++) {
    for (let e = 0; e < d; e++) {
      let norm = 0;
      for (let o = 0; o < hidden; o++) {
        let column = 0;
        for (let rep = 0; rep < nRep; rep++) column += att.oWeight[o * qOut + (g * nRep + rep) * d + e];
        norm += column * column;
      }
      rows[qOut + kvOut + g * d + e] = norm;
    }
  }
  // the attention averages over its keys: what varies from key to key is damped by ρ, the mean input's
  // part of a v error is not
  const meanRows = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    if (r >= qOut + kvOut) meanRows[r] = (1 - rho) * rows[r];
    rows[r] *= r < qOut + kvOut ? rho * eta : rho;
  }
  return { rows, meanRows, headSpread, querySecondMoment, keySecondMoment };
}

/** W·(G/N) for each weight [rows, hidden] (G symmetric), through the backend: the one large product. */
async function secondMomentTimesWeights(params: {
  stats: LinearInputStatistics;
  backend: MatmulBackend;
  hidden: number;
  count: number;
  weights: Float32Array[];
  rows: number[];
}): Promise<Float32Array[]> {
  const { stats, backend, hidden, count } = params;
  const gram = new Float32Array(hidden * hidden);
  checkGramComplete(stats, "attentionOutputRowWeights");
  if (stats.gram) for (let i = 0; i < gram.length; i++) gram[i] = stats.gram[i] / count;
  else if (stats.rows) {
    const x = stats.rows;
    for (let t = 0; t < stats.count; t++) {
      for (let i = 0; i < hidden; i++) {
        const xi = x[t * hidden + i] / count;
        if (xi === 0) continue;
        for (let j = 0; j < hidden; j++) gram[i * hidden + j] += xi * x[t * hidden + j];
      }
    }
  }
  const out: Float32Array[] = [];
  for (let i = 0; i < params.weights.length; i++) out.push(await backend.matmulBias({ x: params.weights[i], n: params.rows[i], k: hidden, weight: gram, m: hidden }));
  return out;
}
