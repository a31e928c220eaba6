/** The shape of eval.json (and of `oss-prep eval --json`). */
import type { Interval, PairedDifference } from "./accuracyStatistics.js";
import type { CmmluSummary } from "./cmmlu/summarizeCmmlu.js";
import type { CmmluRun } from "./cmmlu/evaluateCmmlu.js";
import type { CmmluLetter } from "./cmmlu/cmmluTypes.js";
import type { ScoringMethod } from "./planChoiceScoring.js";

export interface CmmluPredictionRecord {
  subject: string;
  /** 0-based row of test/<subject>.csv (file order). */
  row: number;
  predicted: CmmluLetter;
  answer: CmmluLetter;
  correct: boolean;
  /** Log-likelihood of A, B, C, D under the scoring method. */
  loglik: number[];
  shots: number;
}

export interface CmmluResult extends CmmluSummary {
  predictions: CmmluPredictionRecord[];
  context_size: number;
  parallel: number;
  questions_with_dropped_shots: number;
  throughput: CmmluRun["throughput"];
}

export interface EvalModelInfo {
  path: string;
  file: string;
  size_bytes: number;
  device: string;
}

export interface DivergenceReport {
  /** "cmmlu-prompts" or the text file. */
  text: string;
  sequences: number;
  positions: number;
  scored_positions: number;
  kl: { mean: number; stderr: number; max: number; p99_9: number; p99: number; p95: number; p90: number; median: number; p10: number; p5: number; p1: number; min: number };
  top1_agreement: number;
  perplexity: { baseline: number; model: number; ratio: number; mean_log_ratio: number };
  delta_p: { mean: number; rms: number; p99: number; p95: number; p5: number; p1: number; min: number; max: number };
  seconds: number;
}

export interface EvalReport {
  schema: 1;
  created_at: string;
  model: EvalModelInfo;
  baseline?: EvalModelInfo & { cmmlu: CmmluResult };
  runtime: { engine: string; llama_cpp: string; threads: number; gpu: boolean };
  method: {
    prompt: string;
    shots: number;
    scoring: ScoringMethod;
    scoring_description: string;
    intervals: string;
  };
  selection: {
    source: string;
    origin: string;
    subjects: string[];
    rows: string;
    per_subject: number | null;
    sample: "first" | "random";
    seed: number | null;
    questions: number;
  };
  cmmlu: CmmluResult;
  comparison?: {
    /** Baseline accuracy minus model accuracy on the same questions (question-weighted). */
    accuracy_loss: PairedDifference;
    subject_mean_loss: { loss: number; ci95: Interval };
    /** Fraction of questions where both predict the same letter. */
    agreement: number;
  };
  divergence?: DivergenceReport;
  seconds: number;
}
