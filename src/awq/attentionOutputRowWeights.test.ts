/**
 * The attention-output objective on a tiny synthetic attention, against brute force from the tokens:
 * the row-weighted loss is Σ_r w_r·Δ_r·G·Δ_rᵀ / N; a v row's weight is exactly its block-output error
 * at both ends of the attention's concentration (one key: ρ = 1; the plain mean of every key: ρ = 0, the
 * mean-input part); q/k row weights follow the RoPE-averaged second moments of the keys/queries and the
 * heads' value spread through o_proj, all from G, Σx and N.
 */
import { describe, expect, it } from "vitest";
import { parseGptOssConfig } from "../arch/gpt-oss/index.js";
import { createPlainMatmulBackend } from "../calib/createPlainMatmulBackend.js";
import { addLinearInputRows } from "./addLinearInputRows.js";
import { attentionOutputRowWeights } from "./attentionOutputRowWeights.js";
import { createLinearInputStatistics } from "./linearInputStatistics.js";
import { outputErrorLoss } from "./outputErrorLoss.js";
import { searchAttentionAwq } from "./searchAttentionAwq.js";

const backend = createPlainMatmulBackend();
const hidden = 64;
const nHeads = 4;
const nKvHeads = 2;
const d = 16;
const qOut = nHeads * d;
const kvOut = nKvHeads * d;
const config = parseGptOssConfig({
  file: "config.json",
  config: {
    architectures: ["GptOssForCausalLM"], model_type: "gpt_oss", num_hidden_layers: 1, layer_types: ["full_attention"], hidden_size: hidden,
    intermediate_size: 64, num_attention_heads: nHeads, num_key_value_heads: nKvHeads, head_dim: d, num_local_experts: 2, num_experts_per_tok: 1,
    vocab_size: 16, sliding_window: 8, rms_norm_eps: 1e-5, swiglu_limit: 7, max_position_embeddings: 64, rope_theta: 10000,
  },
});

function generator(seed: number) {
  let state = seed >>> 0 || 1;
  const uniform = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return { uniform, normal: () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform()) };
}
const randn = (n: number, seed: number, scale = 1, offset = 0) => {
  const { normal } = generator(seed);
  return Float32Array.from({ length: n }, () => offset + normal() * scale);
};

/** Inputs with a non-zero mean and a few large channels, like a norm's output. */
function tokens(n: number, seed: number): Float32Array {
  const { normal } = generator(seed);
  return Float32Array.from({ length: n * hidden }, (_, i) => (i % hidden === 5 ? 4 : 0.3) + normal() * (i % 16 === 3 ? 5 : 1));
}

function attention() {
  return {
    qWeight: randn(qOut * hidden, 1, 0.1), qBias: randn(qOut, 2, 0.2), kWeight: randn(kvOut * hidden, 3, 0.1), kBias: randn(kvOut, 4, 0.2),
    vWeight: randn(kvOut * hidden, 5, 0.1), vBias: randn(kvOut, 6, 0.2), oWeight: randn(hidden * qOut, 7, 0.1), oBias: randn(hidden, 8, 0.1),
    sinks: new Float32Array(nHeads).fill(-1e9),
  };
}

const project = (w: Float32Array, b: Float32Array, x: Float32Array, t: number, r: number) => {
  let s = b[r];
  for (let c = 0; c < hidden; c++) s += w[r * hidden + c] * x[t * hidden + c];
  return s;
};

/** gpt-oss attention of one sequence (causal, sinks, GQA; no RoPE), o_proj included: [n, hidden]. */
function attentionBlock(att: ReturnType<typeof attention>, x: Float32Array, n: number): Float64Array {
  const q = (t: number, r: number) => project(att.qWeight, att.qBias, x, t, r);
  const k = (t: number, r: number) => project(att.kWeight, att.kBias, x, t, r);
  const v = (t: number, r: number) => project(att.vWeight, att.vBias, x, t, r);
  const y = new Float64Array(n * hidden);
  for (let i = 0; i < n; i++) {
    const o = new Float64Array(qOut);
    for (let h = 0; h < nHeads; h++) {
      const g = Math.floor(h / (nHeads / nKvHeads));
      const z = [];
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += q(i, h * d + a) * k(j, g * d + a);
        z.push(s / Math.sqrt(d));
      }
      const max = Math.max(...z, att.sinks[h]);
      const e = z.map((s) => Math.exp(s - max));
      const total = e.reduce((a, b) => a + b, 0) + Math.exp(att.sinks[h] - max);
      for (let j = 0; j <= i; j++) for (let a = 0; a < d; a++) o[h * d + a] += (e[j] / total) * v(j, g * d + a);
    }
    for (let r = 0; r < hidden; r++) {
      let s = att.oBias[r];
      for (let c = 0; c < qOut; c++) s += att.oWeight[r * qOut + c] * o[c];
      y[i * hidden + r] = s;
    }
  }
  return y;
}

