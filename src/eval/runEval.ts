/**
 * `oss-prep eval` and the pipeline's eval stage: CMMLU-subset accuracy of a GGUF, and — given a
 * baseline — the accuracy loss on the same questions with a paired test, and the divergence of the
 * next-token distributions on a text set (the selected CMMLU prompts by default).
 */
import { readFile, stat } from "node:fs/promises";
import { basename } from "node:path";
import { InvalidInputError } from "../errors.js";
import { readGguf } from "../formats/gguf/readGguf.js";
import { readDataFile } from "../util/readTextStrict.js";
import { toolVersions } from "../pipeline/manifest.js";
import { machineThreads } from "../util/threads.js";
import { pairedAccuracyDifference, pairedSubjectMeanDifference } from "./accuracyStatistics.js";
import type { CmmluDataset } from "./cmmlu/cmmluTypes.js";
import { type CmmluRun, evaluateCmmlu, planCmmluQuestions } from "./cmmlu/evaluateCmmlu.js";
import { type CmmluSelectionSpec, selectCmmluQuestions } from "./cmmlu/selectCmmluQuestions.js";
import { summarizeCmmlu } from "./cmmlu/summarizeCmmlu.js";
import { checkSameTokenization, divergenceSequencesFromPrompts, divergenceSequencesFromText } from "./divergenceSequences.js";
import type { CmmluResult, DivergenceReport, EvalModelInfo, EvalReport } from "./evalReport.js";
import type { EvalModel } from "./evalModel.js";
import { loadEvalModel } from "./loadEvalModel.js";
import { measureDivergence } from "./measureDivergence.js";
import { SCORING_METHOD_DESCRIPTION, type ScoringMethod } from "./planChoiceScoring.js";

export const DEFAULT_DIVERGENCE_TOKENS = 8192;
const DIVERGENCE_CHUNK_TOKENS = 512;

export interface RunEvalParams {
  modelPath: string;
  baselinePath?: string;
  dataset: CmmluDataset;
  selection: CmmluSelectionSpec;
  shots: number;
  method?: ScoringMethod;
  /** Divergence from the baseline: on a text file, or (default) the selected CMMLU prompts; false to skip. */
  divergence?: false | { textFile?: string; maxTokens?: number };
  contextLimit?: number;
  parallel?: number;
  gpu?: boolean;
  threads?: number;
  signal?: AbortSignal;
  /** Each pass (the model's questions, the baseline's, the divergence) counts from zero; `pass` of `passes` says which. */
  onProgress?: (progress: EvalProgress) => void;
}

export interface EvalProgress {
  phase: string;
  pass: number;
  passes: number;
  done: number;
  total: number;
  unit: "questions" | "sequences";
}

async function describeModel(model: EvalModel): Promise<EvalModelInfo> {
  return { path: model.path, file: basename(model.path), size_bytes: (await stat(model.path)).size, device: model.device };
}

function cmmluResult(run: CmmluRun, dataset: CmmluDataset): CmmluResult {
  return {
    ...summarizeCmmlu({ predictions: run.predictions, subjects: dataset.subjects }),
    predictions: run.predictions.map((p) => ({
      subject: p.subject,
      row: p.row,
      predicted: p.predicted,
      answer: p.answer,
      correct: p.correct,
      loglik: p.logLikelihoods,
      shots: p.shots,
    })),
    context_size: run.contextSize,
    parallel: run.parallel,
    questions_with_dropped_shots: run.questionsWithDroppedShots,
    throughput: run.throughput,
  };
}

