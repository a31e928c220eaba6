import type { AwqExpertPolicy, AwqMethod } from "./awqTypes.js";

/** README.md of an AWQ checkpoint: what is in it, how to read it, and which engines load it. */
export function renderAwqCheckpointReadme(params: {
  groupSize: number;
  experts: AwqExpertPolicy;
  method: AwqMethod;
  clip: boolean;
  calibration: string;
  sourceQuantization?: unknown;
  /** The Hub model the weights come from, when known (absent for a synthetic or unknown checkpoint: no claim is made). */
  baseModel?: string;
}): string {
  const { groupSize, experts, method } = params;
  const what = method === "awq" ? `AWQ (activation-aware scale search${params.clip ? " and clipping" : ", no clipping"})` : "round-to-nearest on AWQ's grid (α = 0, no clipping: the baseline AWQ is measured against)";
  const expertsLine =
    experts === "keep"
      ? "The experts are the original MXFP4 tensors (`mlp.experts.{gate_up,down}_proj_{blocks,scales}`), copied bit-exactly: they are already 4.25 bits per weight."
      : "The experts are dequantized from MXFP4 and quantized in the same layout, one module per expert: `mlp.experts.E.gate_up_proj.{qweight,qzeros,scales}` (transformers' interleaved rows: even outputs = gate, odd = up) and `mlp.experts.E.down_proj.*`; the expert biases stay fused (`gate_up_proj_bias`, `down_proj_bias`).";
  return `---
${params.baseModel ? `base_model: ${params.baseModel}\nbase_model_relation: quantized\n` : ""}tags: [awq, gpt-oss, oss-prep]
---
# gpt-oss — 4-bit ${method === "awq" ? "AWQ" : "RTN"}, group ${groupSize}

Written by oss-prep (\`oss-prep awq\`): ${what}.
Calibration: ${params.calibration}.

## Layout

AutoAWQ's GEMM layout (\`quantization_config\`: quant_method awq, bits 4, group_size ${groupSize}, zero_point true, version gemm)
for the dense linears \`self_attn.{q,k,v,o}_proj\`:

- \`qweight\` int32 [in, out/8]: 8 output channels per int32, output 8c + AWQ_ORDER[i] in bits 4i…4i+3, AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7];
- \`qzeros\` int32 [in/${groupSize}, out/8], packed the same way: integer zero points z ∈ [0, 15];
- \`scales\` fp16 [in/${groupSize}, out];
- weight[o][i] = (q − z) · s, over groups of ${groupSize} input channels; biases unchanged.

${expertsLine}

AWQ's per-channel scales are folded into the tensors that produce each linear's input, so the
float model is unchanged before quantization: \`input_layernorm.weight\` ÷ s (q/k/v_proj), \`v_proj\`'s
rows and bias ÷ s (o_proj, one s per KV head shared by its query heads)${experts === "awq" ? ", `post_attention_layernorm.weight` ÷ s with the router weight × s (gate_up_proj: the router reads the same input, so its logits and the routing are unchanged)" : ""}.
Those tensors are stored as float32; the router, embeddings and lm_head are not quantized.
\`awq_report.json\` has the chosen α and the output errors per layer.

## Which engines load it

- **llama.cpp / node-llama-cpp / LM Studio / Ollama**: not this folder — use the GGUF oss-prep writes
  beside it, whose AWQ tensors are Q4_1 blocks carrying exactly this grid (d = s, m = −z·s).
- **vLLM**: its gpt-oss model loads MXFP4 or bf16 experts only; AWQ linears on gpt-oss are not supported
  as of this writing.
- **transformers / AutoAWQ**: gpt-oss is not an AutoAWQ architecture, and transformers' gpt-oss expects
  ${experts === "keep" ? "an mxfp4 quantization_config for the MXFP4 experts; this checkpoint has both kinds of tensors, which no loader combines" : "fused expert tensors, not per-expert AWQ modules"}.
  The tensors are standard: dequantize them with the formula above (AutoAWQ's \`dequantize_gemm\`) to run them anywhere.
${params.sourceQuantization ? `\nThe source checkpoint's quantization_config was ${JSON.stringify(params.sourceQuantization)}.\n` : ""}`;
}
