/**
 * The searches on synthetic data where the answer is known: AWQ protects salient input channels (large
 * activations) and beats round-to-nearest on its objective, clipping never increases a group's error,
 * the loss is the same from kept rows and from the Gram matrix, and the attention search shares the
 * o_proj scale across the query heads of a KV group.
 */
import { describe, expect, it } from "vitest";
import { parseGptOssConfig } from "../arch/gpt-oss/index.js";
import { createPlainMatmulBackend } from "../calib/createPlainMatmulBackend.js";
import { addLinearInputRows } from "./addLinearInputRows.js";
import { awqScaleCandidates } from "./awqScaleCandidates.js";
import { fakeQuantizeAwqGroups } from "./fakeQuantizeAwqGroups.js";
import { gramDiagonalBlocks } from "./gramDiagonalBlocks.js";
import { createLinearInputStatistics } from "./linearInputStatistics.js";
import { outputErrorLoss } from "./outputErrorLoss.js";
import { searchAttentionAwq } from "./searchAttentionAwq.js";
import { searchAwqClip } from "./searchAwqClip.js";
import { searchAwqScale } from "./searchAwqScale.js";
import { unpackAwqGemm } from "./unpackAwqGemm.js";

const backend = createPlainMatmulBackend();

function generator(seed: number) {
  let state = seed >>> 0 || 1;
  const uniform = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return { uniform, normal: () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform()) };
}

/** Activations [tokens, cols] whose first few channels are 30× larger (the salient channels AWQ is about). */
function activations(tokens: number, cols: number, seed: number): Float32Array {
  const { normal } = generator(seed);
  const x = new Float32Array(tokens * cols);
  for (let t = 0; t < tokens; t++) for (let c = 0; c < cols; c++) x[t * cols + c] = normal() * (c % 16 === 3 ? 30 : 1);
  return x;
}

function weights(rows: number, cols: number, seed: number): Float32Array {
  const { normal } = generator(seed);
  return Float32Array.from({ length: rows * cols }, () => normal() * 0.02);
}

describe("AWQ scale search", () => {
  it("candidates: α = 0 is all ones, every candidate is normalised to √(max·min) = 1", () => {
    const meanAbs = Float32Array.from({ length: 64 }, (_, c) => 0.1 + c);
    const candidates = awqScaleCandidates({ meanAbs });
    expect(candidates).toHaveLength(20);
    expect(candidates[0].alpha).toBe(0);
    expect(Array.from(candidates[0].scale).every((s) => s === 1)).toBe(true);
    for (const { scale } of candidates) {
      const max = Math.max(...scale);
      const min = Math.min(...scale);
      expect(Math.sqrt(max * min)).toBeCloseTo(1, 5);
    }
    expect(candidates[19].alpha).toBe(0.95);
  });

  it("the loss is the same from kept rows and from the Gram matrix", async () => {
    const x = activations(40, 64, 1);
    const rowsStats = createLinearInputStatistics({ cols: 64, keepRows: true });
    const gramStats = createLinearInputStatistics({ cols: 64 });
    await addLinearInputRows({ stats: rowsStats, x, n: 40, backend });
    await addLinearInputRows({ stats: gramStats, x, n: 40, backend });
    expect(rowsStats.rows).toBeDefined();
    const delta = weights(8, 64, 2);
    const a = await outputErrorLoss({ delta, rows: 8, stats: rowsStats, backend });
    const b = await outputErrorLoss({ delta, rows: 8, stats: gramStats, backend });
    expect(b).toBeCloseTo(a, 4);
    // past `cols` rows, kept rows turn into the Gram matrix and the loss does not change
    await addLinearInputRows({ stats: rowsStats, x: activations(40, 64, 3), n: 40, backend });
    await addLinearInputRows({ stats: gramStats, x: activations(40, 64, 3), n: 40, backend });
    expect(rowsStats.rows).toBeUndefined();
    expect(await outputErrorLoss({ delta, rows: 8, stats: rowsStats, backend })).toBeCloseTo(await outputErrorLoss({ delta, rows: 8, stats: gramStats, backend }), 4);
  });

  it("protects salient channels: α > 0 and a lower output error than round-to-nearest", async () => {
    const cols = 128;
    const rows = 32;
    const stats = createLinearInputStatistics({ cols });
    await addLinearInputRows({ stats, x: activations(512, cols, 4), n: 512, backend });
    const weight = weights(rows, cols, 5);
    const search = await searchAwqScale({ weight, rows, cols, groupSize: 32, stats, backend });
    expect(search.alpha).toBeGreaterThan(0);
    expect(search.loss).toBeLessThan(0.8 * search.rtnLoss);
    expect(search.losses[0]).toBe(search.rtnLoss);
    expect(Math.min(...search.losses)).toBe(search.loss);
    // the salient channels get the largest scales
    expect(search.scale[3]).toBeGreaterThan(search.scale[4]);
  });

  it("a Gram factor of rank below the width tracks the exact loss curve and picks an α as good", async () => {
    const cols = 128;
    const rows = 32;
    const stats = createLinearInputStatistics({ cols });
    await addLinearInputRows({ stats, x: activations(512, cols, 6), n: 512, backend });
    const weight = weights(rows, cols, 7);
    const exact = await searchAwqScale({ weight, rows, cols, groupSize: 32, stats, backend });
    const factored = await searchAwqScale({ weight, rows, cols, groupSize: 32, stats, gramRank: 24, backend });
    expect(factored.losses).toHaveLength(exact.losses.length);
    // not the same numbers (a factor, not the Gram) …
    expect(factored.losses).not.toEqual(exact.losses);
    // … but within a few percent at every α, and the pick costs ≤ 1% over the exact minimum
    for (const [i, l] of factored.losses.entries()) expect(Math.abs(l / exact.losses[i] - 1)).toBeLessThan(0.05);
    const pick = factored.losses.indexOf(factored.loss);
    expect(exact.losses[pick] / exact.loss - 1).toBeLessThan(0.01);
    // rank ≥ width: the exact Gram
    expect((await searchAwqScale({ weight, rows, cols, groupSize: 32, stats, gramRank: cols, backend })).losses).toEqual(exact.losses);
  });

  it("clipping: each group's error never grows, and an outlier weight gets clipped", async () => {
    const cols = 64;
    const rows = 4;
    const weight = weights(rows, cols, 6);
    weight[5] = 0.5; // one outlier in group 0 of row 0
    const x = activations(256, cols, 7).map((v) => v / 30);
    const stats = { cols, count: 256, sumAbs: new Float64Array(cols), sum: new Float64Array(cols), keepRows: true, rows: x };
    const blocks = gramDiagonalBlocks({ stats, groupSize: 32 });
    const clip = await searchAwqClip({ weight, rows, cols, groupSize: 32, blocks });
    // the errors as products through a backend: the same picks, the same losses to float32's precision
    const viaProducts = await searchAwqClip({ weight, rows, cols, groupSize: 32, blocks, backend });
    expect(Array.from(viaProducts.clipMax)).toEqual(Array.from(clip.clipMax));
    expect(viaProducts.clippedGroups).toBe(clip.clippedGroups);
    expect(viaProducts.lossAfter / clip.lossAfter - 1).toBeLessThan(1e-5);
    expect(Math.abs(viaProducts.lossBefore / clip.lossBefore - 1)).toBeLessThan(1e-5);
    expect(clip.lossAfter).toBeLessThanOrEqual(clip.lossBefore);
    expect(clip.clipMax[0]).toBeLessThan(0.5);
    // the chosen clipping reproduces the error it reports
    const q = fakeQuantizeAwqGroups({ weight, rows, cols, groupSize: 32, clipMax: clip.clipMax });
    let error = 0;
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < 2; g++) {
        for (let i = 0; i < 32; i++) {
          for (let j = 0; j < 32; j++) {
            const di = q[r * cols + g * 32 + i] - weight[r * cols + g * 32 + i];
            const dj = q[r * cols + g * 32 + j] - weight[r * cols + g * 32 + j];
            error += di * blocks[(g * 32 + i) * 32 + j] * dj;
          }
        }
      }
    }
    expect(error).toBeCloseTo(clip.lossAfter, 10);
  });
});

