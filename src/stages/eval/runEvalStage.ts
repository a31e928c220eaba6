import { join } from "node:path";
import type { StageContext, StageResult } from "../../pipeline/types.js";
import { parseRowFilter } from "../../eval/cmmlu/parseRowFilter.js";
import { resolveCmmluDataset } from "../../eval/cmmlu/resolveCmmluDataset.js";
import type { EvalStageParams } from "./params.js";
import { renderEvalSummary } from "../../eval/renderEvalMarkdown.js";
import { runEval } from "../../eval/runEval.js";
import { writeEvalReports } from "../../eval/writeEvalReports.js";
import { redactLocalPaths } from "../../util/redactLocalPaths.js";

export async function runEvalStage(ctx: StageContext<EvalStageParams>): Promise<StageResult> {
  const p = ctx.params;
  const { model, baseline } = ctx.inputs;
  // An optional slot is wired to the nearest GGUF producer: when that is the model itself, there is
  // nothing to compare with.
  const comparable = baseline && baseline.digest !== model.digest ? baseline : undefined;
  if (baseline && !comparable) ctx.log("baseline is the evaluated model itself: no comparison (wire `inputs: { baseline: <stage id> }`)");
  const dataset = await resolveCmmluDataset({ cmmluDir: p.cmmluDir, workDir: ctx.workDir, signal: ctx.signal });
  const report = await runEval({
    modelPath: model.path,
    baselinePath: comparable?.path,
    dataset,
    selection: { subjects: p.subjects, rows: parseRowFilter({ text: p.rows, option: "rows" }), perSubject: p.perSubject, sample: p.sample, seed: p.seed },
    shots: p.shots,
    divergence: { textFile: p.text, maxTokens: p.klTokens },
    contextLimit: p.contextSize,
    parallel: p.parallel,
    gpu: p.gpu,
    threads: ctx.threads,
    signal: ctx.signal,
    onProgress: (p) => ctx.progress({ done: p.done, total: p.total, unit: p.unit, pass: { index: p.pass, count: p.passes, name: p.phase } }),
  });
  // a build's reports are published with it: they name files, not where this machine keeps them
  await writeEvalReports({ report: redactLocalPaths(report), dir: join(ctx.outDir, "eval") });
  const summary: Record<string, unknown> = {
    text: renderEvalSummary(report).trimEnd(),
    questions: report.cmmlu.questions,
    accuracy: report.cmmlu.accuracy,
    accuracy_ci95: report.cmmlu.accuracy_ci95,
    subject_mean: report.cmmlu.subject_mean,
    subject_mean_ci95: report.cmmlu.subject_mean_ci95,
    shots: report.method.shots,
    scoring: report.method.scoring,
    reports: ["eval.json", "eval.md", "eval.html"],
  };
  if (report.comparison) summary.accuracy_loss = report.comparison.accuracy_loss;
  if (report.divergence) summary.kl_mean = report.divergence.kl.mean;
  return { outputs: { eval: { kind: "eval", path: "eval" } }, summary };
}
