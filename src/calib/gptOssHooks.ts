/**
 * What the engine reports while it runs, for AWQ (activation statistics, per-group output error) and
 * expert pruning (REAP: gate weight × ‖expert output‖). Every array is the engine's own: read it (or
 * copy it) during the call, do not keep or modify it. Token indices are global across the run:
 * sequence s occupies [sequenceOffsets[s], sequenceOffsets[s + 1]).
 *
 * Events arrive in execution order and the engine awaits each hook. For one layer: `onAttention` once
 * per batch of whole sequences, `onRouting` once, `onExpert` once per expert and chunk of its routed
 * tokens (experts in index order; an expert no token chose is skipped), then `onLayer`. A real-size
 * run streams this way because the layer's expert inputs together are far larger than memory;
 * `collectLayerActivations` assembles the events of a layer into one object where that fits.
 *
 * The llama.cpp engine (runLlamaGptOss) is token-major instead: a graph takes one ubatch of tokens
 * (≤ 512, never spanning two sequences) through every layer, so its events come per ubatch — for each
 * ubatch, for each observed layer in order: `onAttention` (that ubatch's rows), `onRouting` (tokens =
 * the ubatch's, from `tokenOffset`), `onExpert` per expert routed in the ubatch; no `onLayer`. A
 * hook that must see a layer's whole calibration set (AWQ's searches) accumulates across ubatches and
 * acts when the run is over; per-token state from `onRouting` is valid for the `onExpert` events that
 * follow it, indexed by token − tokenOffset.
 */

export interface AttentionEvent {
  layer: number;
  /** Global index of the first row; the batch holds whole sequences. */
  tokenOffset: number;
  rows: number;
  /** Input of q_proj, k_proj and v_proj (the input_layernorm output), [rows, hidden]. */
  attnInput: Float32Array;
  /** Input of o_proj (attention output, heads concatenated), [rows, nHeads·headDim]. */
  oProjInput: Float32Array;
}

export interface RoutingEvent {
  layer: number;
  /** Tokens in this event: every token of the run (TypeScript engine) or one ubatch (llama.cpp engine). */
  tokens: number;
  /** Global index of the event's first token: 0 in the TypeScript engine. Arrays below are indexed from it. */
  tokenOffset: number;
  sequenceOffsets: Int32Array;
  /** Input of the router and of every expert's gate_up_proj (the post_attention_layernorm output), [tokens, hidden]. */
  mlpInput: Float32Array;
  /** [tokens, nExperts] router logits (W·x + b). */
  routerLogits: Float32Array;
  /** [tokens, k] chosen experts, by descending logit, and their softmax weights. */
  topkIdx: Int32Array;
  topkWeights: Float32Array;
}

export interface ExpertEvent {
  layer: number;
  expert: number;
  /** Global indices (ascending) of the tokens in this chunk routed to the expert. */
  tokens: Int32Array;
  /** The routing weight each of those tokens gives this expert. */
  gateWeights: Float32Array;
  /** gate_up_proj input, [tokens.length, hidden]: rows of mlpInput, rounded to bf16 in bf16 expert precision. */
  input: Float32Array;
  /** down_proj input (the clamped SwiGLU output), [tokens.length, expertFfn]. */
  downInput: Float32Array;
  /** Expert output including down_proj's bias, before the routing weight, [tokens.length, hidden]. */
  output: Float32Array;
}

export interface LayerEvent {
  layer: number;
  tokens: number;
  /** The residual stream after the layer, [tokens, hidden]. */
  hidden: Float32Array;
}

export interface GptOssHooks {
  onAttention?(event: AttentionEvent): void | Promise<void>;
  onRouting?(event: RoutingEvent): void | Promise<void>;
  onExpert?(event: ExpertEvent): void | Promise<void>;
  onLayer?(event: LayerEvent): void | Promise<void>;
}
