#!/usr/bin/env node
// AWQ vs round-to-nearest on the fixture (issue 9 acceptance): both at group 32 on the same grid, experts
// kept (MXFP4) and experts quantized, against the BF16 GGUF — mean KL on the four reference prompts
// (reference_logits.safetensors token ids, 494 positions) and on the selected 0-shot CMMLU prompts (16384
// positions, as scripts/eval-fixture-variants.mjs), CMMLU trained-subset accuracy (0-shot 20 per subject,
// 5-shot 5 per subject) with AWQ's paired test against RTN. Q5_K_M and MXFP4_MOE get the reference-prompt
// KL too (their CMMLU figures are in docs/quality.md, same machinery). AWQ is calibrated twice: on the
// built-in text (the default, general-purpose) and on CMMLU dev prompts (the fixture's own domain).
// Usage: npm run build && node scripts/awq-fixture-quality.mjs [--json OUT] [--samples N] [--seqlen L]
//
// --matrix [--model DIR]: the objective comparison only (no CMMLU accuracy, minutes instead of ~20): on the
// fixture or another gpt-oss checkpoint with its tokenizer (e.g. a pruned fixture), CMMLU dev calibration,
// experts kept: RTN and AWQ with each attention objective (block-output, the default, and linear-output,
// the first version; --objectives picks), with and without clipping. Mean KL vs the model's BF16 GGUF with a 95% interval
// (from the 512-token sequences: positions within one are correlated, sequences are not), and AWQ − RTN
// per sequence with a paired 95% interval.
//
// --matrix --budgets 16,32,64,128: the calibration budget instead: RTN and AWQ (block-output, clipping) with
// that many 512-token sequences each, of CMMLU dev and the held-out test rows with answers (docs/quality.md,
// "Calibration budget").
// --engine llama|ts: the calibration forward (default llama, the product's default).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { json: { type: "string" }, samples: { type: "string" }, seqlen: { type: "string" }, "kl-tokens": { type: "string" }, "keep-dir": { type: "string" }, matrix: { type: "boolean" }, model: { type: "string" }, objectives: { type: "string" }, budgets: { type: "string" }, engine: { type: "string" } },
});
const dist = join(resolve(import.meta.dirname, ".."), "dist", "src");
const load = (p) => import(join(dist, p));
const { sharedDir } = await load("util/paths.js");
const { convertCheckpoint } = await load("convert/convertCheckpoint.js");
const { quantizeModel } = await load("quant/quantizeModel.js");
const { quantizeAwq } = await load("awq/quantizeAwq.js");
const { readCmmluDir } = await load("eval/cmmlu/readCmmluDir.js");
const { selectCmmluQuestions } = await load("eval/cmmlu/selectCmmluQuestions.js");
const { parseRowFilter } = await load("eval/cmmlu/parseRowFilter.js");
const { evaluateCmmlu, planCmmluQuestions } = await load("eval/cmmlu/evaluateCmmlu.js");
const { summarizeCmmlu } = await load("eval/cmmlu/summarizeCmmlu.js");
const { pairedAccuracyDifference } = await load("eval/accuracyStatistics.js");
const { loadEvalModel } = await load("eval/loadEvalModel.js");
const { measureDivergence } = await load("eval/measureDivergence.js");
const { divergenceSequencesFromPrompts } = await load("eval/divergenceSequences.js");
const { readSafetensorsHeader } = await load("formats/safetensors/index.js");
const { machineThreads } = await load("util/threads.js");
const { cmmluPromptHeader, formatCmmluQuestion } = await load("eval/cmmlu/buildCmmluPrompt.js");

