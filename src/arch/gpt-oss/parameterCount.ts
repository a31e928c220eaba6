/**
 * Logical parameter counts. An MXFP4 `*_blocks` tensor (uint8 [..., n/32, 16]) holds two 4-bit
 * weights per byte, so it counts 2 per byte; its `*_scales` companion is part of the same blocks
 * and counts 0 (one MXFP4 block of 32 weights counts 32, as the model card's 20.9B does).
 */
import type { GptOssHyperparameters } from "./hyperparameters.js";

export interface TensorShapeInfo {
  name: string;
  dtype: string;
  shape: number[];
}

export function logicalParameterCount(tensor: TensorShapeInfo): number {
  const numel = tensor.shape.reduce((a, b) => a * b, 1);
  if (tensor.name.endsWith("_blocks")) return numel * 2;
  if (tensor.name.endsWith("_scales")) return 0;
  return numel;
}

export function totalParameterCount(tensors: TensorShapeInfo[]): number {
  return tensors.reduce((sum, t) => sum + logicalParameterCount(t), 0);
}

export type ParameterClass = "embeddings" | "output" | "attention" | "router" | "experts" | "norms";

export function parameterClassOf(hfName: string): ParameterClass {
  if (hfName.includes("embed_tokens")) return "embeddings";
  if (hfName.startsWith("lm_head")) return "output";
  if (hfName.includes("self_attn.")) return "attention";
  if (hfName.includes("mlp.router")) return "router";
  if (hfName.includes("mlp.experts")) return "experts";
  return "norms";
}

export type ParameterBreakdown = Record<ParameterClass, number> & { total: number };

/** Parameter counts by class computed from hyperparameters alone (planner, pruning). */
export function parameterBreakdown(hp: Pick<GptOssHyperparameters, "nLayers" | "hidden" | "expertFfn" | "nHeads" | "nKvHeads" | "headDim" | "nExperts" | "vocabSize">): ParameterBreakdown {
  const { nLayers: L, hidden: H, expertFfn: F, nHeads, nKvHeads, headDim: D, nExperts: E, vocabSize: V } = hp;
  const q = nHeads * D;
  const kv = nKvHeads * D;
  const attentionPerLayer = H * q + q + 2 * (H * kv + kv) + q * H + H + nHeads; // q,k,v,o weights+biases, sinks
  const routerPerLayer = E * H + E;
  const expertsPerLayer = E * (2 * F * H + 2 * F + H * F + H); // gate_up (+bias), down (+bias)
  const normsPerLayer = 2 * H;
  const b = {
    embeddings: V * H,
    output: V * H,
    attention: L * attentionPerLayer,
    router: L * routerPerLayer,
    experts: L * expertsPerLayer,
    norms: L * normsPerLayer + H,
  };
  return { ...b, total: b.embeddings + b.output + b.attention + b.router + b.experts + b.norms };
}

/**
 * Parameters one token runs through, counted as the gpt-oss model card does (20b: 3.61B of 20.91B;
 * 120b: 5.13B of 116.83B): everything but the embedding table (a row lookup) and the experts a token is
 * not routed to, i.e. the experts scaled by top-k / experts. The unembedding (output) counts in full.
 */
export function activeParameterCount(hp: Pick<GptOssHyperparameters, "nLayers" | "hidden" | "expertFfn" | "nHeads" | "nKvHeads" | "headDim" | "nExperts" | "nExpertsUsed" | "vocabSize">): number {
  const b = parameterBreakdown(hp);
  return b.total - b.embeddings - b.experts + (b.experts / hp.nExperts) * hp.nExpertsUsed;
}