describe("attention search", () => {
  it("shares the o_proj scale across the query heads of a KV group and folds it into v_proj rows and bias", async () => {
    const config = parseGptOssConfig({
      file: "config.json",
      config: {
        architectures: ["GptOssForCausalLM"], model_type: "gpt_oss", num_hidden_layers: 1, layer_types: ["full_attention"], hidden_size: 64,
        intermediate_size: 64, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, num_local_experts: 2, num_experts_per_tok: 1,
        vocab_size: 16, sliding_window: 8, rms_norm_eps: 1e-5, swiglu_limit: 7, max_position_embeddings: 64, rope_theta: 10000,
      },
    });
    const attnStats = createLinearInputStatistics({ cols: 64 });
    const oStats = createLinearInputStatistics({ cols: 64 });
    await addLinearInputRows({ stats: attnStats, x: activations(128, 64, 8), n: 128, backend });
    await addLinearInputRows({ stats: oStats, x: activations(128, 64, 9), n: 128, backend });
    const lw = {
      inputNorm: new Float32Array(64).fill(1), postAttentionNorm: new Float32Array(64).fill(1),
      attention: {
        qWeight: weights(64, 64, 10), qBias: new Float32Array(64), kWeight: weights(32, 64, 11), kBias: new Float32Array(32),
        vWeight: weights(32, 64, 12), vBias: Float32Array.from({ length: 32 }, (_, i) => i / 32), oWeight: weights(64, 64, 13), oBias: new Float32Array(64), sinks: new Float32Array(4),
      },
      routerWeight: weights(2, 64, 14), routerBias: new Float32Array(2),
    };
    const result = await searchAttentionAwq({ weights: lw, config, groupSize: 32, method: "awq", attnStats, oStats, backend, where: "test" });
    const s2 = result.oScale!;
    // heads 0,1 read KV head 0; heads 2,3 KV head 1: channel e has one scale per KV group
    for (let e = 0; e < 16; e++) {
      expect(s2[16 + e]).toBe(s2[e]);
      expect(s2[48 + e]).toBe(s2[32 + e]);
    }
    for (let r = 0; r < 32; r++) expect(result.vBias![r]).toBeCloseTo(lw.attention.vBias[r] / s2[Math.floor(r / 16) * 32 + (r % 16)], 6);
    for (let c = 0; c < 64; c++) expect(result.inputNorm![c]).toBeCloseTo(1 / result.qkvScale![c], 6);
    expect(unpackAwqGemm({ tensors: result.linears.get("o_proj")! }).rows).toBe(64);
    for (const s of result.scales) expect(s.loss).toBeLessThanOrEqual(s.rtnLoss);
  });
});
