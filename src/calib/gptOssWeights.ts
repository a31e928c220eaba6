/**
 * What the calibration engine reads, as an interface rather than a checkpoint: AWQ folds scales into
 * norms and the router, pruning drops experts, a test perturbs one tensor — each wraps a provider and
 * changes what it returns, and the engine runs the modified model unchanged.
 *
 * Every array is float32 in Hugging Face's row-major layout; a linear weight is [out_features,
 * in_features]. Providers may return fresh arrays or cached ones; the engine never writes to them.
 */
import type { GptOssHyperparameters } from "../arch/gpt-oss/index.js";

export interface GptOssAttentionWeights {
  /** [nHeads·headDim, hidden] and [nHeads·headDim]. */
  qWeight: Float32Array;
  qBias: Float32Array;
  /** [nKvHeads·headDim, hidden] and [nKvHeads·headDim]. */
  kWeight: Float32Array;
  kBias: Float32Array;
  vWeight: Float32Array;
  vBias: Float32Array;
  /** [hidden, nHeads·headDim] and [hidden]. */
  oWeight: Float32Array;
  oBias: Float32Array;
  /** [nHeads]: the learned per-head logit that joins every softmax denominator. */
  sinks: Float32Array;
}

/** One decoder layer except its experts (those are read one at a time: see `expert`). */
export interface GptOssLayerWeights {
  /** RMSNorm weights [hidden] before attention and before the MoE block. */
  inputNorm: Float32Array;
  postAttentionNorm: Float32Array;
  attention: GptOssAttentionWeights;
  /** [nExperts, hidden] and [nExperts]. */
  routerWeight: Float32Array;
  routerBias: Float32Array;
}

export interface GptOssExpertWeights {
  /** [2·expertFfn, hidden]: output rows interleaved, even = gate, odd = up (transformers' order). */
  gateUp: Float32Array;
  gateUpBias: Float32Array;
  /** [hidden, expertFfn] and [hidden]. */
  down: Float32Array;
  downBias: Float32Array;
}

export interface GptOssWeightProvider {
  readonly config: GptOssHyperparameters;
  /** Embedding rows of the given token ids, [ids.length, hidden]. */
  embeddingRows(ids: ArrayLike<number>): Promise<Float32Array>;
  layer(layer: number): Promise<GptOssLayerWeights>;
  /** One expert of one layer, dequantized (≈ 100 MB at real size: read them one at a time). */
  expert(layer: number, expert: number): Promise<GptOssExpertWeights>;
  /** Final RMSNorm weight [hidden]. */
  finalNorm(): Promise<Float32Array>;
  /** lm_head rows [start, end) of the vocabulary, [end − start, hidden] (the whole head is 2.3 GB in f32 at real size). */
  lmHeadRows(start: number, end: number): Promise<Float32Array>;
  /** Release files. A wrapper that delegates must delegate this too. */
  close(): Promise<void>;
}
