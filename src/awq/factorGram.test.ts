import { describe, expect, it } from "vitest";
import { createPlainMatmulBackend } from "../calib/createPlainMatmulBackend.js";
import { mulberry32 } from "../util/mulberry32.js";
import { factorGram } from "./factorGram.js";
import { outputErrorLoss } from "./outputErrorLoss.js";
import { symmetricEigen } from "./symmetricEigen.js";

const backend = createPlainMatmulBackend();

/** XᵀX of rows with a few dominant directions (as activations have) plus isotropic noise. */
function gramOf(params: { tokens: number; cols: number; spikes: number; seed: number }): Float64Array {
  const { tokens, cols, spikes } = params;
  const next = mulberry32(params.seed);
  const directions = Array.from({ length: spikes }, () => Array.from({ length: cols }, () => next() - 0.5));
  const gram = new Float64Array(cols * cols);
  const x = new Float64Array(cols);
  for (let t = 0; t < tokens; t++) {
    for (let c = 0; c < cols; c++) x[c] = (next() - 0.5) * 0.2;
    directions.forEach((d, i) => {
      const a = (next() - 0.5) * 20 / (i + 1);
      for (let c = 0; c < cols; c++) x[c] += a * d[c];
    });
    for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) gram[i * cols + j] += x[i] * x[j];
  }
  return gram;
}

/** outputErrorLoss through the factor, for a Gram of `count` tokens. */
function factoredLoss(params: { delta: Float32Array; rows: number; gram: Awaited<ReturnType<typeof factorGram>>; count: number; rowWeights?: Float64Array }): Promise<number> {
  const { cols } = params.gram;
  const stats = { cols, count: params.count, sumAbs: new Float64Array(cols), sum: new Float64Array(cols), keepRows: false };
  return outputErrorLoss({ delta: params.delta, rows: params.rows, stats, factored: params.gram, rowWeights: params.rowWeights, backend });
}

async function exactLoss(delta: Float32Array, rows: number, gram: Float64Array, cols: number, count: number): Promise<number> {
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      let gi = 0;
      for (let j = 0; j < cols; j++) gi += gram[i * cols + j] * delta[r * cols + j];
      sum += delta[r * cols + i] * gi;
    }
  }
  return sum / count;
}

describe("symmetricEigen", () => {
  it("reconstructs a symmetric matrix, eigenvalues descending", () => {
    const n = 12;
    const next = mulberry32(3);
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m[i * n + j] = m[j * n + i] = next() - 0.5;
    const { values, vectors } = symmetricEigen({ matrix: m, n });
    for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let k = 0; k < n; k++) v += vectors[i * n + k] * values[k] * vectors[j * n + k];
        expect(v).toBeCloseTo(m[i * n + j], 10);
      }
    }
  });
});

describe("factorGram + outputErrorLoss({ factored })", () => {
  it("is exact when the factor holds the whole trace", async () => {
    const cols = 48;
    const gram = gramOf({ tokens: 400, cols, spikes: 3, seed: 1 });
    const factored = await factorGram({ gram, cols, rank: cols, backend });
    expect(factored.captured).toBeCloseTo(1, 5);
    const next = mulberry32(9);
    const delta = Float32Array.from({ length: 5 * cols }, () => next() - 0.5);
    const exact = await exactLoss(delta, 5, gram, cols, 400);
    expect(await factoredLoss({ delta, rows: 5, gram: factored, count: 400 })).toBeCloseTo(exact, 3);
  });

  it("with a rank far below the width, stays within 2% of the exact loss for quantization-like errors", async () => {
    const cols = 128;
    const gram = gramOf({ tokens: 600, cols, spikes: 6, seed: 2 });
    const factored = await factorGram({ gram, cols, rank: 16, backend });
    expect(factored.captured).toBeGreaterThan(0.9);
    const next = mulberry32(11);
    for (let trial = 0; trial < 5; trial++) {
      const delta = Float32Array.from({ length: 8 * cols }, () => (next() - 0.5) * 0.01);
      const exact = await exactLoss(delta, 8, gram, cols, 600);
      const approx = await factoredLoss({ delta, rows: 8, gram: factored, count: 600 });
      expect(Math.abs(approx / exact - 1)).toBeLessThan(0.02);
    }
  });

  it("weights each row's error as the exact loss does", async () => {
    const cols = 40;
    const gram = gramOf({ tokens: 300, cols, spikes: 2, seed: 5 });
    const factored = await factorGram({ gram, cols, rank: cols, backend });
    const next = mulberry32(13);
    const delta = Float32Array.from({ length: 3 * cols }, () => next() - 0.5);
    const rowWeights = Float64Array.of(0.5, 2, 7);
    let exact = 0;
    for (let r = 0; r < 3; r++) exact += rowWeights[r] * (await exactLoss(delta.subarray(r * cols, (r + 1) * cols), 1, gram, cols, 300));
    expect(await factoredLoss({ delta, rows: 3, gram: factored, count: 300, rowWeights })).toBeCloseTo(exact, 3);
  });
});
