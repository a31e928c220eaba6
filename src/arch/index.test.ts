import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.js";
import { archFamilyOf, FAMILIES, parseModelConfig } from "./index.js";

const base = {
  num_hidden_layers: 2, hidden_size: 64, intermediate_size: 64, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16,
  num_local_experts: 4, num_experts_per_tok: 2, vocab_size: 128, max_position_embeddings: 4096, rope_theta: 150000,
};

describe("the model-family registry", () => {
  it("picks gpt-oss by model_type or by architectures", () => {
    expect(archFamilyOf({ config: { ...base, model_type: "gpt_oss" }, file: "c.json" }).id).toBe("gpt-oss");
    expect(archFamilyOf({ config: { ...base, architectures: ["GptOssForCausalLM"] }, file: "c.json" }).id).toBe("gpt-oss");
    const { family, hp } = parseModelConfig({ config: { ...base, model_type: "gpt_oss" }, file: "c.json" });
    expect(family).toBe(FAMILIES[0]);
    expect(hp.slidingLayers).toEqual([true, false]);
  });

  it("refuses an unknown family with the file and key named", () => {
    let error: unknown;
    try {
      archFamilyOf({ config: { ...base, model_type: "llama", architectures: ["LlamaForCausalLM"] }, file: "x/config.json" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String((error as Error).message)).toMatch(/x\/config\.json.*model_type.*unknown model family.*"llama".*gpt-oss/s);
    expect(() => archFamilyOf({ config: [], file: "y.json" })).toThrow(InvalidInputError);
  });
});
