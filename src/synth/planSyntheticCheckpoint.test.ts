import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { readSafetensorsHeader } from "../formats/safetensors/index.js";
import { UsageError } from "../errors.js";
import { planSyntheticCheckpoint } from "./planSyntheticCheckpoint.js";
import { syntheticPreset } from "./presets.js";

/** Replace the layer number so tensors of different layers/models can be compared by role. */
const role = (name: string) => name.replace(/^model\.layers\.\d+\./, "model.layers.N.");

describe("planSyntheticCheckpoint (gpt-oss-20b)", () => {
  const plan = planSyntheticCheckpoint({ preset: "gpt-oss-20b" });

  it("has the real checkpoint's size, parameter count and three shards", () => {
    expect(plan.totalBytes).toBe(13_761_264_768);
    expect(Math.abs(plan.totalBytes / 13_761_264_768 - 1)).toBeLessThan(0.01);
    expect(plan.parameterCount).toBe(20_914_757_184);
    expect(plan.shards.map((s) => s.fileName)).toEqual([
      "model-00000-of-00002.safetensors",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
    ]);
    // 4.79 / 4.80 / 4.17 GB as in openai/gpt-oss-20b.
    expect(plan.shards.map((s) => s.dataBytes)).toEqual([4_792_250_240, 4_798_679_872, 4_170_334_656]);
    expect(plan.shards.reduce((sum, s) => sum + s.dataBytes, 0)).toBe(plan.totalBytes);
    expect(plan.tensors.length).toBe(24 * 19 + 3);
  });

  it("has the real tensor shapes and dtypes", () => {
    const byName = new Map(plan.tensors.map((t) => [t.name, t]));
    const expectTensor = (name: string, dtype: string, shape: number[]) => expect(byName.get(name), name).toMatchObject({ dtype, shape });
    expectTensor("model.embed_tokens.weight", "BF16", [201088, 2880]);
    expectTensor("lm_head.weight", "BF16", [201088, 2880]);
    expectTensor("model.norm.weight", "BF16", [2880]);
    expectTensor("model.layers.23.input_layernorm.weight", "BF16", [2880]);
    expectTensor("model.layers.0.self_attn.q_proj.weight", "BF16", [4096, 2880]);
    expectTensor("model.layers.0.self_attn.q_proj.bias", "BF16", [4096]);
    expectTensor("model.layers.0.self_attn.k_proj.weight", "BF16", [512, 2880]);
    expectTensor("model.layers.0.self_attn.v_proj.bias", "BF16", [512]);
    expectTensor("model.layers.0.self_attn.o_proj.weight", "BF16", [2880, 4096]);
    expectTensor("model.layers.0.self_attn.sinks", "BF16", [64]);
    expectTensor("model.layers.0.mlp.router.weight", "BF16", [32, 2880]);
    expectTensor("model.layers.0.mlp.router.bias", "BF16", [32]);
    expectTensor("model.layers.0.mlp.experts.gate_up_proj_blocks", "U8", [32, 5760, 90, 16]);
    expectTensor("model.layers.0.mlp.experts.gate_up_proj_scales", "U8", [32, 5760, 90]);
    expectTensor("model.layers.0.mlp.experts.gate_up_proj_bias", "BF16", [32, 5760]);
    expectTensor("model.layers.0.mlp.experts.down_proj_blocks", "U8", [32, 2880, 90, 16]);
    expectTensor("model.layers.0.mlp.experts.down_proj_scales", "U8", [32, 2880, 90]);
    expectTensor("model.layers.0.mlp.experts.down_proj_bias", "BF16", [32, 2880]);
  });

  it("splits shards where the real index does, in the real index order", () => {
    const names = Object.keys(plan.weightMap);
    expect(names.slice(0, 3)).toEqual([
      "model.layers.0.input_layernorm.weight",
      "model.layers.0.self_attn.o_proj.bias",
      "model.layers.0.self_attn.o_proj.weight",
    ]);
    expect(names.slice(-3)).toEqual(["model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"]);
    expect(names[19]).toBe("model.layers.1.input_layernorm.weight");
    expect(names[38]).toBe("model.layers.10.input_layernorm.weight");
    expect(plan.weightMap["model.layers.18.self_attn.v_proj.bias"]).toBe("model-00000-of-00002.safetensors");
    expect(plan.weightMap["model.layers.18.self_attn.q_proj.weight"]).toBe("model-00001-of-00002.safetensors");
    expect(plan.weightMap["model.layers.6.mlp.experts.gate_up_proj_bias"]).toBe("model-00001-of-00002.safetensors");
    expect(plan.weightMap["model.layers.6.mlp.experts.gate_up_proj_blocks"]).toBe("model-00002-of-00002.safetensors");
    expect(plan.weightMap["lm_head.weight"]).toBe("model-00002-of-00002.safetensors");
  });

  it("orders each shard bf16 first, then u8, each by name", () => {
    for (const shard of plan.shards) {
      const key = (t: { dtype: string; name: string }) => `${t.dtype === "BF16" ? 0 : 1}${t.name}`;
      const keys = shard.tensors.map(key);
      expect(keys).toEqual([...keys].sort());
    }
  });
});

