/**
 * AWQ end to end on the tiny fixture, experts included (--experts awq: every folding rule at work), with
 * a small calibration and no clipping search so it stays a CI test: the GGUF's Q4_1 tensors dequantize (ggml's own to_float) to
 * (q − z)·s of the AutoAWQ tensors, the folded F32 tensors agree between the two outputs, the GGUF runs
 * in llama.cpp, and the float model with the scales folded in routes every calibration token exactly as
 * the original does.
 */
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { createFoldedWeightProvider } from "./createFoldedWeightProvider.js";
import { openGptOssWeights } from "../calib/openGptOssWeights.js";
import { createOrtMatmulBackend } from "../calib/createOrtMatmulBackend.js";
import { runGptOss } from "../calib/runGptOss.js";
import { GgmlType, readGguf, readGgufTensorData } from "../formats/gguf/index.js";
import { openCheckpoint } from "../formats/safetensors/index.js";
import { dequantizeRows } from "../ggml/dequantizeRows.js";
import { BUILTIN_CALIBRATION_DOCUMENTS } from "../calib/data/builtinCalibrationText.js";
import { buildCalibrationSequences } from "../calib/data/buildCalibrationSequences.js";
import { readByteLevelBpeEncoder } from "../formats/tokenizer/readByteLevelBpeEncoder.js";
import { quantizeAwq, type QuantizeAwqResult } from "./quantizeAwq.js";
import { readAwqGemmTensors } from "./readAwqGemmTensors.js";
import { unpackAwqGemm } from "./unpackAwqGemm.js";

const SAMPLES = 2;
const SEQLEN = 64;

let out: string;
let result: QuantizeAwqResult;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "oss-prep-awq-"));
    // no clipping search here (the slow part; the CLI test runs it): the folding and encodings are what this file checks
  result = await quantizeAwq({ dir: tinyFixtureDir(), outDir: out, experts: "awq", clip: false, samples: SAMPLES, seqlen: SEQLEN });
}, 300_000);
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Half an fp16 ulp of |x| (subnormals: 2⁻²⁵). */
function halfUlpF16(x: number): number {
  const a = Math.abs(x);
  return a < 2 ** -14 ? 2 ** -25 : 2 ** (Math.floor(Math.log2(a)) - 11);
}

/** The HF module and row parity behind a Q4_1 GGUF tensor (per expert for *_exps). */
function moduleOf(name: string, expert: number): { module: string; parity?: 0 | 1 } {
  const [, layer, role] = /^blk\.(\d+)\.(\w+)\.weight$/.exec(name)!;
  const attention: Record<string, string> = { attn_q: "q_proj", attn_k: "k_proj", attn_v: "v_proj", attn_output: "o_proj" };
  if (attention[role]) return { module: `model.layers.${layer}.self_attn.${attention[role]}` };
  if (role === "ffn_down_exps") return { module: `model.layers.${layer}.mlp.experts.${expert}.down_proj` };
  return { module: `model.layers.${layer}.mlp.experts.${expert}.gate_up_proj`, parity: role === "ffn_gate_exps" ? 0 : 1 };
}

