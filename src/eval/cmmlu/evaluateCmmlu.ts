/**
 * Score a CMMLU question selection with one model: plan every question (prompt, shots that fit,
 * tokens to score), size the slots to the longest sequence, and score the plans in parallel slots.
 */
import type { EvalModel } from "../evalModel.js";
import type { ScoringMethod } from "../planChoiceScoring.js";
import { scoreQuestionPlans } from "../scoreQuestionPlans.js";
import type { CmmluDataset, CmmluLetter, CmmluQuestion } from "./cmmluTypes.js";
import { CMMLU_LETTERS } from "./cmmluTypes.js";
import { type PlannedCmmluQuestion, planCmmluQuestion } from "./planCmmluQuestion.js";

export interface CmmluPrediction {
  subject: string;
  row: number;
  predicted: CmmluLetter;
  answer: CmmluLetter;
  correct: boolean;
  /** Log-likelihood of A, B, C, D. */
  logLikelihoods: number[];
  /** Shots in the prompt (fewer than asked when the context was too small). */
  shots: number;
}

export interface CmmluRun {
  predictions: CmmluPrediction[];
  /** Questions whose prompt lost shots to fit the context. */
  questionsWithDroppedShots: number;
  contextSize: number;
  parallel: number;
  throughput: {
    seconds: number;
    /** Tokens of every prompt with its longest choice (the text scored, each question counted once). */
    promptTokens: number;
    /** Tokens actually sent to the runtime after prefix reuse. */
    evaluatedTokens: number;
    questionsPerSecond: number;
    /** promptTokens / seconds: the effective scoring rate. */
    promptTokensPerSecond: number;
    /** evaluatedTokens / seconds: the runtime's rate on what it was given. */
    evaluatedTokensPerSecond: number;
  };
}

export const DEFAULT_CONTEXT_LIMIT = 4096;

export async function planCmmluQuestions(params: {
  model: EvalModel;
  dataset: CmmluDataset;
  questions: readonly CmmluQuestion[];
  shots: number;
  method: ScoringMethod;
  contextLimit?: number;
}): Promise<PlannedCmmluQuestion[]> {
  const { model, dataset } = params;
  const maxTokens = Math.min(params.contextLimit ?? DEFAULT_CONTEXT_LIMIT, model.trainContextSize || Infinity);
  const planned: PlannedCmmluQuestion[] = [];
  for (const question of params.questions) {
    const info = dataset.subjects.get(question.subject)!;
    const dev = params.shots > 0 ? (await dataset.readSubject(question.subject)).dev.slice(0, params.shots) : [];
    planned.push(
      planCmmluQuestion({
        tokenize: model.tokenize,
        modelPath: model.path,
        unknownToken: model.unknownToken,
        question,
        subjectZh: info.zh,
        shots: dev,
        method: params.method,
        maxTokens,
      }),
    );
  }
  return planned;
}

export async function evaluateCmmlu(params: {
  model: EvalModel;
  dataset: CmmluDataset;
  questions: readonly CmmluQuestion[];
  shots: number;
  method: ScoringMethod;
  contextLimit?: number;
  /**
   * Questions evaluated side by side in one batch. Default 1: on CPU one slot is faster (it reuses
   * the header and shots of the previous question) and its results do not depend on how questions
   * happen to share batches.
   */
  parallel?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}): Promise<CmmluRun> {
  const { model } = params;
  const planned = await planCmmluQuestions(params);
  const contextSize = Math.max(...planned.map((q) => q.plan.maxTokens));
  const parallel = Math.max(1, Math.min(params.parallel ?? 1, planned.length));
  const slots = await model.createSlots({ contextSize, sequences: parallel });
  try {
    const scored = await scoreQuestionPlans({
      slots,
      plans: planned.map((q) => q.plan),
      signal: params.signal,
      onQuestionDone: (done) => params.onProgress?.(done, planned.length),
    });
    const predictions = planned.map((q, i): CmmluPrediction => {
      const scores = scored.logLikelihoods[i];
      let best = 0;
      for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
      const predicted = CMMLU_LETTERS[best];
      return {
        subject: q.question.subject,
        row: q.question.row,
        predicted,
        answer: q.question.answer,
        correct: predicted === q.question.answer,
        logLikelihoods: scores,
        shots: q.shots,
      };
    });
    const s = scored.seconds;
    return {
      predictions,
      questionsWithDroppedShots: planned.filter((q) => q.shots < params.shots).length,
      contextSize: slots.contextSize,
      parallel,
      throughput: {
        seconds: s,
        promptTokens: scored.promptTokens,
        evaluatedTokens: scored.evaluatedTokens,
        questionsPerSecond: planned.length / s,
        promptTokensPerSecond: scored.promptTokens / s,
        evaluatedTokensPerSecond: scored.evaluatedTokens / s,
      },
    };
  } finally {
    await slots.dispose();
  }
}
