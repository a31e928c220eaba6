/**
 * Pruning the tiny fixture end to end: the written checkpoint has the original layout with exact
 * slices of the original tensors, runs exactly like the in-memory pruned model, and its GGUF runs in
 * llama.cpp with the same distributions.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cmmluDir, tinyFixtureDir } from "../../test/shared.js";
import { readGptOssConfig, totalParameterCount } from "../arch/gpt-oss/index.js";
import { createOrtMatmulBackend, type GptOssWeightProvider, meanKlDivergence, openGptOssWeights, runGptOss } from "../calib/index.js";
import { UsageError } from "../errors.js";
import { openCheckpoint, type SafetensorsCheckpoint } from "../formats/safetensors/index.js";
import { convertCheckpoint } from "../convert/convertCheckpoint.js";
import { readCmmluDir } from "../eval/cmmlu/readCmmluDir.js";
import { loadEvalModel } from "../eval/loadEvalModel.js";
import { createPrunedWeightProvider } from "./createPrunedWeightProvider.js";
import { type CalibrationSet, loadCalibrationSequences } from "../calib/data/loadCalibrationSequences.js";
import { planPruning } from "./planPruning.js";
import { type PruneResult, pruneCheckpoint } from "./pruneCheckpoint.js";
import type { PruneSelection } from "./pruneSelection.js";
import { prunedTensorShapes } from "./prunedTensorShapes.js";
import { writePrunedCheckpoint } from "./writePrunedCheckpoint.js";

let tmp: string;
let fixture: string;
let calibration: CalibrationSet;
let reap: PruneResult;
const reapDir = () => join(tmp, "reap-e6-h12");
/** 70 tokens: past the fixture's 64-token sliding window. */
const PROMPT_LENGTH = 70;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "oss-prep-prune-"));
  fixture = tinyFixtureDir();
  const dataset = await readCmmluDir({ dir: cmmluDir() });
  calibration = await loadCalibrationSequences({ source: { kind: "cmmlu", dataset }, checkpointDir: fixture, maxTokens: 384, sequenceLength: 128 });
  const plan = planPruning({ shape: await readGptOssConfig({ dir: fixture }), expertsKeep: { count: 6 }, headsKeep: { count: 12 } });
  await mkdir(reapDir());
  const backend = await createOrtMatmulBackend({ executionProviders: ["cpu"] });
  try {
    reap = await pruneCheckpoint({ dir: fixture, outDir: reapDir(), plan, expertScore: "reap", calibration, backend });
  } finally {
    await backend.dispose();
  }
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function runPrunedInMemory(selection: PruneSelection, sequences: number[][], logits: "all" | "last") {
  const weights = createPrunedWeightProvider({ weights: await openGptOssWeights({ dir: fixture }), selection });
  try {
    return await runGptOss({ weights, sequences, logits });
  } finally {
    await weights.close();
  }
}

async function withCheckpoints<T>(fn: (original: SafetensorsCheckpoint, pruned: SafetensorsCheckpoint) => Promise<T>): Promise<T> {
  const original = await openCheckpoint({ dir: fixture });
  const pruned = await openCheckpoint({ dir: reapDir() });
  try {
    return await fn(original, pruned);
  } finally {
    await original.close();
    await pruned.close();
  }
}

