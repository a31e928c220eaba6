/**
 * Statistics of how far a model's next-token distributions are from a baseline's on the same text,
 * as llama-perplexity --kl-divergence reports them: KL(baseline ‖ model) with percentiles, top-1
 * agreement, perplexity of both and their ratio, and Δp (model's minus baseline's probability of the
 * actual next token) with mean and RMS.
 */
import { percentile } from "./percentile.js";

export interface DivergenceStatistics {
  /** Positions compared (every position with a distribution from both models). */
  positions: number;
  /** Positions with a known next token (PPL and Δp use only these). */
  scoredPositions: number;
  kl: {
    mean: number;
    /** Standard error of the mean. */
    stderr: number;
    max: number;
    p99_9: number;
    p99: number;
    p95: number;
    p90: number;
    median: number;
    p10: number;
    p5: number;
    p1: number;
    min: number;
  };
  /** Fraction of positions where both models' most likely token is the same. */
  top1Agreement: number;
  perplexity: { baseline: number; model: number; ratio: number; meanLogRatio: number };
  deltaP: { mean: number; rms: number; p99: number; p95: number; p5: number; p1: number; min: number; max: number };
}

export interface DivergenceAccumulator {
  /** One position: both models' log-probabilities over the same vocabulary, and the actual next token if known. */
  add(baseline: ArrayLike<number>, model: ArrayLike<number>, nextToken?: number): void;
  summarize(): DivergenceStatistics;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function createDivergenceAccumulator(): DivergenceAccumulator {
  const kls: number[] = [];
  const deltas: number[] = [];
  let sameTop1 = 0;
  let nllBaseline = 0;
  let nllModel = 0;
  return {
    add(baseline, model, nextToken) {
      if (baseline.length !== model.length) {
        throw new RangeError(`vocabulary sizes differ: baseline ${baseline.length}, model ${model.length}`);
      }
      let kl = 0;
      for (let i = 0; i < baseline.length; i++) {
        const lp = baseline[i];
        const p = Math.exp(lp);
        if (p > 0) kl += p * (lp - model[i]);
      }
      // rounding can make a tiny KL negative; it is a distance
      kls.push(Math.max(0, kl));
      if (argmax(baseline) === argmax(model)) sameTop1++;
      if (nextToken !== undefined) {
        nllBaseline -= baseline[nextToken];
        nllModel -= model[nextToken];
        deltas.push(Math.exp(model[nextToken]) - Math.exp(baseline[nextToken]));
      }
    },
    summarize() {
      const n = kls.length;
      const mean = n ? kls.reduce((a, b) => a + b, 0) / n : NaN;
      const variance = n > 1 ? kls.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
      const sortedKl = [...kls].sort((a, b) => a - b);
      const sortedDelta = [...deltas].sort((a, b) => a - b);
      const m = deltas.length;
      const pplBaseline = m ? Math.exp(nllBaseline / m) : NaN;
      const pplModel = m ? Math.exp(nllModel / m) : NaN;
      return {
        positions: n,
        scoredPositions: m,
        kl: {
          mean,
          stderr: n > 1 ? Math.sqrt(variance / n) : 0,
          max: sortedKl[n - 1] ?? NaN,
          p99_9: percentile(sortedKl, 0.999),
          p99: percentile(sortedKl, 0.99),
          p95: percentile(sortedKl, 0.95),
          p90: percentile(sortedKl, 0.9),
          median: percentile(sortedKl, 0.5),
          p10: percentile(sortedKl, 0.1),
          p5: percentile(sortedKl, 0.05),
          p1: percentile(sortedKl, 0.01),
          min: sortedKl[0] ?? NaN,
        },
        top1Agreement: n ? sameTop1 / n : NaN,
        perplexity: {
          baseline: pplBaseline,
          model: pplModel,
          ratio: pplModel / pplBaseline,
          meanLogRatio: m ? (nllModel - nllBaseline) / m : NaN,
        },
        deltaP: {
          mean: m ? deltas.reduce((a, b) => a + b, 0) / m : NaN,
          rms: m ? Math.sqrt(deltas.reduce((a, b) => a + b * b, 0) / m) : NaN,
          p99: percentile(sortedDelta, 0.99),
          p95: percentile(sortedDelta, 0.95),
          p5: percentile(sortedDelta, 0.05),
          p1: percentile(sortedDelta, 0.01),
          min: sortedDelta[0] ?? NaN,
          max: sortedDelta[m - 1] ?? NaN,
        },
      };
    },
  };
}
