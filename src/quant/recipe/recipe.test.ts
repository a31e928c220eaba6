/**
 * The recipe's pieces on their own, with the values read off llama-quant.cpp. (The whole plan is
 * checked against llama.cpp itself in planQuantization.fullShape.test.ts and the oracle tests.)
 */
import { describe, expect, it } from "vitest";
import { GgmlType } from "../../formats/gguf/ggmlTypes.js";
import { llamaQuantizeTensorOrder } from "./llamaQuantizeTensorOrder.js";
import { planTensorTypes } from "./planTensorTypes.js";
import { quantizeTypeFromName } from "./quantizeTypes.js";
import { useMoreBits } from "./recipeRules.js";
import { tensorAllowsQuantization } from "./tensorAllowsQuantization.js";
import { tensorCategory } from "./tensorCategory.js";
import { tensorTypeFallback } from "./tensorTypeFallback.js";

describe("recipe pieces", () => {
  it("fallback for rows of 2880 (gpt-oss) and of 2816", () => {
    const fall = (type: GgmlType, ne0 = 2880) => tensorTypeFallback({ name: "t", ne0, type });
    expect(fall(GgmlType.Q5_K)).toEqual({ type: GgmlType.Q5_1, fellBack: true });
    expect(fall(GgmlType.Q4_K)).toEqual({ type: GgmlType.Q5_0, fellBack: true });
    expect(fall(GgmlType.Q6_K)).toEqual({ type: GgmlType.Q8_0, fellBack: true });
    expect(fall(GgmlType.Q3_K)).toEqual({ type: GgmlType.Q4_0, fellBack: true });
    expect(fall(GgmlType.IQ4_XS)).toEqual({ type: GgmlType.IQ4_NL, fellBack: true });
    expect(fall(GgmlType.Q8_0)).toEqual({ type: GgmlType.Q8_0, fellBack: false });
    expect(fall(GgmlType.MXFP4)).toEqual({ type: GgmlType.MXFP4, fellBack: false });
    expect(fall(GgmlType.Q5_K, 4096)).toEqual({ type: GgmlType.Q5_K, fellBack: false });
    // not even a multiple of 32: F16
    expect(fall(GgmlType.Q5_K, 2888)).toEqual({ type: GgmlType.F16, fellBack: true });
    expect(fall(GgmlType.Q8_0, 2888)).toEqual({ type: GgmlType.F16, fellBack: true });
  });

  it("categories: ffn_up before ffn_gate before ffn_down; exact output and token_embd names", () => {
    expect(tensorCategory("output.weight")).toBe("OUTPUT");
    expect(tensorCategory("token_embd.weight")).toBe("TOKEN_EMBD");
    expect(tensorCategory("blk.3.attn_v.weight")).toBe("ATTENTION_V");
    expect(tensorCategory("blk.3.attn_v.bias")).toBe("OTHER");
    expect(tensorCategory("blk.3.ffn_gate_inp.weight")).toBe("FFN_GATE");
    expect(tensorCategory("blk.3.ffn_up_exps.weight")).toBe("FFN_UP");
    expect(tensorCategory("blk.3.ffn_down_exps.bias")).toBe("FFN_DOWN");
    expect(tensorCategory("blk.3.attn_sinks.weight")).toBe("OTHER");
  });

  it("never quantized: 1-D tensors, biases, norms, the router", () => {
    const allows = (name: string, shape: number[]) => tensorAllowsQuantization({ name, shape });
    expect(allows("blk.0.attn_q.weight", [2880, 4096])).toBe(true);
    expect(allows("blk.0.ffn_down_exps.weight", [2880, 2880, 32])).toBe(true);
    expect(allows("blk.0.attn_sinks.weight", [64])).toBe(false);
    expect(allows("blk.0.ffn_down_exps.bias", [2880, 32])).toBe(false);
    expect(allows("blk.0.attn_norm.weight", [2880])).toBe(false);
    expect(allows("blk.0.ffn_gate_inp.weight", [2880, 32])).toBe(false);
    expect(allows("blk.0.attn_q.weight", [2880, 1])).toBe(false); // ggml_n_dims ignores trailing 1s
  });

  it("use_more_bits for 24 layers: the first and last 3, then every third", () => {
    const layers = Array.from({ length: 24 }, (_, i) => i).filter((i) => useMoreBits(i, 24));
    expect(layers).toEqual([0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23]);
  });

  it("llama-quantize's order: global tensors first, then by layer number, then by name", () => {
    const names = ["blk.10.attn_q.weight", "token_embd.weight", "blk.2.attn_v.weight", "blk.2.attn_k.weight", "output.weight"];
    expect(llamaQuantizeTensorOrder(names.map((name) => ({ name }))).map((t) => t.name)).toEqual([
      "output.weight", "token_embd.weight", "blk.2.attn_k.weight", "blk.2.attn_v.weight", "blk.10.attn_q.weight",
    ]);
  });

  it("n_expert == 8 puts attn_v and attn_k at Q8_0 and Q4_K_M attn_output at Q5_K; 32 experts do not", () => {
    const tensors = [
      { name: "blk.0.attn_k.weight", shape: [4096, 512], type: GgmlType.BF16 },
      { name: "blk.0.attn_v.weight", shape: [4096, 512], type: GgmlType.BF16 },
      { name: "blk.0.attn_output.weight", shape: [4096, 4096], type: GgmlType.BF16 },
      { name: "blk.0.ffn_down_exps.weight", shape: [4096, 4096, 8], type: GgmlType.MXFP4 },
    ];
    const plan = (nExpert: number) =>
      Object.fromEntries(planTensorTypes({ tensors, quantizeType: quantizeTypeFromName("Q4_K_M"), nExpert, nLayer: 24 }).map((t) => [t.name, t.type]));
    expect(plan(8)).toEqual({
      "blk.0.attn_k.weight": GgmlType.Q8_0,
      "blk.0.attn_v.weight": GgmlType.Q8_0,
      "blk.0.attn_output.weight": GgmlType.Q5_K,
      "blk.0.ffn_down_exps.weight": GgmlType.Q6_K,
    });
    expect(plan(32)).toEqual({
      "blk.0.attn_k.weight": GgmlType.Q4_K,
      "blk.0.attn_v.weight": GgmlType.Q6_K,
      "blk.0.attn_output.weight": GgmlType.Q4_K,
      "blk.0.ffn_down_exps.weight": GgmlType.Q6_K,
    });
  });
});
