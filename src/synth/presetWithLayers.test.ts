/** `synth --layers N`: the first N layers of a preset, with the real widths (gpt-oss-120b on a small disk). */
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { buildSyntheticConfig } from "./buildSyntheticConfig.js";
import { planSyntheticCheckpoint } from "./planSyntheticCheckpoint.js";
import { presetWithLayers } from "./presetWithLayers.js";

describe("presetWithLayers", () => {
  it("gpt-oss-120b, 2 layers: the full model's first two layers and its embeddings, tensor for tensor", () => {
    const full = planSyntheticCheckpoint({ preset: "gpt-oss-120b" });
    const two = planSyntheticCheckpoint({ preset: "gpt-oss-120b", layers: 2 });
    expect(two.preset.hp).toMatchObject({ nLayers: 2, nExperts: 128, hidden: 2880, slidingLayers: [true, false] });
    const kept = (name: string) => !/^model\.layers\.(\d+)\./.test(name) || Number(/^model\.layers\.(\d+)\./.exec(name)![1]) < 2;
    const shapes = (plan: typeof full) => plan.tensors.filter((t) => kept(t.name)).map((t) => `${t.name} ${t.dtype} ${t.shape.join("x")}`).sort();
    expect(shapes(two)).toEqual(shapes(full));
    expect(two.tensors).toHaveLength(2 * 19 + 3);
    // every layer weighs the same: the full model is the 2-layer one plus 34 more layers
    const embeddings = 2 * 201088 * 2880 * 2 + 2880 * 2;
    expect((full.totalBytes - embeddings) / 36).toBe((two.totalBytes - embeddings) / 2);
    // 15 shards for 36 layers: one for 2
    expect(two.shards).toHaveLength(1);
    const config = JSON.parse(buildSyntheticConfig({ preset: "gpt-oss-120b", layers: 2 })["config.json"]);
    expect(config).toMatchObject({ num_hidden_layers: 2, num_local_experts: 128, layer_types: ["sliding_attention", "full_attention"] });
  });

  it("gpt-oss-20b keeps its real shard split at full depth and cuts evenly when truncated", () => {
    expect(planSyntheticCheckpoint({ preset: "gpt-oss-20b" }).shards).toHaveLength(3);
    expect(planSyntheticCheckpoint({ preset: "gpt-oss-20b", layers: 24 }).shards).toHaveLength(3);
    expect(planSyntheticCheckpoint({ preset: "gpt-oss-20b", layers: 12 }).shards.length).toBeGreaterThanOrEqual(1);
  });

  it("out of range is a usage error", () => {
    expect(() => presetWithLayers({ preset: "gpt-oss-120b", layers: 0 })).toThrow(UsageError);
    expect(() => presetWithLayers({ preset: "gpt-oss-120b", layers: 37 })).toThrow(/--layers: expected 1 to 36/);
  });
});
