/** Expert policies on a one-layer gpt-oss-shaped plan (the full plans are checked against llama.cpp elsewhere). */
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import { GgmlType } from "../formats/gguf/ggmlTypes.js";
import { planQuantization, type ExpertPolicy } from "./planQuantization.js";
import { quantizeTypeFromName } from "./recipe/quantizeTypes.js";

const TENSORS = [
  { name: "token_embd.weight", shape: [2880, 201088], type: GgmlType.BF16 },
  { name: "blk.0.attn_q.weight", shape: [2880, 4096], type: GgmlType.BF16 },
  { name: "blk.0.attn_norm.weight", shape: [2880], type: GgmlType.F32 },
  { name: "blk.0.ffn_down_exps.weight", shape: [2880, 2880, 32], type: GgmlType.MXFP4 },
  { name: "blk.0.ffn_down_exps.bias", shape: [2880, 32], type: GgmlType.F32 },
  { name: "output.weight", shape: [2880, 201088], type: GgmlType.BF16 },
];

function plan(type: string, experts: ExpertPolicy, tensors = TENSORS) {
  const result = planQuantization({ tensors, quantizeType: quantizeTypeFromName(type), experts, nExpert: 32, nLayer: 1, where: "model.gguf" });
  return Object.fromEntries(result.tensors.map((t) => [t.name, t.type]));
}

describe("planQuantization", () => {
  it("keep copies the MXFP4 experts; requant sends them through the recipe (ffn_down: Q6_K, which falls back to Q8_0)", () => {
    expect(plan("Q5_K_M", "keep")["blk.0.ffn_down_exps.weight"]).toBe(GgmlType.MXFP4);
    expect(plan("Q5_K_M", "requant")["blk.0.ffn_down_exps.weight"]).toBe(GgmlType.Q8_0);
    for (const experts of ["keep", "requant"] as const) {
      const p = plan("Q5_K_M", experts);
      expect(p["token_embd.weight"]).toBe(GgmlType.Q5_1);
      expect(p["output.weight"]).toBe(GgmlType.Q8_0);
      expect(p["blk.0.attn_norm.weight"]).toBe(GgmlType.F32);
      expect(p["blk.0.ffn_down_exps.bias"]).toBe(GgmlType.F32);
    }
  });

  it("MXFP4_MOE keeps MXFP4 experts under both policies, everything else quantizable at Q8_0", () => {
    for (const experts of ["keep", "requant"] as const) {
      expect(plan("MXFP4_MOE", experts)).toMatchObject({
        "blk.0.ffn_down_exps.weight": GgmlType.MXFP4,
        "token_embd.weight": GgmlType.Q8_0,
        "blk.0.attn_q.weight": GgmlType.Q8_0,
      });
    }
  });

  it("F16/BF16: requant converts the experts (as llama.cpp does); keep still keeps them (llama.cpp would refuse)", () => {
    expect(plan("F16", "requant")["blk.0.ffn_down_exps.weight"]).toBe(GgmlType.F16);
    expect(plan("BF16", "keep")).toMatchObject({ "blk.0.ffn_down_exps.weight": GgmlType.MXFP4, "blk.0.attn_q.weight": GgmlType.BF16 });
  });

  it("keep refuses another already-quantized tensor that would change type, naming it", () => {
    const q8 = TENSORS.map((t) => (t.name === "blk.0.attn_q.weight" ? { ...t, type: GgmlType.Q8_0 } : t));
    expect(() => plan("Q5_K_M", "keep", q8)).toThrow(InvalidInputError);
    expect(() => plan("Q5_K_M", "keep", q8)).toThrow(/model\.gguf: blk\.0\.attn_q\.weight: already quantized as q8_0/);
    expect(plan("Q8_0", "keep", q8)["blk.0.attn_q.weight"]).toBe(GgmlType.Q8_0); // same type: a copy
    expect(plan("Q5_K_M", "requant", q8)["blk.0.attn_q.weight"]).toBe(GgmlType.Q5_1);
  });
});
