/**
 * The planner against numbers worked out by hand: the tiny fixture (layer split, KV cells, compute
 * buffers, host weights), and gpt-oss-20b, whose weight, KV and compute buffers llama.cpp itself
 * reported on an H200 (docs/vram-measured/, `llama-server -lv 4`), as the planner must reproduce them.
 */
import { describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { parseGptOssConfig } from "../arch/gpt-oss/index.js";
import { planPruning } from "../prune/planPruning.js";
import { buildSyntheticConfig } from "../synth/buildSyntheticConfig.js";
import { parseGpuSpec } from "../vram/parseGpuSpec.js";
import { cudaTensorAllocBytes, layerGpu, MIB, planVram } from "../vram/planVram.js";
import { resolvePlanInputs } from "./resolvePlanInputs.js";

const h200 = { label: "H200", memoryMiB: 143771 };

describe("planVram: gpt-oss-20b (the type plan of each variant, no weights)", () => {
  // llama.cpp's own log lines on the H200 (model / KV / compute buffer sizes, MiB)
  const reported = {
    "gguf-q5": { host: 414.23, oneGpu: 10747.93, twoGpus: [5503.71, 5244.23] },
    "gguf-mxfp4": { host: 586.82, oneGpu: 10949.38, twoGpus: [5613.05, 5336.33] },
  };
  for (const [variant, r] of Object.entries(reported)) {
    it(`${variant}: weights per GPU and in host memory as llama.cpp allocates them`, async () => {
      const inputs = await resolvePlanInputs({ model: "gpt-oss-20b", variant });
      const one = planVram({ ...inputs, gpus: [h200], ctx: 4096, parallel: 8 });
      expect(one.hostWeightsMiB).toBeCloseTo(r.host, 2);
      expect(one.gpus[0].weightsMiB).toBeCloseTo(r.oneGpu, 2);
      const two = planVram({ ...inputs, gpus: [h200, h200], ctx: 4096, parallel: 8 });
      expect(two.gpus.map((g) => g.weightsMiB.toFixed(2))).toEqual(r.twoGpus.map((v) => v.toFixed(2)));
      // 25 "layers" (24 + output) split at 1/2: il / 25 < 0.5 → layers 0–12 on GPU0
      expect(two.gpus.map((g) => [g.layers, g.outputLayer])).toEqual([[[0, 12], false], [[13, 23], true]]);
    });
  }

  it("KV cache and compute buffers by hand (ctx 4096 and 32768, 8 sequences, unified cache)", async () => {
    const inputs = await resolvePlanInputs({ model: "gpt-oss-20b", variant: "gguf-q5" });
    // a KV cell of one layer: 8 KV heads × 64 × (K + V) × 2 bytes = 2048 bytes
    // sliding layers (even ones, window 128): pad256(min(ctx, 128 × 8 + 512)) = 1536 cells
    const kv = (full: number, fullLayers: number, slidingLayers: number) => (fullLayers * full * 2048 + slidingLayers * 1536 * 2048) / MIB;
    // compute: activations 14.09 × 512 × 2880 × 4 bytes; per copy of the inputs: masks (n_kv × 512 × 2
    // bytes, full and sliding), input embeddings 512 × 2880 × 4 bytes, 512 × 3870 bytes of small inputs
    const compute = (full: number, copies: number) => (14.09 * 512 * 2880 * 4 + copies * (full * 512 * 2 + 1536 * 512 * 2 + 512 * 2880 * 4 + 512 * 3870)) / MIB;
    for (const ctx of [4096, 32768]) {
      const one = planVram({ ...inputs, gpus: [h200], ctx, parallel: 8 });
      expect(one.settings.kvCells).toEqual({ full: ctx, sliding: 1536, streams: 1 });
      expect(one.gpus[0].kvMiB).toBeCloseTo(kv(ctx, 12, 12), 6);
      expect(one.gpus[0].computeMiB).toBeCloseTo(compute(ctx, 1), 6);
      const two = planVram({ ...inputs, gpus: [h200, h200], ctx, parallel: 8 });
      // GPU0: layers 0–12 = 6 full + 7 sliding; GPU1: 13–23 = 6 full + 5 sliding; 4 input copies each
      expect(two.gpus.map((g) => g.kvMiB)).toEqual([kv(ctx, 6, 7), kv(ctx, 6, 5)]);
      expect(two.gpus[0].computeMiB).toBeCloseTo(compute(ctx, 4), 6);
    }
    // llama.cpp reported: KV 132 / 804 MiB on one GPU, 69 + 63 / 405 + 399 on two; compute 92.27 / 120.27
    // on one GPU, 131.32 / 243.32 on each of two
    expect(kv(4096, 12, 12)).toBe(132);
    expect(kv(32768, 12, 12)).toBe(804);
    expect([kv(4096, 6, 7), kv(4096, 6, 5), kv(32768, 6, 7), kv(32768, 6, 5)]).toEqual([69, 63, 405, 399]);
    expect([compute(4096, 1), compute(32768, 1), compute(4096, 4), compute(32768, 4)].map((v) => v.toFixed(1))).toEqual(["92.3", "120.3", "131.3", "243.3"]);
  });

  it("node-llama-cpp's KV cache per sequence: ctx tokens for each of the sequences", async () => {
    const inputs = await resolvePlanInputs({ model: "gpt-oss-20b", variant: "gguf-mxfp4" });
    const plan = planVram({ ...inputs, gpus: [h200], ctx: 4096, parallel: 4, kvUnified: false, ubatch: 513 });
    // per sequence: 4096 full cells, sliding pad256(min(4096, 128 + 513)) = 768; 4 streams
    expect(plan.settings.kvCells).toEqual({ full: 4096, sliding: 768, streams: 4 });
    expect(plan.gpus[0].kvMiB).toBe((12 * 4096 * 2048 * 4 + 12 * 768 * 2048 * 4) / MIB);
  });

  it("pruned-15b: plans the pruned model (22 experts, 48 query heads per layer), not the one it starts from", async () => {
    const pruned = await resolvePlanInputs({ model: "gpt-oss-20b", variant: "pruned-15b" });
    const unpruned = await resolvePlanInputs({ model: "gpt-oss-20b", variant: "gguf-q5" });
    expect(pruned.description).toMatch(/pruned to 22 experts and 48 query heads/);
    const elements = (t: { shape: readonly number[] }) => t.shape.reduce((a, b) => a * b, 1);
    const total = (inputs: typeof pruned) => inputs.tensors.reduce((n, t) => n + elements(t), 0);
    // the planner's exact parameter counts: 20.91B → 14.80B (22 experts, 6 of 8 query heads per group)
    const shape = parseGptOssConfig({ config: JSON.parse(buildSyntheticConfig({ preset: "gpt-oss-20b" })["config.json"]), file: "config.json" });
    const plan = planPruning({ shape, targetParams: 15e9, headsKeep: { percent: 75 } });
    expect(total(unpruned)).toBe(plan.before.total);
    expect(total(pruned)).toBe(plan.after.total);
    expect(pruned.tensors.find((t) => t.name === "blk.0.ffn_gate_exps.weight")?.shape).toEqual([2880, 2880, 22]);
    expect(pruned.tensors.find((t) => t.name === "blk.0.attn_q.weight")?.shape).toEqual([2880, 48 * 64]);
    expect(pruned.tensors.find((t) => t.name === "blk.0.attn_sinks.weight")?.shape).toEqual([48]);
    const one = (inputs: typeof pruned) => planVram({ ...inputs, gpus: [h200], ctx: 4096, parallel: 1 });
    expect(one(pruned).gpus[0].weightsMiB).toBeLessThan(0.75 * one(unpruned).gpus[0].weightsMiB);
  });

  it("fits / does not fit with the headroom", async () => {
    const inputs = await resolvePlanInputs({ model: "gpt-oss-20b", variant: "gguf-q5" });
    const small = planVram({ ...inputs, gpus: parseGpuSpec("1x8GB"), ctx: 4096, parallel: 1 });
    expect(small.fits).toBe(false);
    expect(small.gpus[0].headroomMiB).toBeCloseTo(8192 - small.gpus[0].totalMiB, 9);
    const two = planVram({ ...inputs, gpus: parseGpuSpec("2x24GB"), ctx: 32768, parallel: 8 });
    expect(two.fits).toBe(true);
  });
});

describe("planVram: the tiny fixture, by hand", () => {
  it("gguf-q5 on 2 × 1 GB, ctx 4096, 2 sequences", async () => {
    // fixture: 8 layers (even ones sliding, window 64), 2 KV heads × 32, hidden 288, vocab 4096
    const inputs = await resolvePlanInputs({ model: tinyFixtureDir(), variant: "gguf-q5" });
    expect(inputs.model).toMatchObject({ nLayers: 8, nEmbd: 288, nKvHeads: 2, headDim: 32, slidingWindow: 64 });
    const plan = planVram({ ...inputs, gpus: parseGpuSpec("2x1GB"), ctx: 4096, parallel: 2 });
    // 9 "layers" split at 1/2: il / 9 < 0.5 → 0–4 on GPU0, 5–7 and the output on GPU1
    expect(plan.gpus.map((g) => [g.layers, g.outputLayer])).toEqual([[[0, 4], false], [[5, 7], true]]);
    // sliding cells pad256(min(4096, 64 × 2 + 512)) = 768; a cell is 2 × 32 × 2 × 2 = 256 bytes
    expect(plan.settings.kvCells).toEqual({ full: 4096, sliding: 768, streams: 1 });
    // GPU0: sliding 0, 2, 4 and full 1, 3; GPU1: sliding 6 and full 5, 7
    expect(plan.gpus[0].kvMiB * MIB).toBe(3 * 768 * 256 + 2 * 4096 * 256); // 2,686,976 bytes
    expect(plan.gpus[1].kvMiB * MIB).toBe(1 * 768 * 256 + 2 * 4096 * 256); // 2,293,760 bytes
    // compute: 14.09 × 512 × 288 × 4 + 4 × (4096 × 512 × 2 + 768 × 512 × 2 + 512 × 288 × 4 + 512 × 3870)
    expect(plan.gpus[0].computeMiB * MIB).toBeCloseTo(8_310_620.16 + 4 * 7_552_000, 3);
    // token_embd stays in host memory: Q5_K falls back to Q5_1 for rows of 288: 9 blocks × 24 bytes × 4096 rows
    expect(plan.hostWeightsMiB * MIB).toBe(9 * 24 * 4096);
    for (const g of plan.gpus) expect(g.totalMiB).toBeCloseTo(g.weightsMiB + g.kvMiB + g.computeMiB + 709, 9);
  });

  it("CUDA allocation of one tensor: ggml_nbytes plus the row padding to 512 elements once", () => {
    // Q8_0 [2880, 4096]: 90 blocks × 34 bytes × 4096 rows, plus (512 − 2880 % 512 = 192) elements = 6 blocks
    expect(cudaTensorAllocBytes({ name: "blk.0.attn_q.weight", shape: [2880, 4096], type: GgmlType.Q8_0 })).toBe(90 * 34 * 4096 + 6 * 34);
    // F32 is not padded
    expect(cudaTensorAllocBytes({ name: "blk.0.attn_norm.weight", shape: [2880], type: GgmlType.F32 })).toBe(2880 * 4);
    // unequal cards split by capacity: 3:1 → il / 9 < 0.75 on the first
    expect([0, 6, 7, 8].map((il) => layerGpu({ il, nLayers: 8, weights: [3, 1] }))).toEqual([0, 0, 1, 1]);
  });

  it("parseGpuSpec: counts, GB as GiB, MiB, lists", () => {
    expect(parseGpuSpec("2x24GB")).toEqual([{ label: "24GB", memoryMiB: 24576 }, { label: "24GB", memoryMiB: 24576 }]);
    expect(parseGpuSpec("1x81559MiB")).toEqual([{ label: "81559MiB", memoryMiB: 81559 }]);
    expect(parseGpuSpec("24GB,16GB").map((g) => g.memoryMiB)).toEqual([24576, 16384]);
    expect(() => parseGpuSpec("two cards")).toThrow(/expected e.g. 1x24GB/);
  });
});
