import { describe, expect, it } from "vitest";
import { parameterBreakdown } from "./parameterCount.js";

describe("parameterBreakdown", () => {
  it("matches the model card figures for gpt-oss-20b", () => {
    const b = parameterBreakdown({ nLayers: 24, hidden: 2880, expertFfn: 2880, nHeads: 64, nKvHeads: 8, headDim: 64, nExperts: 32, vocabSize: 201088 });
    expect(b.total).toBe(20_914_757_184);
    expect((b.embeddings + b.output) / 1e9).toBeCloseTo(1.16, 2);
    expect(b.attention / 1e9).toBeCloseTo(0.64, 2);
    expect(b.experts / 1e9).toBeCloseTo(19.11, 1);
  });

  it("matches the tiny fixture's count", () => {
    const b = parameterBreakdown({ nLayers: 8, hidden: 288, expertFfn: 288, nHeads: 16, nKvHeads: 2, headDim: 32, nExperts: 8, vocabSize: 4096 });
    expect(b.total).toBe(21_024_992);
  });
});