const fixture = values.model ? resolve(values.model) : join(sharedDir(), "fixtures", "tiny-gpt-oss");
const dataset = await readCmmluDir({ dir: join(sharedDir(), "cmmlu") });
const threads = machineThreads();
const samples = values.samples ? Number(values.samples) : undefined;
const seqlen = values.seqlen ? Number(values.seqlen) : undefined;
const klTokens = Number(values["kl-tokens"] ?? 16384);
const tmp = values["keep-dir"] ?? (await mkdtemp(join(tmpdir(), "oss-prep-awq-quality-")));
const pct = (x) => `${(x * 100).toFixed(1)}%`;
const pp = (x) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}`;
const log = (m) => process.stderr.write(`${m}\n`);

/** The reference prompts' token ids (reference_logits.safetensors: ids.k int32). */
async function referenceIds() {
  // a pruned fixture keeps the tokenizer, so the fixture's reference token ids serve it too
  const path = join(sharedDir(), "fixtures", "tiny-gpt-oss", "reference_logits.safetensors");
  const header = await readSafetensorsHeader({ path });
  const bytes = await readFile(path);
  const ids = [];
  for (let k = 0; ; k++) {
    const t = header.tensors.find((x) => x.name === `ids.${k}`);
    if (!t) return ids;
    ids.push(Array.from(new Int32Array(bytes.buffer.slice(bytes.byteOffset + t.byteOffset, bytes.byteOffset + t.byteOffset + t.byteLength))));
  }
}

/**
 * In-domain calibration text for the fixture (trained on CMMLU only): each subject's 5 dev questions with
 * answers in the official prompt, as a .jsonl — the few-shot pool, never an evaluated question.
 */
/** One calibration document (a .jsonl line): the subject's header and the questions with their answers. */
function solvedDocument(info, questions) {
  return JSON.stringify({ text: cmmluPromptHeader(info.zh) + questions.map((q) => formatCmmluQuestion(q, true)).join("") });
}

async function cmmluDevCalibration(path) {
  const lines = [];
  for (const [subject, info] of dataset.subjects) {
    const { dev } = await dataset.readSubject(subject);
    lines.push(solvedDocument(info, dev));
  }
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

/**
 * CMMLU dev gives ~17.6k tokens with the fixture's tokenizer: the budget sweep needs 65,536. Beyond the
 * dev questions, the held-out test rows (i%5==0: the fixture was trained on the others, and the KL is
 * measured on those) with their answers, 5 to a document under the subject's header, subjects interleaved.
 */
async function cmmluLargeCalibration(path) {
  const lines = [];
  const extra = [];
  for (const [subject, info] of dataset.subjects) {
    const { dev, test } = await dataset.readSubject(subject);
    lines.push(solvedDocument(info, dev));
    const heldOut = test.filter((_, i) => i % 5 === 0);
    const docs = [];
    for (let i = 0; i < heldOut.length; i += 5) docs.push(solvedDocument(info, heldOut.slice(i, i + 5)));
    extra.push(docs);
  }
  for (let i = 0; extra.some((d) => i < d.length); i++) for (const d of extra) if (i < d.length) lines.push(d[i]);
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

/**
 * KL of `model` vs `baseline` per sequence (mean over its positions), and over all positions with a 95%
 * interval from the sequences (positions within a sequence are correlated; sequences are not).
 */
async function perSequenceKl(model, baseline, sequences) {
  const perSequence = [];
  for (const s of sequences) perSequence.push((await measureDivergence({ model, baseline, sequences: [s] })).kl.mean);
  const weights = sequences.map((s) => s.length);
  const total = weights.reduce((a, b) => a + b, 0);
  const mean = perSequence.reduce((a, x, i) => a + x * weights[i], 0) / total;
  // ratio-estimator standard error of a position-weighted mean over independent sequences
  const n = sequences.length;
  const wbar = total / n;
  const variance = perSequence.reduce((a, x, i) => a + (weights[i] * (x - mean)) ** 2, 0) / (n - 1) / (n * wbar * wbar);
  return { perSequence, mean, ci95: 1.96 * Math.sqrt(variance), positions: total };
}

/** Mean and 95% interval (normal, n ≥ 30 sequences) of paired differences. */
function pairedInterval(a, b) {
  const d = a.map((x, i) => x - b[i]);
  const mean = d.reduce((s, x) => s + x, 0) / d.length;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (d.length - 1));
  const half = (1.96 * sd) / Math.sqrt(d.length);
  return { mean, lo: mean - half, hi: mean + half };
}

async function runMatrix() {
  const baselinePath = join(tmp, "BF16.gguf");
  await convertCheckpoint({ dir: fixture, outPath: baselinePath, outtype: "bf16" });
  const calibFile = values.budgets ? await cmmluLargeCalibration(join(tmp, "cmmlu-large.jsonl")) : await cmmluDevCalibration(join(tmp, "cmmlu-dev.jsonl"));
  const runs = [
    { name: "RTN", method: "rtn" },
    { name: "AWQ block-output, clip", method: "awq", objective: "block-output", clip: true },
    { name: "AWQ block-output, no clip", method: "awq", objective: "block-output", clip: false },
    { name: "AWQ linear-output (old), clip", method: "awq", objective: "linear-output", clip: true },
    { name: "AWQ linear-output (old), no clip", method: "awq", objective: "linear-output", clip: false },
  ].filter((r) => !r.objective || (values.objectives ?? "block-output,linear-output").split(",").includes(r.objective));
  if (values.budgets) {
    runs.splice(1, runs.length - 1, ...values.budgets.split(",").map((n) => ({ name: `AWQ ${n} × 512`, method: "awq", objective: "block-output", clip: true, samples: Number(n) })));
  }
  for (const [i, run] of runs.entries()) {
    const t0 = performance.now();
    const r = await quantizeAwq({ dir: fixture, outDir: tmp, fileStem: `m${i}`, method: run.method, clip: run.clip, attentionObjective: run.objective, calibFile: run.method === "awq" ? calibFile : undefined, samples: run.samples ?? samples, seqlen, engine: values.engine ?? "llama" });
    run.seconds = (performance.now() - t0) / 1000;
    run.path = join(tmp, r.ggufFile);
    run.alphas = r.layers.map((l) => l.scales.map((s) => `${s.group} ${s.alpha.toFixed(2)}`).join(", ")).join("; ");
    log(`${run.name}: ${run.alphas}`);
  }
  const baseline = await loadEvalModel({ path: baselinePath, threads });
  try {
    const c = { questions: (await selectCmmluQuestions({ dataset, spec: { rows: parseRowFilter({ text: "i%5!=0" }), perSubject: 20 } })).questions };
    const planned = await planCmmluQuestions({ model: baseline, dataset, questions: c.questions, shots: 0, method: "continuation" });
    const groups = new Map();
    for (const q of planned) groups.set(q.question.subject, [...(groups.get(q.question.subject) ?? []), q.prompt]);
    const sequences = divergenceSequencesFromPrompts({ groups: [...groups.values()], tokenize: baseline.tokenize, chunkTokens: 512, maxTokens: klTokens });
    const reference = await referenceIds();
    for (const run of runs) {
      const model = await loadEvalModel({ path: run.path, threads });
      try {
        run.prompts = await perSequenceKl(model, baseline, sequences);
        run.reference = await measureDivergence({ model, baseline, sequences: reference });
        log(`${run.name}: KL ${run.prompts.mean.toExponential(3)} ± ${run.prompts.ci95.toExponential(1)}`);
      } finally {
        await model.dispose();
      }
    }
    const rtn = runs[0];
    const lines = [`model: ${fixture}; CMMLU 0-shot prompts, ${sequences.length} sequences, ${rtn.prompts.positions} positions`, ""];
    lines.push("| variant | mean KL ± 95% (sequences) | − RTN, paired 95% CI (sequences) | KL reference prompts | seconds | α per layer |", "|---|---|---|---|---|---|");
    for (const run of runs) {
      const d = run === rtn ? undefined : pairedInterval(run.prompts.perSequence, rtn.prompts.perSequence);
      const diff = d ? `${d.mean.toExponential(2)} (${d.lo.toExponential(2)} … ${d.hi.toExponential(2)})${d.hi < 0 ? " better" : d.lo > 0 ? " worse" : " n.s."}` : "–";
      lines.push(`| ${run.name} | ${run.prompts.mean.toExponential(3)} ± ${run.prompts.ci95.toExponential(1)} | ${diff} | ${run.reference.kl.mean.toExponential(3)} | ${run.seconds.toFixed(1)} | ${run.alphas ?? "–"} |`);
    }
    console.log(lines.join("\n"));
    if (values.json) await writeFile(values.json, `${JSON.stringify(runs.map(({ path, ...r }) => ({ ...r, reference: r.reference.kl })), null, 2)}\n`);
  } finally {
    await baseline.dispose();
  }
}

if (values.matrix) {
  try {
    await runMatrix();
  } finally {
    if (!values["keep-dir"]) await rm(tmp, { recursive: true, force: true });
  }
  process.exit(0);
}
try {
  const baselinePath = join(tmp, "BF16.gguf");
  await convertCheckpoint({ dir: fixture, outPath: baselinePath, outtype: "bf16" });
  const devCalib = await cmmluDevCalibration(join(tmp, "cmmlu-dev.jsonl"));
  const runs = [
    { method: "rtn", experts: "keep" },
    { method: "awq", experts: "keep", calib: "built-in" },
    { method: "awq", experts: "keep", calib: "CMMLU dev" },
    { method: "rtn", experts: "awq" },
    { method: "awq", experts: "awq", calib: "CMMLU dev" },
  ];
  const variants = [];
  for (const run of runs) {
    const t0 = performance.now();
    const stem = `${run.calib === "CMMLU dev" ? "dev" : "builtin"}`;
    const r = await quantizeAwq({ dir: fixture, outDir: tmp, fileStem: stem, method: run.method, experts: run.experts, calibFile: run.calib === "CMMLU dev" ? devCalib : undefined, samples, seqlen, log });
    const name = `${run.method === "awq" ? `AWQ (${run.calib} calibration)` : "RTN"}, experts ${run.experts === "keep" ? "kept (MXFP4)" : "Q4_1"}`;
    variants.push({ name, ...run, path: join(tmp, r.ggufFile), bitsPerWeight: r.gguf.bitsPerWeight, seconds: r.seconds, wall: (performance.now() - t0) / 1000, calibration: r.calibration, layers: r.layers, cmmlu: true });
    log(`${name}: ${r.gguf.bitsPerWeight.toFixed(3)} bpw, forward ${r.seconds.forward.toFixed(1)} s, search ${r.seconds.search.toFixed(1)} s`);
  }
  for (const [name, type] of [["Q5_K_M, experts kept", "Q5_K_M"], ["MXFP4_MOE", "MXFP4_MOE"]]) {
    const path = join(tmp, `${type}.gguf`);
    const q = await quantizeModel({ input: fixture, outPath: path, type, experts: "keep" });
    variants.push({ name, path, bitsPerWeight: q.bitsPerWeight, cmmlu: false });
  }

  const cells = [
    { cell: "0-shot trained", shots: 0, perSubject: 20 },
    { cell: "5-shot trained", shots: 5, perSubject: 5 },
  ];
  const reference = await referenceIds();
  const baseline = await loadEvalModel({ path: baselinePath, threads });
  const base = {};
  let promptSequences;
  try {
    for (const c of cells) {
      c.questions = (await selectCmmluQuestions({ dataset, spec: { rows: parseRowFilter({ text: "i%5!=0" }), perSubject: c.perSubject } })).questions;
      base[c.cell] = (await evaluateCmmlu({ model: baseline, dataset, questions: c.questions, shots: c.shots, method: "continuation" })).predictions;
      log(`BF16 ${c.cell}: ${pct(summarizeCmmlu({ predictions: base[c.cell], subjects: dataset.subjects }).accuracy)}`);
    }
    const planned = await planCmmluQuestions({ model: baseline, dataset, questions: cells[0].questions, shots: 0, method: "continuation" });
    const groups = new Map();
    for (const q of planned) groups.set(q.question.subject, [...(groups.get(q.question.subject) ?? []), q.prompt]);
    promptSequences = divergenceSequencesFromPrompts({ groups: [...groups.values()], tokenize: baseline.tokenize, chunkTokens: 512, maxTokens: klTokens });
    for (const v of variants) {
      const model = await loadEvalModel({ path: v.path, threads });
      try {
        v.referenceKl = await measureDivergence({ model, baseline, sequences: reference });
        log(`${v.name}: reference-prompt KL ${v.referenceKl.kl.mean.toExponential(3)}`);
        if (!v.cmmlu) continue;
        v.promptKl = await measureDivergence({ model, baseline, sequences: promptSequences });
        v.cells = {};
        for (const c of cells) {
          const predictions = (await evaluateCmmlu({ model, dataset, questions: c.questions, shots: c.shots, method: "continuation" })).predictions;
          const s = summarizeCmmlu({ predictions, subjects: dataset.subjects });
          const loss = pairedAccuracyDifference({ model: predictions.map((p) => p.correct), baseline: base[c.cell].map((p) => p.correct) });
          v.cells[c.cell] = { predictions, accuracy: s.accuracy, accuracy_ci95: s.accuracy_ci95, loss };
          log(`${v.name} ${c.cell}: ${pct(s.accuracy)} (loss vs BF16 ${pp(loss.loss)} pp)`);
        }
      } finally {
        await model.dispose();
      }
    }
  } finally {
    await baseline.dispose();
  }

  const lines = [];
  lines.push("| variant | bits/weight | KL reference prompts (494 pos.) | top-1 same | KL CMMLU prompts (16384 pos.) ± s.e. | PPL ratio (CMMLU prompts) |");
  lines.push("|---|---|---|---|---|---|");
  for (const v of variants) {
    const r = v.referenceKl;
    const p = v.promptKl;
    lines.push(`| ${v.name} | ${v.bitsPerWeight.toFixed(3)} | ${r.kl.mean.toExponential(3)} | ${pct(r.top1Agreement)} | ${p ? `${p.kl.mean.toExponential(3)} ± ${p.kl.stderr.toExponential(1)}` : "see above"} | ${p ? p.perplexity.ratio.toFixed(4) : "–"} |`);
  }
  lines.push("");
  lines.push("| variant | cell | accuracy (95% CI) | loss vs BF16, pp (95% CI) | McNemar p vs BF16 |");
  lines.push("|---|---|---|---|---|");
  for (const c of cells) lines.push(`| BF16 (baseline) | ${c.cell} | ${pct(summarizeCmmlu({ predictions: base[c.cell], subjects: dataset.subjects }).accuracy)} | – | – |`);
  for (const v of variants.filter((v) => v.cells)) {
    for (const c of cells) {
      const x = v.cells[c.cell];
      lines.push(`| ${v.name} | ${c.cell} | ${pct(x.accuracy)} (${pct(x.accuracy_ci95[0])} – ${pct(x.accuracy_ci95[1])}) | ${pp(x.loss.loss)} (${pp(x.loss.ci95[0])} … ${pp(x.loss.ci95[1])}) | ${x.loss.pValue.toPrecision(2)} |`);
    }
  }
  lines.push("");
  lines.push("| AWQ vs RTN with the same experts policy | cell | RTN − AWQ accuracy, pp (95% CI) | McNemar p (only RTN / only AWQ right) | KL ratio AWQ / RTN (reference / CMMLU prompts) |");
  lines.push("|---|---|---|---|---|");
  for (const awq of variants.filter((v) => v.method === "awq")) {
    const rtn = variants.find((v) => v.method === "rtn" && v.experts === awq.experts);
    for (const c of cells) {
      const d = pairedAccuracyDifference({ model: awq.cells[c.cell].predictions.map((p) => p.correct), baseline: rtn.cells[c.cell].predictions.map((p) => p.correct) });
      lines.push(
        `| ${awq.name} | ${c.cell} | ${pp(d.loss)} (${pp(d.ci95[0])} … ${pp(d.ci95[1])}) | ${d.pValue.toPrecision(2)} (${d.baselineOnly} / ${d.modelOnly}) | ` +
          `${(awq.referenceKl.kl.mean / rtn.referenceKl.kl.mean).toFixed(3)} / ${(awq.promptKl.kl.mean / rtn.promptKl.kl.mean).toFixed(3)} |`,
      );
    }
  }
  lines.push("");
  lines.push("| run | calibration | forward | search | GGUF | α qkv per layer | α o per layer | α mlp per layer |");
  lines.push("|---|---|---|---|---|---|---|---|");
  for (const v of variants.filter((v) => v.method)) {
    const alphas = (g) => v.layers.map((l) => l.scales.find((s) => s.group === g)?.alpha.toFixed(2) ?? "–").join(" ");
    lines.push(`| ${v.name} | ${v.calibration ? `${v.calibration.samples} × ${v.calibration.seqlen}` : "–"} | ${v.seconds.forward.toFixed(1)} s | ${v.seconds.search.toFixed(1)} s | ${v.seconds.gguf.toFixed(1)} s | ${alphas("qkv")} | ${alphas("o")} | ${alphas("mlp")} |`);
  }
  console.log(lines.join("\n"));
  if (values.json) {
    const plain = variants.map(({ cells: c, layers, ...v }) => ({ ...v, layers, cells: c && Object.fromEntries(Object.entries(c).map(([k, x]) => [k, { accuracy: x.accuracy, accuracy_ci95: x.accuracy_ci95, loss: x.loss }])) }));
    await writeFile(values.json, `${JSON.stringify(plain, null, 2)}\n`);
  }
} finally {
  if (!values["keep-dir"]) await rm(tmp, { recursive: true, force: true });
}
