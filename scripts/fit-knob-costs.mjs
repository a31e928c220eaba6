#!/usr/bin/env node
// What each deployment knob costs in divergence from BF16, on the trained fixture: the measurements
// `oss-prep fit` ranks by (src/plan/measuredKnobCosts.ts, docs/quality.md "Cost of each knob").
//
// Knobs measured: the quantization type with the MXFP4 experts kept (Q8_0, Q6_K, Q5_K_M, Q4_K_M,
// MXFP4_MOE) or requantized by the recipe (Q8_0, Q5_K_M, Q4_K_M; `--experts requant`), and the KV cache
// type (f16, q8_0, q4_0 for K and V alike, llama.cpp's --cache-type-k/-v) on the Q5_K_M variant.
// Each against the fixture's BF16 GGUF on the same text as docs/quality.md's quantized-variant section:
// the 0-shot CMMLU prompts of the trained rows (i%5!=0, 20 per subject), round-robin over subjects, 512-token
// sequences, --kl-tokens positions. Reported: mean KL(BF16 ‖ variant) per position with a 95% interval
// from the sequences (positions within a sequence are correlated, sequences are not: ratio estimator, as
// scripts/awq-fixture-quality.mjs), top-1 agreement with its interval the same way, and for the KV types
// also KL against the same weights with an f16 cache (what the cache type alone adds).
//
// The KV cache type: node-llama-cpp 3.21.1 exposes it as createContext's experimentalKvCacheKeyType /
// experimentalKvCacheValueType (resolved to GgmlType; flash attention stays "auto", and llama.cpp enables
// it for a quantized V cache, which needs it). oss-prep's loadEvalModel does not pass them, so this script wraps
// LlamaModel.prototype.createContext to add them — every other setting stays the eval's own — and checks
// the context's reported kvCacheKeyType/kvCacheValueType, so a silently ignored option cannot pass for a
// measurement.
//
// Usage: npm run build && node scripts/fit-knob-costs.mjs [--kl-tokens 16384] [--json OUT]
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { GgmlType as LlamaGgmlType, LlamaModel } from "node-llama-cpp";

const { values } = parseArgs({ options: { json: { type: "string" }, "kl-tokens": { type: "string" } } });
const dist = join(resolve(import.meta.dirname, ".."), "dist", "src");
const load = (p) => import(join(dist, p));
const { sharedDir } = await load("util/paths.js");
const { convertCheckpoint } = await load("convert/convertCheckpoint.js");
const { quantizeModel } = await load("quant/quantizeModel.js");
const { readCmmluDir } = await load("eval/cmmlu/readCmmluDir.js");
const { selectCmmluQuestions } = await load("eval/cmmlu/selectCmmluQuestions.js");
const { parseRowFilter } = await load("eval/cmmlu/parseRowFilter.js");
const { planCmmluQuestions } = await load("eval/cmmlu/evaluateCmmlu.js");
const { Z95 } = await load("eval/accuracyStatistics.js");
const { loadEvalModel } = await load("eval/loadEvalModel.js");
const { computeTokenDistributions } = await load("eval/computeTokenDistributions.js");
const { divergenceSequencesFromPrompts } = await load("eval/divergenceSequences.js");
const { percentile } = await load("eval/percentile.js");
const { readGguf } = await load("formats/gguf/readGguf.js");
const { GgmlType, ggmlTypeName, ggmlTensorBytes } = await load("formats/gguf/ggmlTypes.js");
const { planQuantization } = await load("quant/planQuantization.js");
const { quantizeTypeFromName } = await load("quant/recipe/quantizeTypes.js");
const { parseGptOssConfig, planGgufTensors } = await load("arch/gpt-oss/index.js");
const { buildSyntheticConfig } = await load("synth/buildSyntheticConfig.js");
const { planSyntheticCheckpoint } = await load("synth/planSyntheticCheckpoint.js");

