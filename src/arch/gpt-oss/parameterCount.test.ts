import { describe, expect, it } from "vitest";
import { activeParameterCount, parameterBreakdown } from "./parameterCount.js";

describe("parameterBreakdown", () => {
  it("matches the model card figures for gpt-oss-20b", () => {
    const b = parameterBreakdown({ nLayers: 24, hidden: 2880, expertFfn: 2880, nHeads: 64, nKvHeads: 8, headDim: 64, nExperts: 32, vocabSize: 201088 });
    expect(b.total).toBe(20_914_757_184);
    expect((b.embeddings + b.output) / 1e9).toBeCloseTo(1.16, 2);
    expect(b.attention / 1e9).toBeCloseTo(0.64, 2);
    expect(b.experts / 1e9).toBeCloseTo(19.11, 1);
  });

  it("counts gpt-oss-20b's active parameters as the model card does (3.61B)", () => {
    const active = activeParameterCount({ nLayers: 24, hidden: 2880, expertFfn: 2880, nHeads: 64, nKvHeads: 8, headDim: 64, nExperts: 32, nExpertsUsed: 4, vocabSize: 201088 });
    expect(active).toBe(3_608_307_264);
  });

  it("matches the model card figures for gpt-oss-120b (116.83B total, 5.13B active)", () => {
    const hp = { nLayers: 36, hidden: 2880, expertFfn: 2880, nHeads: 64, nKvHeads: 8, headDim: 64, nExperts: 128, nExpertsUsed: 4, vocabSize: 201088 };
    const b = parameterBreakdown(hp);
    expect(b.total).toBe(116_829_156_672);
    expect(b.total / 1e9).toBeCloseTo(116.83, 2);
    expect(b.experts / 1e9).toBeCloseTo(114.7, 1);
    expect(activeParameterCount(hp)).toBe(5_132_849_472);
    expect(activeParameterCount(hp) / 1e9).toBeCloseTo(5.13, 2);
  });

  it("matches the tiny fixture's count", () => {
    const b = parameterBreakdown({ nLayers: 8, hidden: 288, expertFfn: 288, nHeads: 16, nKvHeads: 2, headDim: 32, nExperts: 8, vocabSize: 4096 });
    expect(b.total).toBe(21_024_992);
  });
});
