#!/usr/bin/env node
// Accuracy loss and divergence of the fixture's quantized variants against its BF16 GGUF, on the
// reference selections (0-shot and 5-shot, trained subset i%5!=0): the figures in docs/quality.md.
// The same numbers `oss-prep eval VARIANT.gguf --baseline BF16.gguf --rows 'i%5!=0' --per-subject 20`
// reports (evaluation is deterministic); here the baseline is scored once for all variants.
// Usage: npm run build && node scripts/eval-fixture-variants.mjs [--json OUT]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { json: { type: "string" }, "kl-tokens": { type: "string" } } });
const dist = join(resolve(import.meta.dirname, ".."), "dist", "src");
const load = (p) => import(join(dist, p));
const { sharedDir } = await load("util/paths.js");
const { convertCheckpoint } = await load("convert/convertCheckpoint.js");
const { quantizeModel } = await load("quant/quantizeModel.js");
const { readCmmluDir } = await load("eval/cmmlu/readCmmluDir.js");
const { selectCmmluQuestions } = await load("eval/cmmlu/selectCmmluQuestions.js");
const { parseRowFilter } = await load("eval/cmmlu/parseRowFilter.js");
const { evaluateCmmlu, planCmmluQuestions } = await load("eval/cmmlu/evaluateCmmlu.js");
const { summarizeCmmlu } = await load("eval/cmmlu/summarizeCmmlu.js");
const { pairedAccuracyDifference, pairedSubjectMeanDifference } = await load("eval/accuracyStatistics.js");
const { loadEvalModel } = await load("eval/loadEvalModel.js");
const { measureDivergence } = await load("eval/measureDivergence.js");
const { divergenceSequencesFromPrompts } = await load("eval/divergenceSequences.js");

