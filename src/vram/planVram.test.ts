/**
 * Experts on the CPU (--n-cpu-moe), KV cache types and mmap in the planner, worked out by hand on the
 * tiny fixture (8 layers of 8 experts, hidden 288, vocab 4096) and on gpt-oss-20b / gpt-oss-120b shapes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import { planInputsForChoice } from "../plan/planInputsForChoice.js";
import { quantizeModel } from "../quant/quantizeModel.js";
import { planSyntheticCheckpoint } from "../synth/planSyntheticCheckpoint.js";
import { planInputsFromGguf } from "./planInputsFromGguf.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { resolvePlanInputs } from "../plan/resolvePlanInputs.js";
import { cpuMoeOverridePatterns } from "./cpuMoeOverridePatterns.js";
import { hostModelBufferBytes } from "./hostModelBufferBytes.js";
import { llamaPlacementFlags } from "./llamaPlacementFlags.js";
import { llamaServerArgs } from "./llamaServerArgs.js";
import { parseGpuSpec } from "./parseGpuSpec.js";
import { MIB, planVram } from "./planVram.js";

describe("cpuMoeOverridePatterns: llama.cpp's --n-cpu-moe regexes", () => {
  it("match a layer's expert weights and biases (a search, not a full match), nothing else", () => {
    const [p0, p1] = cpuMoeOverridePatterns(2);
    expect(p1.source).toBe("blk\\.1\\.ffn_(up|down|gate|gate_up)_(ch|)exps");
    for (const name of ["blk.1.ffn_up_exps.weight", "blk.1.ffn_down_exps.bias", "blk.1.ffn_gate_exps.weight", "blk.1.ffn_gate_up_exps.weight", "blk.1.ffn_up_chexps.weight"]) {
      expect(p1.test(name), name).toBe(true);
    }
    // layer 11 is not layer 1; the router and the attention stay with their layer
    for (const name of ["blk.11.ffn_up_exps.weight", "blk.1.ffn_gate_inp.weight", "blk.1.attn_q.weight", "blk.10.ffn_down_exps.bias"]) {
      expect(p1.test(name), name).toBe(false);
    }
    expect(p0.test("blk.0.ffn_up_exps.weight")).toBe(true);
    expect(cpuMoeOverridePatterns(0)).toEqual([]);
  });
});

describe("hostModelBufferBytes", () => {
  it("mmap: the file span from the first to the last tensor; otherwise the sizes rounded to 32 bytes", () => {
    const tensors = [
      { offset: 1000, bytes: 100 },
      { offset: 5000, bytes: 10 },
    ];
    expect(hostModelBufferBytes({ tensors, mmap: true })).toBe(4010);
    expect(hostModelBufferBytes({ tensors, mmap: false })).toBe(128 + 32);
    expect(hostModelBufferBytes({ tensors: [], mmap: true })).toBe(0);
  });
});

describe("planVram: experts on the CPU, by hand on the tiny fixture (gguf-q5)", () => {
  // fixture per layer: ffn_{gate,up,down}_exps.weight MXFP4 [288, 288, 8] = 9 blocks × 17 B × 288 × 8 =
  // 352,512 B and .bias F32 [288, 8] = 9,216 B; token_embd Q5_1 [288, 4096] = 884,736 B
  const EXPERT = 352_512;
  const BIAS = 9_216;
  // on a GPU: MXFP4 rows of 288 are padded to 512 once (224 elements = 7 blocks = 119 B), aligned to 128
  const EXPERT_GPU = Math.ceil((EXPERT + 119) / 128) * 128; // 352,640

  it("--n-cpu-moe 3: experts of layers 0–2 leave the GPU for host memory; the rest of the layer stays", async () => {
    const inputs = await resolvePlanInputs({ model: tinyFixtureDir(), variant: "gguf-q5" });
    const gpus = parseGpuSpec("1x1GB");
    const all = planVram({ ...inputs, gpus, ctx: 4096, parallel: 1 });
    const three = planVram({ ...inputs, gpus, ctx: 4096, parallel: 1, cpuMoeLayers: 3 });
    expect(EXPERT_GPU).toBe(352_640);
    expect((all.gpus[0].weightsMiB - three.gpus[0].weightsMiB) * MIB).toBe(9 * (EXPERT_GPU + BIAS));
    expect(three.host).toMatchObject({ expertLayers: [0, 2], tokenEmbeddingsMiB: 884_736 / MIB, expertsMiB: (9 * (EXPERT + BIAS)) / MIB });
    expect(three.hostWeightsMiB * MIB).toBe(884_736 + 9 * (EXPERT + BIAS));
    // the KV cache stays with the layers
    expect(three.gpus[0].kvMiB).toBe(all.gpus[0].kvMiB);
    // mmap: CPU_Mapped spans the file from token_embd (offset 1,254,528, after output and output_norm)
    // to the end of blk.2.ffn_up_exps.weight (5,840,544 + 352,512): layers 0–2 whole, in between
    expect(three.host.modelBuffer).toEqual({ name: "CPU_Mapped", MiB: (5_840_544 + EXPERT - 1_254_528) / MIB });
    // no mmap: a pinned CUDA_Host buffer of exactly those tensors (all sizes are multiples of 32)
    const pinned = planVram({ ...inputs, gpus, ctx: 4096, parallel: 1, cpuMoeLayers: 3, mmap: false });
    expect(pinned.host.modelBuffer).toEqual({ name: "CUDA_Host", MiB: (884_736 + 9 * (EXPERT + BIAS)) / MIB });
    // a prompt batch runs the CPU experts' products on GPU 0, which copies one whole expert tensor there;
    // the copy adds its size less the activations freed by then (3.711 × 512 × 288 × 4 B = 2.09 MiB), and
    // the fixture's 0.34 MiB expert tensor fits in what is freed
    expect(three.gpus[0].expertCopyMiB).toBe(0);
    expect(three.gpus[0].computeMiB).toBe(all.gpus[0].computeMiB);
    // host buffers: masks (4096 + 768 cells × 512 × 2 B) + 2 × 512 × 288 × 4 B + 0.02 MiB; logits 4096 × 4 B
    expect(three.host.computeMiB).toBeCloseTo(((4096 + 768) * 512 * 2 + 2 * 512 * 288 * 4) / MIB + 0.02, 9);
    expect(three.host.outputMiB * MIB).toBe(4096 * 4);
    expect(three.host.requiredMiB).toBeCloseTo(three.host.weightsMiB + three.host.computeMiB + three.host.outputMiB, 9);
  });

  it("every layer (--cpu-moe) and beyond: N past n_layer changes nothing more", async () => {
    const inputs = await resolvePlanInputs({ model: tinyFixtureDir(), variant: "gguf-q5" });
    const gpus = parseGpuSpec("1x1GB");
    const eight = planVram({ ...inputs, gpus, ctx: 4096, parallel: 1, cpuMoeLayers: 8 });
    const ninety = planVram({ ...inputs, gpus, ctx: 4096, parallel: 1, cpuMoeLayers: 99 });
    expect(eight.host.expertsMiB * MIB).toBe(8 * 3 * (EXPERT + BIAS));
    expect(ninety.host).toEqual(eight.host);
    expect(ninety.gpus[0].totalMiB).toBe(eight.gpus[0].totalMiB);
    expect(ninety.settings.cpuMoeLayers).toBe(99);
  });

  it("two GPUs: the layer split does not move; any override turns pipeline parallelism off (one input copy)", async () => {
    const inputs = await resolvePlanInputs({ model: tinyFixtureDir(), variant: "gguf-q5" });
    const gpus = parseGpuSpec("2x1GB");
    const all = planVram({ ...inputs, gpus, ctx: 4096, parallel: 2 });
    const two = planVram({ ...inputs, gpus, ctx: 4096, parallel: 2, cpuMoeLayers: 2 });
    expect(two.gpus.map((g) => [g.layers, g.outputLayer])).toEqual(all.gpus.map((g) => [g.layers, g.outputLayer]));
    expect(all.settings.pipelineParallel).toBe(true);
    expect(two.settings.pipelineParallel).toBe(false);
    // layers 0–1 are on GPU0: its weights shrink, GPU1's do not
    expect((all.gpus[0].weightsMiB - two.gpus[0].weightsMiB) * MIB).toBe(6 * (EXPERT_GPU + BIAS));
    expect(two.gpus[1].weightsMiB).toBe(all.gpus[1].weightsMiB);
    // compute: 1 copy of the inputs instead of 4 on each GPU; the expert copy on GPU 0 only
    const inputsPerCopy = (4096 * 512 * 2 + 768 * 512 * 2 + 512 * 288 * 4 + 512 * 3870) / MIB;
    expect(all.gpus[1].computeMiB - two.gpus[1].computeMiB).toBeCloseTo(3 * inputsPerCopy, 9);
    expect(two.gpus[0].computeMiB).toBeCloseTo(two.gpus[1].computeMiB, 9);
  });
});

describe("planVram against llama.cpp's own reports on an H100 (docs/vram-measured/cpu-moe)", () => {
  // llama-server -lv 4, --parallel 1, Q5_K_M with the experts kept: CUDA0 model / KV / compute, CPU_Mapped
  // model, CUDA_Host compute / output (MiB, as printed)
  const h100 = [{ label: "H100", memoryMiB: 81559 }];
  const choice = { quantize: { type: "Q5_K_M", experts: "keep" as const } };
  const cases = [
    { run: "20b-n0-c4096", layers: undefined, ctx: 4096, n: 0, reported: [10747.93, 114, 91.52, 414.23, 16.02, 0.77] },
    { run: "20b-n12-c4096", layers: undefined, ctx: 4096, n: 12, reported: [5894.26, 114, 205.12, 5494.75, 16.02, 0.77] },
    { run: "20b-n12-c32768", layers: undefined, ctx: 32768, n: 12, reported: [5894.26, 786, 231.48, 5494.75, 44.02, 0.77] },
    { run: "120b4-n2-c4096", layers: 4, ctx: 4096, n: 2, reported: [3902.46, 19, 608.54, 3689.48, 16.02, 0.77] },
  ];
  for (const c of cases) {
    it(`${c.run}: every buffer to the hundredth of a MiB (the compute buffer at 32768 tokens within 1.7 MiB)`, async () => {
      const preset = c.layers ? "gpt-oss-120b" : "gpt-oss-20b";
      const synthetic = planSyntheticCheckpoint({ preset, layers: c.layers });
      const shapes = { name: preset, hp: synthetic.preset.hp, tensors: synthetic.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file: synthetic.weightMap[t.name] })) };
      const plan = planVram({ ...planInputsForChoice({ shapes, choice }), gpus: h100, ctx: c.ctx, parallel: 1, cpuMoeLayers: c.n });
      const g = plan.gpus[0];
      const planned = [g.weightsMiB, g.kvMiB, g.computeMiB, plan.host.modelBuffer.MiB, plan.host.computeMiB, plan.host.outputMiB];
      for (const [i, v] of planned.entries()) expect(Math.abs(v - c.reported[i]), `${c.run} buffer ${i}`).toBeLessThan(i === 2 && c.ctx === 32768 ? 1.7 : 0.006);
    });
  }
});

describe("the file layout without the file", () => {
  it("a variant planned from its declaration lays its tensors where the written GGUF has them (mmap span)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "oss-prep-plan-layout-"));
    try {
      const files = {
        "gguf-q5": join(dir, "q5.gguf"),
        "gguf-mxfp4": join(dir, "mxfp4.gguf"),
        "gguf-bf16": join(dir, "bf16.gguf"),
      };
      await quantizeModel({ input: tinyFixtureDir(), outPath: files["gguf-q5"], type: "Q5_K_M" });
      await quantizeModel({ input: tinyFixtureDir(), outPath: files["gguf-mxfp4"], type: "MXFP4_MOE" });
      await convertCheckpoint({ dir: tinyFixtureDir(), outPath: files["gguf-bf16"], outtype: "bf16" });
      for (const [variant, file] of Object.entries(files)) {
        const declared = await resolvePlanInputs({ model: tinyFixtureDir(), variant });
        const written = await planInputsFromGguf(file);
        const key = (t: { name: string; type: number; shape: readonly number[] }) => `${t.name} ${t.type} ${t.shape.join("x")}`;
        expect(declared.tensors.map(key), variant).toEqual(written.tensors.map(key));
        for (const n of [1, 5, 8]) {
          const plan = (inputs: typeof declared) => planVram({ ...inputs, gpus: parseGpuSpec("1x1GB"), ctx: 4096, parallel: 1, cpuMoeLayers: n });
          expect(plan(declared).host, `${variant} --n-cpu-moe ${n}`).toEqual(plan(written).host);
          expect(plan(declared).gpus, `${variant} --n-cpu-moe ${n}`).toEqual(plan(written).gpus);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("planVram: KV cache types", () => {
  it("q8_0 and q4_0 cells by hand (gpt-oss-20b, ctx 4096, 1 sequence)", async () => {
    const inputs = await resolvePlanInputs({ model: "gpt-oss-20b", variant: "gguf-q5" });
    const h200 = [{ label: "H200", memoryMiB: 143771 }];
    const plan = (t: "f16" | "q8_0" | "q4_0") => planVram({ ...inputs, gpus: h200, ctx: 4096, parallel: 1, cacheTypeK: t, cacheTypeV: t });
    // a row of 8 KV heads × 64 = 512 elements: f16 1,024 B; q8_0 16 × 34 = 544 B; q4_0 16 × 18 = 288 B
    // cells: 12 full layers × 4096 + 12 sliding × pad256(128 + 512) = 768
    const kv = (rowBytes: number) => (12 * 4096 + 12 * 768) * 2 * rowBytes;
    expect(plan("f16").gpus[0].kvMiB * MIB).toBe(kv(1024));
    expect(plan("q8_0").gpus[0].kvMiB * MIB).toBe(kv(544));
    expect(plan("q4_0").gpus[0].kvMiB * MIB).toBe(kv(288));
    // flash attention converts a quantized K and V of a full layer to F16 in the compute buffer: 2 × 512 × 4096 × 2 B
    expect(plan("f16").gpus[0].flashAttentionF16MiB).toBe(0);
    expect(plan("q8_0").gpus[0].flashAttentionF16MiB).toBe(8);
    expect(plan("q8_0").gpus[0].computeMiB - plan("f16").gpus[0].computeMiB).toBeCloseTo(8, 9);
    // K and V may differ
    const mixed = planVram({ ...inputs, gpus: h200, ctx: 4096, parallel: 1, cacheTypeK: "q8_0", cacheTypeV: "f16" });
    expect(mixed.gpus[0].kvMiB * MIB).toBe((12 * 4096 + 12 * 768) * (544 + 1024));
    expect(mixed.gpus[0].flashAttentionF16MiB).toBe(4);
  });

  it("a KV row that is not a multiple of 512 elements gets the CUDA row padding (6 KV heads × 64 = 384)", () => {
    const model = { nLayers: 1, nEmbd: 64, nKvHeads: 6, headDim: 64, slidingWindow: 0, slidingLayers: [false] };
    const tensors = [{ name: "blk.0.attn_q.weight", shape: [64, 64], type: GgmlType.F16 }];
    const plan = planVram({ model, tensors, gpus: [{ label: "x", memoryMiB: 1024 }], ctx: 256, parallel: 1, cacheTypeK: "q8_0", cacheTypeV: "q8_0" });
    // per tensor: 12 blocks × 34 B × 256 cells, plus 128 missing elements once (4 blocks × 34 B), aligned to 128
    const one = Math.ceil((12 * 34 * 256 + 4 * 34) / 128) * 128;
    expect(plan.gpus[0].kvMiB * MIB).toBe(2 * one);
  });
});

describe("gpt-oss-120b shapes (128 experts, 36 layers)", () => {
  it("gguf-q5 with every expert on the CPU fits a 24 GB card; the host holds ~57 GiB of experts", async () => {
    const inputs = await resolvePlanInputs({ model: "gpt-oss-120b", variant: "gguf-q5" });
    expect(inputs.model.nLayers).toBe(36);
    const plan = planVram({ ...inputs, gpus: parseGpuSpec("1x24GB"), ctx: 32768, parallel: 1, cpuMoeLayers: 36 });
    expect(plan.fits).toBe(true);
    // one expert tensor: MXFP4 [2880, 2880, 128] = 90 blocks × 17 B × 2880 × 128; its GPU copy adds the
    // row padding (2880 % 512 = 320: 192 elements = 6 blocks = 102 B) and the 128-byte alignment, less
    // the activations freed by then (3.711 × 512 × 2880 × 4 B)
    expect(plan.gpus[0].expertCopyMiB * MIB).toBeCloseTo(Math.ceil((90 * 17 * 2880 * 128 + 102) / 128) * 128 - 3.711 * 512 * 2880 * 4, 3);
    const experts = inputs.tensors.filter((t) => /_exps\./.test(t.name));
    expect(experts).toHaveLength(36 * 6);
    expect(plan.host.expertsMiB).toBeGreaterThan(56 * 1024);
    const none = planVram({ ...inputs, gpus: parseGpuSpec("1x24GB"), ctx: 32768, parallel: 1 });
    expect(none.fits).toBe(false);
    expect(none.gpus[0].weightsMiB - plan.gpus[0].weightsMiB).toBeGreaterThan(plan.host.expertsMiB);
  });
});

describe("the command line that realises a plan", () => {
  it("placement flags only where they differ from llama.cpp's defaults", () => {
    expect(llamaPlacementFlags({})).toEqual([]);
    expect(llamaPlacementFlags({ cpuMoeLayers: 0, cacheTypeK: "f16", cacheTypeV: "f16", mmap: true })).toEqual([]);
    expect(llamaPlacementFlags({ cpuMoeLayers: 12, cacheTypeK: "q8_0", cacheTypeV: "q4_0", mmap: false })).toEqual([
      "--n-cpu-moe", "12", "--cache-type-k", "q8_0", "--cache-type-v", "q4_0", "--no-mmap",
    ]);
  });

  it("llama-server arguments from a plan's settings", async () => {
    const inputs = await resolvePlanInputs({ model: tinyFixtureDir(), variant: "gguf-q5" });
    const plan = planVram({ ...inputs, gpus: parseGpuSpec("1x1GB"), ctx: 8192, parallel: 2, cpuMoeLayers: 4, cacheTypeK: "q8_0", cacheTypeV: "q8_0" });
    expect(llamaServerArgs(plan.settings).join(" ")).toBe("-c 8192 -np 2 --kv-unified -ngl 999 -fa on -ub 512 -fit off --n-cpu-moe 4 --cache-type-k q8_0 --cache-type-v q8_0");
    // a KV cache per sequence: llama-server's -c is the total, ctx × sequences
    const perSeq = planVram({ ...inputs, gpus: parseGpuSpec("1x1GB"), ctx: 4096, parallel: 2, kvUnified: false });
    expect(llamaServerArgs(perSeq.settings).slice(0, 5)).toEqual(["-c", "8192", "-np", "2", "--no-kv-unified"]);
  });
});
