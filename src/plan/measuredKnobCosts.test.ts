import { describe, expect, it } from "vitest";
import { type KnobCost, knobCost, MEASURED_KNOB_COSTS } from "./measuredKnobCosts.js";

const byKnob = (costs: KnobCost[], knob: KnobCost["knob"]) => costs.find((c) => c.knob === knob)!;
const klOf = (c: KnobCost) => (c.measured ? c.meanKl : undefined);

describe("MEASURED_KNOB_COSTS", () => {
  it("holds the quantization settings scripts/fit-knob-costs.mjs measures, each once", () => {
    const quant = MEASURED_KNOB_COSTS.filter((r) => r.knob === "quant").map((r) => r.setting);
    expect(quant).toEqual([
      "Q8_0, experts keep",
      "Q6_K, experts keep",
      "Q5_K_M, experts keep",
      "Q4_K_M, experts keep",
      "MXFP4_MOE, experts keep",
      "Q8_0, experts requant",
      "Q5_K_M, experts requant",
      "Q4_K_M, experts requant",
    ]);
  });

  it("every row is a plausible measurement: interval around the mean, top-1 a share, a source", () => {
    for (const r of MEASURED_KNOB_COSTS) {
      expect(r.kl.mean, r.setting).toBeGreaterThan(0);
      if (r.kl.ci95) {
        expect(r.kl.ci95[0], r.setting).toBeLessThan(r.kl.mean);
        expect(r.kl.ci95[1], r.setting).toBeGreaterThan(r.kl.mean);
      }
      const s = r.kl.sequenceMean;
      expect(s.ci95[0] < s.mean && s.mean < s.ci95[1], r.setting).toBe(true);
      expect(r.top1 > 0 && r.top1 <= 1, r.setting).toBe(true);
      expect(r.source.script, r.setting).toMatch(/^scripts\/.+\.mjs$/);
    }
  });

  it("matches docs/quality.md's quantized-variant section where both measured the same thing (16384 positions)", () => {
    // "Quantized variants of the fixture vs BF16": 1.340e-2, 1.600e-2, 2.359e-3; top-1 98.4%, 98.1%, 99.4%
    const row = (setting: string) => MEASURED_KNOB_COSTS.find((r) => r.setting === setting)!;
    expect(row("Q5_K_M, experts keep").kl.mean).toBe(1.34e-2);
    expect(row("Q5_K_M, experts requant").kl.mean).toBe(1.6e-2);
    expect(row("MXFP4_MOE, experts keep").kl.mean).toBe(2.359e-3);
    expect(row("Q5_K_M, experts keep").top1).toBeCloseTo(0.984, 3);
  });
});