export async function runEval(params: RunEvalParams): Promise<EvalReport> {
  const t0 = performance.now();
  const method = params.method ?? "continuation";
  const threads = params.threads ?? machineThreads();
  if (!Number.isSafeInteger(params.shots) || params.shots < 0 || params.shots > 5) {
    throw new InvalidInputError(params.dataset.dir, `shots must be 0…5 (CMMLU has 5 dev questions per subject), got ${params.shots}`);
  }
  // what can fail after the models were scored is checked before: the divergence text exists, and
  // the baseline shares the model's vocabulary (token ids are compared position by position)
  if (params.divergence && params.divergence.textFile !== undefined) await readDataFile(params.divergence.textFile);
  if (params.baselinePath) await checkSameVocabulary(params.modelPath, params.baselinePath);
  const selection = await selectCmmluQuestions({ dataset: params.dataset, spec: params.selection });
  const passes = params.baselinePath ? (params.divergence === false ? 2 : 3) : 1;
  const evaluate = (model: EvalModel, phase: string, pass: number) =>
    evaluateCmmlu({
      model,
      dataset: params.dataset,
      questions: selection.questions,
      shots: params.shots,
      method,
      contextLimit: params.contextLimit,
      parallel: params.parallel,
      signal: params.signal,
      onProgress: (done, total) => params.onProgress?.({ phase, pass, passes, done, total, unit: "questions" }),
    });

  const model = await loadEvalModel({ path: params.modelPath, gpu: params.gpu, threads });
  let baseline: EvalModel | undefined;
  try {
    const modelRun = await evaluate(model, "cmmlu (model)", 0);
    const report: EvalReport = {
      schema: 1,
      created_at: new Date().toISOString(),
      model: await describeModel(model),
      runtime: { engine: `node-llama-cpp ${toolVersions().nodeLlamaCpp}`, llama_cpp: toolVersions().llamaCpp, threads, gpu: params.gpu === true },
      method: {
        prompt: "official CMMLU prompt: header with the subject's Chinese name, k dev questions of the subject in file order with answers, the question ending in 答案是：; shots dropped longest first if the context overflows",
        shots: params.shots,
        scoring: method,
        scoring_description: SCORING_METHOD_DESCRIPTION[method],
        intervals:
          "95%: Wilson score (accuracy), normal with stratified variance (mean of subjects), paired Wald interval and McNemar exact test (loss against the baseline)",
      },
      selection: {
        source: params.dataset.dir,
        origin: params.dataset.origin,
        subjects: selection.subjects,
        rows: params.selection.rows?.text ?? "all",
        per_subject: params.selection.perSubject ?? null,
        sample: params.selection.sample ?? "first",
        seed: params.selection.sample === "random" ? (params.selection.seed ?? 0) : null,
        questions: selection.questions.length,
      },
      cmmlu: cmmluResult(modelRun, params.dataset),
      seconds: 0,
    };
    if (params.baselinePath) {
      baseline = await loadEvalModel({ path: params.baselinePath, gpu: params.gpu, threads });
      const baselineRun = await evaluate(baseline, "cmmlu (baseline)", 1);
      report.baseline = { ...(await describeModel(baseline)), cmmlu: cmmluResult(baselineRun, params.dataset) };
      const ours = modelRun.predictions;
      const theirs = baselineRun.predictions;
      const bySubject = new Map<string, { model: boolean[]; baseline: boolean[] }>();
      ours.forEach((p, i) => {
        const cell = bySubject.get(p.subject) ?? { model: [], baseline: [] };
        cell.model.push(p.correct);
        cell.baseline.push(theirs[i].correct);
        bySubject.set(p.subject, cell);
      });
      report.comparison = {
        accuracy_loss: pairedAccuracyDifference({ model: ours.map((p) => p.correct), baseline: theirs.map((p) => p.correct) }),
        subject_mean_loss: pairedSubjectMeanDifference([...bySubject.values()]),
        agreement: ours.filter((p, i) => p.predicted === theirs[i].predicted).length / ours.length,
      };
      if (params.divergence !== false) {
        report.divergence = await divergence(params, model, baseline);
      }
    }
    report.seconds = (performance.now() - t0) / 1000;
    return report;
  } finally {
    await baseline?.dispose();
    await model.dispose();
  }

  async function divergence(p: RunEvalParams, ours: EvalModel, base: EvalModel): Promise<DivergenceReport> {
    const options = p.divergence || {};
    const maxTokens = options.maxTokens ?? DEFAULT_DIVERGENCE_TOKENS;
    const chunkTokens = Math.min(DIVERGENCE_CHUNK_TOKENS, p.contextLimit ?? DIVERGENCE_CHUNK_TOKENS);
    let sequences: number[][];
    let textName: string;
    if (options.textFile) {
      let text: string;
      try {
        text = await readFile(options.textFile, "utf8");
      } catch (error) {
        throw new InvalidInputError(options.textFile, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      checkSameTokenization({ texts: [text], model: ours, baseline: base });
      sequences = divergenceSequencesFromText({ text, file: options.textFile, tokenize: base.tokenize, chunkTokens, maxTokens });
      textName = options.textFile;
    } else {
      const planned = await planCmmluQuestions({
        model: base,
        dataset: p.dataset,
        questions: selection.questions,
        shots: p.shots,
        method: "continuation",
        contextLimit: p.contextLimit,
      });
      const groups = new Map<string, string[]>();
      for (const q of planned) groups.set(q.question.subject, [...(groups.get(q.question.subject) ?? []), q.prompt]);
      const prompts = [...groups.values()];
      sequences = divergenceSequencesFromPrompts({ groups: prompts, tokenize: base.tokenize, chunkTokens, maxTokens });
      checkSameTokenization({ texts: prompts.map((g) => g[0]), model: ours, baseline: base });
      textName = "cmmlu-prompts";
    }
    const d = await measureDivergence({
      model: ours,
      baseline: base,
      sequences,
      signal: p.signal,
      onProgress: (done, total) => p.onProgress?.({ phase: "divergence", pass: 2, passes, done, total, unit: "sequences" }),
    });
    return {
      text: textName,
      sequences: d.sequences,
      positions: d.positions,
      scored_positions: d.scoredPositions,
      kl: d.kl,
      top1_agreement: d.top1Agreement,
      perplexity: { baseline: d.perplexity.baseline, model: d.perplexity.model, ratio: d.perplexity.ratio, mean_log_ratio: d.perplexity.meanLogRatio },
      delta_p: d.deltaP,
      seconds: d.seconds,
    };
  }
}

/** The two GGUFs' tokenizer vocabularies (tokenizer.ggml.tokens) are the same list. */
async function checkSameVocabulary(modelPath: string, baselinePath: string): Promise<void> {
  const tokensOf = async (path: string) => {
    const value = (await readGguf({ path })).metadata.get("tokenizer.ggml.tokens")?.value;
    return Array.isArray(value) ? (value as unknown[]) : [];
  };
  const [a, b] = await Promise.all([tokensOf(modelPath), tokensOf(baselinePath)]);
  const differs = a.length !== b.length ? `${a.length} vs ${b.length} tokens` : a.findIndex((t, i) => t !== b[i]) >= 0 ? `token ${a.findIndex((t, i) => t !== b[i])} differs` : undefined;
  if (differs) throw new InvalidInputError(baselinePath, `its tokenizer is not the model's (${modelPath}: ${differs}): the divergence compares distributions token by token`);
}
