#!/usr/bin/env node
// Pruning quality on the tiny fixture (docs/quality.md, "Pruning"): one calibration pass (CMMLU dev
// questions, the prune command's default of 16384 tokens), then pruned checkpoints by several selection
// methods at the same keep counts, each converted to BF16 GGUF and compared with the unpruned BF16 GGUF:
// CMMLU trained-subset accuracy (0-shot, first 20 questions per subject of rows i%5!=0: 1340 questions)
// with the paired loss (for the configurations marked `accuracy`), and KL(unpruned ‖ pruned) over every position of the selected prompts (8192
// tokens), with a 95% interval over sequences; selection methods are compared by their paired per-sequence
// KL differences. Usage: npm run build && node scripts/prune-fixture-variants.mjs [--json OUT] [--quick]
// [--keep N (experts kept, default 6)] [--kl-only (skip CMMLU)] [--experts-only] [--calib-tokens N] [--cmmlu-only]
// [--variants REAP,frequency]
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { json: { type: "string" }, quick: { type: "boolean" }, "calib-tokens": { type: "string" }, keep: { type: "string" }, "kl-only": { type: "boolean" }, "experts-only": { type: "boolean" }, "cmmlu-only": { type: "boolean" }, variants: { type: "string" } } });
const dist = join(resolve(import.meta.dirname, ".."), "dist", "src");
const load = (p) => import(join(dist, p));
const { sharedDir } = await load("util/paths.js");
const { convertCheckpoint } = await load("convert/convertCheckpoint.js");
const { readCmmluDir } = await load("eval/cmmlu/readCmmluDir.js");
const { selectCmmluQuestions } = await load("eval/cmmlu/selectCmmluQuestions.js");
const { parseRowFilter } = await load("eval/cmmlu/parseRowFilter.js");
const { evaluateCmmlu, planCmmluQuestions } = await load("eval/cmmlu/evaluateCmmlu.js");
const { summarizeCmmlu } = await load("eval/cmmlu/summarizeCmmlu.js");
const { pairedAccuracyDifference, Z95 } = await load("eval/accuracyStatistics.js");
const { loadEvalModel } = await load("eval/loadEvalModel.js");
const { computeTokenDistributions } = await load("eval/computeTokenDistributions.js");
const { divergenceSequencesFromPrompts } = await load("eval/divergenceSequences.js");
const { readGptOssConfig } = await load("arch/gpt-oss/hyperparameters.js");
const { createOrtMatmulBackend } = await load("calib/index.js");
const { planPruning } = await load("prune/planPruning.js");
const { pruneCheckpoint } = await load("prune/pruneCheckpoint.js");
const { scoreForPruning } = await load("prune/scoreForPruning.js");
const { loadCalibrationSequences } = await load("calib/data/loadCalibrationSequences.js");

