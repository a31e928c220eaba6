import { type GptOssHyperparameters, planGgufTensors, type GgufTensorPlan, type HfTensorRef } from "../arch/gpt-oss/index.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { planPruning, type PlanPruningParams } from "../prune/planPruning.js";
import { prunedTensorShapes } from "../prune/prunedTensorShapes.js";
import type { ExpertPolicy } from "../quant/expertPolicies.js";
import { planQuantization } from "../quant/planQuantization.js";
import { quantizeTypeFromName } from "../quant/recipe/quantizeTypes.js";
import type { PlanInputs } from "../vram/planInputsFromGguf.js";
import type { VramPlanModel, VramPlanTensor } from "../vram/planVram.js";
import type { ModelShapes } from "./loadModelShapes.js";

/** What a variant does to the model before the planner sees it: prune (optionally), then quantize or convert. */
export interface PlanChoice {
  /** The prune stage's request (counts, or a parameter target); which experts and heads survive changes no shape. */
  prune?: Omit<PlanPruningParams, "shape">;
  /** quantize: a type of `oss-prep quantize --type` (Q5_K_M, MXFP4_MOE, …) and the expert policy. */
  quantize?: { type: string; experts: ExpertPolicy };
  /** Without quantize: convert's outtype. */
  outtype?: "bf16" | "f16" | "f32";
}

function planModel(hp: GptOssHyperparameters): VramPlanModel {
  return { nLayers: hp.nLayers, nEmbd: hp.hidden, nKvHeads: hp.nKvHeads, headDim: hp.headDim, slidingWindow: hp.slidingWindow, slidingLayers: hp.slidingLayers };
}

/**
 * The planner's inputs for one choice of variant on shapes read once (loadModelShapes): the pruned shapes
 * (planPruning's counts), llama.cpp's conversion plan (tensor names, ggml shapes, file order) and the
 * quantization type plan (llama_tensor_get_type, ported) — the GGUF the variant would write, tensor for
 * tensor, in its order, without writing it. Synchronous and free of I/O: `fit` calls it per candidate.
 */
export function planInputsForChoice(params: { shapes: ModelShapes; choice: PlanChoice; label?: string }): PlanInputs {
  const { shapes, choice } = params;
  let hp = shapes.hp;
  let tensors: HfTensorRef[] = shapes.tensors;
  let pruneLabel = "";
  if (choice.prune) {
    const plan = planPruning({ shape: hp, ...choice.prune });
    const { nHeads, nKvHeads, nExperts } = plan.pruned;
    tensors = prunedTensorShapes({ tensors, original: plan.original, pruned: plan.pruned, headDim: hp.headDim });
    hp = { ...hp, nHeads, nKvHeads, nExperts };
    pruneLabel = ` pruned to ${nExperts} experts and ${nHeads} query heads per layer`;
  }
  const plans = planGgufTensors({ tensors, hp, where: shapes.name, experts: "mxfp4" });
  const conversionType = (p: GgufTensorPlan, outtype: GgmlType) => (p.source.kind === "mxfp4" ? GgmlType.MXFP4 : p.forceF32 ? GgmlType.F32 : outtype);
  let types: VramPlanTensor[];
  let what: string;
  if (choice.quantize) {
    const { type, experts } = choice.quantize;
    const plan = planQuantization({
      tensors: plans.map((p) => ({ name: p.name, shape: p.shape, type: conversionType(p, GgmlType.BF16) })),
      quantizeType: quantizeTypeFromName(type),
      experts,
      nExpert: hp.nExperts,
      nLayer: hp.nLayers,
      where: shapes.name,
    });
    types = plan.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type }));
    what = `${type}, experts ${experts}`;
  } else {
    const outtype = choice.outtype ?? "bf16";
    const type = outtype === "f32" ? GgmlType.F32 : outtype === "f16" ? GgmlType.F16 : GgmlType.BF16;
    types = plans.map((p) => ({ name: p.name, shape: p.shape, type: conversionType(p, type) }));
    what = outtype.toUpperCase();
  }
  return { model: planModel(hp), tensors: types, description: `${shapes.name}${pruneLabel}, ${params.label ? `${params.label} (${what})` : what}` };
}
