import { readGptOssConfig, type GptOssHyperparameters, planGgufTensors, type GgufTensorPlan, type HfTensorRef } from "../arch/gpt-oss/index.js";
import { UsageError } from "../errors.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { openCheckpoint } from "../formats/safetensors/index.js";
import { resolveModel } from "../pipeline/modelSpec.js";
import { paramsOf, resolvePipeline } from "../pipeline/pipelineSpec.js";
import { planQuantization } from "../quant/planQuantization.js";
import { quantizeTypeFromName } from "../quant/recipe/quantizeTypes.js";
import { planSyntheticCheckpoint } from "../synth/planSyntheticCheckpoint.js";
import { convertStage } from "../stages/convert/definition.js";
import { STAGES } from "../stages/index.js";
import { pruneStage } from "../stages/prune/definition.js";
import { quantizeStage } from "../stages/quantize/definition.js";
import { planInputsFromGguf, type PlanInputs } from "../vram/planInputsFromGguf.js";
import type { VramPlanModel, VramPlanTensor } from "../vram/planVram.js";

export type { PlanInputs } from "../vram/planInputsFromGguf.js";

function planModel(hp: GptOssHyperparameters): VramPlanModel {
  return { nLayers: hp.nLayers, nEmbd: hp.hidden, nKvHeads: hp.nKvHeads, headDim: hp.headDim, slidingWindow: hp.slidingWindow, slidingLayers: hp.slidingLayers };
}

/**
 * The tensors (names, shapes, types) and hyperparameters the planner needs, without weights:
 * - a .gguf file: read from its header (types as written; `variant` is not needed);
 * - a model of models/ (a Hub model or a synthetic one) or a checkpoint directory, plus a variant:
 *   the checkpoint's tensor list (for a model file, the layout of the shapes its config: declares, so
 *   nothing is downloaded), llama.cpp's conversion plan and the variant's quantization type plan.
 */
export async function resolvePlanInputs(params: { model: string; variant?: string }): Promise<PlanInputs> {
  if (params.model.endsWith(".gguf")) return await planInputsFromGguf(params.model);
  if (!params.variant) throw new UsageError("--variant is required unless --model is a .gguf file");
  const spec = await resolveModel(params.model);
  let hp: GptOssHyperparameters;
  let tensors: HfTensorRef[];
  let close: (() => Promise<void>) | undefined;
  if (spec.source.kind === "local") {
    hp = await readGptOssConfig({ dir: spec.source.path });
    const checkpoint = await openCheckpoint({ dir: spec.source.path });
    tensors = [...checkpoint.tensors];
    close = () => checkpoint.close();
  } else {
    // a model of models/ is planned from the shapes its file declares (config:), laid out as the checkpoint
    // would be: nothing is downloaded or generated
    const preset = spec.source.kind === "synth" ? spec.source.preset : spec.config ? spec.name : undefined;
    if (preset === undefined) {
      throw new UsageError(`plan: no shapes known for ${spec.name} without downloading it; declare its config.json fields under config: in ${spec.file ?? "its model file"}, or pass its checkpoint directory or a .gguf`);
    }
    const synthetic = planSyntheticCheckpoint({ preset });
    hp = synthetic.preset.hp;
    tensors = synthetic.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file: synthetic.weightMap[t.name] }));
  }
  try {
    const pruned = await applyPruneStage({ variant: params.variant, hp, tensors });
    const { types, label } = await variantTypePlan({ variant: params.variant, hp: pruned.hp, tensors: pruned.tensors, where: spec.name });
    return { model: planModel(pruned.hp), tensors: types, description: `${spec.name}${pruned.label}, ${label}` };
  } finally {
    await close?.();
  }
}

/**
 * A variant that prunes (pruned-15b) quantizes the pruned checkpoint: plan the shapes the prune stage
 * will write (its counts come from the planner alone; which heads and experts survive does not change
 * a shape), so the estimate is of the pruned model, not of the one it starts from.
 */
async function applyPruneStage(params: { variant: string; hp: GptOssHyperparameters; tensors: HfTensorRef[] }): Promise<{ hp: GptOssHyperparameters; tensors: HfTensorRef[]; label: string }> {
  const pipeline = await resolvePipeline(params.variant, STAGES);
  const index = pipeline.stages.findIndex((s) => paramsOf(s, pruneStage) !== undefined);
  const request = index < 0 ? undefined : paramsOf(pipeline.stages[index], pruneStage);
  if (!request) return { hp: params.hp, tensors: params.tensors, label: "" };
  const { planPruning } = await import("../prune/planPruning.js");
  const { prunedTensorShapes } = await import("../prune/prunedTensorShapes.js");
  const plan = planPruning({
    shape: params.hp,
    targetParams: request.targetParams,
    expertsKeep: request.expertsKeep,
    headsKeep: request.headsKeep,
    kvGroupsKeep: request.kvGroupsKeep,
    source: { file: pipeline.file, key: `stages[${index}].with` },
  });
  const { nHeads, nKvHeads, nExperts } = plan.pruned;
  return {
    hp: { ...params.hp, nHeads, nKvHeads, nExperts },
    tensors: prunedTensorShapes({ tensors: params.tensors, original: plan.original, pruned: plan.pruned, headDim: params.hp.headDim }),
    label: ` pruned to ${nExperts} experts and ${nHeads} query heads per layer`,
  };
}

async function variantTypePlan(params: { variant: string; hp: GptOssHyperparameters; tensors: HfTensorRef[]; where: string }): Promise<{ types: VramPlanTensor[]; label: string }> {
  const pipeline = await resolvePipeline(params.variant, STAGES);
  const quantize = pipeline.stages.map((s) => paramsOf(s, quantizeStage)).find((p) => p !== undefined);
  const convert = pipeline.stages.map((s) => paramsOf(s, convertStage)).find((p) => p !== undefined);
  const plans = planGgufTensors({ tensors: params.tensors, hp: params.hp, where: params.where, experts: "mxfp4" });
  const conversionType = (p: GgufTensorPlan, outtype: GgmlType) => (p.source.kind === "mxfp4" ? GgmlType.MXFP4 : p.forceF32 ? GgmlType.F32 : outtype);
  if (quantize) {
    const { type, experts } = quantize;
    const plan = planQuantization({
      tensors: plans.map((p) => ({ name: p.name, shape: p.shape, type: conversionType(p, GgmlType.BF16) })),
      quantizeType: quantizeTypeFromName(type),
      experts,
      nExpert: params.hp.nExperts,
      nLayer: params.hp.nLayers,
      where: params.where,
    });
    return { types: plan.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type })), label: `${pipeline.name} (${type}, experts ${experts})` };
  }
  if (convert) {
    const outtype = convert.outtype;
    const type = outtype === "f32" ? GgmlType.F32 : outtype === "f16" ? GgmlType.F16 : GgmlType.BF16;
    return { types: plans.map((p) => ({ name: p.name, shape: p.shape, type: conversionType(p, type) })), label: `${pipeline.name} (${outtype.toUpperCase()})` };
  }
  throw new UsageError(`variant ${params.variant} has no convert or quantize stage: nothing to plan`);
}
