/**
 * The broad tensor categories llama.cpp's quantizer reasons about (enum tensor_category and
 * tensor_get_category, src/llama-quant.cpp:26-39 and 104-153 of the bundled v0.4.0 source).
 * Matching is by substring of the GGUF name, in this order: the first match wins, so
 * `ffn_up` is tested before `ffn_gate` and `ffn_down`, and `ffn_gate_inp` counts as FFN_GATE
 * (it is never quantized anyway: see tensorAllowsQuantization).
 */
export type TensorCategory =
  | "TOKEN_EMBD"
  | "ATTENTION_Q"
  | "ATTENTION_V"
  | "ATTENTION_K"
  | "ATTENTION_QKV"
  | "ATTENTION_KV_B"
  | "ATTENTION_OUTPUT"
  | "FFN_UP"
  | "FFN_GATE"
  | "FFN_DOWN"
  | "OUTPUT"
  | "OTHER";

// llama-quant.cpp:119-153, top to bottom.
const SUBSTRING_RULES: ReadonlyArray<readonly [string, TensorCategory]> = [
  ["attn_qkv.weight", "ATTENTION_QKV"],
  ["attn_kv_b.weight", "ATTENTION_KV_B"],
  ["attn_v.weight", "ATTENTION_V"],
  ["attn_k.weight", "ATTENTION_K"],
  ["attn_q.weight", "ATTENTION_Q"],
  ["attn_output.weight", "ATTENTION_OUTPUT"],
  ["ffn_up", "FFN_UP"],
  ["ffn_gate", "FFN_GATE"],
  ["ffn_down", "FFN_DOWN"],
];

/** tensor_get_category: exact names for output/token_embd (llama-quant.cpp:104-111, 120-125), then substrings. */
export function tensorCategory(name: string): TensorCategory {
  if (name === "output.weight") return "OUTPUT";
  if (name === "token_embd.weight" || name === "per_layer_token_embd.weight") return "TOKEN_EMBD";
  for (const [substring, category] of SUBSTRING_RULES) if (name.includes(substring)) return category;
  return "OTHER";
}

/** category_is_attn_v (llama-quant.cpp:157-161): the tensors counted by n_attention_wv. */
export function categoryIsAttnV(category: TensorCategory): boolean {
  return category === "ATTENTION_V" || category === "ATTENTION_QKV" || category === "ATTENTION_KV_B";
}
