/**
 * The runtime contract the evaluator needs from a loaded model: tokenize, and evaluate token
 * sequences on parallel KV-cache slots, reading full-vocabulary next-token distributions at chosen
 * positions. `loadEvalModel` implements it on node-llama-cpp; tests can implement it with a fake.
 */

/** log-probabilities over the whole vocabulary for one position (length = vocabSize). */
export type LogProbs = Float32Array;

export interface EvalSequence {
  /** Tokens currently held in this slot's KV cache, in order. */
  readonly cachedTokens: readonly number[];
  /**
   * Make the slot hold exactly `tokens`, evaluating only what differs from what it already holds,
   * and return the next-token distribution after each position in `outputPositions` (indexes into
   * `tokens`). The cached prefix is kept only up to the first requested position, since a position's
   * distribution is produced only when its token is evaluated.
   */
  evaluate(tokens: readonly number[], outputPositions: readonly number[]): Promise<Map<number, LogProbs>>;
  /** Drop cached tokens from `length` on (no evaluation). */
  truncate(length: number): Promise<void>;
  /** Tokens this slot has sent to the runtime so far (what prefix reuse saves is not counted). */
  readonly evaluatedTokens: number;
}

/** Parallel KV-cache slots of one runtime context. */
export interface EvalSlots {
  /** Largest token count one slot can hold. */
  readonly contextSize: number;
  /** Work spread over the slots concurrently is batched into the same decode. */
  readonly sequences: readonly EvalSequence[];
  dispose(): Promise<void>;
}

export interface EvalModel {
  /** The GGUF file. */
  readonly path: string;
  readonly vocabSize: number;
  /** The context length the model was trained for (an upper bound for slots). */
  readonly trainContextSize: number;
  readonly threads: number;
  /** Where the model runs, e.g. "cpu" or "cuda". */
  readonly device: string;
  /** Text → token ids, no BOS and no special-token parsing (what the scoring method needs). */
  tokenize(text: string): number[];
  /** The id of the tokenizer's unknown token, when it has one (its presence means text was lost). */
  readonly unknownToken: number | undefined;
  /** Create `sequences` slots of `contextSize` tokens each (one context; dispose it before creating another). */
  createSlots(params: { contextSize: number; sequences: number; batchSize?: number }): Promise<EvalSlots>;
  dispose(): Promise<void>;
}
