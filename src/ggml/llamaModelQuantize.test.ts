import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GgmlType, ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
import { llamaModelQuantize } from "./llamaModelQuantize.js";
import { LlamaFtype } from "../formats/gguf/llamaFtype.js";
import { loadGgmlBase } from "./loadGgmlBase.js";
import { loadLlama } from "./loadLlama.js";
import { quantizeRows } from "./quantizeRows.js";
import { dequantizeRows } from "./dequantizeRows.js";
import { dequantizeGgmlMxfp4 } from "../formats/mxfp4/dequantizeGgmlMxfp4.js";

// A minimal GGUF v3 encoder/decoder, test-only: enough for a one-block "llama" model of F32 tensors.

type KvValue = { u32: number } | { f32: number } | { str: string };

interface TinyTensor {
  name: string;
  /** ggml order: ne[0] is the row length. */
  ne: number[];
  type: number;
  data: Buffer;
}

const ALIGNMENT = 32;
const pad = (n: number) => (n + ALIGNMENT - 1) & ~(ALIGNMENT - 1);

function ggufString(s: string): Buffer {
  const bytes = Buffer.from(s, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([len, bytes]);
}

function encodeGguf(kv: Record<string, KvValue>, tensors: TinyTensor[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(24);
  head.write("GGUF", 0, "latin1");
  head.writeUInt32LE(3, 4);
  head.writeBigUInt64LE(BigInt(tensors.length), 8);
  head.writeBigUInt64LE(BigInt(Object.keys(kv).length), 16);
  parts.push(head);
  for (const [key, value] of Object.entries(kv)) {
    parts.push(ggufString(key));
    const t = Buffer.alloc(4);
    if ("u32" in value) {
      t.writeUInt32LE(4);
      const v = Buffer.alloc(4);
      v.writeUInt32LE(value.u32);
      parts.push(t, v);
    } else if ("f32" in value) {
      t.writeUInt32LE(6);
      const v = Buffer.alloc(4);
      v.writeFloatLE(value.f32);
      parts.push(t, v);
    } else {
      t.writeUInt32LE(8);
      parts.push(t, ggufString(value.str));
    }
  }
  let offset = 0;
  for (const tensor of tensors) {
    parts.push(ggufString(tensor.name));
    const info = Buffer.alloc(4 + 8 * tensor.ne.length + 4 + 8);
    info.writeUInt32LE(tensor.ne.length, 0);
    tensor.ne.forEach((n, i) => { info.writeBigUInt64LE(BigInt(n), 4 + 8 * i); });
    info.writeUInt32LE(tensor.type, 4 + 8 * tensor.ne.length);
    info.writeBigUInt64LE(BigInt(offset), 8 + 8 * tensor.ne.length);
    parts.push(info);
    offset = pad(offset + tensor.data.length);
  }
  const header = Buffer.concat(parts);
  const data = Buffer.alloc(offset);
  let o = 0;
  for (const tensor of tensors) {
    tensor.data.copy(data, o);
    o = pad(o + tensor.data.length);
  }
  return Buffer.concat([header, Buffer.alloc(pad(header.length) - header.length), data]);
}

/** Tensor infos and data of a GGUF file (skips the key/values by walking them). */
function decodeGgufTensors(file: Buffer): Map<string, TinyTensor> {
  let p = 8;
  const u32 = () => { const v = file.readUInt32LE(p); p += 4; return v; };
  const u64 = () => { const v = Number(file.readBigUInt64LE(p)); p += 8; return v; };
  const str = () => { const n = u64(); const s = file.toString("utf8", p, p + n); p += n; return s; };
  const scalarSize: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const skipValue = (type: number): void => {
    if (type === 8) str();
    else if (type === 9) { const inner = u32(); const n = u64(); for (let i = 0; i < n; i++) skipValue(inner); }
    else p += scalarSize[type];
  };
  expect(file.toString("latin1", 0, 4)).toBe("GGUF");
  p = 8;
  const nTensors = u64();
  const nKv = u64();
  let alignment = ALIGNMENT;
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    if (key === "general.alignment") { alignment = file.readUInt32LE(p); }
    skipValue(type);
  }
  const infos: Array<{ name: string; ne: number[]; type: number; offset: number }> = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nDims = u32();
    const ne = Array.from({ length: nDims }, u64);
    infos.push({ name, ne, type: u32(), offset: u64() });
  }
  const dataStart = Math.ceil(p / alignment) * alignment;
  const ggml = loadGgmlBase();
  const out = new Map<string, TinyTensor>();
  for (const info of infos) {
    const nRows = info.ne.slice(1).reduce((a, b) => a * b, 1);
    const size = ggml.rowSize(info.type, info.ne[0]) * nRows;
    const start = dataStart + info.offset;
    out.set(info.name, { ...info, data: file.subarray(start, start + size) });
  }
  return out;
}

