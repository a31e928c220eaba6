/**
 * Full-vocabulary next-token distributions at every position of token sequences: one batched
 * evaluation per sequence (not one runtime call per position), the sequences spread over the
 * model's parallel slots so that they share decode batches.
 */
import type { EvalSlots, LogProbs } from "./evalModel.js";

export interface TokenDistributions {
  tokens: number[];
  vocabSize: number;
  /** Row i (vocabSize values) is log P(next token | tokens[0..i]); n rows, row-major. */
  logProbs: Float32Array;
}

export async function computeTokenDistributions(params: {
  /** Slots of one model (`EvalModel.createSlots`); each sequence must fit a slot. */
  slots: EvalSlots;
  tokens: readonly (readonly number[])[];
  signal?: AbortSignal;
}): Promise<TokenDistributions[]> {
  const { slots, signal } = params;
  const results: TokenDistributions[] = new Array(params.tokens.length);
  let next = 0;
  const worker = async (slot: number) => {
    const sequence = slots.sequences[slot];
    for (;;) {
      signal?.throwIfAborted();
      const index = next++;
      if (index >= params.tokens.length) return;
      const tokens = [...params.tokens[index]];
      const positions = tokens.map((_, i) => i);
      const byPosition: Map<number, LogProbs> = await sequence.evaluate(tokens, positions);
      const vocabSize = byPosition.get(0)?.length ?? 0;
      const logProbs = new Float32Array(tokens.length * vocabSize);
      for (const [position, row] of byPosition) logProbs.set(row, position * vocabSize);
      results[index] = { tokens, vocabSize, logProbs };
    }
  };
  await Promise.all(slots.sequences.map((_, slot) => worker(slot)));
  return results;
}
