#!/usr/bin/env node
// Does the q/k/v objective predict the attention block's real output error? For every layer of a gpt-oss
// checkpoint, on float activations of CMMLU dev calibration text: quantize q/k/v (AWQ grid, group 32) with
// each candidate scale α, run the layer's real attention (RoPE, sinks, sliding window, o_proj) on the
// layer's float input, and compare the measured mean ‖Δ block output‖² per token with the two objectives
// (block-output: attentionOutputRowWeights; linear-output: q/k/v weighted alike). Prints per layer the α
// each picks, the α the measurement picks, and the measured error at each pick relative to α = 0 (RTN).
// Also the measured vs predicted (bound: ρ = η = 1) error of q-only, k-only and v-only quantization at α = 0, and the
// v error's mean-input part — measured / predicted is the concentration ρ the defaults estimate (for v, after
// the mean part) and ρ·η (for q/k). block-output is evaluated at several (ρ, η).
// Usage: npm run build && node scripts/awq-objective-check.mjs [--model DIR] [--samples N] [--seqlen L]
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cmmluDevSequences } from "./lib/cmmluDevSequences.mjs";

const { values } = parseArgs({ options: { model: { type: "string" }, samples: { type: "string" }, seqlen: { type: "string" } } });
const dist = join(resolve(import.meta.dirname, ".."), "dist", "src");
const load = (p) => import(join(dist, p));
const { sharedDir } = await load("util/paths.js");
const { openGptOssWeights, runGptOss, createPlainMatmulBackend } = await load("calib/index.js");
const { applyRope } = await load("calib/applyRope.js");
const { buildRopeTable } = await load("calib/buildRopeTable.js");
const { computeRopeFrequencies } = await load("calib/computeRopeFrequencies.js");
const { gptOssAttention } = await load("calib/gptOssAttention.js");
const { createLinearInputStatistics } = await load("awq/linearInputStatistics.js");
const { addLinearInputRows } = await load("awq/addLinearInputRows.js");
const { attentionOutputRowWeights } = await load("awq/attentionOutputRowWeights.js");
const { awqScaleCandidates } = await load("awq/awqScaleCandidates.js");
const { fakeQuantizeAwqGroups } = await load("awq/fakeQuantizeAwqGroups.js");
const { outputErrorLoss } = await load("awq/outputErrorLoss.js");

const dir = values.model ? resolve(values.model) : join(sharedDir(), "fixtures", "tiny-gpt-oss");
const samples = Number(values.samples ?? 8);
const seqlen = Number(values.seqlen ?? 512);
const backend = createPlainMatmulBackend();
const { sequences } = await cmmluDevSequences({ load, dir, samples, seqlen });
const weights = await openGptOssWeights({ dir });
const config = weights.config;
const { hidden, nHeads, nKvHeads, headDim } = config;
const qOut = nHeads * headDim;
const kvOut = nKvHeads * headDim;
const rope = buildRopeTable({ frequencies: computeRopeFrequencies({ rope: config.rope, headDim }), length: seqlen });

const inputs = [];
await runGptOss({
  weights,
  sequences,
  backend,
  logits: "none",
  hooks: {
    onAttention(e) {
      inputs[e.layer] ??= [];
      inputs[e.layer].push(e.attnInput.slice());
    },
  },
});
const tokens = samples * seqlen;

/** The layer's attention block output (o_proj, no bias: it cancels) for q/k/v weights, [tokens, hidden]. */
async function block(att, layer, q, k, v) {
  const x = concat(inputs[layer]);
  const qs = await backend.matmulBias({ x, n: tokens, k: hidden, weight: q, m: qOut, bias: att.qBias });
  const ks = await backend.matmulBias({ x, n: tokens, k: hidden, weight: k, m: kvOut, bias: att.kBias });
  const vs = await backend.matmulBias({ x, n: tokens, k: hidden, weight: v, m: kvOut, bias: att.vBias });
  const context = new Float32Array(tokens * qOut);
  for (let s = 0; s < samples; s++) {
    const qq = qs.subarray(s * seqlen * qOut, (s + 1) * seqlen * qOut);
    const kk = ks.subarray(s * seqlen * kvOut, (s + 1) * seqlen * kvOut);
    applyRope({ x: qq, rows: seqlen, nHeads, headDim, table: rope });
    applyRope({ x: kk, rows: seqlen, nHeads: nKvHeads, headDim, table: rope });
    const out = await gptOssAttention({ q: qq, k: kk, v: vs.subarray(s * seqlen * kvOut, (s + 1) * seqlen * kvOut), length: seqlen, nHeads, nKvHeads, headDim, sinks: att.sinks, slidingWindow: config.slidingLayers[layer] ? config.slidingWindow : 0, backend });
    context.set(out, s * seqlen * qOut);
  }
  return backend.matmulBias({ x: context, n: tokens, k: qOut, weight: att.oWeight, m: hidden });
}

function concat(parts) {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const meanSquaredDiff = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / tokens;
};

/** Q(W·diag(s))·diag(1/s). */
const quantizeScaled = (w, rows, scale) => {
  const scaled = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < hidden; c++) scaled[r * hidden + c] = w[r * hidden + c] * scale[c];
  const q = fakeQuantizeAwqGroups({ weight: scaled, rows, cols: hidden, groupSize: 32 });
  for (let r = 0; r < rows; r++) for (let c = 0; c < hidden; c++) q[r * hidden + c] /= scale[c];
  return q;
};