const fixture = join(sharedDir(), "fixtures", "tiny-gpt-oss");
const dataset = await readCmmluDir({ dir: join(sharedDir(), "cmmlu") });
const klTokens = Number(values["kl-tokens"] ?? 16384);
// explicit: node-llama-cpp's own default oversubscribes a 2-core machine (src/util/threads.ts)
const threads = Math.max(1, availableParallelism());
const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

// The KV cache type of the next contexts: read by the createContext wrapper below.
let kvCache = { name: "f16", type: "F16" };
const createdContextTypes = [];
const originalCreateContext = LlamaModel.prototype.createContext;
LlamaModel.prototype.createContext = async function createContextWithKvType(options = {}) {
  const context = await originalCreateContext.call(this, { ...options, experimentalKvCacheKeyType: kvCache.type, experimentalKvCacheValueType: kvCache.type });
  createdContextTypes.push({ key: LlamaGgmlType[context.kvCacheKeyType], value: LlamaGgmlType[context.kvCacheValueType], flashAttention: context.flashAttention });
  if (context.kvCacheKeyType !== LlamaGgmlType[kvCache.type] || context.kvCacheValueType !== LlamaGgmlType[kvCache.type]) {
    throw new Error(`asked for a ${kvCache.type} KV cache, the context reports K ${LlamaGgmlType[context.kvCacheKeyType]} / V ${LlamaGgmlType[context.kvCacheValueType]}`);
  }
  return context;
};

const variants = [
  { knob: "quant", type: "Q8_0", experts: "keep" },
  { knob: "quant", type: "Q6_K", experts: "keep" },
  { knob: "quant", type: "Q5_K_M", experts: "keep" },
  { knob: "quant", type: "Q4_K_M", experts: "keep" },
  { knob: "quant", type: "MXFP4_MOE", experts: "keep" },
  { knob: "quant", type: "Q8_0", experts: "requant" },
  { knob: "quant", type: "Q5_K_M", experts: "requant" },
  { knob: "quant", type: "Q4_K_M", experts: "requant" },
  { knob: "kv", type: "Q5_K_M", experts: "keep", kv: { name: "q8_0", type: "Q8_0" } },
  { knob: "kv", type: "Q5_K_M", experts: "keep", kv: { name: "q4_0", type: "Q4_0" } },
];
const kvBaseName = "Q5_K_M experts keep, KV f16";
for (const v of variants) v.name = `${v.type} experts ${v.experts}, KV ${v.kv?.name ?? "f16"}`;

/**
 * Position-weighted mean over sequences with the 95% interval of a ratio estimator: each sequence is one
 * unit (its positions are correlated), `sums[i]` the sequence's total, `counts[i]` its positions.
 */
function ratioInterval(sums, counts) {
  const n = sums.length;
  const total = counts.reduce((a, b) => a + b, 0);
  const mean = sums.reduce((a, b) => a + b, 0) / total;
  const wbar = total / n;
  const variance = sums.reduce((a, s, i) => a + (s - mean * counts[i]) ** 2, 0) / (n - 1) / (n * wbar * wbar);
  const half = Z95 * Math.sqrt(variance);
  return { mean, ci95: [mean - half, mean + half] };
}

/** Mean of per-sequence means with a normal 95% interval (the pruning tables' figure, scripts/prune-fixture-variants.mjs). */
function meanInterval(xs) {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const half = (Z95 * sd) / Math.sqrt(n);
  return { mean, ci95: [mean - half, mean + half] };
}

