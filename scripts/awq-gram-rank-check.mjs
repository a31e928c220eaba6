#!/usr/bin/env node
// Which rank of the Gram factor (factorGram) keeps AWQ's α search honest, and what does it save? For
// some layers of a gpt-oss model: gather the q/k/v-input and o_proj-input statistics with the llama
// engine (llama.cpp's forward, as `oss-prep awq` does), then run the two scale searches (q/k/v with the
// block-output row weights, o_proj) with the exact Gram and with factors of several ranks. Per layer,
// search and rank it prints the α picked, the regret (exact loss at the factored pick over the exact
// minimum, minus 1: 0 when the pick is the exact one or as good), the largest relative error of the
// loss curve, the trace share the factor holds, and the search's seconds (factoring included).
// Usage: npm run build && node scripts/awq-gram-rank-check.mjs [--model DIR] [--gguf FILE]
//          [--sequences JSON] [--samples N] [--seqlen L] [--layers 0,1] [--ranks 32,64,128] [--threads T]
// Default model: the shared fixture (CMMLU dev calibration, converted to a temporary bf16 GGUF).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cmmluDevSequences } from "./lib/cmmluDevSequences.mjs";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    gguf: { type: "string" },
    sequences: { type: "string" },
    samples: { type: "string" },
    seqlen: { type: "string" },
    layers: { type: "string" },
    ranks: { type: "string" },
    threads: { type: "string" },
  },
});
const dist = join(resolve(import.meta.dirname, ".."), "dist", "src");
const load = (p) => import(join(dist, p));
const { sharedDir } = await load("util/paths.js");
const { machineThreads } = await load("util/threads.js");
const { openGptOssWeights } = await load("calib/index.js");
const { createOrtMatmulBackend } = await load("calib/createOrtMatmulBackend.js");
const { runLlamaGptOss } = await load("calib/llama/runLlamaGptOss.js");
const { withCalibrationGguf } = await load("calib/llama/withCalibrationGguf.js");
const { createLinearInputStatistics } = await load("awq/linearInputStatistics.js");
const { addLinearInputRows } = await load("awq/addLinearInputRows.js");
const { attentionOutputRowWeights } = await load("awq/attentionOutputRowWeights.js");
const { searchAwqScale } = await load("awq/searchAwqScale.js");
const { factorGram } = await load("awq/factorGram.js");

const dir = values.model ? resolve(values.model) : join(sharedDir(), "fixtures", "tiny-gpt-oss");
const samples = Number(values.samples ?? 16);
const seqlen = Number(values.seqlen ?? 512);
const threads = Number(values.threads ?? machineThreads());
const backend = await createOrtMatmulBackend();
const weights = await openGptOssWeights({ dir });
const config = weights.config;
const { hidden, nHeads, nKvHeads, headDim } = config;
const qOut = nHeads * headDim;
const layers = (values.layers ?? "0,1").split(",").map(Number);
const ranks = (values.ranks ?? (hidden > 1024 ? "64,128,256,512" : "16,32,64,128")).split(",").map(Number);

let sequences;
if (values.sequences) sequences = JSON.parse(await readFile(values.sequences, "utf8")).slice(0, samples).map((s) => s.slice(0, seqlen));
else sequences = (await cmmluDevSequences({ load, dir, samples, seqlen })).sequences;
const tokens = sequences.reduce((n, s) => n + s.length, 0);
console.log(`model ${dir}: hidden ${hidden}, q/k/v rows ${qOut + 2 * nKvHeads * headDim}, o_proj cols ${qOut}; ${tokens} tokens; layers ${layers.join(",")}; ranks ${ranks.join(",")}`);

const stats = new Map(layers.map((l) => [l, { attn: createLinearInputStatistics({ cols: hidden }), o: createLinearInputStatistics({ cols: qOut }) }]));
const scratch = await mkdtemp(join(tmpdir(), "gram-rank-"));
const t0 = performance.now();
await withCalibrationGguf({ dir, ggufPath: values.gguf, besideDir: scratch }, (ggufPath) =>
  runLlamaGptOss({
    ggufPath,
    sequences,
    threads,
    layers,
    omit: ["mlpInput", "routerLogits", "downInput", "output"],
    hooks: {
      onAttention: async (event) => {
        const s = stats.get(event.layer);
        await addLinearInputRows({ stats: s.attn, x: event.attnInput, n: event.rows, backend });
        await addLinearInputRows({ stats: s.o, x: event.oProjInput, n: event.rows, backend });
      },
    },
  }),
);
await rm(scratch, { recursive: true, force: true });
console.log(`statistics: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const rows = [];
for (const layer of layers) {
  const s = stats.get(layer);
  const lw = await weights.layer(layer);
  const att = lw.attention;
  const kvOut = nKvHeads * headDim;
  const qkv = new Float32Array((qOut + 2 * kvOut) * hidden);
  qkv.set(att.qWeight, 0);
  qkv.set(att.kWeight, qOut * hidden);
  qkv.set(att.vWeight, (qOut + kvOut) * hidden);
  const block = await attentionOutputRowWeights({ weights: att, config, stats: s.attn, backend });
  const nRep = nHeads / nKvHeads;
  const meanAbs = new Float64Array(qOut);
  for (let g = 0; g < nKvHeads; g++) {
    for (let e = 0; e < headDim; e++) {
      let sum = 0;
      for (let r = 0; r < nRep; r++) sum += s.o.sumAbs[(g * nRep + r) * headDim + e];
      for (let r = 0; r < nRep; r++) meanAbs[(g * nRep + r) * headDim + e] = sum / nRep / Math.max(1, s.o.count);
    }
  }
  const searches = {
    qkv: (gramRank) => searchAwqScale({ weight: qkv, rows: qOut + 2 * kvOut, cols: hidden, groupSize: 32, stats: s.attn, rowWeights: block.rows, meanRowWeights: block.meanRows, gramRank, backend }),
    o: (gramRank) => searchAwqScale({ weight: att.oWeight, rows: hidden, cols: qOut, groupSize: 32, stats: s.o, meanAbs, gramRank, backend }),
  };
  for (const [group, search] of Object.entries(searches)) {
    const cols = group === "qkv" ? hidden : qOut;
    let t = performance.now();
    const exact = await search(0);
    const exactSeconds = (performance.now() - t) / 1000;
    const min = Math.min(...exact.losses);
    rows.push({ layer, group, rank: "exact", alpha: exact.alpha, regret: 0, curveError: 0, captured: 1, seconds: exactSeconds });
    for (const rank of ranks.filter((r) => r < cols)) {
      t = performance.now();
      const approx = await search(rank);
      const seconds = (performance.now() - t) / 1000;
      const pick = approx.losses.indexOf(Math.min(...approx.losses));
      const curveError = Math.max(...approx.losses.map((l, i) => Math.abs(l / exact.losses[i] - 1)));
      const { captured } = await factorGram({ gram: (group === "qkv" ? s.attn : s.o).gram, cols, rank, backend });
      rows.push({ layer, group, rank, alpha: approx.alpha, regret: exact.losses[pick] / min - 1, curveError, captured, seconds });
    }
  }
}
console.log("| layer | search | rank | α | regret | max curve error | trace held | seconds |");
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.layer} | ${r.group} | ${r.rank} | ${r.alpha.toFixed(2)} | ${r.regret.toExponential(1)} | ${(100 * r.curveError).toFixed(1)}% | ${(100 * r.captured).toFixed(1)}% | ${r.seconds.toFixed(2)} |`);
}
await weights.close();
