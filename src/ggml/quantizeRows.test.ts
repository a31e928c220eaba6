import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { GgmlType, ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
import { loadGgmlBase } from "./loadGgmlBase.js";
import { quantizeRows } from "./quantizeRows.js";
import { dequantizeRows } from "./dequantizeRows.js";

/** Deterministic weights: mulberry32 → roughly normal (sum of 4 uniforms), with a few outliers per row. */
function randomWeights(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() + next() + next() + next() - 2) * 0.05 * (next() < 0.01 ? 20 : 1);
  return out;
}

/** The reference: one synchronous ggml_quantize_chunk over every row. */
function quantizeSingleCall(type: number, src: Float32Array, nRows: number, nPerRow: number, imatrix: Float32Array | null) {
  const ggml = loadGgmlBase();
  const dst = Buffer.alloc(ggml.rowSize(type, nPerRow) * nRows);
  expect(ggml.quantizeChunk(type, src, dst, 0, nRows, nPerRow, imatrix)).toBe(dst.length);
  return dst;
}

const cases: Array<{ type: number; nPerRow: number }> = [
  { type: GgmlType.Q8_0, nPerRow: 288 },
  { type: GgmlType.Q8_0, nPerRow: 256 },
  { type: GgmlType.Q5_1, nPerRow: 288 },
  { type: GgmlType.Q5_1, nPerRow: 256 },
  { type: GgmlType.MXFP4, nPerRow: 288 },
  { type: GgmlType.MXFP4, nPerRow: 256 },
  // K-quants have 256-value super-blocks: 288 is not a legal row length for them.
  { type: GgmlType.Q4_K, nPerRow: 256 },
  { type: GgmlType.Q5_K, nPerRow: 256 },
  { type: GgmlType.Q6_K, nPerRow: 512 },
  { type: GgmlType.Q6_K, nPerRow: 256 },
  { type: GgmlType.F16, nPerRow: 288 },
  { type: GgmlType.BF16, nPerRow: 288 },
];

describe("quantizeRows", () => {
  for (const { type, nPerRow } of cases) {
    it(`${ggmlTypeName(type)} n_per_row=${nPerRow}: any chunking equals one ggml_quantize_chunk call`, async () => {
      const nRows = 37; // prime: uneven chunks
      const src = randomWeights(nRows * nPerRow, type * 1000 + nPerRow);
      const expected = quantizeSingleCall(type, src, nRows, nPerRow, null);
      for (const concurrency of [1, 2, 5, 64]) {
        const got = await quantizeRows({ type, src, nRows, nPerRow, concurrency });
        expect(got.equals(expected), `concurrency ${concurrency}`).toBe(true);
      }
    });
  }

  it("Q4_K with an imatrix: differs from without, equals one call with the same imatrix", async () => {
    const nRows = 24;
    const nPerRow = 512;
    const src = randomWeights(nRows * nPerRow, 7);
    const imatrix = randomWeights(nPerRow, 8).map((x) => x * x * 400 + 0.01);
    const without = await quantizeRows({ type: GgmlType.Q4_K, src, nRows, nPerRow, concurrency: 3 });
    const withIm = await quantizeRows({ type: GgmlType.Q4_K, src, nRows, nPerRow, imatrix, concurrency: 3 });
    expect(withIm.equals(without)).toBe(false);
    expect(withIm.equals(quantizeSingleCall(GgmlType.Q4_K, src, nRows, nPerRow, imatrix))).toBe(true);
    expect(without.equals(quantizeSingleCall(GgmlType.Q4_K, src, nRows, nPerRow, null))).toBe(true);
  });

  it("per-expert imatrix slices: rows of expert e use slice e, as llama.cpp does", async () => {
    const nExperts = 4;
    const rowsPerExpert = 6;
    const nPerRow = 256;
    const nRows = nExperts * rowsPerExpert;
    const src = randomWeights(nRows * nPerRow, 11);
    const imatrix = randomWeights(nExperts * nPerRow, 12).map((x) => x * x * 400 + 0.01);
    const ggml = loadGgmlBase();
    const rowSize = ggml.rowSize(GgmlType.Q5_K, nPerRow);
    const expected = Buffer.alloc(rowSize * nRows);
    for (let e = 0; e < nExperts; e++) {
      ggml.quantizeChunk(
        GgmlType.Q5_K, src, expected, e * rowsPerExpert * nPerRow, rowsPerExpert, nPerRow,
        imatrix.subarray(e * nPerRow, (e + 1) * nPerRow),
      );
    }
    for (const concurrency of [1, 3, 16]) {
      const got = await quantizeRows({ type: GgmlType.Q5_K, src, nRows, nPerRow, imatrix, concurrency });
      expect(got.equals(expected), `concurrency ${concurrency}`).toBe(true);
    }
  });

  it("refuses what would abort the process in ggml", async () => {
    const src = new Float32Array(2 * 288);
    await expect(quantizeRows({ type: GgmlType.Q4_K, src, nRows: 2, nPerRow: 288 })).rejects.toThrow(/multiple of 256/);
    await expect(quantizeRows({ type: GgmlType.Q8_1, src, nRows: 2, nPerRow: 288 })).rejects.toThrow(/cannot produce/);
    await expect(quantizeRows({ type: GgmlType.IQ2_XXS, src: new Float32Array(512), nRows: 2, nPerRow: 256 }))
      .rejects.toThrow(/requires an importance matrix/);
    await expect(quantizeRows({ type: GgmlType.Q8_0, src, nRows: 3, nPerRow: 288 })).rejects.toThrow(/src has/);
    await expect(
      quantizeRows({ type: GgmlType.Q8_0, src, nRows: 2, nPerRow: 288, imatrix: new Float32Array(100) }),
    ).rejects.toThrow(/imatrix/);
  });

  it("survives garbage collection while native calls are in flight", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const nRows = 64;
    const nPerRow = 2880;
    const src = randomWeights(nRows * nPerRow, 3);
    const expected = quantizeSingleCall(GgmlType.Q8_0, src, nRows, nPerRow, null);
    // Callers that keep no reference to src: only the pins hold it while the calls run.
    const pending = Array.from({ length: 8 }, () =>
      quantizeRows({ type: GgmlType.Q8_0, src: src.slice(), nRows, nPerRow, concurrency: 4 }));
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    for (const got of await Promise.all(pending)) expect(got.equals(expected)).toBe(true);
  });
});