describe("pruneCheckpoint on the tiny fixture: experts 8 → 6 by REAP, query heads 16 → 12 by FLAP", () => {
  it("calibrates on CMMLU dev prompts tokenized with the checkpoint's tokenizer", () => {
    expect(calibration.sequences.length).toBe(3);
    expect(calibration.sequences.every((s) => s.length === 128 && s.every((id) => id >= 0 && id < 4096))).toBe(true);
    expect(reap.report.calibration).toMatchObject({ sequences: 3, tokens: 384 });
  });

  it("writes the original layout: same shards and index, new counts in config.json, tokenizer files, pruning.json", async () => {
    const originalIndex = JSON.parse(await readFile(join(fixture, "model.safetensors.index.json"), "utf8"));
    const index = JSON.parse(await readFile(join(reapDir(), "model.safetensors.index.json"), "utf8"));
    expect(index.weight_map).toEqual(originalIndex.weight_map);
    const config = JSON.parse(await readFile(join(reapDir(), "config.json"), "utf8"));
    const originalConfig = JSON.parse(await readFile(join(fixture, "config.json"), "utf8"));
    expect(config).toEqual({ ...originalConfig, num_attention_heads: 12, num_key_value_heads: 2, num_local_experts: 6 });
    // only the three counts changed, byte for byte (Python float spelling kept)
    const originalText = await readFile(join(fixture, "config.json"), "utf8");
    expect(await readFile(join(reapDir(), "config.json"), "utf8")).toBe(originalText.replace('"num_attention_heads": 16', '"num_attention_heads": 12').replace('"num_local_experts": 8', '"num_local_experts": 6'));
    for (const f of ["tokenizer.json", "tokenizer_config.json", "generation_config.json"]) {
      expect(await readFile(join(reapDir(), f))).toEqual(await readFile(join(fixture, f)));
    }
    await withCheckpoints(async (original, pruned) => {
      expect(pruned.shardFiles.map((f) => f.split("/").pop())).toEqual(original.shardFiles.map((f) => f.split("/").pop()));
      expect(pruned.shards.map((s) => s.metadata)).toEqual(original.shards.map((s) => s.metadata));
      expect(index.metadata.total_size).toBe(pruned.tensors.reduce((n, t) => n + t.byteLength, 0));
      expect(totalParameterCount([...pruned.tensors])).toBe(16_434_352);
      // what `plan --variant pruned-15b` assumes before pruning: the shapes written here
      const plan = planPruning({ shape: await readGptOssConfig({ dir: fixture }), expertsKeep: { count: 6 }, headsKeep: { count: 12 } });
      const planned = prunedTensorShapes({ tensors: [...original.tensors], original: plan.original, pruned: plan.pruned, headDim: 32 });
      expect(planned.map((t) => [t.name, t.shape])).toEqual([...pruned.tensors].map((t) => [t.name, t.shape]));
    });
    const report = JSON.parse(await readFile(join(reapDir(), "pruning.json"), "utf8"));
    expect(report.output.parameters).toBe(16_434_352);
    expect(report.method).toMatchObject({ experts: "reap", heads: "flap", bias_compensation: true });
    expect(report.layers).toHaveLength(8);
    for (const layer of report.layers) {
      expect(layer.experts.kept).toHaveLength(6);
      expect(layer.experts.reap).toHaveLength(8);
      expect(layer.heads.kept).toHaveLength(12);
      expect(layer.heads.flap).toHaveLength(16);
      // the kept experts are the 6 best by REAP
      const best = [...layer.experts.reap.keys()].sort((a: number, b: number) => layer.experts.reap[b] - layer.experts.reap[a] || a - b).slice(0, 6).sort((a: number, b: number) => a - b);
      expect(layer.experts.kept).toEqual(best);
    }
  });

  it("copies kept slices bit-exactly: MXFP4 blocks and scales, biases, router rows, q rows, o columns, sinks; the rest unchanged", async () => {
    await withCheckpoints(async (original, pruned) => {
      const bytes = (c: SafetensorsCheckpoint, name: string) => c.readTensor(name);
      const slice = (data: Buffer, extent: number, i: number) => data.subarray((i * data.length) / extent, ((i + 1) * data.length) / extent);
      for (const [layer, kept] of reap.selection.layers.entries()) {
        const p = `model.layers.${layer}`;
        for (const suffix of ["gate_up_proj_blocks", "gate_up_proj_scales", "gate_up_proj_bias", "down_proj_blocks", "down_proj_scales", "down_proj_bias"]) {
          const from = await bytes(original, `${p}.mlp.experts.${suffix}`);
          const to = await bytes(pruned, `${p}.mlp.experts.${suffix}`);
          kept.experts.forEach((e, k) => { expect(slice(to, 6, k).equals(slice(from, 8, e)), `${suffix} expert ${e}`).toBe(true); });
        }
        for (const name of ["mlp.router.weight", "mlp.router.bias"]) {
          const from = await bytes(original, `${p}.${name}`);
          const to = await bytes(pruned, `${p}.${name}`);
          kept.experts.forEach((e, k) => { expect(slice(to, 6, k).equals(slice(from, 8, e))).toBe(true); });
        }
        for (const name of ["self_attn.q_proj.weight", "self_attn.q_proj.bias", "self_attn.sinks"]) {
          const from = await bytes(original, `${p}.${name}`);
          const to = await bytes(pruned, `${p}.${name}`);
          kept.heads.forEach((h, k) => { expect(slice(to, 12, k).equals(slice(from, 16, h))).toBe(true); });
        }
        const oFrom = await bytes(original, `${p}.self_attn.o_proj.weight`);
        const oTo = await bytes(pruned, `${p}.self_attn.o_proj.weight`);
        const row = 32 * 2; // one head's columns in one row: headDim bf16 values
        for (let r = 0; r < 288; r += 97) {
          kept.heads.forEach((h, k) => { expect(oTo.subarray((r * 12 + k) * row, (r * 12 + k + 1) * row).equals(oFrom.subarray((r * 16 + h) * row, (r * 16 + h + 1) * row))).toBe(true); });
        }
        for (const name of ["self_attn.k_proj.weight", "self_attn.v_proj.bias", "input_layernorm.weight"]) {
          expect((await bytes(pruned, `${p}.${name}`)).equals(await bytes(original, `${p}.${name}`))).toBe(true);
        }
        // the compensated bias is what the selection says, stored in bf16
        const weights = await openGptOssWeights({ dir: reapDir() });
        expect((await weights.layer(layer)).attention.oBias).toEqual(kept.oProjBias);
        await weights.close();
      }
      for (const name of ["model.embed_tokens.weight", "lm_head.weight", "model.norm.weight"]) {
        expect((await bytes(pruned, name)).equals(await bytes(original, name))).toBe(true);
      }
    });
  });

  it("the written checkpoint runs exactly like the pruned model in memory (logits identical)", async () => {
    const sequences = [calibration.sequences[0].slice(0, PROMPT_LENGTH)];
    const fromFile = await runGptOss({ dir: reapDir(), sequences, logits: "all" });
    const inMemory = await runPrunedInMemory(reap.selection, sequences, "all");
    expect(fromFile.logits[0]).toEqual(inMemory.logits[0]);
  });

  it("its GGUF (existing converter) runs in node-llama-cpp with the distributions of the TS forward pass", async () => {
    const gguf = join(tmp, "pruned.gguf");
    await convertCheckpoint({ dir: reapDir(), outPath: gguf, outtype: "f32" });
    const model = await loadEvalModel({ path: gguf });
    try {
      const tokens = calibration.sequences[1].slice(0, PROMPT_LENGTH);
      const slots = await model.createSlots({ contextSize: 128, sequences: 1 });
      const positions = tokens.map((_, i) => i);
      const rows = await slots.sequences[0].evaluate(tokens, positions);
      await slots.dispose();
      const candidate = new Float32Array(tokens.length * model.vocabSize);
      for (const p of positions) candidate.set(rows.get(p)!, p * model.vocabSize);
      const reference = (await runGptOss({ dir: reapDir(), sequences: [tokens], logits: "all" })).logits[0];
      const kl = meanKlDivergence({ reference, candidate, vocab: model.vocabSize });
      // the unpruned fixture's conversion gets 6e-4 … 2.2e-3 against transformers: the same kernels' noise
      expect(kl.meanKl).toBeLessThan(5e-3);
      expect(kl.top1Agreement).toBeGreaterThanOrEqual(0.95);
    } finally {
      await model.dispose();
    }
  });
});

