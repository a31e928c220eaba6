import { warpSum } from "./warpSum.js";

export interface TopKRouting {
  /** [tokens, k] expert indices, by descending router logit (ties: lower index first). */
  topkIdx: Int32Array;
  /** [tokens, k] softmax over the selected logits only, in the same order. */
  topkWeights: Float32Array;
}

const f = Math.fround;

/**
 * GptOssTopKRouter after its linear: torch.topk over each token's logits, then softmax over the k
 * selected values (not over all experts). Deterministic: equal logits resolve to the lower expert index.
 *
 * `torchRounding`: the softmax as torch's CUDA warp softmax computes it in float32 — exp of the
 * float32 difference to the max, rounded; the k terms summed lane-wise as warpSum does; each weight a
 * float32 division. Otherwise the softmax is formed in float64 and each weight rounded once.
 */
export function routeTopK(params: { logits: Float32Array; tokens: number; nExperts: number; k: number; torchRounding?: boolean }): TopKRouting {
  const { logits, tokens, nExperts, k } = params;
  const topkIdx = new Int32Array(tokens * k);
  const topkWeights = new Float32Array(tokens * k);
  const chosen = new Uint8Array(nExperts);
  const exps = new Float64Array(k);
  for (let t = 0; t < tokens; t++) {
    const row = t * nExperts;
    chosen.fill(0);
    for (let s = 0; s < k; s++) {
      let best = -1;
      for (let e = 0; e < nExperts; e++) {
        if (chosen[e]) continue;
        if (best < 0 || logits[row + e] > logits[row + best]) best = e;
      }
      chosen[best] = 1;
      topkIdx[t * k + s] = best;
    }
    const max = logits[row + topkIdx[t * k]];
    if (params.torchRounding) {
      for (let s = 0; s < k; s++) exps[s] = f(Math.exp(f(logits[row + topkIdx[t * k + s]] - max)));
      const sum = warpSum(exps, k);
      for (let s = 0; s < k; s++) topkWeights[t * k + s] = exps[s] / sum; // float32 division: the quotient of two floats, rounded on store
    } else {
      let sum = 0;
      for (let s = 0; s < k; s++) sum += Math.exp(logits[row + topkIdx[t * k + s]] - max);
      for (let s = 0; s < k; s++) topkWeights[t * k + s] = Math.exp(logits[row + topkIdx[t * k + s]] - max) / sum;
    }
  }
  return { topkIdx, topkWeights };
}
