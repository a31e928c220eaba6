/**
 * The AWQ grid and its two encodings: AutoAWQ's GEMM packing (qweight/qzeros/scales) and the Q4_1 blocks
 * that carry it into GGUF, checked against ggml's own dequantization.
 */
import { describe, expect, it } from "vitest";
import { f16ToF32, f32ToF16 } from "../formats/float/floatConversions.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { dequantizeRows } from "../ggml/dequantizeRows.js";
import { AWQ_ORDER } from "./awqGemmLayout.js";
import { awqToQ4_1 } from "./awqToQ4_1.js";
import { dequantizeAwqGroups } from "./dequantizeAwqGroups.js";
import { fakeQuantizeAwqGroups } from "./fakeQuantizeAwqGroups.js";
import { packAwqGemm } from "./packAwqGemm.js";
import { quantizeAwqGroups } from "./quantizeAwqGroups.js";
import { roundHalfToEven } from "./roundHalfToEven.js";
import { unpackAwqGemm } from "./unpackAwqGemm.js";

/** Deterministic pseudo-random normal-ish weights with a few outliers. */
function randomWeights(n: number, seed: number, scale = 0.02): Float32Array {
  let state = seed >>> 0 || 1;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next() + next() + next() - 1.5;
    out[i] = u * scale * (next() < 0.01 ? 20 : 1);
  }
  return out;
}

/** Half an fp16 ulp of |x| (subnormals: 2⁻²⁵). */
function halfUlpF16(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -14) return 2 ** -25;
  return 2 ** (Math.floor(Math.log2(a)) - 11);
}

describe("AWQ grid", () => {
  it("rounds ties to even like torch.round", () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, 2.6, -2.6, 7.5, 8.5].map((x) => roundHalfToEven(x) + 0)).toEqual([-2, -2, 0, 0, 2, 2, 2, 3, -3, 8, 8]);
  });

  it("levels in [0, 15], integer zero points, fp16 scales, 0 exactly representable, error ≤ s/2 inside the range", () => {
    const rows = 24;
    const cols = 96;
    const weight = randomWeights(rows * cols, 7);
    weight.fill(0.25, 0, 32); // an all-positive group: the range still includes 0
    const quantized = quantizeAwqGroups({ weight, rows, cols, groupSize: 32 });
    expect(quantized.q.every((v) => v <= 15)).toBe(true);
    expect(quantized.zeros.every((z) => z <= 15)).toBe(true);
    expect(Array.from(f16ToF32(quantized.scaleBits))).toEqual(Array.from(quantized.scales));
    const deq = dequantizeAwqGroups({ weight: quantized });
    for (let r = 0; r < rows; r++) {
      for (let g = 0; g < cols / 32; g++) {
        const s = quantized.scales[r * 3 + g];
        for (let i = 0; i < 32; i++) {
          const k = r * cols + g * 32 + i;
          expect(Math.abs(deq[k] - weight[k])).toBeLessThanOrEqual(s / 2 + 1e-7 + s * 2 ** -10 * 15);
        }
      }
    }
    // the constant group: s = 0.25/15 rounded to fp16, z = 0, every value at the top level
    expect(quantized.zeros[0]).toBe(0);
    expect(Math.abs(deq[0] - 0.25)).toBeLessThan(quantized.scales[0]);
    // fakeQuantize gives the same values without keeping the levels
    expect(Array.from(fakeQuantizeAwqGroups({ weight, rows, cols, groupSize: 32 }))).toEqual(Array.from(deq));
  });

  it("clipping shrinks the grid of a group with an outlier", () => {
    const weight = new Float32Array(32).map((_, i) => (i - 15.5) / 100);
    weight[3] = 2;
    const plain = quantizeAwqGroups({ weight, rows: 1, cols: 32, groupSize: 32 });
    const clipped = quantizeAwqGroups({ weight, rows: 1, cols: 32, groupSize: 32, clipMax: new Float32Array([0.5]) });
    expect(clipped.scales[0]).toBeLessThan(plain.scales[0]);
    const deq = dequantizeAwqGroups({ weight: clipped });
    expect(deq[3]).toBeLessThanOrEqual(0.5 + clipped.scales[0]);
  });
});