describe("dequantizeRows", () => {
  it("matches one to_float call, for block types and F16/BF16", async () => {
    const ggml = loadGgmlBase();
    for (const { type, nPerRow } of cases) {
      const nRows = 13;
      const src = randomWeights(nRows * nPerRow, 99 + type);
      const data = quantizeSingleCall(type, src, nRows, nPerRow, null);
      const expected = new Float32Array(nRows * nPerRow);
      ggml.toFloat(type, data, expected, nRows * nPerRow);
      const got = await dequantizeRows({ type, data, nRows, nPerRow, concurrency: 4 });
      expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer)), ggmlTypeName(type)).toBe(true);
    }
  });

  it("F32 is a copy", async () => {
    const src = randomWeights(64, 1);
    const got = await dequantizeRows({ type: GgmlType.F32, data: new Uint8Array(src.buffer), nRows: 2, nPerRow: 32 });
    expect(got).toEqual(src);
  });
});

describe("loadGgmlBase", () => {
  it("reads struct ggml_type_traits", () => {
    const ggml = loadGgmlBase();
    const mxfp4 = ggml.typeTraits(GgmlType.MXFP4);
    expect(mxfp4).toMatchObject({ typeName: "mxfp4", blckSize: 32, typeSize: 17, isQuantized: true });
    expect(typeof mxfp4.toFloat).toBe("bigint");
    expect(ggml.typeTraits(GgmlType.Q6_K)).toMatchObject({ typeName: "q6_K", blckSize: 256, typeSize: 210 });
    expect(ggml.typeTraits(GgmlType.F32).toFloat).toBeNull();
    expect(ggml.rowSize(GgmlType.MXFP4, 2880)).toBe(90 * 17);
    expect(ggml.blckSize(GgmlType.Q4_K)).toBe(256);
    expect(ggml.typeSize(GgmlType.Q8_0)).toBe(34);
  });

  it("binds the fp16/bf16 row conversions", () => {
    const ggml = loadGgmlBase();
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: an arbitrary input value, not π
    const src = new Float32Array([1, -2.5, 65504, 1e-8, 3.14159]);
    const bf16 = new Uint16Array(5);
    ggml.fp32ToBf16Row(src, bf16, 5);
    const back = new Float32Array(5);
    ggml.bf16ToFp32Row(bf16, back, 5);
    expect(Array.from(back.slice(0, 2))).toEqual([1, -2.5]);
    const f16 = new Uint16Array(5);
    ggml.fp32ToFp16Row(src, f16, 5);
    expect(f16[0]).toBe(0x3c00);
    ggml.fp16ToFp32Row(f16, back, 5);
    expect(back[2]).toBe(65504);
  });
});
