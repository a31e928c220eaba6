/**
 * How far a model's next-token distributions are from a baseline's on the same token sequences:
 * full-vocabulary distributions at every position from both (one batched evaluation per sequence
 * and model), compared position by position. The models run one after the other so that each has
 * all the machine's threads.
 */
import { InvalidInputError } from "../errors.js";
import { computeTokenDistributions } from "./computeTokenDistributions.js";
import { createDivergenceAccumulator, type DivergenceStatistics } from "./divergenceAccumulator.js";
import type { EvalModel } from "./evalModel.js";

export interface DivergenceResult extends DivergenceStatistics {
  sequences: number;
  seconds: number;
}

export async function measureDivergence(params: {
  model: EvalModel;
  baseline: EvalModel;
  sequences: readonly (readonly number[])[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}): Promise<DivergenceResult> {
  const { model, baseline, sequences, signal } = params;
  if (model.vocabSize !== baseline.vocabSize) {
    throw new InvalidInputError(model.path, `vocabulary of ${model.vocabSize} tokens differs from the baseline's ${baseline.vocabSize} (${baseline.path}); divergence needs the same tokenizer`);
  }
  const t0 = performance.now();
  const contextSize = Math.max(1, ...sequences.map((s) => s.length));
  const modelSlots = await model.createSlots({ contextSize, sequences: 1 });
  const baselineSlots = await baseline.createSlots({ contextSize, sequences: 1 });
  const accumulator = createDivergenceAccumulator();
  const V = model.vocabSize;
  try {
    for (let i = 0; i < sequences.length; i++) {
      signal?.throwIfAborted();
      const tokens = sequences[i];
      const [base] = await computeTokenDistributions({ slots: baselineSlots, tokens: [tokens], signal });
      const [ours] = await computeTokenDistributions({ slots: modelSlots, tokens: [tokens], signal });
      for (let p = 0; p < tokens.length; p++) {
        accumulator.add(base.logProbs.subarray(p * V, (p + 1) * V), ours.logProbs.subarray(p * V, (p + 1) * V), p + 1 < tokens.length ? tokens[p + 1] : undefined);
      }
      params.onProgress?.(i + 1, sequences.length);
    }
  } finally {
    await modelSlots.dispose();
    await baselineSlots.dispose();
  }
  return { ...accumulator.summarize(), sequences: sequences.length, seconds: (performance.now() - t0) / 1000 };
}