/** KL(P ‖ Q) and top-1 agreement at every position of every sequence; P and Q log-probabilities. */
function compare(base, other) {
  const klSums = [];
  const topSums = [];
  const counts = [];
  const all = [];
  for (let i = 0; i < base.length; i++) {
    const P = base[i].logProbs;
    const Q = other[i].logProbs;
    const V = base[i].vocabSize;
    const n = base[i].tokens.length;
    let klSum = 0;
    let same = 0;
    for (let p = 0; p < n; p++) {
      let kl = 0;
      let ap = 0;
      let aq = 0;
      const o = p * V;
      for (let t = 0; t < V; t++) {
        const lp = P[o + t];
        kl += Math.exp(lp) * (lp - Q[o + t]);
        if (lp > P[o + ap]) ap = t;
        if (Q[o + t] > Q[o + aq]) aq = t;
      }
      // rounding can make a tiny KL negative; it is a distance (as divergenceAccumulator)
      kl = Math.max(0, kl);
      all.push(kl);
      klSum += kl;
      if (ap === aq) same++;
    }
    klSums.push(klSum);
    topSums.push(same);
    counts.push(n);
  }
  all.sort((a, b) => a - b);
  return {
    positions: all.length,
    sequences: base.length,
    kl: { ...ratioInterval(klSums, counts), median: percentile(all, 0.5), p99: percentile(all, 0.99), max: all[all.length - 1] },
    top1: ratioInterval(topSums, counts),
    klSequenceMean: meanInterval(klSums.map((s, i) => s / counts[i])),
  };
}

/**
 * Digest of a GGUF's tensors (names, types, shapes and data), not of its metadata: Q8_0 with the experts
 * kept and MXFP4_MOE make the same tensors and differ only in general.file_type, so one evaluation
 * serves both (llama.cpp's evaluation is deterministic here).
 */
async function weightsDigest(path) {
  const gguf = await readGguf({ path });
  const hash = createHash("sha256");
  hash.update(JSON.stringify(gguf.tensors.map((t) => [t.name, t.type, t.shape])));
  hash.update((await readFile(path)).subarray(gguf.dataOffset));
  return hash.digest("hex");
}

/** The type plan for the real gpt-oss-20b shapes (no weights), as src/quant/planQuantization.fullShape.test.ts. */
function fullSizePlan(type, experts) {
  const config = JSON.parse(buildSyntheticConfig({ preset: "gpt-oss-20b" })["config.json"]);
  const hp = parseGptOssConfig({ config, file: "gpt-oss-20b/config.json" });
  const synthetic = planSyntheticCheckpoint({ preset: "gpt-oss-20b" });
  const tensors = synthetic.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file: synthetic.weightMap[t.name] }));
  const plans = planGgufTensors({ tensors, hp, where: "gpt-oss-20b", experts: "mxfp4" });
  const input = plans.map((p) => ({ name: p.name, shape: p.shape, type: p.source.kind === "mxfp4" ? GgmlType.MXFP4 : p.forceF32 ? GgmlType.F32 : GgmlType.BF16 }));
  const plan = planQuantization({ tensors: input, quantizeType: quantizeTypeFromName(type), experts, nExpert: hp.nExperts, nLayer: hp.nLayers, where: "gpt-oss-20b" });
  const bytes = plan.tensors.reduce((a, t) => a + ggmlTensorBytes(t.type, t.shape), 0);
  const weights = plan.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  return { tensors: plan.tensors, bitsPerWeight: (bytes * 8) / weights, bytes };
}

/** Tensor class (name without blk.N.) → written type names, e.g. "Q5_K×20, Q5_1×4". */
function typesByClass(tensors) {
  const classes = new Map();
  for (const t of tensors) {
    const c = t.name.replace(/^blk\.\d+\./, "");
    const m = classes.get(c) ?? new Map();
    const name = ggmlTypeName(t.type);
    m.set(name, (m.get(name) ?? 0) + 1);
    classes.set(c, m);
  }
  return new Map([...classes].map(([c, m]) => [c, [...m].map(([n, k]) => (m.size === 1 ? n : `${n}×${k}`)).join(", ")]));
}

/** "q8_0×12, q5_1×12" → "q5_1:0.500,q8_0:0.500": the type mix of a class, independent of the layer count. */
function shares(types) {
  if (types === undefined) return undefined;
  const parts = types.split(", ").map((p) => {
    const [name, count] = p.split("×");
    return [name, Number(count ?? 1)];
  });
  const total = parts.reduce((a, [, n]) => a + n, 0);
  return parts
    .map(([name, n]) => `${name}:${(n / total).toFixed(3)}`)
    .sort()
    .join(",");
}

