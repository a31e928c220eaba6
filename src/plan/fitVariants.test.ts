import { describe, expect, it } from "vitest";
import { parseGpuSpec } from "../vram/parseGpuSpec.js";
import { planVram } from "../vram/planVram.js";
import { fitVariants, type FitRequest } from "./fitVariants.js";
import { loadModelShapes } from "./loadModelShapes.js";
import { planInputsForChoice } from "./planInputsForChoice.js";

const request = (gpus: string, extra: Partial<FitRequest> = {}): FitRequest => ({ gpus: parseGpuSpec(gpus), ctx: 8192, parallel: 1, prefer: "quality", ...extra });

describe("fitVariants (gpt-oss-20b and gpt-oss-120b shapes from models/)", async () => {
  const gptOss20b = await loadModelShapes({ model: "gpt-oss-20b" });
  const gptOss120b = await loadModelShapes({ model: "gpt-oss-120b" });

  it("an 80 GB card: the measured-best variant (MXFP4 experts kept, dense Q8_0), all on the GPU", () => {
    const best = fitVariants({ model: gptOss20b, request: request("1x80GB") }).ranked[0];
    expect(best).toMatchObject({ quantType: "MXFP4_MOE", experts: "keep", expertShare: 1, kvCacheType: "f16", cpuMoeLayers: 0 });
    // the arguments the plan holds under, llama.cpp's own fitting off
    expect(best.commandLine).toBe("llama-server -m <model.gguf> -c 8192 -np 1 --kv-unified -ngl 999 -fa on -ub 512 -fit off --jinja");
  });

  it("an 8 GB card: the same variant with the fewest layers' experts on the CPU that fit — one layer fewer does not", () => {
    const best = fitVariants({ model: gptOss20b, request: request("1x8GB") }).ranked[0];
    expect(best.quantType).toBe("MXFP4_MOE");
    expect(best.cpuMoeLayers).toBeGreaterThan(0);
    // checked by hand against the planner itself
    const inputs = planInputsForChoice({ shapes: gptOss20b, choice: { quantize: { type: "MXFP4_MOE", experts: "keep" } } });
    const at = (n: number) => planVram({ model: inputs.model, tensors: inputs.tensors, gpus: parseGpuSpec("1x8GB"), ctx: 8192, parallel: 1, kvUnified: true, cpuMoeLayers: n });
    expect(at(best.cpuMoeLayers).fits).toBe(true);
    expect(at(best.cpuMoeLayers - 1).fits).toBe(false);
    expect(best.plan.gpus[0].totalMiB).toBeLessThanOrEqual(8192);
    expect(best.commandLine).toContain(`--n-cpu-moe ${best.cpuMoeLayers}`);
    // experts on the CPU cost decode speed (the stated model), never quality
    expect(best.decode.relativeTime).toBeGreaterThan(1);
    expect(best.quality.meanKl).toBeCloseTo(2.359e-3, 6);
  });

  it("host RAM bounds the placement: with 4 GB, nothing chosen needs more", () => {
    const result = fitVariants({ model: gptOss20b, request: request("1x8GB", { ramMiB: 4096, ctx: 4096 }) });
    expect(result.ranked.length).toBeGreaterThan(0);
    for (const c of result.ranked) expect(c.plan.host.requiredMiB).toBeLessThanOrEqual(4096);
    // the unlimited answer needs more RAM than that, so the limit changed the pick
    const free = fitVariants({ model: gptOss20b, request: request("1x8GB", { ctx: 4096 }) }).ranked[0];
    expect(free.plan.host.requiredMiB).toBeGreaterThan(4096);
    expect(result.ranked[0].quality.meanKl).toBeGreaterThan(free.quality.meanKl);
  });

  it("a card where nothing fits says so, with the smallest shortfall of all", () => {
    const result = fitVariants({ model: gptOss20b, request: request("1x1GB") });
    expect(result.ranked).toEqual([]);
    const closest = result.closest!;
    expect(closest.shortfall.gpuMiB).toBeGreaterThan(0);
    for (const c of result.rejected) expect(c.shortfall.gpuMiB + c.shortfall.hostMiB).toBeGreaterThanOrEqual(closest.shortfall.gpuMiB + closest.shortfall.hostMiB);
    expect(closest.reason).toMatch(/GPU memory short by [\d,]+ MiB even with every layer's experts on the CPU/);
  });

  it("prefer speed: an all-GPU placement ahead of a better-quality one that needs the CPU", () => {
    const quality = fitVariants({ model: gptOss20b, request: request("1x12GB", { ctx: 32768 }) }).ranked[0];
    const speed = fitVariants({ model: gptOss20b, request: request("1x12GB", { ctx: 32768, prefer: "speed" }) }).ranked[0];
    expect(speed.cpuMoeLayers).toBe(0);
    expect(quality.cpuMoeLayers).toBeGreaterThan(0);
    expect(quality.quality.meanKl).toBeLessThan(speed.quality.meanKl);
  });

  it("gpt-oss-120b on one 24 GB card: fits only with many layers' experts in host memory, which the plan counts", () => {
    const best = fitVariants({ model: gptOss120b, request: request("1x24GB") }).ranked[0];
    expect(best.cpuMoeLayers).toBeGreaterThan(12);
    expect(best.cpuMoeLayers).toBeLessThanOrEqual(36);
    expect(best.plan.gpus[0].totalMiB).toBeLessThanOrEqual(24 * 1024);
    expect(best.plan.host.expertsMiB).toBeGreaterThan(20_000);
    // two cards: llama.cpp's default split by layer count would leave GPU 0 nearly empty once its layers'
    // experts are on the CPU; a -ts that moves the boundary holds far more of the model on the GPUs
    const two = fitVariants({ model: gptOss120b, request: request("2x24GB") }).ranked[0];
    for (const g of two.plan.gpus) expect(g.totalMiB).toBeLessThanOrEqual(24 * 1024);
    expect(two.cpuMoeLayers).toBeLessThan(best.cpuMoeLayers - 8);
    expect(two.tensorSplit).toHaveLength(2);
    expect(two.commandLine).toContain(`-ts ${two.tensorSplit!.join(",")}`);
    expect(Math.min(...two.plan.gpus.map((g) => g.totalMiB))).toBeGreaterThan(16 * 1024);
  });

  it("gpt-oss-120b on four 12 GB cards: a greedy -ts that fits where llama.cpp's default split at the same placement does not", () => {
    const best = fitVariants({ model: gptOss120b, request: request("4x12GB") }).ranked[0];
    expect(best.tensorSplit).toHaveLength(4);
    expect(best.tensorSplit!.reduce((a, b) => a + b, 0)).toBe(37); // 36 layers + the output layer
    for (const g of best.plan.gpus) expect(g.totalMiB).toBeLessThanOrEqual(12 * 1024);
    const inputs = planInputsForChoice({ shapes: gptOss120b, choice: { quantize: { type: best.quantType, experts: best.experts } } });
    const plain = planVram({ model: inputs.model, tensors: inputs.tensors, gpus: parseGpuSpec("4x12GB"), ctx: 8192, parallel: 1, kvUnified: true, cpuMoeLayers: best.cpuMoeLayers });
    expect(plain.fits).toBe(false);
    expect(best.commandLine).toContain(`-ts ${best.tensorSplit!.join(",")}`);
  });
});
