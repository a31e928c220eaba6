/**
 * Reproduce the fixture's cmmlu_reference.json (transformers, float32) with our BF16 GGUF of the
 * fixture, scored by the continuation method through llama.cpp: the four reference cells (0-shot and
 * 5-shot, trained and held-out subsets), each checked against the acceptance bounds, plus
 * per-question agreement with the reference predictions. Run by `npm run verify:eval`.
 */
import { readFile } from "node:fs/promises";
import { wilsonInterval, type Interval } from "../accuracyStatistics.js";
import { evaluateCmmlu } from "../cmmlu/evaluateCmmlu.js";
import { parseRowFilter } from "../cmmlu/parseRowFilter.js";
import { readCmmluDir } from "../cmmlu/readCmmluDir.js";
import { selectCmmluQuestions } from "../cmmlu/selectCmmluQuestions.js";
import { loadEvalModel } from "../loadEvalModel.js";
import type { ScoringMethod } from "../planChoiceScoring.js";

export const REFERENCE_CELLS = [
  { cell: "0shot_trained", shots: 0, rows: "i%5!=0", perSubject: 20, expected: 0.848, tolerance: 0.015 },
  { cell: "0shot_heldout", shots: 0, rows: "i%5==0", perSubject: 20, expected: 0.25, tolerance: 0.03 },
  { cell: "5shot_trained", shots: 5, rows: "i%5!=0", perSubject: 5, expected: 0.863, tolerance: 0.02 },
  { cell: "5shot_heldout", shots: 5, rows: "i%5==0", perSubject: 5, expected: undefined, tolerance: undefined },
] as const;

export const MIN_AGREEMENT = 0.97;

export interface VerifiedCell {
  cell: string;
  method: ScoringMethod;
  questions: number;
  accuracy: number;
  accuracy_ci95: Interval;
  reference_accuracy: number;
  /** Fraction of questions where our prediction equals the reference's. */
  agreement: number;
  /** null when the issue sets no bound for the cell. */
  accuracy_ok: boolean | null;
  agreement_ok: boolean | null;
  seconds: number;
  prompt_tokens_per_second: number;
}

export async function verifyEvalReference(params: {
  gguf: string;
  cmmluDir: string;
  referenceFile: string;
  /** Also score the 0-shot trained cell with the bare-letter method (to show it is at chance). */
  withLetter?: boolean;
  parallel?: number;
  onCell?: (cell: VerifiedCell) => void;
  onProgress?: (cell: string, done: number, total: number) => void;
}): Promise<VerifiedCell[]> {
  const reference = JSON.parse(await readFile(params.referenceFile, "utf8")) as Record<string, { acc: number; preds: [string, string, string][] }>;
  const dataset = await readCmmluDir({ dir: params.cmmluDir });
  const model = await loadEvalModel({ path: params.gguf });
  const results: VerifiedCell[] = [];
  try {
    const runs: Array<{ spec: (typeof REFERENCE_CELLS)[number]; method: ScoringMethod }> = REFERENCE_CELLS.map((spec) => ({ spec, method: "continuation" }));
    if (params.withLetter) runs.push({ spec: REFERENCE_CELLS[0], method: "letter" });
    for (const { spec, method } of runs) {
      const ref = reference[spec.cell];
      const { questions } = await selectCmmluQuestions({ dataset, spec: { rows: parseRowFilter({ text: spec.rows }), perSubject: spec.perSubject } });
      if (questions.length !== ref.preds.length) throw new Error(`${spec.cell}: selected ${questions.length} questions, the reference has ${ref.preds.length}`);
      const run = await evaluateCmmlu({
        model,
        dataset,
        questions,
        shots: spec.shots,
        method,
        parallel: params.parallel,
        onProgress: (done, total) => params.onProgress?.(`${spec.cell} (${method})`, done, total),
      });
      const correct = run.predictions.filter((p) => p.correct).length;
      const agreement = run.predictions.filter((p, i) => p.predicted === ref.preds[i][1] && p.subject === ref.preds[i][0]).length / questions.length;
      const accuracy = correct / questions.length;
      const bounded = method === "continuation" && spec.expected !== undefined;
      const result: VerifiedCell = {
        cell: spec.cell,
        method,
        questions: questions.length,
        accuracy,
        accuracy_ci95: wilsonInterval(correct, questions.length),
        reference_accuracy: ref.acc,
        agreement,
        accuracy_ok: bounded ? Math.abs(accuracy - spec.expected!) <= spec.tolerance! + 1e-12 : null,
        agreement_ok: method === "continuation" ? agreement >= MIN_AGREEMENT : null,
        seconds: run.throughput.seconds,
        prompt_tokens_per_second: run.throughput.promptTokensPerSecond,
      };
      results.push(result);
      params.onCell?.(result);
    }
  } finally {
    await model.dispose();
  }
  return results;
}
