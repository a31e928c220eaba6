import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrtMatmulBackend } from "./createOrtMatmulBackend.js";
import { createPlainMatmulBackend, plainMatmulBias } from "./createPlainMatmulBackend.js";
import type { MatmulBackend } from "./matmulBackend.js";

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

/** Textbook triple loop in float64: the oracle. */
function naive(x: Float32Array, n: number, k: number, w: Float32Array, m: number, bias?: Float32Array): Float64Array {
  const y = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = bias ? bias[j] : 0;
    for (let p = 0; p < k; p++) s += x[i * k + p] * w[j * k + p];
    y[i * m + j] = s;
  }
  return y;
}

// Shapes with remainders in every blocked dimension, a single row, and the fixture's real shapes.
const SHAPES: Array<[number, number, number]> = [[1, 1, 1], [1, 288, 576], [7, 13, 5], [9, 32, 363], [64, 288, 512], [130, 512, 288]];

describe("matmul backends", () => {
  let ort: MatmulBackend;
  beforeAll(async () => {
    ort = await createOrtMatmulBackend();
  });
  afterAll(() => ort.dispose());

  for (const [n, k, m] of SHAPES) {
    it(`x[${n},${k}] · W[${m},${k}]ᵀ + b: plain and onnxruntime-node match the float64 oracle`, async () => {
      const x = random(n * k, n * 7 + k);
      const w = random(m * k, m * 13 + k);
      const bias = random(m, m);
      for (const b of [bias, undefined]) {
        const expected = naive(x, n, k, w, m, b);
        for (const backend of [createPlainMatmulBackend(), ort]) {
          const y = await backend.matmulBias({ x, n, k, weight: w, m, bias: b });
          expect(y.length).toBe(n * m);
          // float32 accumulation error grows like sqrt(k) ulps of the terms (each |term| ≤ 1)
          const tolerance = 4e-7 * Math.sqrt(k) * 4;
          let worst = 0;
          for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - expected[i]));
          expect(worst, backend.name).toBeLessThanOrEqual(tolerance);
        }
      }
    });
  }

  it("reads only the first n·k values of a subarray view", async () => {
    const big = random(100, 3);
    const x = big.subarray(10, 10 + 2 * 3);
    const w = random(4 * 3, 5);
    const expected = plainMatmulBias({ x: x.slice(), n: 2, k: 3, weight: w, m: 4 });
    const viaOrt = await ort.matmulBias({ x, n: 2, k: 3, weight: w, m: 4 });
    viaOrt.forEach((v, i) => { expect(v).toBeCloseTo(expected[i], 6); });
  });

  it("handles empty products and refuses short arrays", async () => {
    for (const backend of [createPlainMatmulBackend(), ort]) {
      expect((await backend.matmulBias({ x: new Float32Array(0), n: 0, k: 4, weight: random(8, 1), m: 2 })).length).toBe(0);
      await expect(backend.matmulBias({ x: new Float32Array(3), n: 1, k: 4, weight: random(8, 1), m: 2 })).rejects.toThrow(RangeError);
    }
  });
});
