import { describe, expect, it } from "vitest";
import { createOrtMatmulBackend } from "../calib/createOrtMatmulBackend.js";
import { createPlainMatmulBackend } from "../calib/createPlainMatmulBackend.js";
import type { MatmulBackend } from "../calib/matmulBackend.js";
import { mulberry32 } from "../util/mulberry32.js";
import { addLinearInputRows } from "./addLinearInputRows.js";
import { completeGram, createLinearInputStatistics } from "./linearInputStatistics.js";

/** XᵀX in float64, entry by entry: the reference the staircase product must reproduce. */
function referenceGram(x: Float32Array, n: number, cols: number): Float64Array {
  const g = new Float64Array(cols * cols);
  for (let r = 0; r < n; r++) for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) g[i * cols + j] += x[r * cols + i] * x[r * cols + j];
  return g;
}

async function checkStaircase(backend: MatmulBackend): Promise<void> {
  // 300 columns: blocks of 64 rows (the last of 44), so every part of the staircase is exercised
  const cols = 300;
  const next = mulberry32(15);
  const calls = [70, 33].map((n) => ({ n, x: Float32Array.from({ length: n * cols }, () => next() * 2 - 1) }));
  const products: Array<{ n: number; m: number; k: number }> = [];
  const counting: MatmulBackend = {
    ...backend,
    name: backend.name,
    matmulBias: (p) => {
      products.push({ n: p.n, m: p.m, k: p.k });
      return backend.matmulBias(p);
    },
  };
  const stats = createLinearInputStatistics({ cols });
  for (const { x, n } of calls) await addLinearInputRows({ stats, x, n, backend: counting });
  const expected = referenceGram(calls[0].x, calls[0].n, cols);
  const second = referenceGram(calls[1].x, calls[1].n, cols);
  for (let i = 0; i < expected.length; i++) expected[i] += second[i];
  let worst = 0;
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < cols; j++) {
      worst = Math.max(worst, Math.abs(stats.gram![i * cols + j] - expected[i * cols + j]));
      // exactly symmetric: the lower triangle is the mirrored upper one
      expect(stats.gram![i * cols + j]).toBe(stats.gram![j * cols + i]);
    }
  }
  // float32 products of 70 terms of magnitude ≤ 1, against float64 sums
  expect(worst).toBeLessThan(1e-4);
  expect(stats.count).toBe(103);
  // the products cover the upper staircase only: 5 blocks per call, fewer multiply-adds than the full product
  expect(products.map((p) => [p.n, p.m])).toEqual([...[[64, 300], [64, 236], [64, 172], [64, 108], [44, 44]], ...[[64, 300], [64, 236], [64, 172], [64, 108], [44, 44]]]);
  const madds = products.slice(0, 5).reduce((s, p) => s + p.n * p.m * p.k, 0);
  expect(madds / (cols * cols * 70)).toBeCloseTo((64 * (300 + 236 + 172 + 108) + 44 * 44) / (300 * 300), 10);
  expect(madds / (cols * cols * 70)).toBeLessThan(0.62);
}

describe("addLinearInputRows: the Gram as a staircase of products", () => {
  it("matches XᵀX computed entry by entry, symmetric, with ~60% of the multiply-adds (plain backend)", async () => {
    await checkStaircase(createPlainMatmulBackend());
  });

  it("upper triangle only, completed once (completeGram): the same Gram", async () => {
    const backend = createPlainMatmulBackend();
    const cols = 300;
    const next = mulberry32(16);
    const x = Float32Array.from({ length: 90 * cols }, () => next() * 2 - 1);
    const full = createLinearInputStatistics({ cols });
    const upper = createLinearInputStatistics({ cols });
    for (const at of [0, 50]) {
      const n = at === 0 ? 50 : 40;
      await addLinearInputRows({ stats: full, x: x.subarray(at * cols), n, backend });
      await addLinearInputRows({ stats: upper, x: x.subarray(at * cols), n, backend, upperOnly: true });
    }
    expect(upper.upperOnly).toBe(true);
    completeGram(upper);
    expect(upper.upperOnly).toBe(false);
    expect(Buffer.from(upper.gram!.buffer)).toEqual(Buffer.from(full.gram!.buffer));
  });

  it("the same through onnxruntime, whose tensors view subarrays of the transposed rows", async () => {
    const backend = await createOrtMatmulBackend({ intraOpNumThreads: 1 });
    try {
      await checkStaircase(backend);
    } finally {
      await backend.dispose();
    }
  });
});