describe("awq on the fixture (experts awq, group 32)", () => {
  it("writes the AutoAWQ GEMM checkpoint with quantization_config, per-expert modules and F32 folded tensors", async () => {
    const dir = join(out, result.checkpointDir);
    const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
    expect(config.quantization_config).toEqual({ quant_method: "awq", bits: 4, group_size: 32, zero_point: true, version: "gemm", modules_to_not_convert: ["mlp.router", "embed_tokens", "lm_head"] });
    const ckpt = await openCheckpoint({ dir });
    try {
      const shape = (name: string) => [ckpt.get(name).dtype, ...ckpt.get(name).shape];
      expect(shape("model.layers.0.self_attn.q_proj.qweight")).toEqual(["I32", 288, 64]);
      expect(shape("model.layers.0.self_attn.q_proj.qzeros")).toEqual(["I32", 9, 64]);
      expect(shape("model.layers.0.self_attn.q_proj.scales")).toEqual(["F16", 9, 512]);
      expect(shape("model.layers.0.self_attn.o_proj.qweight")).toEqual(["I32", 512, 36]);
      expect(shape("model.layers.7.mlp.experts.7.gate_up_proj.qweight")).toEqual(["I32", 288, 72]);
      expect(shape("model.layers.7.mlp.experts.7.down_proj.scales")).toEqual(["F16", 9, 288]);
      for (const folded of ["input_layernorm.weight", "post_attention_layernorm.weight", "mlp.router.weight", "self_attn.v_proj.bias"]) {
        expect(ckpt.get(`model.layers.3.${folded}`).dtype).toBe("F32");
      }
      expect(ckpt.has("model.layers.0.self_attn.q_proj.weight")).toBe(false);
      expect(ckpt.has("model.layers.0.mlp.experts.gate_up_proj_blocks")).toBe(false);
      // untouched tensors are byte copies
      const source = await openCheckpoint({ dir: tinyFixtureDir() });
      try {
        for (const name of ["model.layers.2.mlp.router.bias", "model.layers.2.self_attn.sinks", "model.layers.2.mlp.experts.gate_up_proj_bias", "lm_head.weight"]) {
          expect((await ckpt.readTensor(name)).equals(await source.readTensor(name)), name).toBe(true);
        }
      } finally {
        await source.close();
      }
    } finally {
      await ckpt.close();
    }
    expect(result.layers).toHaveLength(8);
    for (const layer of result.layers) {
      expect(layer.scales.map((s) => s.group)).toEqual(["qkv", "o", "mlp"]);
      // α = 0 is on the grid: never worse than round-to-nearest on the search's own objective
      for (const s of layer.scales) expect(s.loss).toBeLessThanOrEqual(s.rtnLoss);
      expect(layer.clipping).toEqual([]);
    }
  });

  it("every Q4_1 tensor of the GGUF dequantizes to (q − z)·s of the AutoAWQ tensors, d = s bit-exactly", async () => {
    const gguf = await readGguf({ path: join(out, result.ggufFile) });
    const ckpt = await openCheckpoint({ dir: join(out, result.checkpointDir) });
    const q41 = gguf.tensors.filter((t) => t.type === GgmlType.Q4_1);
    // 4 attention + 3 expert tensors per layer
    expect([...new Set(q41.map((t) => t.name.replace(/^blk\.\d+\./, "")))].sort()).toEqual(
      ["attn_k.weight", "attn_output.weight", "attn_q.weight", "attn_v.weight", "ffn_down_exps.weight", "ffn_gate_exps.weight", "ffn_up_exps.weight"],
    );
    expect(q41).toHaveLength(8 * 7);
    expect(gguf.tensors.find((t) => t.name === "token_embd.weight")!.type).toBe(GgmlType.Q8_0);
    expect(gguf.tensors.find((t) => t.name === "blk.0.ffn_gate_inp.weight")!.type).toBe(GgmlType.F32);
    let checked = 0;
    let worst = 0;
    const failures: string[] = [];
    try {
      for (const tensor of q41) {
        const [cols, rowsPerExpert, experts = 1] = tensor.shape;
        const values = await dequantizeRows({ type: GgmlType.Q4_1, data: await readGgufTensorData({ gguf, name: tensor.name }), nRows: rowsPerExpert * experts, nPerRow: cols });
        const bytes = await readGgufTensorData({ gguf, name: tensor.name });
        for (let e = 0; e < experts; e++) {
          const { module, parity } = moduleOf(tensor.name, e);
          const awq = unpackAwqGemm({ tensors: await readAwqGemmTensors({ checkpoint: ckpt, module }) });
          const groups = cols / awq.groupSize;
          for (let r = 0; r < rowsPerExpert; r++) {
            const source = parity === undefined ? r : 2 * r + parity;
            for (let c = 0; c < cols; c++) {
              const k = source * groups + Math.floor(c / awq.groupSize);
              const s = awq.scales[k];
              const z = awq.zeros[k];
              const q = awq.q[source * cols + c];
              const got = values[(e * rowsPerExpert + r) * cols + c];
              const diff = Math.abs(got - (q - z) * s);
              if (diff > halfUlpF16(z * s) + 2 ** -23 * (q + z) * s) failures.push(`${tensor.name}[${e}][${r}][${c}]: ${got} vs (${q} − ${z})·${s}`);
              if (z > 0) worst = Math.max(worst, diff / s);
              if (c % 32 === 0 && bytes.readUInt16LE(((e * rowsPerExpert + r) * (cols / 32) + c / 32) * 20) !== awq.scaleBits[k]) failures.push(`${tensor.name}[${e}][${r}][${c}]: d ≠ s`);
              checked++;
            }
          }
        }
      }
    } finally {
      await ckpt.close();
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(checked).toBe(8 * (288 * 512 + 2 * 288 * 64 + 512 * 288 + 8 * 3 * 288 * 288));
    // m's fp16 rounding, in quantization steps: under 15 · 2⁻¹¹
    expect(worst).toBeLessThan(15 * 2 ** -11);
  });

  it("the GGUF holds the folded F32 tensors of the checkpoint, and llama.cpp runs it", async () => {
    const gguf = await readGguf({ path: join(out, result.ggufFile) });
    const ckpt = await openCheckpoint({ dir: join(out, result.checkpointDir) });
    try {
      for (const [ggufName, hfName] of [
        ["blk.5.attn_norm.weight", "model.layers.5.input_layernorm.weight"],
        ["blk.5.post_attention_norm.weight", "model.layers.5.post_attention_layernorm.weight"],
        ["blk.5.ffn_gate_inp.weight", "model.layers.5.mlp.router.weight"],
        ["blk.5.attn_v.bias", "model.layers.5.self_attn.v_proj.bias"],
      ]) {
        expect((await readGgufTensorData({ gguf, name: ggufName })).equals(await ckpt.readTensor(hfName)), ggufName).toBe(true);
      }
    } finally {
      await ckpt.close();
    }
    const { loadEvalModel } = await import("../eval/loadEvalModel.js");
    const { computeTokenDistributions } = await import("../eval/computeTokenDistributions.js");
    const model = await loadEvalModel({ path: join(out, result.ggufFile) });
    const slots = await model.createSlots({ contextSize: 64, sequences: 1 });
    try {
      const [d] = await computeTokenDistributions({ slots, tokens: [model.tokenize("床前明月光，疑是地上霜。")] });
      expect(d.logProbs.every((v) => Number.isFinite(v))).toBe(true);
    } finally {
      await slots.dispose();
      await model.dispose();
    }
  });

  it("the router is exact: the folded float model routes every calibration token as the original", async () => {
    const tokenize = await readByteLevelBpeEncoder({ dir: tinyFixtureDir() });
    const sequences = buildCalibrationSequences({ documents: BUILTIN_CALIBRATION_DOCUMENTS, tokenize, samples: SAMPLES, seqlen: SEQLEN, source: "built-in" });
    const scales = new Map(result.scales.map((s, layer) => [layer, s]));
    expect(scales.get(0)?.mlp).toBeDefined();
    const backend = await createOrtMatmulBackend();
    const routing = async (folded: boolean) => {
      const base = await openGptOssWeights({ dir: tinyFixtureDir() });
      const weights = folded ? createFoldedWeightProvider({ base, scales }) : base;
      const chosen: Int32Array[] = [];
      try {
        const run = await runGptOss({ weights, sequences, backend, expertPrecision: "f32", logits: "all", hooks: { onRouting: (e) => void chosen.push(e.topkIdx.slice()) } });
        return { chosen, logits: run.logits };
      } finally {
        await weights.close();
      }
    };
    try {
      const original = await routing(false);
      const folded = await routing(true);
      expect(folded.chosen).toHaveLength(8);
      folded.chosen.forEach((idx, layer) => { expect(Array.from(idx), `layer ${layer}`).toEqual(Array.from(original.chosen[layer])); });
      // and the same logits up to float32 rounding
      for (let s = 0; s < SAMPLES; s++) {
        let max = 0;
        original.logits[s].forEach((v, i) => { max = Math.max(max, Math.abs(v - folded.logits[s][i])); });
        expect(max).toBeLessThan(1e-3);
      }
    } finally {
      await backend.dispose();
    }
  });
});
