/**
 * tensor_allows_quantization (src/llama-quant.cpp:287-365): which tensors llama-quantize may give a
 * new type at all. Everything else keeps the type it has in the input file (for a gpt-oss
 * conversion: F32 norms, biases, attention sinks and router weight).
 */

// Name substrings that are never quantized (llama-quant.cpp:300-362), in source order. Most belong
// to other architectures; they are listed so the table can be checked line by line.
const NEVER_QUANTIZED_SUBSTRINGS: readonly string[] = [
  "_norm.weight", // norms
  "ffn_gate_inp.weight", // expert router
  "ffn_gate_tid2eid.weight",
  "altup",
  "laurel",
  "per_layer_model_proj",
  "ssm_conv1d",
  "shortconv.conv.weight",
  "indexer.k_proj.weight",
  "indexer.q_proj.weight",
  "time_mix_first.weight",
  "time_mix_w0.weight",
  "time_mix_w1.weight",
  "time_mix_w2.weight",
  "time_mix_v0.weight",
  "time_mix_v1.weight",
  "time_mix_v2.weight",
  "time_mix_a0.weight",
  "time_mix_a1.weight",
  "time_mix_a2.weight",
  "time_mix_g1.weight",
  "time_mix_g2.weight",
  "time_mix_decay_w1.weight",
  "time_mix_decay_w2.weight",
  "time_mix_lerp_fused.weight",
  "attn_rel_b.weight",
  ".position_embd",
  "sam.pos_embd",
  "sam.neck.",
  "sam.net_",
  ".rel_pos",
  ".patch_embd",
  ".patch_merger",
  "a.rvq.codebook",
  "mm.a.code_embd",
];

// LLM_TN(arch)(LLM_TENSOR_POS_EMBD / LLM_TENSOR_TOKEN_TYPES, "weight"): exact names.
const NEVER_QUANTIZED_NAMES: ReadonlySet<string> = new Set(["position_embd.weight", "token_types.weight"]);

/** ggml_n_dims: the number of dimensions up to the last one larger than 1 (at least 1). */
export function ggmlNDims(shape: readonly number[]): number {
  for (let i = shape.length - 1; i >= 1; i--) if (shape[i] > 1) return i + 1;
  return 1;
}

export function tensorAllowsQuantization(params: {
  name: string;
  /** ggml order (ne0 first). */
  shape: readonly number[];
  /** llama_model_quantize_params.quantize_output_tensor (default true). */
  quantizeOutputTensor?: boolean;
}): boolean {
  const { name } = params;
  // quantize only 2D and 3D tensors (llama-quant.cpp:292)
  if (ggmlNDims(params.shape) < 2) return false;
  // `name.rfind("weight") == name.size() - 6`: ends with "weight" (llama-quant.cpp:297)
  if (!name.endsWith("weight")) return false;
  if (params.quantizeOutputTensor === false && name === "output.weight") return false;
  if (NEVER_QUANTIZED_SUBSTRINGS.some((s) => name.includes(s))) return false;
  return !NEVER_QUANTIZED_NAMES.has(name);
}
