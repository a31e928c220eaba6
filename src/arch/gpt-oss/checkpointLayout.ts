/**
 * The tensors of a gpt-oss checkpoint in the Hugging Face layout (openai/gpt-oss-20b and -120b), from
 * the hyperparameters alone: names, dtypes and shapes in the order of the real
 * `model.safetensors.index.json` weight_map (layers in lexicographic order "0", "1", "10", …, then
 * embed_tokens, norm, lm_head). Attention, router, norms and embeddings are bf16; expert weights MXFP4
 * (`*_blocks` u8 [E, rows, cols/32, 16] and `*_scales` u8 e8m0 [E, rows, cols/32]) with bf16 biases;
 * gate_up_proj rows interleave gate and up (2 × intermediate).
 *
 * The synthetic checkpoint writes exactly these tensors; `plan` and `inspect` of a declared model use
 * them in place of the weights.
 */
import type { GptOssHyperparameters } from "./hyperparameters.js";

export const MXFP4_BLOCK = 32;

/** What a tensor holds (the synthesizer draws values by it). */
export type CheckpointTensorKind = "weight" | "bias" | "norm" | "sinks" | "mxfp4Blocks" | "mxfp4Scales";

export interface CheckpointTensorLayout {
  name: string;
  dtype: "BF16" | "U8";
  shape: number[];
  kind: CheckpointTensorKind;
}

export type CheckpointShape = Pick<GptOssHyperparameters, "nLayers" | "hidden" | "expertFfn" | "nHeads" | "nKvHeads" | "headDim" | "nExperts" | "vocabSize">;

export function checkpointTensorLayout(hp: CheckpointShape): CheckpointTensorLayout[] {
  const { hidden, expertFfn, nExperts: experts, headDim } = hp;
  if (hidden % MXFP4_BLOCK !== 0 || expertFfn % MXFP4_BLOCK !== 0) {
    throw new RangeError(`hidden and intermediate sizes must be multiples of ${MXFP4_BLOCK} for MXFP4`);
  }
  const qRows = hp.nHeads * headDim;
  const kvRows = hp.nKvHeads * headDim;
  const tensors: CheckpointTensorLayout[] = [];
  const bf16 = (name: string, shape: number[], kind: CheckpointTensorKind): void => {
    tensors.push({ name, dtype: "BF16", shape, kind });
  };
  const mxfp4 = (name: string, rows: number, columns: number): void => {
    const blocks = [experts, rows, columns / MXFP4_BLOCK];
    tensors.push({ name: `${name}_blocks`, dtype: "U8", shape: [...blocks, MXFP4_BLOCK / 2], kind: "mxfp4Blocks" });
    tensors.push({ name: `${name}_scales`, dtype: "U8", shape: blocks, kind: "mxfp4Scales" });
  };
  const layerOrder = Array.from({ length: hp.nLayers }, (_, i) => String(i)).sort();
  for (const layer of layerOrder) {
    const p = `model.layers.${layer}`;
    bf16(`${p}.input_layernorm.weight`, [hidden], "norm");
    bf16(`${p}.self_attn.o_proj.bias`, [hidden], "bias");
    bf16(`${p}.self_attn.o_proj.weight`, [hidden, qRows], "weight");
    bf16(`${p}.self_attn.q_proj.bias`, [qRows], "bias");
    bf16(`${p}.self_attn.k_proj.bias`, [kvRows], "bias");
    bf16(`${p}.self_attn.v_proj.bias`, [kvRows], "bias");
    bf16(`${p}.self_attn.q_proj.weight`, [qRows, hidden], "weight");
    bf16(`${p}.self_attn.k_proj.weight`, [kvRows, hidden], "weight");
    bf16(`${p}.self_attn.v_proj.weight`, [kvRows, hidden], "weight");
    bf16(`${p}.self_attn.sinks`, [hp.nHeads], "sinks");
    bf16(`${p}.mlp.router.bias`, [experts], "bias");
    bf16(`${p}.mlp.router.weight`, [experts, hidden], "weight");
    bf16(`${p}.mlp.experts.gate_up_proj_bias`, [experts, 2 * expertFfn], "bias");
    mxfp4(`${p}.mlp.experts.gate_up_proj`, 2 * expertFfn, hidden);
    bf16(`${p}.mlp.experts.down_proj_bias`, [experts, hidden], "bias");
    mxfp4(`${p}.mlp.experts.down_proj`, hidden, expertFfn);
    bf16(`${p}.post_attention_layernorm.weight`, [hidden], "norm");
  }
  bf16("model.embed_tokens.weight", [hp.vocabSize, hidden], "weight");
  bf16("model.norm.weight", [hidden], "norm");
  bf16("lm_head.weight", [hp.vocabSize, hidden], "weight");
  return tensors;
}

/** Bytes of a laid-out tensor (bf16: 2 per element; u8: 1). */
export function layoutByteLength(t: Pick<CheckpointTensorLayout, "dtype" | "shape">): number {
  return t.shape.reduce((a, b) => a * b, 1) * (t.dtype === "BF16" ? 2 : 1);
}
