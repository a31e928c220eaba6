import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { StageContext, StageResult } from "../../pipeline/types.js";
import { writeFileAtomic } from "../../util/atomic.js";
import type { VramStageParams } from "./params.js";

/** The stage `vram` (definition.ts): a measurement with `oss-prep vram`, or the planner's estimate. */
export async function runVramStage(ctx: StageContext<VramStageParams>): Promise<StageResult> {
  const p = ctx.params;
  const ggufPath = ctx.inputs.gguf.path;
  if (p.mode === "plan") {
    const { planInputsFromGguf } = await import("../../vram/planInputsFromGguf.js");
    const { planVram } = await import("../../vram/planVram.js");
    const { parseGpuSpec } = await import("../../vram/parseGpuSpec.js");
    const { renderVramPlan } = await import("../../vram/renderVramPlan.js");
    const inputs = await planInputsFromGguf(ggufPath);
    const placement = { cpuMoeLayers: p.nCpuMoe, cacheTypeK: p.cacheType, cacheTypeV: p.cacheType, mmap: p.mmap };
    const plans = p.gpuSpecs.map((spec) => ({ spec, plan: planVram({ model: inputs.model, tensors: inputs.tensors, gpus: parseGpuSpec(spec), ctx: p.ctx, parallel: p.parallel, ...placement }) }));
    const markdown = plans.map(({ spec, plan }) => `### ${spec}\n\n${renderVramPlan(plan, "Estimate")}`).join("\n");
    await mkdir(join(ctx.outDir, "vram"), { recursive: true });
    await writeFileAtomic(join(ctx.outDir, "vram", "vram-plan.json"), `${JSON.stringify(plans, null, 1)}\n`);
    await writeFileAtomic(join(ctx.outDir, "vram", "vram-plan.md"), markdown);
    return {
      outputs: { vram: { kind: "vram", path: "vram" } },
      summary: {
        mode: "plan (analytic estimate, not a measurement)",
        ctx: p.ctx,
        parallel: p.parallel,
        ...(p.nCpuMoe ? { "experts on the CPU": `layers 0–${p.nCpuMoe - 1} (--n-cpu-moe ${p.nCpuMoe})` } : {}),
        ...(p.cacheType ? { "KV cache type": p.cacheType } : {}),
        ...(p.mmap === false ? { mmap: "off" } : {}),
        estimates: plans.map(({ spec, plan }) => ({
          gpus: spec,
          "weights MiB": Math.round(plan.gpus.reduce((s, g) => s + g.weightsMiB, 0)),
          "host weights MiB": Math.round(plan.host.weightsMiB),
          "KV MiB": Math.round(plan.gpus.reduce((s, g) => s + g.kvMiB, 0)),
          "total MiB": Math.round(plan.totalMiB),
          "fullest GPU MiB": Math.round(Math.max(...plan.gpus.map((g) => g.totalMiB))),
          "headroom MiB": Math.round(Math.min(...plan.gpus.map((g) => g.headroomMiB))),
          fits: plan.fits ? "yes" : "no",
        })),
      },
    };
  }
  const { measureVram } = await import("../../vram/measureVram.js");
  const { report } = await measureVram({
    modelPath: ggufPath,
    gpus: p.gpus,
    ctx: p.ctx,
    parallel: p.parallel,
    threads: ctx.threads,
    serverCommand: p.server,
    cpuMoeLayers: p.nCpuMoe,
    cacheTypeK: p.cacheType,
    cacheTypeV: p.cacheType,
    mmap: p.mmap,
    outDir: join(ctx.outDir, "vram"),
    // published with the build: no directory of this machine in them
    redactPaths: true,
    signal: ctx.signal,
    log: (m) => ctx.log(m),
  });
  const multi = report.gpus.length > 1;
  return {
    outputs: { vram: { kind: "vram", path: "vram" } },
    summary: {
      mode: "measure",
      runtime: report.runtime.version,
      gpus: report.gpus.map((g) => `GPU${g.index} ${g.name} (${g.totalMiB} MiB)`).join(", "),
      ctx: p.ctx,
      parallel: p.parallel,
      ...(p.nCpuMoe ? { "experts on the CPU": `layers 0–${p.nCpuMoe - 1} (--n-cpu-moe ${p.nCpuMoe})` } : {}),
      ...(p.cacheType ? { "KV cache type": p.cacheType } : {}),
      ...(p.mmap === false ? { mmap: "off" } : {}),
      sampling: `${report.sampling.achievedHz} Hz`,
      phases: report.phases.map((ph) => ({
        phase: ph.label,
        ...Object.fromEntries(ph.gpus.map((g) => [`GPU${g.gpu} steady / peak MiB`, `${Math.round(g.steadyMiB)} / ${Math.round(g.peakMiB)}`])),
        ...(multi ? { "total steady / peak MiB": `${Math.round(ph.total.steadyMiB)} / ${Math.round(ph.total.peakMiB)}` } : {}),
        "tokens/s": ph.workload ? ph.workload.generatedTokensPerSecond : "",
      })),
    },
    warnings: report.warnings,
  };
}