function randomF32(n: number, seed: number): Float32Array {
  let x = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = ((x / 4294967296) - 0.5) * 0.1;
  }
  return out;
}

/** One-block llama MoE: 4 experts stored as MXFP4 (as gpt-oss ships them), the rest F32. */
async function tinyMoeGguf(): Promise<{ file: Buffer; tensors: TinyTensor[] }> {
  const nEmbd = 256;
  const nFf = 512;
  const nExpert = 4;
  const nVocab = 64;
  const f32Tensor = (name: string, ne: number[], seed: number): TinyTensor => {
    const values = name.endsWith("_norm.weight") ? new Float32Array(ne[0]).fill(1) : randomF32(ne.reduce((a, b) => a * b, 1), seed);
    return { name, ne, type: GgmlType.F32, data: Buffer.from(values.buffer) };
  };
  const mxfp4Tensor = async (name: string, ne: number[], seed: number): Promise<TinyTensor> => {
    const nRows = ne.slice(1).reduce((a, b) => a * b, 1);
    const data = await quantizeRows({ type: GgmlType.MXFP4, src: randomF32(ne[0] * nRows, seed), nRows, nPerRow: ne[0] });
    return { name, ne, type: GgmlType.MXFP4, data };
  };
  const tensors = [
    f32Tensor("token_embd.weight", [nEmbd, nVocab], 1),
    f32Tensor("blk.0.attn_norm.weight", [nEmbd], 2),
    f32Tensor("blk.0.attn_q.weight", [nEmbd, nEmbd], 3),
    f32Tensor("blk.0.attn_k.weight", [nEmbd, nEmbd], 4),
    f32Tensor("blk.0.attn_v.weight", [nEmbd, nEmbd], 5),
    f32Tensor("blk.0.attn_output.weight", [nEmbd, nEmbd], 6),
    f32Tensor("blk.0.ffn_norm.weight", [nEmbd], 7),
    f32Tensor("blk.0.ffn_gate_inp.weight", [nEmbd, nExpert], 8),
    await mxfp4Tensor("blk.0.ffn_gate_exps.weight", [nEmbd, nFf, nExpert], 9),
    await mxfp4Tensor("blk.0.ffn_up_exps.weight", [nEmbd, nFf, nExpert], 10),
    await mxfp4Tensor("blk.0.ffn_down_exps.weight", [nFf, nEmbd, nExpert], 11),
    f32Tensor("output_norm.weight", [nEmbd], 12),
    f32Tensor("output.weight", [nEmbd, nVocab], 13),
  ];
  const kv: Record<string, KvValue> = {
    "general.architecture": { str: "llama" },
    "llama.context_length": { u32: 128 },
    "llama.embedding_length": { u32: nEmbd },
    "llama.block_count": { u32: 1 },
    "llama.feed_forward_length": { u32: nFf },
    "llama.attention.head_count": { u32: 4 },
    "llama.attention.head_count_kv": { u32: 4 },
    "llama.attention.layer_norm_rms_epsilon": { f32: 1e-5 },
    "llama.expert_count": { u32: nExpert },
    "llama.expert_used_count": { u32: 2 },
    "llama.vocab_size": { u32: nVocab },
  };
  return { file: encodeGguf(kv, tensors), tensors };
}

/** One-block llama model, n_embd 256 (K-quant rows need multiples of 256), F32 everywhere. */
function tinyLlamaGguf(): { file: Buffer; tensors: TinyTensor[] } {
  const nEmbd = 256;
  const nFf = 512;
  const nVocab = 64;
  const f32Tensor = (name: string, ne: number[], seed: number): TinyTensor => {
    const values = name.endsWith("_norm.weight") ? new Float32Array(ne[0]).fill(1) : randomF32(ne.reduce((a, b) => a * b, 1), seed);
    return { name, ne, type: GgmlType.F32, data: Buffer.from(values.buffer) };
  };
  const tensors = [
    f32Tensor("token_embd.weight", [nEmbd, nVocab], 1),
    f32Tensor("blk.0.attn_norm.weight", [nEmbd], 2),
    f32Tensor("blk.0.attn_q.weight", [nEmbd, nEmbd], 3),
    f32Tensor("blk.0.attn_k.weight", [nEmbd, nEmbd], 4),
    f32Tensor("blk.0.attn_v.weight", [nEmbd, nEmbd], 5),
    f32Tensor("blk.0.attn_output.weight", [nEmbd, nEmbd], 6),
    f32Tensor("blk.0.ffn_norm.weight", [nEmbd], 7),
    f32Tensor("blk.0.ffn_gate.weight", [nEmbd, nFf], 8),
    f32Tensor("blk.0.ffn_up.weight", [nEmbd, nFf], 9),
    f32Tensor("blk.0.ffn_down.weight", [nFf, nEmbd], 10),
    f32Tensor("output_norm.weight", [nEmbd], 11),
    f32Tensor("output.weight", [nEmbd, nVocab], 12),
  ];
  const kv: Record<string, KvValue> = {
    "general.architecture": { str: "llama" },
    "general.name": { str: "tiny" },
    "llama.context_length": { u32: 128 },
    "llama.embedding_length": { u32: nEmbd },
    "llama.block_count": { u32: 1 },
    "llama.feed_forward_length": { u32: nFf },
    "llama.attention.head_count": { u32: 4 },
    "llama.attention.head_count_kv": { u32: 4 },
    "llama.attention.layer_norm_rms_epsilon": { f32: 1e-5 },
    "llama.vocab_size": { u32: nVocab },
  };
  return { file: encodeGguf(kv, tensors), tensors };
}