const fixture = join(sharedDir(), "fixtures", "tiny-gpt-oss");
const dataset = await readCmmluDir({ dir: join(sharedDir(), "cmmlu") });
const shape = await readGptOssConfig({ dir: fixture });
const quick = values.quick === true;
const calibTokens = Number(values["calib-tokens"] ?? 16384);
const perSubject = quick ? 5 : 20;
const klTokens = quick ? 2048 : 8192;
const tmp = await mkdtemp(join(tmpdir(), "oss-prep-prune-variants-"));
const pct = (x) => `${(x * 100).toFixed(1)}%`;
const pp = (x) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}`;
const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** Mean and 95% normal interval over units (sequences). */
function meanInterval(xs) {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const half = (Z95 * sd) / Math.sqrt(n);
  return { mean, ci95: [mean - half, mean + half] };
}

try {
  const baselinePath = join(tmp, "unpruned-bf16.gguf");
  await convertCheckpoint({ dir: fixture, outPath: baselinePath, outtype: "bf16" });
  // the prune command's default: CMMLU dev questions and the built-in text (--cmmlu-only: the dev questions alone, ~17.6k tokens here)
  const calibration = await loadCalibrationSequences({ source: { kind: "cmmlu", dataset, withBuiltinText: values["cmmlu-only"] !== true }, checkpointDir: fixture, maxTokens: calibTokens, sequenceLength: 512 });
  const backend = await createOrtMatmulBackend();
  const scores = await scoreForPruning({ dir: fixture, sequences: calibration.sequences, backend });
  await backend.dispose();
  log(`calibration: ${scores.sequences} sequences, ${scores.tokens} tokens, ${scores.seconds.toFixed(1)} s (${calibration.description})`);

  const e = Number(values.keep ?? 6);
  const seeds = quick ? [0, 1] : [0, 1, 2];
  const variants = [
    { group: `experts ${shape.nExperts} → ${e}`, name: "REAP", plan: { expertsKeep: { count: e } }, expertScore: "reap", accuracy: true },
    { group: `experts ${shape.nExperts} → ${e}`, name: "REAP, top-k renormalised gate", plan: { expertsKeep: { count: e } }, expertScore: "reap_topk" },
    { group: `experts ${shape.nExperts} → ${e}`, name: "REAP × frequency (Σ over all tokens)", plan: { expertsKeep: { count: e } }, expertScore: "reap_sum" },
    { group: `experts ${shape.nExperts} → ${e}`, name: "frequency", plan: { expertsKeep: { count: e } }, expertScore: "frequency", accuracy: true },
    { group: `experts ${shape.nExperts} → ${e}`, name: "mean output norm", plan: { expertsKeep: { count: e } }, expertScore: "norm" },
    ...seeds.map((seed) => ({ group: `experts ${shape.nExperts} → ${e}`, name: `random (seed ${seed})`, plan: { expertsKeep: { count: e } }, expertScore: "random", seed, random: true })),
    { group: "query heads 16 → 12", name: "FLAP + bias compensation", plan: { headsKeep: { count: 12 }, expertsKeep: { count: shape.nExperts } }, expertScore: "reap", headScore: "flap", accuracy: true },
    { group: "query heads 16 → 12", name: "FLAP, no compensation", plan: { headsKeep: { count: 12 }, expertsKeep: { count: shape.nExperts } }, expertScore: "reap", headScore: "flap", biasCompensation: false },
    ...seeds.slice(0, 2).map((seed) => ({ group: "query heads 16 → 12", name: `random + compensation (seed ${seed})`, plan: { headsKeep: { count: 12 }, expertsKeep: { count: shape.nExperts } }, expertScore: "reap", headScore: "random", seed, random: true })),
    { group: `experts ${e} + heads 12`, name: "REAP + FLAP + compensation", plan: { expertsKeep: { count: e }, headsKeep: { count: 12 } }, expertScore: "reap", headScore: "flap", accuracy: true },
    { group: `experts ${e} + heads 12`, name: "random + random (seed 0)", plan: { expertsKeep: { count: e }, headsKeep: { count: 12 } }, expertScore: "random", headScore: "random", seed: 0, random: true, accuracy: true },
  ];

  const questions = (await selectCmmluQuestions({ dataset, spec: { rows: parseRowFilter({ text: "i%5!=0" }), perSubject } })).questions;
  const baseline = await loadEvalModel({ path: baselinePath });
  if (values["experts-only"]) variants.splice(0, variants.length, ...variants.filter((v) => v.group.startsWith("experts ") && !v.plan.headsKeep));
  // --variants REAP,frequency: only the selections whose name is listed
  if (values.variants) {
    const names = values.variants.split(",");
    variants.splice(0, variants.length, ...variants.filter((v) => names.includes(v.name)));
  }
  const klOnly = values["kl-only"] === true;
  if (klOnly) for (const v of variants) v.accuracy = false;
  const baseRun = klOnly ? undefined : await evaluateCmmlu({ model: baseline, dataset, questions, shots: 0, method: "continuation" });
  const baseSummary = baseRun ? summarizeCmmlu({ predictions: baseRun.predictions, subjects: dataset.subjects }) : { accuracy: NaN, accuracy_ci95: [NaN, NaN] };
  if (baseRun) log(`unpruned: ${pct(baseSummary.accuracy)} on ${questions.length} questions`);
  const planned = await planCmmluQuestions({ model: baseline, dataset, questions, shots: 0, method: "continuation" });
  const groups = new Map();
  for (const q of planned) groups.set(q.question.subject, [...(groups.get(q.question.subject) ?? []), q.prompt]);
  const sequences = divergenceSequencesFromPrompts({ groups: [...groups.values()], tokenize: baseline.tokenize, chunkTokens: 512, maxTokens: klTokens });
  const contextSize = Math.max(...sequences.map((s) => s.length));
  const baseSlots = await baseline.createSlots({ contextSize, sequences: 1 });
  const baseDists = await computeTokenDistributions({ slots: baseSlots, tokens: sequences });
  await baseSlots.dispose();
  await baseline.dispose();
  const positions = sequences.reduce((n, s) => n + s.length, 0);
  log(`divergence text: ${sequences.length} sequences, ${positions} positions`);

  const results = [];
  for (const v of variants) {
    const t0 = performance.now();
    const plan = planPruning({ shape, ...v.plan });
    const dir = join(tmp, `ckpt-${results.length}`);
    await mkdir(dir);
    const pruned = await pruneCheckpoint({ dir: fixture, outDir: dir, plan, expertScore: v.expertScore, headScore: v.headScore, calibration, scores, biasCompensation: v.biasCompensation, seed: v.seed });
    const gguf = join(tmp, `pruned-${results.length}.gguf`);
    await convertCheckpoint({ dir, outPath: gguf, outtype: "bf16" });
    await rm(dir, { recursive: true });
    const model = await loadEvalModel({ path: gguf });
    // CMMLU is the expensive part on a shared 2-core machine: scored for the configurations the docs discuss
    let s;
    let loss;
    if (v.accuracy) {
      const run = await evaluateCmmlu({ model, dataset, questions, shots: 0, method: "continuation" });
      s = summarizeCmmlu({ predictions: run.predictions, subjects: dataset.subjects });
      loss = pairedAccuracyDifference({ model: run.predictions.map((p) => p.correct), baseline: baseRun.predictions.map((p) => p.correct) });
    }
    const slots = await model.createSlots({ contextSize, sequences: 1 });
    const dists = await computeTokenDistributions({ slots, tokens: sequences });
    await slots.dispose();
    await model.dispose();
    await rm(gguf);
    // KL(unpruned ‖ pruned) per position (log-probabilities from llama.cpp, float32), mean per sequence
    const perSequence = [];
    let top1 = 0;
    for (let i = 0; i < sequences.length; i++) {
      const P = baseDists[i].logProbs;
      const Q = dists[i].logProbs;
      const V = baseDists[i].vocabSize;
      let sum = 0;
      for (let p = 0; p < sequences[i].length; p++) {
        let kl = 0;
        let ap = 0;
        let aq = 0;
        for (let t = 0; t < V; t++) {
          const lp = P[p * V + t];
          kl += Math.exp(lp) * (lp - Q[p * V + t]);
          if (lp > P[p * V + ap]) ap = t;
          if (Q[p * V + t] > Q[p * V + aq]) aq = t;
        }
        sum += kl;
        if (ap === aq) top1++;
      }
      perSequence.push(sum / sequences[i].length);
    }
    const klTotal = perSequence.reduce((a, b, i) => a + b * sequences[i].length, 0) / positions;
    const r = {
      group: v.group,
      name: v.name,
      random: v.random === true,
      parameters: plan.after.total,
      accuracy: s?.accuracy,
      accuracy_ci95: s?.accuracy_ci95,
      accuracy_loss: loss,
      kl_mean: klTotal,
      kl_sequence_mean: meanInterval(perSequence),
      kl_per_sequence: perSequence,
      top1_agreement: top1 / positions,
      experts_kept: pruned.report?.layers?.map((l) => l.experts.kept),
      seconds: (performance.now() - t0) / 1000,
    };
    results.push(r);
    log(`${v.group} ${v.name}: ${loss ? `acc ${pct(r.accuracy)} (loss ${pp(loss.loss)} pp), ` : ""}KL ${klTotal.toExponential(3)}, top-1 ${pct(r.top1_agreement)}, ${r.seconds.toFixed(0)} s`);
  }

  if (klOnly) console.log(`KL only; text ${sequences.length} sequences, ${positions} positions; calibration ${scores.tokens} tokens.`);
  else console.log(`Unpruned BF16: ${pct(baseSummary.accuracy)} (${pct(baseSummary.accuracy_ci95[0])} – ${pct(baseSummary.accuracy_ci95[1])}) on ${questions.length} questions; KL text ${sequences.length} sequences, ${positions} positions; calibration ${scores.tokens} tokens.`);
  console.log("");
  console.log("| pruning | selection | parameters | accuracy (95% CI) | loss vs unpruned, pp (95% CI), McNemar p (only unpruned / only pruned right) | mean KL per position | mean KL per sequence (95% CI) | top-1 same |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const l = r.accuracy_loss;
    const k = r.kl_sequence_mean;
    const accuracy = l ? `${pct(r.accuracy)} (${(r.accuracy_ci95[0] * 100).toFixed(1)} – ${(r.accuracy_ci95[1] * 100).toFixed(1)})` : "–";
    const lossCell = l ? `${pp(l.loss)} (${pp(l.ci95[0])} … ${pp(l.ci95[1])}), p = ${l.pValue.toExponential(1)} (${l.baselineOnly} / ${l.modelOnly})` : "–";
    console.log(`| ${r.group} | ${r.name} | ${(r.parameters / 1e6).toFixed(2)}M | ${accuracy} | ${lossCell} | ${r.kl_mean.toFixed(3)} | ${k.mean.toFixed(3)} (${k.ci95[0].toFixed(3)} – ${k.ci95[1].toFixed(3)}) | ${pct(r.top1_agreement)} |`);
  }
  // paired comparisons on KL: per-sequence differences, same sequences
  console.log("");
  console.log("| comparison (same keep counts) | mean KL difference per sequence (95% CI) | sequences where the first is lower |");
  console.log("|---|---|---|");
  const find = (group, name) => results.find((r) => r.group === group && r.name === name);
  const compare = (a, b, label) => {
    if (!a || !b) return; // a selection left out by --variants or --experts-only
    const d = a.kl_per_sequence.map((x, i) => x - b.kl_per_sequence[i]);
    const m = meanInterval(d);
    const wins = d.filter((x) => x < 0).length;
    console.log(`| ${label} | ${m.mean.toFixed(4)} (${m.ci95[0].toFixed(4)} … ${m.ci95[1].toFixed(4)}) | ${wins}/${d.length} |`);
  };
  const eg = `experts ${shape.nExperts} → ${e}`;
  const reap = find(eg, "REAP");
  compare(reap, find(eg, "frequency"), "REAP − frequency");
  compare(reap, find(eg, "mean output norm"), "REAP − mean output norm");
  compare(reap, find(eg, "REAP, top-k renormalised gate"), "REAP − REAP with top-k renormalised gate");
  compare(find(eg, "REAP × frequency (Σ over all tokens)"), find(eg, "frequency"), "REAP × frequency − frequency");
  const randoms = results.filter((r) => r.group === eg && r.random);
  for (const r of randoms) compare(reap, r, `REAP − ${r.name}`);
  if (reap && randoms.length > 0) {
    const randomMean = { kl_per_sequence: reap.kl_per_sequence.map((_, i) => randoms.reduce((a, r) => a + r.kl_per_sequence[i], 0) / randoms.length) };
    compare(reap, randomMean, `REAP − mean of the ${randoms.length} random selections`);
  }
  const hg = "query heads 16 → 12";
  const flap = find(hg, "FLAP + bias compensation");
  if (flap) {
    compare(flap, find(hg, "FLAP, no compensation"), "FLAP + compensation − FLAP without");
    for (const r of results.filter((x) => x.group === hg && x.random)) compare(flap, r, `FLAP + compensation − ${r.name}`);
  }
  if (values.json) await writeFile(values.json, `${JSON.stringify({ unpruned: baseSummary.accuracy, questions: questions.length, positions, calibration: { tokens: scores.tokens, description: calibration.description }, results }, null, 1)}\n`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
