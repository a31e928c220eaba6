/**
 * Confidence intervals and the paired test for multiple-choice accuracy. All intervals are 95%.
 * - one accuracy: Wilson score interval (good at small n and near 0 or 1, unlike the Wald interval);
 * - the mean of per-subject accuracies (CMMLU's official score): normal interval with the variance of
 *   a stratified mean, Σ p̃ₛ(1−p̃ₛ)/nₛ / S², p̃ the Agresti–Coull-adjusted accuracy (so a subject at
 *   0% or 100% does not claim zero variance);
 * - accuracy loss against a baseline on the same questions: the paired difference with its Wald
 *   interval, and McNemar's exact test on the discordant questions.
 */
export const Z95 = 1.959963984540054;

export type Interval = [number, number];

export function wilsonInterval(correct: number, n: number): Interval {
  if (n === 0) return [NaN, NaN];
  const p = correct / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export function stratifiedMeanInterval(strata: readonly { correct: number; n: number }[]): { mean: number; ci95: Interval } {
  const used = strata.filter((s) => s.n > 0);
  const S = used.length;
  if (S === 0) return { mean: NaN, ci95: [NaN, NaN] };
  let mean = 0;
  let variance = 0;
  for (const { correct, n } of used) {
    mean += correct / n / S;
    const adjusted = (correct + 2) / (n + 4);
    variance += (adjusted * (1 - adjusted)) / n / (S * S);
  }
  const half = Z95 * Math.sqrt(variance);
  return { mean, ci95: [Math.max(0, mean - half), Math.min(1, mean + half)] };
}

/** Two-sided exact binomial test of b successes in b + c trials at p = 1/2 (McNemar's exact test). */
export function mcnemarExactP(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log C(n, i) accumulated; sum the lower tail in log space to stay finite for large n
  let logC = 0;
  const logHalfN = n * Math.log(0.5);
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC + logHalfN);
  }
  return Math.min(1, 2 * tail);
}

export interface PairedDifference {
  questions: number;
  /** Accuracy of the baseline minus accuracy of the model (positive = the model lost accuracy). */
  loss: number;
  ci95: Interval;
  /** Questions only the baseline got right / only the model got right. */
  baselineOnly: number;
  modelOnly: number;
  /** McNemar's exact two-sided p-value for "both have the same accuracy". */
  pValue: number;
}

export function pairedAccuracyDifference(params: { model: readonly boolean[]; baseline: readonly boolean[] }): PairedDifference {
  const { model, baseline } = params;
  if (model.length !== baseline.length) throw new RangeError("paired results must cover the same questions");
  const n = model.length;
  let baselineOnly = 0;
  let modelOnly = 0;
  for (let i = 0; i < n; i++) {
    if (baseline[i] && !model[i]) baselineOnly++;
    else if (model[i] && !baseline[i]) modelOnly++;
  }
  const loss = n ? (baselineOnly - modelOnly) / n : NaN;
  const se = n ? Math.sqrt(Math.max(0, baselineOnly + modelOnly - (baselineOnly - modelOnly) ** 2 / n)) / n : NaN;
  return {
    questions: n,
    loss,
    // a difference of two accuracies lies in [−1, 1]: a normal interval on few questions can pass it
    ci95: [Math.max(-1, loss - Z95 * se), Math.min(1, loss + Z95 * se)],
    baselineOnly,
    modelOnly,
    pValue: mcnemarExactP(baselineOnly, modelOnly),
  };
}

/** The mean over subjects of the paired per-subject loss, with the stratified variance. */
export function pairedSubjectMeanDifference(strata: readonly { model: readonly boolean[]; baseline: readonly boolean[] }[]): { loss: number; ci95: Interval } {
  const used = strata.filter((s) => s.model.length > 0);
  const S = used.length;
  if (S === 0) return { loss: NaN, ci95: [NaN, NaN] };
  let loss = 0;
  let variance = 0;
  for (const s of used) {
    const d = pairedAccuracyDifference(s);
    loss += d.loss / S;
    const n = d.questions;
    variance += (d.baselineOnly + d.modelOnly - (d.baselineOnly - d.modelOnly) ** 2 / n) / (n * n) / (S * S);
  }
  const half = Z95 * Math.sqrt(variance);
  return { loss, ci95: [Math.max(-1, loss - half), Math.min(1, loss + half)] };
}