describe("pruneCheckpoint: whole KV groups, random selection (no calibration)", () => {
  it("drops k/v rows with their group's query heads and still runs like the in-memory model", async () => {
    const dir = join(tmp, "random-kv1-e4");
    await mkdir(dir);
    const shape = await readGptOssConfig({ dir: fixture });
    const plan = planPruning({ shape, kvGroupsKeep: { count: 1 }, expertsKeep: { count: 4 } });
    const { report, selection } = await pruneCheckpoint({ dir: fixture, outDir: dir, plan, expertScore: "random", seed: 7 });
    const original = await openCheckpoint({ dir: fixture });
    const written = await openCheckpoint({ dir });
    const planned = prunedTensorShapes({ tensors: [...original.tensors], original: plan.original, pruned: plan.pruned, headDim: shape.headDim });
    expect(planned.map((t) => [t.name, t.shape])).toEqual([...written.tensors].map((t) => [t.name, t.shape]));
    await original.close();
    await written.close();
    expect(report.calibration).toBeNull();
    expect(report.method.bias_compensation).toBe(false);
    const weights = await openGptOssWeights({ dir });
    expect(weights.config).toMatchObject({ nHeads: 8, nKvHeads: 1, nExperts: 4 });
    const layer = await weights.layer(0);
    expect(layer.attention.kWeight).toHaveLength(32 * 288);
    await weights.close();
    const sequences = [calibration.sequences[2].slice(0, 40)];
    const fromFile = await runGptOss({ dir, sequences, logits: "last" });
    const inMemory = await runPrunedInMemory(selection, sequences, "last");
    expect(fromFile.logits[0]).toEqual(inMemory.logits[0]);
  });
});