async function statsOf(x: Float32Array, n: number) {
  const stats = createLinearInputStatistics({ cols: hidden });
  await addLinearInputRows({ stats, x, n, backend });
  return stats;
}

describe("attention-output row weights", () => {
  it("the row-weighted loss is Σ_r w_r·(Δ_r·x)² per token, from kept rows and from the Gram matrix", async () => {
    const x = tokens(40, 11);
    const delta = randn(6 * hidden, 12, 0.01);
    const rowWeights = Float64Array.from({ length: 6 }, (_, r) => r + 0.5);
    let expected = 0;
    for (let t = 0; t < 40; t++) {
      for (let r = 0; r < 6; r++) {
        let e = 0;
        for (let c = 0; c < hidden; c++) e += delta[r * hidden + c] * x[t * hidden + c];
        expected += rowWeights[r] * e * e;
      }
    }
    expected /= 40;
    const rows = createLinearInputStatistics({ cols: hidden, keepRows: true });
    await addLinearInputRows({ stats: rows, x, n: 40, backend });
    expect(await outputErrorLoss({ delta, rows: 6, stats: rows, rowWeights, backend })).toBeCloseTo(expected, 8);
    expect(await outputErrorLoss({ delta, rows: 6, stats: await statsOf(x, 40), rowWeights, backend })).toBeCloseTo(expected, 8);
  });

  it("a v row's weighted error is its error at the attention block's output (one token, no sink)", async () => {
    const att = attention();
    const n = 64;
    const x = tokens(n, 13);
    // one key: concentration ρ = 1
    const { rows } = await attentionOutputRowWeights({ weights: att, config, stats: await statsOf(x, n), concentration: 1, backend });
    // v row of KV group 1, channel 3; its query heads 2 and 3 add their o_proj columns coherently
    const r = d + 3;
    const delta = new Float32Array((qOut + 2 * kvOut) * hidden);
    const perturbed = { ...att, vWeight: att.vWeight.slice() };
    const step = randn(hidden, 14, 1e-3);
    for (let c = 0; c < hidden; c++) {
      delta[(qOut + kvOut + r) * hidden + c] = step[c];
      perturbed.vWeight[r * hidden + c] += step[c];
    }
    let brute = 0;
    for (let t = 0; t < n; t++) {
      const token = x.subarray(t * hidden, (t + 1) * hidden);
      const a = attentionBlock(att, token, 1);
      const b = attentionBlock(perturbed, token, 1);
      for (let i = 0; i < hidden; i++) brute += (b[i] - a[i]) ** 2;
    }
    brute /= n;
    const weighted = await outputErrorLoss({ delta, rows: qOut + 2 * kvOut, stats: await statsOf(x, n), rowWeights: rows, backend });
    expect(weighted / brute).toBeCloseTo(1, 3);
  });

  it("q/k weights follow the RoPE-averaged key/query second moments and the heads' value spread", async () => {
    const att = attention();
    const n = 200;
    const x = tokens(n, 15);
    const w = await attentionOutputRowWeights({ weights: att, config, stats: await statsOf(x, n), concentration: 1, alignment: 1, backend });
    // brute force: E over tokens and over rotation angles of the rotated component a (NeoX halves)
    const half = d / 2;
    const rotatedMoment = (weight: Float32Array, bias: Float32Array, row0: number, a: number) => {
      let sum = 0;
      const lo = a % half;
      for (let t = 0; t < n; t++) {
        const x1 = project(weight, bias, x, t, row0 + lo);
        const x2 = project(weight, bias, x, t, row0 + lo + half);
        for (let m = 0; m < 8; m++) {
          const angle = (2 * Math.PI * m) / 8;
          const rotated = a < half ? x1 * Math.cos(angle) - x2 * Math.sin(angle) : x2 * Math.cos(angle) + x1 * Math.sin(angle);
          sum += rotated ** 2;
        }
      }
      return sum / (8 * n);
    };
    for (const a of [0, 5, 9, 15]) {
      expect(w.keySecondMoment[d + a] / rotatedMoment(att.kWeight, att.kBias, d, a)).toBeCloseTo(1, 3);
      expect(w.querySecondMoment[2 * d + a] / rotatedMoment(att.qWeight, att.qBias, 2 * d, a)).toBeCloseTo(1, 3);
    }
    // spread_h = E‖W_o,h·(v − E v)‖² over the tokens, for head 3 (KV group 1)
    const v = Array.from({ length: n }, (_, t) => Array.from({ length: d }, (_, e) => project(att.vWeight, att.vBias, x, t, d + e)));
    const vMean = Array.from({ length: d }, (_, e) => v.reduce((s, row) => s + row[e], 0) / n);
    let spread = 0;
    for (let t = 0; t < n; t++) {
      for (let o = 0; o < hidden; o++) {
        let s = 0;
        for (let e = 0; e < d; e++) s += att.oWeight[o * qOut + 3 * d + e] * (v[t][e] - vMean[e]);
        spread += s * s;
      }
    }
    expect(w.headSpread[3] / (spread / n)).toBeCloseTo(1, 3);
    // q row (head 3, dim a): (1/d)·E[k_a²]·spread₃; k row (group 1, dim a): Σ over heads 2, 3 of the queries'
    for (const a of [0, 7, 12]) {
      expect(w.rows[3 * d + a] / ((w.keySecondMoment[d + a] * w.headSpread[3]) / d)).toBeCloseTo(1, 6);
      const k = (w.querySecondMoment[2 * d + a] * w.headSpread[2] + w.querySecondMoment[3 * d + a] * w.headSpread[3]) / d;
      expect(w.rows[qOut + d + a] / k).toBeCloseTo(1, 6);
    }
  });

  it("a v error's mean-input part passes whole through an attention that averages every key", async () => {
    // q = 0: every logit 0, no sink: the last token's attention is the plain mean of all n tokens
    const att = { ...attention(), qWeight: new Float32Array(qOut * hidden), qBias: new Float32Array(qOut) };
    const n = 48;
    const x = tokens(n, 19);
    const w = await attentionOutputRowWeights({ weights: att, config, stats: await statsOf(x, n), concentration: 0, backend });
    const r = 5; // v row of KV group 0
    const step = randn(hidden, 20, 1e-3);
    const perturbed = { ...att, vWeight: att.vWeight.slice() };
    const delta = new Float32Array((qOut + 2 * kvOut) * hidden);
    for (let c = 0; c < hidden; c++) {
      perturbed.vWeight[r * hidden + c] += step[c];
      delta[(qOut + kvOut + r) * hidden + c] = step[c];
    }
    const a = attentionBlock(att, x, n).subarray((n - 1) * hidden);
    const b = attentionBlock(perturbed, x, n).subarray((n - 1) * hidden);
    let brute = 0;
    for (let i = 0; i < hidden; i++) brute += (b[i] - a[i]) ** 2;
    const weighted = await outputErrorLoss({ delta, rows: qOut + 2 * kvOut, stats: await statsOf(x, n), rowWeights: w.rows, meanRowWeights: w.meanRows, backend });
    expect(weighted / brute).toBeCloseTo(1, 3);
  });

  it("the defaults damp v's token-to-token part by ρ and q/k by ρ·η", async () => {
    const att = attention();
    const stats = await statsOf(tokens(64, 21), 64);
    const bound = await attentionOutputRowWeights({ weights: att, config, stats, concentration: 1, alignment: 1, backend });
    const damped = await attentionOutputRowWeights({ weights: att, config, stats, concentration: 0.3, alignment: 0.15, backend });
    for (const r of [0, qOut + 3]) expect(damped.rows[r] / bound.rows[r]).toBeCloseTo(0.045, 9);
    const v = qOut + kvOut + 7;
    expect(damped.rows[v] / bound.rows[v]).toBeCloseTo(0.3, 9);
    expect(damped.meanRows[v] / bound.rows[v]).toBeCloseTo(0.7, 9);
    expect(damped.meanRows[0]).toBe(0);
  });

  it("the attention search under either objective is never worse than round-to-nearest on it", async () => {
    const att = attention();
    const lw = { inputNorm: new Float32Array(hidden).fill(1), postAttentionNorm: new Float32Array(hidden).fill(1), attention: att, routerWeight: randn(2 * hidden, 16), routerBias: new Float32Array(2) };
    const attnStats = await statsOf(tokens(256, 17), 256);
    const oStats = createLinearInputStatistics({ cols: qOut });
    await addLinearInputRows({ stats: oStats, x: randn(256 * qOut, 18), n: 256, backend });
    for (const objective of ["block-output", "linear-output"] as const) {
      const result = await searchAttentionAwq({ weights: lw, config, groupSize: 32, method: "awq", objective, attnStats, oStats, backend, where: "test" });
      for (const s of result.scales) expect(s.loss).toBeLessThanOrEqual(s.rtnLoss);
    }
  });
});
