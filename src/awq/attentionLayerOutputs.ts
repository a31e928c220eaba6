import type { AwqGemmTensors } from "./awqGemmLayout.js";
import type { AwqClipReport, AwqScaleReport } from "./awqTypes.js";
import type { AttentionAwqResult } from "./searchAttentionAwq.js";

/**
 * A layer's writer inputs as far as its attention goes (both AWQ drivers start a layer's result
 * here): the four linears under their checkpoint names, the folded input_layernorm and v_proj bias,
 * and the scale and clipping reports; the MoE part is added to the same collections.
 */
export function attentionLayerOutputs(params: { layer: number; attention: AttentionAwqResult }): {
  linears: Map<string, AwqGemmTensors>;
  folded: Map<string, Float32Array>;
  scales: AwqScaleReport[];
  clipping: AwqClipReport[];
} {
  const { layer, attention } = params;
  const prefix = `model.layers.${layer}.self_attn`;
  const linears = new Map<string, AwqGemmTensors>();
  for (const [name, tensors] of attention.linears) linears.set(`${prefix}.${name}`, tensors);
  const folded = new Map<string, Float32Array>();
  folded.set(`model.layers.${layer}.input_layernorm.weight`, attention.inputNorm!);
  folded.set(`${prefix}.v_proj.bias`, attention.vBias!);
  return { linears, folded, scales: [...attention.scales], clipping: [...attention.clipping] };
}