const workDir = process.env.KEEP_DIR ?? mkdtempSync(join(tmpdir(), "oss-prep-llama-quantize-"));
afterAll(() => { if (!process.env.KEEP_DIR) rmSync(workDir, { recursive: true, force: true }); });

/** Every quantized tensor of `output` equals quantizeRows() of the input's f32 data to the same type. */
async function expectSameAsQuantizeRows(inputTensors: TinyTensor[], outputPath: string): Promise<Set<number>> {
  const out = decodeGgufTensors(readFileSync(outputPath));
  const typesSeen = new Set<number>();
  for (const src of inputTensors) {
    const got = out.get(src.name)!;
    expect(got, src.name).toBeDefined();
    expect(got.ne).toEqual(src.ne);
    typesSeen.add(got.type);
    const nRows = src.ne.slice(1).reduce((a, b) => a * b, 1);
    const f32 = new Float32Array(src.data.buffer, src.data.byteOffset, src.data.length / 4);
    const ours = await quantizeRows({ type: got.type, src: f32, nRows, nPerRow: src.ne[0] });
    expect(ours.equals(got.data), `${src.name} as ${ggmlTypeName(got.type)}`).toBe(true);
  }
  return typesSeen;
}

describe("llamaModelQuantize", () => {
  it("default params struct matches this libllama (layout check)", () => {
    const lib = loadLlama();
    expect(lib.koffi.sizeof(lib.types.quantizeParams)).toBe(64);
    const d = lib.modelQuantizeDefaultParams();
    expect(d).toMatchObject({
      nthread: 0, ftype: LlamaFtype.MOSTLY_Q8_0, output_tensor_type: 43, token_embedding_type: 43,
      allow_requantize: false, quantize_output_tensor: true, dry_run: false, imatrix: null, tt_overrides: null,
    });
    expect(Number(d.max_buf_size)).toBe(8 * 1024 ** 3);
  });

  it("Q8_0: llama.cpp's file holds exactly quantizeRows' bytes", async () => {
    const { file, tensors } = tinyLlamaGguf();
    const input = join(workDir, "tiny-f32.gguf");
    writeFileSync(input, file);
    const output = join(workDir, "tiny-q8_0.gguf");
    const { log } = await llamaModelQuantize({ input, output, ftype: LlamaFtype.MOSTLY_Q8_0, nthread: 2 });
    expect(log).toMatch(/q8_0/i);
    const types = await expectSameAsQuantizeRows(tensors, output);
    expect(types).toEqual(new Set([GgmlType.F32, GgmlType.Q8_0]));
    expect(readdirSync(workDir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("Q4_K_M mixes types; tensor overrides and imatrix are honoured", async () => {
    const { file, tensors } = tinyLlamaGguf();
    const input = join(workDir, "tiny-f32-b.gguf");
    writeFileSync(input, file);
    const mixed = join(workDir, "tiny-q4_k_m.gguf");
    await llamaModelQuantize({
      input, output: mixed, ftype: LlamaFtype.MOSTLY_Q4_K_M, nthread: 2,
      tensorTypeOverrides: [{ pattern: "ffn_up", type: GgmlType.Q5_1 }],
    });
    const types = await expectSameAsQuantizeRows(tensors, mixed);
    expect(types.has(GgmlType.Q4_K)).toBe(true);
    expect(types.has(GgmlType.Q6_K)).toBe(true); // attn_v / ffn_down / output get bumped
    const out = decodeGgufTensors(readFileSync(mixed));
    expect(out.get("blk.0.ffn_up.weight")!.type).toBe(GgmlType.Q5_1);

    // imatrix for one tensor: llama.cpp's bytes equal quantizeRows with that imatrix.
    const imatrix = randomF32(256, 77).map((x) => x * x * 1e4 + 0.01);
    const withIm = join(workDir, "tiny-q4_k_m-imatrix.gguf");
    await llamaModelQuantize({
      input, output: withIm, ftype: LlamaFtype.MOSTLY_Q4_K_M, nthread: 2,
      imatrix: [{ name: "blk.0.attn_q.weight", data: imatrix }],
    });
    const q = tensors.find((t) => t.name === "blk.0.attn_q.weight")!;
    const got = decodeGgufTensors(readFileSync(withIm)).get(q.name)!;
    const f32 = new Float32Array(q.data.buffer, q.data.byteOffset, q.data.length / 4);
    const ours = await quantizeRows({ type: got.type, src: f32, nRows: 256, nPerRow: 256, imatrix });
    expect(ours.equals(got.data)).toBe(true);
    expect(got.data.equals(out.get(q.name)!.data)).toBe(false);
  });

  it("requantizing MXFP4 experts with per-expert imatrix: llama.cpp = our dequantize + quantizeRows", async () => {
    const { file, tensors } = await tinyMoeGguf();
    const input = join(workDir, "tiny-moe.gguf");
    writeFileSync(input, file);
    const output = join(workDir, "tiny-moe-q4_k_m.gguf");
    const gate = tensors.find((t) => t.name === "blk.0.ffn_gate_exps.weight")!;
    const imatrix = randomF32(gate.ne[0] * gate.ne[2], 5).map((x) => x * x * 1e4 + 0.01);
    // Without allowRequantize llama.cpp refuses to touch the MXFP4 tensors.
    await expect(llamaModelQuantize({ input, output, ftype: LlamaFtype.MOSTLY_Q4_K_M, nthread: 2 })).rejects.toThrow(
      /requantizing from type mxfp4 is disabled/,
    );
    await llamaModelQuantize({
      input, output, ftype: LlamaFtype.MOSTLY_Q4_K_M, nthread: 2, allowRequantize: true,
      imatrix: [{ name: gate.name, data: imatrix }],
    });
    const out = decodeGgufTensors(readFileSync(output));
    for (const src of tensors) {
      const got = out.get(src.name)!;
      const nRows = src.ne.slice(1).reduce((a, b) => a * b, 1);
      const f32 = src.type === GgmlType.MXFP4
        ? dequantizeGgmlMxfp4({ data: src.data })
        : new Float32Array(src.data.buffer, src.data.byteOffset, src.data.length / 4);
      if (src.type === GgmlType.MXFP4) {
        // Our JS dequantization is ggml's to_float, bit for bit.
        const viaGgml = await dequantizeRows({ type: GgmlType.MXFP4, data: src.data, nRows, nPerRow: src.ne[0] });
        expect(Buffer.from(viaGgml.buffer).equals(Buffer.from(f32.buffer))).toBe(true);
        expect(got.type, src.name).not.toBe(GgmlType.MXFP4);
      }
      const ours = await quantizeRows({
        type: got.type, src: f32, nRows, nPerRow: src.ne[0], imatrix: src === gate ? imatrix : undefined,
      });
      expect(ours.equals(got.data), `${src.name} as ${ggmlTypeName(got.type)}`).toBe(true);
      if (src === gate) {
        const plain = await quantizeRows({ type: got.type, src: f32, nRows, nPerRow: src.ne[0] });
        expect(plain.equals(got.data), "the imatrix must matter").toBe(false);
      }
    }
  });

  it("dry run writes nothing; failures reject with llama.cpp's message", async () => {
    const { file } = tinyLlamaGguf();
    const input = join(workDir, "tiny-f32-c.gguf");
    writeFileSync(input, file);
    const output = join(workDir, "never.gguf");
    const { log } = await llamaModelQuantize({ input, output, ftype: LlamaFtype.MOSTLY_Q6_K, dryRun: true });
    expect(log).toMatch(/q6_K/);
    expect(existsSync(output)).toBe(false);

    const garbage = join(workDir, "garbage.gguf");
    writeFileSync(garbage, Buffer.from("not a gguf file at all"));
    await expect(llamaModelQuantize({ input: garbage, output, ftype: LlamaFtype.MOSTLY_Q8_0 })).rejects.toThrow(
      /llama_model_quantize failed/,
    );
    await expect(
      llamaModelQuantize({ input: join(workDir, "missing.gguf"), output, ftype: LlamaFtype.MOSTLY_Q8_0 }),
    ).rejects.toThrow(/no such file/);
    expect(existsSync(output)).toBe(false);
  });
});