describe("planSyntheticCheckpoint (demo) against the fixture's layout", () => {
  const plan = planSyntheticCheckpoint({ preset: "demo" });
  const fixtureIndex = JSON.parse(readFileSync(join(tinyFixtureDir(), "model.safetensors.index.json"), "utf8")) as {
    weight_map: Record<string, string>;
  };

  it("has the fixture's tensor roles (names per layer and global tensors)", () => {
    const roles = (names: string[]) => [...new Set(names.map(role))].sort();
    expect(roles(Object.keys(plan.weightMap))).toEqual(roles(Object.keys(fixtureIndex.weight_map)));
    expect(plan.tensors.length).toBe(4 * 19 + 3);
  });

  it("has the fixture's dtypes and shapes (the demo shares its sizes except vocab and layer count)", async () => {
    const fixtureTensors = new Map<string, { dtype: string; shape: number[] }>();
    for (const file of new Set(Object.values(fixtureIndex.weight_map))) {
      const header = await readSafetensorsHeader({ path: join(tinyFixtureDir(), file) });
      expect(header.metadata).toEqual({ format: "pt" });
      for (const t of header.tensors) fixtureTensors.set(role(t.name), { dtype: t.dtype, shape: t.shape });
    }
    const fixtureVocab = 4096;
    for (const t of plan.tensors) {
      const expected = fixtureTensors.get(role(t.name))!;
      const shape = expected.shape.map((d, i) => (i === 0 && d === fixtureVocab ? syntheticPreset("demo").vocabSize : d));
      expect({ dtype: t.dtype, shape: t.shape }, t.name).toEqual({ dtype: expected.dtype, shape });
    }
  });

  it("has two shards named like the real ones, with a layer straddling the boundary", () => {
    expect(plan.shards.map((s) => s.fileName)).toEqual(["model-00000-of-00001.safetensors", "model-00001-of-00001.safetensors"]);
    expect(plan.weightMap["model.layers.2.self_attn.o_proj.weight"]).toBe("model-00000-of-00001.safetensors");
    expect(plan.weightMap["model.layers.2.self_attn.q_proj.weight"]).toBe("model-00001-of-00001.safetensors");
  });

  it("counts parameters like the model: MXFP4 blocks hold two per byte, scales none", () => {
    const p = syntheticPreset("demo");
    const { hiddenSize: h, intermediateSize: i, numLocalExperts: e } = p;
    const q = p.numAttentionHeads * p.headDim;
    const kv = p.numKeyValueHeads * p.headDim;
    const perLayer = 2 * h + (q * h + q) + 2 * (kv * h + kv) + (h * q + h) + p.numAttentionHeads + (e * h + e) + e * 2 * i * h + e * 2 * i + e * h * i + e * h;
    expect(plan.parameterCount).toBe(p.numHiddenLayers * perLayer + 2 * p.vocabSize * h + h);
  });

  it("rejects unknown presets", () => {
    expect(() => planSyntheticCheckpoint({ preset: "gpt-oss-7b" })).toThrow(UsageError);
    expect(() => planSyntheticCheckpoint({ preset: "toString" })).toThrow(UsageError);
  });
});
