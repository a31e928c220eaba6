import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import type { BuildFitRecord } from "../pipeline/manifest.js";
import { writeFileAtomic } from "../util/atomic.js";
import { parseGpuSpec } from "../vram/parseGpuSpec.js";
import { describeFitCandidate } from "./describeFitCandidate.js";
import { type FitRequest, fitVariants } from "./fitVariants.js";
import { loadModelShapes } from "./loadModelShapes.js";
import { renderFitPipeline } from "./renderFitPipeline.js";

/**
 * `build --fit <gpus>`: fit the model to the GPUs, write the pipeline of the choice into the work
 * directory (`fit/<name>.yaml`, rewritten only when the choice changes its text) and return it with
 * the record the manifest and the model card keep. Nothing fits: a usage error naming the closest.
 */
export async function pipelineForFit(params: { model: string; gpuSpec: string; request: Omit<FitRequest, "gpus">; workDir: string }): Promise<{ pipelineFile: string; record: BuildFitRecord }> {
  const gpus = parseGpuSpec(params.gpuSpec);
  const shapes = await loadModelShapes({ model: params.model });
  const request: FitRequest = { ...params.request, gpus };
  const result = fitVariants({ model: shapes, request });
  const choice = result.ranked[0];
  if (!choice) {
    const closest = result.closest;
    throw new UsageError(`--fit ${params.gpuSpec}: no variant of ${shapes.name} fits${closest ? `; the closest, ${describeFitCandidate(closest)}, is ${closest.reason}` : ""}`);
  }
  const spec = params.gpuSpec.replace(/[^A-Za-z0-9]+/g, "");
  const name = `fit-${spec}-${request.ctx}x${request.parallel}`;
  const file = `${shapes.name}-${choice.quantType}${choice.experts === "requant" ? "-requant" : ""}.gguf`;
  const commandLine = choice.commandLine.replace("<model.gguf>", file);
  const description = `fit for ${params.gpuSpec}: ${describeFitCandidate(choice)}`;
  const dir = join(params.workDir, "fit");
  await mkdir(dir, { recursive: true });
  const pipelineFile = join(dir, `${name}.yaml`);
  await writeFileAtomic(pipelineFile, renderFitPipeline({ name, gpuSpec: params.gpuSpec, request, choice: { ...choice, commandLine }, description }));
  return {
    pipelineFile,
    record: {
      request: { gpus: params.gpuSpec, ctx: request.ctx, parallel: request.parallel, ...(request.ramMiB !== undefined && { ramMiB: request.ramMiB }), prefer: request.prefer },
      choice: describeFitCandidate(choice),
      quantType: choice.quantType,
      experts: choice.experts,
      nExperts: choice.nExperts,
      kvCacheType: choice.kvCacheType,
      cpuMoeLayers: choice.cpuMoeLayers,
      commandLine,
      plannedGpuMiB: choice.plan.gpus.map((g) => Math.round(g.totalMiB)),
      plannedHostMiB: Math.round(choice.plan.host.requiredMiB),
      reason: choice.reason,
    },
  };
}
