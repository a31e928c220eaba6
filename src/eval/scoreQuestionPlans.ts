/**
 * Run question plans on a model's slots and return each choice's log-likelihood. Per question, the
 * shared prefix is evaluated once (and whatever a slot already holds of it — the header and the shots
 * of the previous question of the same subject — is reused); the distribution after the prefix scores
 * every choice's first token, and only choices with more tokens extend the slot (then roll back).
 * Questions are spread over the slots so their decodes share batches, in contiguous chunks: the
 * questions of one subject share the header and shots, and a slot only reuses what it evaluated itself.
 */
import type { EvalSlots, LogProbs } from "./evalModel.js";
import type { QuestionPlan } from "./planChoiceScoring.js";

export interface ScoredQuestions {
  /** [question][choice] summed log-probability of the scored tokens. */
  logLikelihoods: number[][];
  /** Tokens sent to the runtime (after prefix reuse). */
  evaluatedTokens: number;
  /** Tokens of every question's prompt with its longest choice: the text scored, counted once. */
  promptTokens: number;
  seconds: number;
}

export async function scoreQuestionPlans(params: {
  slots: EvalSlots;
  plans: readonly QuestionPlan[];
  signal?: AbortSignal;
  onQuestionDone?: (done: number) => void;
}): Promise<ScoredQuestions> {
  const { slots, plans, signal } = params;
  const logLikelihoods: number[][] = new Array(plans.length);
  const startTokens = slots.sequences.reduce((a, s) => a + s.evaluatedTokens, 0);
  const t0 = performance.now();
  // ~4 chunks per slot: long enough runs for prefix reuse, short enough to balance the tail
  const chunkSize = Math.max(1, Math.ceil(plans.length / (slots.sequences.length * 4)));
  let nextChunk = 0;
  let done = 0;
  const worker = async (slot: number) => {
    const sequence = slots.sequences[slot];
    for (;;) {
      const start = nextChunk;
      if (start >= plans.length) return;
      const end = Math.min(plans.length, start + chunkSize);
      nextChunk = end;
      for (let index = start; index < end; index++) {
        signal?.throwIfAborted();
        await scoreOne(sequence, index);
      }
    }
  };
  const scoreOne = async (sequence: EvalSlots["sequences"][number], index: number) => {
    const plan = plans[index];
    const p = plan.prefixLength;
    const prefix = plan.choices[0].tokens.slice(0, p);
    const shared = (await sequence.evaluate(prefix, [p - 1])).get(p - 1)!;
    const scores: number[] = [];
    for (const choice of plan.choices) {
      const { tokens, scoredFrom } = choice;
      // distributions needed: after positions scoredFrom-1 … tokens.length-2
      const rows = new Map<number, LogProbs>([[p - 1, shared]]);
      const firstExtra = Math.max(p, scoredFrom - 1);
      if (firstExtra <= tokens.length - 2) {
        const positions: number[] = [];
        for (let j = firstExtra; j <= tokens.length - 2; j++) positions.push(j);
        for (const [pos, row] of await sequence.evaluate(tokens.slice(0, tokens.length - 1), positions)) rows.set(pos, row);
      }
      let sum = 0;
      for (let j = scoredFrom; j < tokens.length; j++) sum += rows.get(j - 1)![tokens[j]];
      scores.push(sum);
    }
    logLikelihoods[index] = scores;
    params.onQuestionDone?.(++done);
  };
  await Promise.all(slots.sequences.map((_, slot) => worker(slot)));
  return {
    logLikelihoods,
    evaluatedTokens: slots.sequences.reduce((a, s) => a + s.evaluatedTokens, 0) - startTokens,
    promptTokens: plans.reduce((a, plan) => a + plan.maxTokens, 0),
    seconds: (performance.now() - t0) / 1000,
  };
}
