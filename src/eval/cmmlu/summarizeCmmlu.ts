/**
 * Accuracy per subject, per category and overall — both the mean of subject accuracies (how CMMLU
 * reports its score) and the question-weighted accuracy — each with a 95% interval.
 */
import { type Interval, stratifiedMeanInterval, wilsonInterval } from "../accuracyStatistics.js";
import { CMMLU_CATEGORIES, type CmmluSubjectInfo } from "./cmmluSubjects.js";
import type { CmmluPrediction } from "./evaluateCmmlu.js";

export interface AccuracyCell {
  questions: number;
  correct: number;
  /** Question-weighted accuracy. */
  accuracy: number;
  accuracy_ci95: Interval;
}

export interface SubjectAccuracy extends AccuracyCell {
  subject: string;
  zh: string;
  category: string;
}

export interface GroupAccuracy extends AccuracyCell {
  subjects: number;
  /** Mean of per-subject accuracies. */
  subject_mean: number;
  subject_mean_ci95: Interval;
}

export interface CmmluSummary extends GroupAccuracy {
  by_subject: SubjectAccuracy[];
  by_category: Array<GroupAccuracy & { category: string }>;
}

function group(cells: readonly SubjectAccuracy[]): GroupAccuracy {
  const questions = cells.reduce((a, c) => a + c.questions, 0);
  const correct = cells.reduce((a, c) => a + c.correct, 0);
  const mean = stratifiedMeanInterval(cells.map((c) => ({ correct: c.correct, n: c.questions })));
  return {
    questions,
    correct,
    accuracy: correct / questions,
    accuracy_ci95: wilsonInterval(correct, questions),
    subjects: cells.length,
    subject_mean: mean.mean,
    subject_mean_ci95: mean.ci95,
  };
}

export function summarizeCmmlu(params: {
  predictions: readonly CmmluPrediction[];
  subjects: ReadonlyMap<string, CmmluSubjectInfo>;
}): CmmluSummary {
  const bySubject = new Map<string, { questions: number; correct: number }>();
  for (const p of params.predictions) {
    const cell = bySubject.get(p.subject) ?? { questions: 0, correct: 0 };
    cell.questions++;
    if (p.correct) cell.correct++;
    bySubject.set(p.subject, cell);
  }
  const subjects: SubjectAccuracy[] = [...bySubject.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([subject, { questions, correct }]) => {
      const info = params.subjects.get(subject);
      return {
        subject,
        zh: info?.zh ?? "",
        category: info?.category ?? "",
        questions,
        correct,
        accuracy: correct / questions,
        accuracy_ci95: wilsonInterval(correct, questions),
      };
    });
  const categories = CMMLU_CATEGORIES.map((category) => ({ category, cells: subjects.filter((s) => s.category === category) }))
    .filter((c) => c.cells.length > 0)
    .map(({ category, cells }) => ({ category, ...group(cells) }));
  return { ...group(subjects), by_subject: subjects, by_category: categories };
}