describe("AutoAWQ GEMM packing", () => {
  it("packs 8 outputs per int32 in AWQ_ORDER, transposed to [in, out/8]; scales [in/G, out]", () => {
    // levels q[o][i] = o (mod 16) for input 0: column 0 of qweight packs outputs 0…7 as 0,2,4,6,1,3,5,7
    const rows = 16;
    const cols = 32;
    const q = new Uint8Array(rows * cols);
    for (let o = 0; o < rows; o++) for (let i = 0; i < cols; i++) q[o * cols + i] = (o + i) & 15;
    const zeros = Uint8Array.from({ length: rows }, (_, o) => 15 - o);
    const scaleBits = f32ToF16(Float32Array.from({ length: rows }, (_, o) => 0.001 * (o + 1)));
    const weight = { rows, cols, groupSize: 32, q, zeros, scaleBits, scales: f16ToF32(scaleBits) };
    const packed = packAwqGemm({ weight });
    expect(packed.qweight.length).toBe(cols * (rows / 8));
    expect(packed.qzeros.length).toBe(1 * (rows / 8));
    expect(packed.scales.length).toBe(rows);
    const expectedWord = AWQ_ORDER.reduce<number>((w, o, n) => w | (o << (4 * n)), 0);
    expect(packed.qweight[0]).toBe(expectedWord); // input 0, outputs 0…7: 0x75316420
    expect(packed.qweight[0] >>> 0).toBe(0x75316420);
    // same word for input 1 shifted by one level
    expect(packed.qweight[2] >>> 0).toBe(AWQ_ORDER.reduce<number>((w, o, n) => (w | (((o + 1) & 15) << (4 * n))) >>> 0, 0));
    expect(packed.qzeros[0] >>> 0).toBe(AWQ_ORDER.reduce<number>((w, o, n) => (w | ((15 - o) << (4 * n))) >>> 0, 0));
    expect(Array.from(packed.scales)).toEqual(Array.from(scaleBits));
    const back = unpackAwqGemm({ tensors: packed });
    expect(back.q).toEqual(q);
    expect(back.zeros).toEqual(zeros);
    expect(back.scaleBits).toEqual(scaleBits);
  });

  it("round-trips random weights with group 64", () => {
    const weight = quantizeAwqGroups({ weight: randomWeights(40 * 128, 3), rows: 40, cols: 128, groupSize: 64 });
    const back = unpackAwqGemm({ tensors: packAwqGemm({ weight }) });
    expect(back.q).toEqual(weight.q);
    expect(back.zeros).toEqual(weight.zeros);
    expect(back.scaleBits).toEqual(weight.scaleBits);
  });
});

describe("Q4_1 carrying the AWQ grid", () => {
  for (const groupSize of [32, 64]) {
    it(`group ${groupSize}: ggml's to_float gives (q − z)·s, d = s bit-exactly, m within half an fp16 ulp of −z·s`, async () => {
      const rows = 48;
      const cols = 192;
      const weight = quantizeAwqGroups({ weight: randomWeights(rows * cols, groupSize), rows, cols, groupSize });
      const blocks = awqToQ4_1({ weight });
      expect(blocks.length).toBe(rows * (cols / 32) * 20);
      const ggml = await dequantizeRows({ type: GgmlType.Q4_1, data: blocks, nRows: rows, nPerRow: cols });
      const groups = cols / groupSize;
      let maxRelative = 0;
      for (let r = 0; r < rows; r++) {
        for (let b = 0; b < cols / 32; b++) {
          const g = Math.floor((b * 32) / groupSize);
          const s = weight.scales[r * groups + g];
          const z = weight.zeros[r * groups + g];
          const o = (r * (cols / 32) + b) * 20;
          expect(blocks.readUInt16LE(o)).toBe(weight.scaleBits[r * groups + g]);
          const m = f16ToF32(new Uint16Array([blocks.readUInt16LE(o + 2)]))[0];
          expect(Math.abs(m + z * s)).toBeLessThanOrEqual(halfUlpF16(z * s));
          for (let i = 0; i < 32; i++) {
            const k = r * cols + b * 32 + i;
            const awq = (weight.q[k] - z) * s;
            // ggml: q·d + m in float32
            expect(ggml[k]).toBe(Math.fround(Math.fround(weight.q[k] * s) + m));
            const bound = halfUlpF16(z * s) + 2 ** -23 * (weight.q[k] * s + z * s);
            expect(Math.abs(ggml[k] - awq)).toBeLessThanOrEqual(bound);
            if (z > 0) maxRelative = Math.max(maxRelative, Math.abs(ggml[k] - awq) / s);
          }
        }
      }
      // the bound in steps: under 2⁻¹¹·15 of a quantization step
      expect(maxRelative).toBeLessThan(15 * 2 ** -11);
    });
  }
});
