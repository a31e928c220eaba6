/** What a calibration pass measures for pruning, per layer (see scoreForPruning). */

export type ExpertScoreMethod = "reap" | "reap_topk" | "reap_sum" | "frequency" | "norm" | "random";
export type HeadScoreMethod = "flap" | "random";

/** The expert scores a user may choose (`prune --score`, the stage's `score`); reap_topk is an ablation only. */
export const EXPERT_SCORE_CHOICES = ["reap", "reap_sum", "frequency", "norm", "random"] as const satisfies readonly ExpertScoreMethod[];
export const HEAD_SCORE_CHOICES = ["flap", "random"] as const satisfies readonly HeadScoreMethod[];

export interface LayerPruneScores {
  layer: number;
  experts: {
    /** Tokens routed to each expert (a token counts once per expert among its top-k). */
    routedTokens: number[];
    /** Share of the run's tokens routed to each expert. */
    frequency: number[];
    /**
     * REAP: mean over the expert's routed tokens of gate × ‖expert output‖₂, the gate being the router's
     * softmax over all experts as in the authors' code (0 for an expert no token chose).
     */
    reap: number[];
    /** The same with the top-k renormalised routing weight gpt-oss mixes the experts with (an ablation). */
    reap_topk: number[];
    /** Σ over routed tokens of router probability × ‖output‖₂, divided by all tokens (= REAP × frequency; the authors' weighted_ean_sum): an ablation. */
    reap_sum: number[];
    /** Mean ‖expert output‖₂ over the expert's routed tokens (0 for an expert no token chose). */
    norm: number[];
  };
  heads: {
    /** FLAP fluctuation per query head: Σ over its o_proj input channels of Var(x_j) · ‖W_o[:, j]‖². */
    flap: number[];
  };
  /** Mean o_proj input per channel [nHeads·headDim]: what bias compensation adds back for removed heads. */
  oProjInputMean: Float64Array;
}

export interface PruneScores {
  sequences: number;
  tokens: number;
  layers: LayerPruneScores[];
  /** Wall seconds of the calibration pass. */
  seconds: number;
}
