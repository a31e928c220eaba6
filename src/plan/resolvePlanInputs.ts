import { UsageError } from "../errors.js";
import { paramsOf, resolvePipeline } from "../pipeline/pipelineSpec.js";
import { convertStage } from "../stages/convert/definition.js";
import { STAGES } from "../stages/index.js";
import { pruneStage } from "../stages/prune/definition.js";
import { quantizeStage } from "../stages/quantize/definition.js";
import { planInputsFromGguf, type PlanInputs } from "../vram/planInputsFromGguf.js";
import { loadModelShapes } from "./loadModelShapes.js";
import { type PlanChoice, planInputsForChoice } from "./planInputsForChoice.js";

export type { PlanInputs } from "../vram/planInputsFromGguf.js";

/**
 * The tensors (names, shapes, types) and hyperparameters the planner needs, without weights:
 * - a .gguf file: read from its header (types and offsets as written; `variant` is not needed);
 * - a model of models/ (a Hub model or a synthetic one) or a checkpoint directory, plus a variant:
 *   the checkpoint's tensor list (for a model file, the layout of the shapes its config: declares, so
 *   nothing is downloaded), the variant's prune stage (a pruned variant is planned at its pruned shapes),
 *   llama.cpp's conversion plan and the variant's quantization type plan (planInputsForChoice).
 */
export async function resolvePlanInputs(params: { model: string; variant?: string }): Promise<PlanInputs> {
  if (params.model.endsWith(".gguf")) return await planInputsFromGguf(params.model);
  if (!params.variant) throw new UsageError("--variant is required unless --model is a .gguf file");
  const shapes = await loadModelShapes({ model: params.model });
  const pipeline = await resolvePipeline(params.variant, STAGES);
  const pruneIndex = pipeline.stages.findIndex((s) => paramsOf(s, pruneStage) !== undefined);
  const prune = pruneIndex < 0 ? undefined : paramsOf(pipeline.stages[pruneIndex], pruneStage);
  const quantize = pipeline.stages.map((s) => paramsOf(s, quantizeStage)).find((p) => p !== undefined);
  const convert = pipeline.stages.map((s) => paramsOf(s, convertStage)).find((p) => p !== undefined);
  if (!quantize && !convert) throw new UsageError(`variant ${params.variant} has no convert or quantize stage: nothing to plan`);
  const choice: PlanChoice = {
    ...(prune
      ? {
          prune: {
            targetParams: prune.targetParams,
            expertsKeep: prune.expertsKeep,
            headsKeep: prune.headsKeep,
            kvGroupsKeep: prune.kvGroupsKeep,
            source: { file: pipeline.file, key: `stages[${pruneIndex}].with` },
          },
        }
      : {}),
    ...(quantize ? { quantize: { type: quantize.type, experts: quantize.experts } } : { outtype: convert!.outtype }),
  };
  return planInputsForChoice({ shapes, choice, label: pipeline.name });
}