async function distributions(path, sequences) {
  const model = await loadEvalModel({ path, threads });
  try {
    const slots = await model.createSlots({ contextSize: Math.max(...sequences.map((s) => s.length)), sequences: 1 });
    try {
      return await computeTokenDistributions({ slots, tokens: sequences });
    } finally {
      await slots.dispose();
    }
  } finally {
    await model.dispose();
  }
}

const tmp = await mkdtemp(join(tmpdir(), "oss-prep-fit-knobs-"));
const t0 = performance.now();
try {
  const baselinePath = join(tmp, "BF16.gguf");
  await convertCheckpoint({ dir: fixture, outPath: baselinePath, outtype: "bf16" });
  const quantized = new Map();
  for (const v of variants) {
    const key = `${v.type}-${v.experts}`;
    if (!quantized.has(key)) {
      const path = join(tmp, `${key}.gguf`);
      const q = await quantizeModel({ input: fixture, outPath: path, type: v.type, experts: v.experts });
      const full = fullSizePlan(v.type, v.experts);
      quantized.set(key, {
        path,
        bitsPerWeight: q.bitsPerWeight,
        bytes: q.fileBytes,
        digest: await weightsDigest(path),
        fixtureTypes: typesByClass(q.tensors),
        fullSize: { bitsPerWeight: full.bitsPerWeight, tensorBytes: full.bytes, types: typesByClass(full.tensors) },
      });
    }
    Object.assign(v, quantized.get(key));
  }
  log(`quantized ${quantized.size} files, ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  // divergence text: the selected 0-shot prompts, round-robin over subjects (as scripts/eval-fixture-variants.mjs)
  const questions = (await selectCmmluQuestions({ dataset, spec: { rows: parseRowFilter({ text: "i%5!=0" }), perSubject: 20 } })).questions;
  const tokenizer = await loadEvalModel({ path: baselinePath, threads });
  let sequences;
  try {
    const planned = await planCmmluQuestions({ model: tokenizer, dataset, questions, shots: 0, method: "continuation" });
    const groups = new Map();
    for (const q of planned) groups.set(q.question.subject, [...(groups.get(q.question.subject) ?? []), q.prompt]);
    sequences = divergenceSequencesFromPrompts({ groups: [...groups.values()], tokenize: tokenizer.tokenize, chunkTokens: 512, maxTokens: klTokens });
  } finally {
    await tokenizer.dispose();
  }
  const positions = sequences.reduce((a, s) => a + s.length, 0);
  log(`divergence text: ${sequences.length} sequences, ${positions} positions, ${threads} threads`);

  const base = await distributions(baselinePath, sequences);
  log(`BF16 distributions, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const results = [];
  let kvBase;
  for (const v of variants) {
    const t1 = performance.now();
    kvCache = v.kv ?? { name: "f16", type: "F16" };
    const r = { name: v.name, knob: v.knob, type: v.type, experts: v.experts, kvCache: kvCache.name, bitsPerWeight: v.bitsPerWeight, bytes: v.bytes };
    const twin = results.find((o) => o.digest === v.digest && o.kvCache === kvCache.name);
    if (twin) {
      Object.assign(r, { vsBf16: twin.vsBf16, sameWeightsAs: twin.name, digest: v.digest, seconds: 0 });
      results.push(r);
      log(`${v.name}: the same tensors as ${twin.name} (only general.file_type differs), not evaluated again`);
      continue;
    }
    const dists = await distributions(v.path, sequences);
    const vsBf16 = compare(base, dists);
    Object.assign(r, { vsBf16, digest: v.digest });
    if (v.name === kvBaseName) kvBase = dists;
    else if (v.knob === "kv") {
      // what the cache type adds on top of the same weights with an f16 cache
      r.vsKvF16 = compare(kvBase, dists);
    }
    r.seconds = (performance.now() - t1) / 1000;
    results.push(r);
    log(`${v.name}: KL ${vsBf16.kl.mean.toExponential(3)} (${vsBf16.kl.ci95.map((x) => x.toExponential(2)).join(" – ")}), top-1 ${(vsBf16.top1.mean * 100).toFixed(2)}%, ${r.seconds.toFixed(0)} s`);
  }

  const e = (x) => x.toExponential(3);
  const pct = (x) => `${(x * 100).toFixed(2)}%`;
  console.log(`fixture ${fixture}; CMMLU 0-shot trained prompts, ${sequences.length} sequences, ${positions} positions; ${threads} threads; contexts: ${[...new Set(createdContextTypes.map((c) => `K ${c.key} / V ${c.value} (flash attention ${c.flashAttention})`))].join(", ")}`);
  console.log("");
  console.log("| variant | bits/weight | mean KL vs BF16 (95% CI) | per-sequence mean (95% CI) | median | p99 | max | top-1 same (95% CI) | KL vs same weights, f16 KV (95% CI) | top-1 vs f16 KV |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const k = r.vsBf16.kl;
    const kv = r.vsKvF16 ? `${e(r.vsKvF16.kl.mean)} (${e(r.vsKvF16.kl.ci95[0])} – ${e(r.vsKvF16.kl.ci95[1])}) | ${pct(r.vsKvF16.top1.mean)}` : "– | –";
    console.log(
      `| ${r.name} | ${r.bitsPerWeight.toFixed(3)} | ${e(k.mean)} (${e(k.ci95[0])} – ${e(k.ci95[1])}) | ${e(r.vsBf16.klSequenceMean.mean)} (${e(r.vsBf16.klSequenceMean.ci95[0])} – ${e(r.vsBf16.klSequenceMean.ci95[1])}) | ${k.median.toExponential(2)} | ${k.p99.toExponential(2)} | ${k.max.toExponential(2)} | ` +
        `${pct(r.vsBf16.top1.mean)} (${pct(r.vsBf16.top1.ci95[0])} – ${pct(r.vsBf16.top1.ci95[1])}) | ${kv} |`,
    );
  }
  console.log("");
  const twins = results.filter((r) => r.sameWeightsAs).map((r) => `${r.name} has the same tensors as ${r.sameWeightsAs} (one evaluation)`);
  console.log(`Notes: ${twins.join("; ") || "none"}`);
  console.log("");
  console.log("Tensor types, fixture vs gpt-oss-20b (the same recipe on the real shapes; classes whose types differ):");
  console.log("");
  console.log("| variant | bits/weight fixture / gpt-oss-20b | tensor class | fixture | gpt-oss-20b |");
  console.log("|---|---|---|---|---|");
  for (const [key, q] of quantized) {
    // compared as shares of the class (the fixture has 8 layers, gpt-oss-20b 24): "q8_0×4, q5_1×4" matches "q8_0×12, q5_1×12"
    const rows = [...q.fullSize.types].filter(([c, t]) => shares(q.fixtureTypes.get(c)) !== shares(t));
    const bpw = `${q.bitsPerWeight.toFixed(3)} / ${q.fullSize.bitsPerWeight.toFixed(3)}`;
    if (rows.length === 0) console.log(`| ${key} | ${bpw} | (all the same) | | |`);
    for (const [c, t] of rows) console.log(`| ${key} | ${bpw} | ${c} | ${q.fixtureTypes.get(c)} | ${t} |`);
  }
  console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (values.json) {
    const plain = results.map(({ digest, ...r }) => r);
    await writeFile(values.json, `${JSON.stringify({ fixture, sequences: sequences.length, positions, threads, contexts: createdContextTypes, results: plain }, null, 2)}\n`);
  }
} finally {
  LlamaModel.prototype.createContext = originalCreateContext;
  await rm(tmp, { recursive: true, force: true });
}
