/**
 * Every model file of models/ loads and, through the family registry, yields hyperparameters, a tensor
 * plan (the checkpoint layout and llama.cpp's GGUF conversion of it) and parameter counts that agree.
 */
import { describe, expect, it } from "vitest";
import { planGgufTensors } from "../../src/arch/gpt-oss/index.js";
import { parseModelConfig } from "../../src/arch/index.js";
import { listModelSpecs } from "../../src/pipeline/modelSpec.js";
import { declaredShapesOf } from "../../src/synth/presets.js";
import { planSyntheticCheckpoint } from "../../src/synth/planSyntheticCheckpoint.js";

const specs = await listModelSpecs();

describe("models/", () => {
  it("holds the shipped models", () => {
    expect(specs.map((s) => s.name)).toEqual(expect.arrayContaining(["demo", "gpt-oss-20b", "gpt-oss-20b-synthetic", "gpt-oss-120b"]));
  });

  for (const spec of specs) {
    it(`${spec.name}: hyperparameters, tensor plan and parameter counts`, () => {
      const shapes = declaredShapesOf(spec);
      const { family, hp } = parseModelConfig({ config: shapes.config, file: spec.file! });
      expect(hp.nLayers).toBeGreaterThan(0);
      expect(hp.slidingLayers).toHaveLength(hp.nLayers);
      const layout = family.checkpointTensors(hp);
      const plan = planSyntheticCheckpoint({ preset: shapes.name });
      expect(plan.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual(layout.map((t) => [t.name, t.dtype, t.shape]));
      const gguf = planGgufTensors({ tensors: plan.tensors.map((t) => ({ ...t, file: plan.weightMap[t.name] })), hp, where: spec.name, experts: "mxfp4" });
      expect(gguf.filter((t) => t.layer === 0)).toHaveLength(19);
      const total = family.parameterBreakdown(hp).total;
      expect(plan.parameterCount).toBe(total);
      const active = family.activeParameterCount(hp);
      expect(active).toBeGreaterThan(0);
      expect(active).toBeLessThan(total);
    });
  }

  it("gpt-oss-120b: the published shapes and counts, and the real index's total_size", () => {
    const spec = specs.find((s) => s.name === "gpt-oss-120b")!;
    expect(spec.source).toMatchObject({ kind: "hub", repo: "openai/gpt-oss-120b" });
    const shapes = declaredShapesOf(spec);
    expect(shapes.hp).toMatchObject({ nLayers: 36, nExperts: 128, nExpertsUsed: 4, hidden: 2880, expertFfn: 2880, nHeads: 64, nKvHeads: 8, headDim: 64, vocabSize: 201088, slidingWindow: 128 });
    const plan = planSyntheticCheckpoint({ preset: "gpt-oss-120b" });
    expect(plan.parameterCount).toBe(116_829_156_672);
    expect(plan.totalBytes).toBe(65_248_815_744); // model.safetensors.index.json metadata.total_size
    expect(plan.shards.map((s) => s.fileName)).toEqual(Array.from({ length: 15 }, (_, i) => `model-${String(i).padStart(5, "0")}-of-00014.safetensors`));
  });
});