describe("knobCost", () => {
  it("the unpruned Q5_K_M with an f16 cache: the quant row, the other two knobs are the reference (0)", () => {
    const costs = knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 1, kvCacheType: "f16" });
    expect(costs.map((c) => c.knob)).toEqual(["quant", "experts-kept", "kv-cache"]);
    expect(costs.every((c) => c.measured)).toBe(true);
    expect(costs.map(klOf)).toEqual([1.34e-2, 0, 0]);
    const quant = byKnob(costs, "quant");
    expect(quant.measured && quant.ci95).toEqual([1.177e-2, 1.503e-2]);
    expect(quant.measured && quant.note).toMatch(/full size: attn_k Q8_0 here, Q5_1 at full size/);
  });

  it("MXFP4_MOE: the same tensors as Q8_0 with the experts kept, and requant copies the experts too", () => {
    const mx = byKnob(knobCost({ quantType: "MXFP4_MOE", experts: "keep", expertShareKept: 1, kvCacheType: "f16" }), "quant");
    const q8 = byKnob(knobCost({ quantType: "Q8_0", experts: "keep", expertShareKept: 1, kvCacheType: "f16" }), "quant");
    const mxRequant = byKnob(knobCost({ quantType: "MXFP4_MOE", experts: "requant", expertShareKept: 1, kvCacheType: "f16" }), "quant");
    expect(klOf(mx)).toBe(2.359e-3);
    expect(klOf(q8)).toBe(2.359e-3);
    expect(klOf(mxRequant)).toBe(2.359e-3);
    expect(mxRequant.measured && mxRequant.note).toMatch(/same file as experts keep/);
    // requantizing to Q8_0 is measured separately, and is not closer
    expect(klOf(byKnob(knobCost({ quantType: "Q8_0", experts: "requant", expertShareKept: 1, kvCacheType: "f16" }), "quant"))).toBe(2.604e-3);
  });

  it("BF16 with the experts kept is the reference; settings never measured say so and carry no number", () => {
    expect(klOf(byKnob(knobCost({ quantType: "BF16", experts: "keep", expertShareKept: 1, kvCacheType: "f16" }), "quant"))).toBe(0);
    for (const [quantType, experts] of [
      ["Q4_K_S", "keep"],
      ["Q5_K_S", "requant"],
      ["Q6_K", "requant"],
      ["F16", "keep"],
      ["BF16", "requant"],
    ] as const) {
      const c = byKnob(knobCost({ quantType, experts, expertShareKept: 1, kvCacheType: "f16" }), "quant");
      expect(c.measured, `${quantType} ${experts}`).toBe(false);
      expect(!c.measured && c.why).toMatch(/was not measured on the fixture/);
      expect("meanKl" in c).toBe(false);
    }
  });

  it("expert shares 0.75 and 0.5 by REAP (the default), frequency or REAP × frequency", () => {
    const at = (share: number, sel?: "reap" | "frequency" | "reap-sum") =>
      byKnob(knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: share, kvCacheType: "f16", expertSelection: sel }), "experts-kept");
    expect(klOf(at(0.75))).toBe(0.584);
    expect(klOf(at(0.5))).toBe(2.475);
    expect(klOf(at(0.75, "frequency"))).toBe(0.351);
    expect(klOf(at(0.5, "reap-sum"))).toBe(1.228);
    // the pruning tables report no interval for the per-position mean: none is made up
    const reap = at(0.75);
    expect(reap.measured && reap.ci95).toBeUndefined();
    expect(reap.measured && reap.row?.kl.sequenceMean.ci95).toEqual([0.516, 0.627]);
    // 24 of 32 experts is the same share as 6 of 8
    expect(klOf(at(24 / 32))).toBe(0.584);
  });

  it("a share between measured points is not interpolated: unmeasured, with the nearest measured row", () => {
    // gpt-oss-20b's pruned-15b keeps 22 of 32 experts: 0.6875, nearest measured 0.75
    const c = byKnob(knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 22 / 32, kvCacheType: "f16" }), "experts-kept");
    expect(c.measured).toBe(false);
    expect(!c.measured && c.nearest?.kl.mean).toBe(0.584);
    expect(!c.measured && c.why).toMatch(/expert share 0.6875 was not measured.*nearest, 0.75/);
    expect("meanKl" in c).toBe(false);
    // halfway between 0.75 and 0.5: the costlier neighbour
    const tie = byKnob(knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 0.625, kvCacheType: "f16" }), "experts-kept");
    expect(!tie.measured && tie.nearest?.kl.mean).toBe(2.475);
    // below every measured share
    const low = byKnob(knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 0.25, kvCacheType: "f16" }), "experts-kept");
    expect(!low.measured && low.nearest?.setting).toBe("4 of 8 experts per layer (REAP)");
  });

  it("KV cache: q8_0 and q4_0 against the same weights with f16, measured on Q5_K_M; others unmeasured", () => {
    const kv = (kvCacheType: "q8_0" | "q4_0" | "q5_0" | "bf16") => byKnob(knobCost({ quantType: "Q4_K_M", experts: "keep", expertShareKept: 1, kvCacheType }), "kv-cache");
    const q8 = kv("q8_0");
    expect(klOf(q8)).toBe(3.194e-3);
    expect(q8.measured && q8.note).toMatch(/measured on Q5_K_M weights only/);
    expect(klOf(kv("q4_0"))).toBe(6.087e-2);
    expect(kv("q5_0").measured).toBe(false);
    expect(kv("bf16").measured).toBe(false);
  });

  it("heads: a measured combination replaces the two entries; an unmeasured one keeps both, said so", () => {
    const both = knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 0.75, headShareKept: 0.75, kvCacheType: "f16" });
    expect(both.map((c) => c.knob)).toEqual(["quant", "experts+heads-kept", "kv-cache"]);
    expect(klOf(both[1])).toBe(2.52);
    const apart = knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 0.5, headShareKept: 0.75, kvCacheType: "f16" });
    expect(apart.map((c) => c.knob)).toEqual(["quant", "experts-kept", "heads-kept", "kv-cache"]);
    expect(apart.map(klOf)).toEqual([1.34e-2, 2.475, 1.883, 0]);
    expect(apart[2].measured && apart[2].note).toMatch(/not measured together/);
    // heads alone, and all heads kept
    expect(klOf(byKnob(knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 1, headShareKept: 0.75, kvCacheType: "f16" }), "heads-kept"))).toBe(1.883);
    expect(klOf(byKnob(knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 1, headShareKept: 1, kvCacheType: "f16" }), "heads-kept"))).toBe(0);
  });

  it("refuses shares outside (0, 1]", () => {
    expect(() => knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 0, kvCacheType: "f16" })).toThrow(RangeError);
    expect(() => knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 1.5, kvCacheType: "f16" })).toThrow(RangeError);
    expect(() => knobCost({ quantType: "Q5_K_M", experts: "keep", expertShareKept: 1, headShareKept: Number.NaN, kvCacheType: "f16" })).toThrow(RangeError);
  });
});