describe("pruning means removing: the pruned model equals the original with the removed parts silenced", () => {
  /** The original weights with o_proj's columns of the removed heads zeroed and the removed experts' router bias at −∞. */
  function silenced(weights: GptOssWeightProvider, selection: PruneSelection): GptOssWeightProvider {
    const { hidden, nHeads, headDim, nExperts } = weights.config;
    return {
      ...weights,
      config: weights.config,
      embeddingRows: (ids) => weights.embeddingRows(ids),
      expert: (layer, expert) => weights.expert(layer, expert),
      finalNorm: () => weights.finalNorm(),
      lmHeadRows: (a, b) => weights.lmHeadRows(a, b),
      close: () => weights.close(),
      async layer(layer) {
        const lw = await weights.layer(layer);
        const { heads, experts } = selection.layers[layer];
        const oWeight = lw.attention.oWeight.slice();
        for (let h = 0; h < nHeads; h++) {
          if (heads.includes(h)) continue;
          for (let i = 0; i < hidden; i++) oWeight.fill(0, i * nHeads * headDim + h * headDim, i * nHeads * headDim + (h + 1) * headDim);
        }
        const routerBias = lw.routerBias.slice();
        for (let e = 0; e < nExperts; e++) if (!experts.includes(e)) routerBias[e] = -Infinity;
        return { ...lw, attention: { ...lw.attention, oWeight }, routerBias };
      },
    };
  }

  it("heads (uniform per group, no compensation) and experts: same next-token distributions", async () => {
    const dir = join(tmp, "random-e5-h10");
    await mkdir(dir);
    const plan = planPruning({ shape: await readGptOssConfig({ dir: fixture }), expertsKeep: { count: 5 }, headsKeep: { count: 10 } });
    const { selection } = await pruneCheckpoint({ dir: fixture, outDir: dir, plan, expertScore: "random", seed: 11 });
    const sequences = [calibration.sequences[0].slice(0, PROMPT_LENGTH)];
    const pruned = await runGptOss({ dir, sequences, logits: "all", expertPrecision: "f32" });
    const original = await openGptOssWeights({ dir: fixture });
    try {
      const reference = await runGptOss({ weights: silenced(original, selection), sequences, logits: "all", expertPrecision: "f32" });
      // zeroed columns add exact zeros, so this is 0 today; a tolerance keeps it independent of summation order
      const kl = meanKlDivergence({ reference: reference.logits[0], candidate: pruned.logits[0], vocab: 4096 });
      expect(kl.meanKl).toBeLessThan(1e-6);
      expect(kl.top1Agreement).toBe(1);
    } finally {
      await original.close();
    }
  });
});

describe("bad input", () => {
  it("scoring without calibration, and a selection the formats cannot load", async () => {
    const shape = await readGptOssConfig({ dir: fixture });
    const plan = planPruning({ shape, expertsKeep: { count: 6 } });
    await expect(pruneCheckpoint({ dir: fixture, outDir: tmp, plan, expertScore: "reap" })).rejects.toThrow(UsageError);
    const all = Array.from({ length: 16 }, (_, i) => i);
    const layer = { experts: [0, 1, 2, 3, 4, 5, 6, 7], heads: all, kvGroups: [0, 1] };
    const nonUniform = { layers: Array.from({ length: 8 }, () => ({ ...layer, heads: all.filter((h) => h !== 3 && h !== 5) })) };
    await expect(writePrunedCheckpoint({ dir: fixture, outDir: tmp, selection: nonUniform })).rejects.toThrow(/KV group 0 keeps 6 query heads, the others 7/);
    const tooFew = { layers: Array.from({ length: 8 }, () => ({ ...layer, experts: [3] })) };
    await expect(writePrunedCheckpoint({ dir: fixture, outDir: tmp, selection: tooFew })).rejects.toThrow(/top-k 2 is larger than the 1 kept experts/);
    const ragged = { layers: Array.from({ length: 8 }, (_, i) => ({ ...layer, experts: i === 3 ? [0, 1, 2] : [0, 1, 2, 3] })) };
    await expect(writePrunedCheckpoint({ dir: fixture, outDir: tmp, selection: ragged })).rejects.toThrow(/every layer must keep the same numbers/);
  });
});
