/**
 * Calibration hooks that accumulate, layer by layer, what expert and head scoring need — never the
 * activations themselves, so a real-size run streams in bounded memory:
 * - experts (REAP, Cerebras 2025, and its baselines): per expert the routed token count, Σ gate × ‖output‖₂
 *   and Σ ‖output‖₂, from the engine's per-expert events (output before the routing weight). REAP's gate
 *   is the router's softmax over all experts, as the authors' observer computes it by default
 *   (`renormalize_router_weights=False`); Σ (top-k renormalised weight, what gpt-oss mixes with) ×
 *   ‖output‖₂ is kept too, as an ablation;
 * - heads (FLAP, An et al. 2024): per o_proj input channel Σx and Σx² in float64, for the variance that
 *   the fluctuation metric weighs and the mean that bias compensation restores.
 * The o_proj column norms come from the weights (see observeOProjColumnNorms).
 */
import type { GptOssHooks } from "../calib/index.js";

export interface LayerAccumulators {
  tokens: number;
  routedTokens: Float64Array;
  reapSum: Float64Array;
  reapTopkSum: Float64Array;
  normSum: Float64Array;
  channelSum: Float64Array;
  channelSumSquares: Float64Array;
  attentionRows: number;
}

export function createPruneScoringHooks(params: { nLayers: number; nExperts: number; oProjWidth: number }): {
  hooks: GptOssHooks;
  layers: LayerAccumulators[];
} {
  const { nLayers, nExperts, oProjWidth } = params;
  const layers: LayerAccumulators[] = Array.from({ length: nLayers }, () => ({
    tokens: 0,
    routedTokens: new Float64Array(nExperts),
    reapSum: new Float64Array(nExperts),
    reapTopkSum: new Float64Array(nExperts),
    normSum: new Float64Array(nExperts),
    channelSum: new Float64Array(oProjWidth),
    channelSumSquares: new Float64Array(oProjWidth),
    attentionRows: 0,
  }));
  /**
   * The router softmax over all experts of the latest routing event's tokens, [tokens, nExperts],
   * from its first token: all tokens of a layer (TypeScript engine) or one ubatch (llama.cpp engine).
   */
  let probabilities = new Float32Array(0);
  let probabilitiesFrom = 0;
  const hooks: GptOssHooks = {
    onAttention(event) {
      const acc = layers[event.layer];
      const x = event.oProjInput;
      const sum = acc.channelSum;
      const squares = acc.channelSumSquares;
      for (let r = 0; r < event.rows; r++) {
        const row = r * oProjWidth;
        for (let j = 0; j < oProjWidth; j++) {
          const v = x[row + j];
          sum[j] += v;
          squares[j] += v * v;
        }
      }
      acc.attentionRows += event.rows;
    },
    onRouting(event) {
      layers[event.layer].tokens += event.tokens;
      const logits = event.routerLogits;
      probabilities = new Float32Array(logits.length);
      probabilitiesFrom = event.tokenOffset;
      for (let t = 0; t < event.tokens; t++) {
        const row = t * nExperts;
        let max = -Infinity;
        for (let e = 0; e < nExperts; e++) max = Math.max(max, logits[row + e]);
        let sum = 0;
        for (let e = 0; e < nExperts; e++) sum += Math.exp(logits[row + e] - max);
        for (let e = 0; e < nExperts; e++) probabilities[row + e] = Math.exp(logits[row + e] - max) / sum;
      }
    },
    onExpert(event) {
      const acc = layers[event.layer];
      const n = event.tokens.length;
      const hidden = event.output.length / n;
      let reap = 0;
      let reapTopk = 0;
      let norm = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        const row = i * hidden;
        for (let j = 0; j < hidden; j++) s += event.output[row + j] * event.output[row + j];
        const l2 = Math.sqrt(s);
        norm += l2;
        reap += probabilities[(event.tokens[i] - probabilitiesFrom) * nExperts + event.expert] * l2;
        reapTopk += event.gateWeights[i] * l2;
      }
      acc.routedTokens[event.expert] += n;
      acc.reapSum[event.expert] += reap;
      acc.reapTopkSum[event.expert] += reapTopk;
      acc.normSum[event.expert] += norm;
    },
  };
  return { hooks, layers };
}
