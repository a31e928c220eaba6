import { describe, expect, it } from "vitest";
import { buildRopeTable } from "./buildRopeTable.js";
import { computeRopeFrequencies } from "./computeRopeFrequencies.js";

const GPT_OSS_YARN = { theta: 150000, yarn: { factor: 32, originalContextLength: 4096, betaFast: 32, betaSlow: 1, truncate: false } };

describe("computeRopeFrequencies (transformers' _compute_yarn_parameters)", () => {
  it("blends interpolation and extrapolation over the fractional correction range when truncate is false", () => {
    const dim = 64;
    const { invFreq, attentionFactor } = computeRopeFrequencies({ rope: GPT_OSS_YARN, headDim: dim });
    expect(attentionFactor).toBeCloseTo(0.1 * Math.log(32) + 1, 12);
    const correction = (rotations: number) => (dim * Math.log(4096 / (rotations * 2 * Math.PI))) / (2 * Math.log(150000));
    const [low, high] = [correction(32), correction(1)]; // ≈ 8.09 and 17.40 for dim 64
    for (let i = 0; i < dim / 2; i++) {
      const extrapolation = 1 / 150000 ** ((2 * i) / dim);
      const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
      const expected = (extrapolation / 32) * ramp + extrapolation * (1 - ramp);
      expect(invFreq[i] / expected).toBeCloseTo(1, 6);
    }
    expect(invFreq[0]).toBe(1); // pure extrapolation below the range
  });

  it("floors and ceils the range with truncate (transformers' default)", () => {
    const fractional = computeRopeFrequencies({ rope: GPT_OSS_YARN, headDim: 64 }).invFreq;
    const truncated = computeRopeFrequencies({ rope: { ...GPT_OSS_YARN, yarn: { ...GPT_OSS_YARN.yarn, truncate: undefined } }, headDim: 64 }).invFreq;
    expect(truncated[8]).toBe(Math.fround(1 / Math.fround(150000 ** (16 / 64)))); // i = floor(low) = 8 is still pure extrapolation
    expect(truncated[9]).not.toBe(fractional[9]);
  });

  it("is plain RoPE without scaling, and the table scales cos and sin by the attention factor", () => {
    const plain = computeRopeFrequencies({ rope: { theta: 10000 }, headDim: 8 });
    expect(plain.attentionFactor).toBe(1);
    expect(Array.from(plain.invFreq)).toEqual([1, 0.1, 0.01, 0.001].map(Math.fround));
    const frequencies = computeRopeFrequencies({ rope: GPT_OSS_YARN, headDim: 32 });
    const table = buildRopeTable({ frequencies, length: 3 });
    expect(table.cos[0]).toBeCloseTo(frequencies.attentionFactor, 6);
    expect(table.sin[0]).toBe(0);
    expect(table.cos[16] ** 2 + table.sin[16] ** 2).toBeCloseTo(frequencies.attentionFactor ** 2, 5);
  });
});