// (ρ, η) pairs: the bound, the defaults, and neighbours
const rhos = [[1, 1], [0.3, 0.15], [0.1, 0.15], [0.3, 0.5], [0.03, 1]];
const lines = [`| layer | q-only measured / predicted | k-only | v-only | α block-output, (ρ, η) = ${rhos.map((r) => `(${r})`).join(" ")} (meas. vs RTN) | α linear-output (meas.) | α measured best (meas.) |`, "|---|---|---|---|---|---|---|"];
const totals = { block: rhos.map(() => 0), linear: 0, best: 0 };
for (let layer = 0; layer < config.nLayers; layer++) {
  const lw = await weights.layer(layer);
  const att = lw.attention;
  const stats = createLinearInputStatistics({ cols: hidden });
  const x = concat(inputs[layer]);
  await addLinearInputRows({ stats, x, n: tokens, backend });
  const variants = await Promise.all(rhos.map(([concentration, alignment]) => attentionOutputRowWeights({ weights: att, config, stats, concentration, alignment, backend })));
  const vMeanOnly = await attentionOutputRowWeights({ weights: att, config, stats, concentration: 0, backend });
  const bound = await attentionOutputRowWeights({ weights: att, config, stats, concentration: 1, alignment: 1, backend });
  const reference = await block(att, layer, att.qWeight, att.kWeight, att.vWeight);
  const meanAbs = stats.sumAbs.map((v) => v / tokens);
  const candidates = awqScaleCandidates({ meanAbs });
  const stacked = (q, k, v) => {
    const out = new Float32Array((qOut + 2 * kvOut) * hidden);
    out.set(q, 0);
    out.set(k, qOut * hidden);
    out.set(v, (qOut + kvOut) * hidden);
    return out;
  };
  const original = stacked(att.qWeight, att.kWeight, att.vWeight);
  const rows = qOut + 2 * kvOut;
  const measured = [];
  const predictedBlock = rhos.map(() => []);
  const predictedLinear = [];
  let parts;
  for (const { scale } of candidates) {
    const q = quantizeScaled(att.qWeight, qOut, scale);
    const k = quantizeScaled(att.kWeight, kvOut, scale);
    const v = quantizeScaled(att.vWeight, kvOut, scale);
    const delta = stacked(q, k, v).map((value, i) => value - original[i]);
    measured.push(meanSquaredDiff(await block(att, layer, q, k, v), reference));
    for (const [i, v] of variants.entries()) predictedBlock[i].push(await outputErrorLoss({ delta, rows, stats, rowWeights: v.rows, meanRowWeights: v.meanRows, backend }));
    predictedLinear.push(await outputErrorLoss({ delta, rows, stats, backend }));
    if (!parts) {
      // α = 0: each of q, k, v alone, measured and as the block-output objective predicts it
      const only = (from, to) => {
        const d = delta.slice();
        for (let i = 0; i < d.length; i++) if (i < from * hidden || i >= to * hidden) d[i] = 0;
        return d;
      };
      const m = [
        meanSquaredDiff(await block(att, layer, q, att.kWeight, att.vWeight), reference),
        meanSquaredDiff(await block(att, layer, att.qWeight, k, att.vWeight), reference),
        meanSquaredDiff(await block(att, layer, att.qWeight, att.kWeight, v), reference),
      ];
      const ranges = [[0, qOut], [qOut, qOut + kvOut], [qOut + kvOut, rows]];
      parts = [];
      for (let i = 0; i < 3; i++) parts.push(`${m[i].toExponential(2)} / ${(await outputErrorLoss({ delta: only(...ranges[i]), rows, stats, rowWeights: bound.rows, backend })).toExponential(2)}`);
      parts[2] += ` (mean part ${(await outputErrorLoss({ delta: only(qOut + kvOut, rows), rows, stats, rowWeights: vMeanOnly.rows, meanRowWeights: vMeanOnly.meanRows, backend })).toExponential(2)})`;
    }
  }
  const argmin = (a) => a.reduce((best, v, i) => (v < a[best] ? i : best), 0);
  const pick = (a) => {
    const i = argmin(a);
    return `${candidates[i].alpha.toFixed(2)} (${(measured[i] / measured[0]).toFixed(3)})`;
  };
  rhos.forEach((_, i) => {
    totals.block[i] += measured[argmin(predictedBlock[i])] / measured[0];
  });
  totals.linear += measured[argmin(predictedLinear)] / measured[0];
  totals.best += measured[argmin(measured)] / measured[0];
  lines.push(`| ${layer} | ${parts.join(" | ")} | ${predictedBlock.map(pick).join(" ")} | ${pick(predictedLinear)} | ${pick(measured)} |`);
  process.stderr.write(`${lines.at(-1)}\n`);
}
const n = config.nLayers;
lines.push("", `mean measured block error at the pick / RTN: block-output ${rhos.map((r, i) => `(ρ, η) = (${r}): ${(totals.block[i] / n).toFixed(3)}`).join(", ")}, linear-output ${(totals.linear / n).toFixed(3)}, measured best ${(totals.best / n).toFixed(3)}`);
console.log(`${dir}, ${samples} × ${seqlen} tokens of CMMLU dev\n\n${lines.join("\n")}`);
await weights.close();