const fixture = join(sharedDir(), "fixtures", "tiny-gpt-oss");
const dataset = await readCmmluDir({ dir: join(sharedDir(), "cmmlu") });
const klTokens = Number(values["kl-tokens"] ?? 16384);
const tmp = await mkdtemp(join(tmpdir(), "oss-prep-variants-"));
const pct = (x) => `${(x * 100).toFixed(1)}%`;
const pp = (x) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}`;
try {
  const baselinePath = join(tmp, "BF16.gguf");
  await convertCheckpoint({ dir: fixture, outPath: baselinePath, outtype: "bf16" });
  const variants = [
    { name: "Q5_K_M (experts keep)", type: "Q5_K_M", experts: "keep" },
    { name: "Q5_K_M (experts requant)", type: "Q5_K_M", experts: "requant" },
    { name: "MXFP4_MOE", type: "MXFP4_MOE", experts: "keep" },
  ];
  for (const v of variants) {
    v.path = join(tmp, `${v.type}-${v.experts}.gguf`);
    const q = await quantizeModel({ input: fixture, outPath: v.path, type: v.type, experts: v.experts });
    v.bitsPerWeight = q.bitsPerWeight;
    v.bytes = q.fileBytes;
  }
  const cells = [
    { cell: "0-shot trained", shots: 0, perSubject: 20 },
    { cell: "5-shot trained", shots: 5, perSubject: 5 },
  ];
  const baseline = await loadEvalModel({ path: baselinePath });
  const results = [];
  try {
    const base = {};
    for (const c of cells) {
      c.questions = (await selectCmmluQuestions({ dataset, spec: { rows: parseRowFilter({ text: "i%5!=0" }), perSubject: c.perSubject } })).questions;
      base[c.cell] = await evaluateCmmlu({ model: baseline, dataset, questions: c.questions, shots: c.shots, method: "continuation" });
      const s = summarizeCmmlu({ predictions: base[c.cell].predictions, subjects: dataset.subjects });
      results.push({ variant: "BF16 (baseline)", cell: c.cell, accuracy: s.accuracy, accuracy_ci95: s.accuracy_ci95, subject_mean: s.subject_mean });
      process.stderr.write(`BF16 ${c.cell}: ${pct(s.accuracy)}\n`);
    }
    // divergence text: the selected 0-shot prompts, round-robin over subjects, klTokens positions
    const planned = await planCmmluQuestions({ model: baseline, dataset, questions: cells[0].questions, shots: 0, method: "continuation" });
    const groups = new Map();
    for (const q of planned) groups.set(q.question.subject, [...(groups.get(q.question.subject) ?? []), q.prompt]);
    const sequences = divergenceSequencesFromPrompts({ groups: [...groups.values()], tokenize: baseline.tokenize, chunkTokens: 512, maxTokens: klTokens });
    for (const v of variants) {
      const model = await loadEvalModel({ path: v.path });
      try {
        for (const c of cells) {
          const run = await evaluateCmmlu({ model, dataset, questions: c.questions, shots: c.shots, method: "continuation" });
          const s = summarizeCmmlu({ predictions: run.predictions, subjects: dataset.subjects });
          const ours = run.predictions;
          const theirs = base[c.cell].predictions;
          const loss = pairedAccuracyDifference({ model: ours.map((p) => p.correct), baseline: theirs.map((p) => p.correct) });
          const bySubject = new Map();
          ours.forEach((p, i) => {
            const cell = bySubject.get(p.subject) ?? { model: [], baseline: [] };
            cell.model.push(p.correct);
            cell.baseline.push(theirs[i].correct);
            bySubject.set(p.subject, cell);
          });
          const subjectLoss = pairedSubjectMeanDifference([...bySubject.values()]);
          const agreement = ours.filter((p, i) => p.predicted === theirs[i].predicted).length / ours.length;
          results.push({ variant: v.name, cell: c.cell, accuracy: s.accuracy, accuracy_ci95: s.accuracy_ci95, subject_mean: s.subject_mean, loss, subject_mean_loss: subjectLoss, agreement });
          process.stderr.write(`${v.name} ${c.cell}: ${pct(s.accuracy)}, loss ${pp(loss.loss)} pp\n`);
        }
        const d = await measureDivergence({ model, baseline, sequences });
        results.push({ variant: v.name, bitsPerWeight: v.bitsPerWeight, bytes: v.bytes, divergence: d });
        process.stderr.write(`${v.name}: KL ${d.kl.mean.toExponential(3)}\n`);
      } finally {
        await model.dispose();
      }
    }
  } finally {
    await baseline.dispose();
  }
  console.log("| variant | bits/weight | cell | accuracy (95% CI) | loss vs BF16, pp (95% CI) | McNemar p | same answer |");
  console.log("|---|---|---|---|---|---|---|");
  for (const r of results.filter((r) => r.cell)) {
    const v = variants.find((v) => v.name === r.variant);
    console.log(
      `| ${r.variant} | ${v ? v.bitsPerWeight.toFixed(3) : "16 (BF16, MXFP4 experts)"} | ${r.cell} | ${pct(r.accuracy)} (${pct(r.accuracy_ci95[0])} – ${pct(r.accuracy_ci95[1])}) | ` +
        (r.loss ? `${pp(r.loss.loss)} (${pp(r.loss.ci95[0])} … ${pp(r.loss.ci95[1])}) | ${r.loss.pValue.toPrecision(2)} | ${pct(r.agreement)} |` : "– | – | – |"),
    );
  }
  console.log("");
  console.log("| variant | positions | mean KL ± s.e. | median KL | p99 KL | max KL | top-1 same | PPL BF16 / variant / ratio | mean Δp | RMS Δp |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of results.filter((r) => r.divergence)) {
    const d = r.divergence;
    console.log(
      `| ${r.variant} | ${d.positions} | ${d.kl.mean.toExponential(3)} ± ${d.kl.stderr.toExponential(1)} | ${d.kl.median.toExponential(2)} | ${d.kl.p99.toExponential(2)} | ${d.kl.max.toExponential(2)} | ` +
        `${pct(d.top1Agreement)} | ${d.perplexity.baseline.toFixed(3)} / ${d.perplexity.model.toFixed(3)} / ${d.perplexity.ratio.toFixed(4)} | ${pp(d.deltaP.mean)} pp | ${(d.deltaP.rms * 100).toFixed(2)} pp |`,
    );
  }
  if (values.json) await writeFile(values.json, `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
