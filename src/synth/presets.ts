/**
 * Hyperparameters of the synthetic checkpoints. `gpt-oss-20b` is openai/gpt-oss-20b exactly (config.json
 * and the shard split of its model.safetensors.index.json); `demo` is the same architecture shrunk until
 * it writes in well under a second, keeping the proportions that trip converters: hidden size not a
 * multiple of 256, GQA ratio 8, layers alternating sliding/full, a shard boundary in the middle of a layer,
 * and token ids between the tokenizer's last token and vocab_size that the tokenizer does not define.
 */
export type SyntheticPresetName = "demo" | "gpt-oss-20b";

export interface SyntheticPreset {
  name: SyntheticPresetName;
  numHiddenLayers: number;
  numLocalExperts: number;
  expertsPerToken: number;
  hiddenSize: number;
  intermediateSize: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  /** config.json vocab_size: rows of embed_tokens and lm_head. */
  vocabSize: number;
  slidingWindow: number;
  maxPositionEmbeddings: number;
  initialContextLength: number;
  ropeTheta: number;
  ropeScaling: { factor: number; originalMaxPositionEmbeddings: number; betaFast: number; betaSlow: number };
  swigluLimit: number;
  rmsNormEps: number;
  tokenizer: {
    /**
     * Id of <|startoftext|>, the first of the 21 harmony special tokens (199998 in gpt-oss). Ids below it
     * are the byte-level BPE: the trained tokens, then `[PAD<id>]` fillers up to this id. Ids from the last
     * special token + 1 to vocabSize − 1 are left undefined, as in the real tokenizer (200019…201087).
     */
    firstSpecialTokenId: number;
  };
  /**
   * Where each shard after the first begins: the name of its first tensor in index order (layers in
   * lexicographic order "0", "1", "10", …, then embed_tokens, norm, lm_head). Shard count = length + 1.
   */
  shardStarts: string[];
}

export const SYNTHETIC_PRESETS: Readonly<Record<SyntheticPresetName, SyntheticPreset>> = {
  "gpt-oss-20b": {
    name: "gpt-oss-20b",
    numHiddenLayers: 24,
    numLocalExperts: 32,
    expertsPerToken: 4,
    hiddenSize: 2880,
    intermediateSize: 2880,
    numAttentionHeads: 64,
    numKeyValueHeads: 8,
    headDim: 64,
    vocabSize: 201088,
    slidingWindow: 128,
    maxPositionEmbeddings: 131072,
    initialContextLength: 4096,
    ropeTheta: 150000,
    ropeScaling: { factor: 32, originalMaxPositionEmbeddings: 4096, betaFast: 32, betaSlow: 1 },
    swigluLimit: 7,
    rmsNormEps: 1e-5,
    tokenizer: { firstSpecialTokenId: 199998 },
    // The real split: 4,792,250,240 / 4,798,679,872 / 4,170,334,656 bytes of tensor data (4.79/4.80/4.17 GB).
    shardStarts: ["model.layers.18.self_attn.q_proj.weight", "model.layers.6.mlp.experts.gate_up_proj_blocks"],
  },
  demo: {
    name: "demo",
    numHiddenLayers: 4,
    numLocalExperts: 8,
    expertsPerToken: 2,
    hiddenSize: 288,
    intermediateSize: 288,
    numAttentionHeads: 16,
    numKeyValueHeads: 2,
    headDim: 32,
    // 900 BPE tokens + 21 specials = 921 defined ids, padded to a multiple of 64.
    vocabSize: 960,
    slidingWindow: 64,
    maxPositionEmbeddings: 131072,
    initialContextLength: 4096,
    ropeTheta: 150000,
    ropeScaling: { factor: 32, originalMaxPositionEmbeddings: 4096, betaFast: 32, betaSlow: 1 },
    swigluLimit: 7,
    rmsNormEps: 1e-5,
    // The built-in corpus yields 644 merges (256 + 644 = 900 tokens), so the demo needs no fillers.
    tokenizer: { firstSpecialTokenId: 900 },
    // Like the real checkpoint, a layer straddles the boundary (attention in one shard, the rest in the next).
    shardStarts: ["model.layers.2.self_attn.q_proj.weight"],
  },
};
