import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { buildSyntheticConfig } from "./buildSyntheticConfig.js";

const fixtureConfig = JSON.parse(readFileSync(join(tinyFixtureDir(), "config.json"), "utf8")) as Record<string, unknown>;

describe("buildSyntheticConfig", () => {
  it("uses the fixture's (= the real) config.json keys in the same order", () => {
    const config = JSON.parse(buildSyntheticConfig({ preset: "demo" })["config.json"]) as Record<string, unknown>;
    expect(Object.keys(config)).toEqual(Object.keys(fixtureConfig));
    expect(config.quantization_config).toEqual(fixtureConfig.quantization_config);
    // openai/gpt-oss-20b's rope_scaling has no rope_theta inside (the fixture's newer transformers adds it).
    const fixtureRope = { ...(fixtureConfig.rope_scaling as Record<string, unknown>) };
    delete fixtureRope.rope_theta;
    expect(config.rope_scaling).toEqual(fixtureRope);
    for (const key of ["architectures", "hidden_size", "intermediate_size", "head_dim", "num_attention_heads", "num_key_value_heads", "num_local_experts"]) {
      expect(config[key], key).toEqual(fixtureConfig[key]);
    }
    expect(config.layer_types).toEqual(["sliding_attention", "full_attention", "sliding_attention", "full_attention"]);
  });

  it("describes gpt-oss-20b exactly", () => {
    const files = buildSyntheticConfig({ preset: "gpt-oss-20b" });
    const config = JSON.parse(files["config.json"]) as Record<string, unknown>;
    expect(config).toMatchObject({
      architectures: ["GptOssForCausalLM"],
      eos_token_id: 200002,
      pad_token_id: 199999,
      experts_per_token: 4,
      num_experts_per_tok: 4,
      num_local_experts: 32,
      num_hidden_layers: 24,
      hidden_size: 2880,
      intermediate_size: 2880,
      num_attention_heads: 64,
      num_key_value_heads: 8,
      head_dim: 64,
      vocab_size: 201088,
      sliding_window: 128,
      max_position_embeddings: 131072,
      initial_context_length: 4096,
      rope_theta: 150000,
      rope_scaling: { beta_fast: 32, beta_slow: 1, factor: 32, original_max_position_embeddings: 4096, rope_type: "yarn", truncate: false },
      swiglu_limit: 7,
      rms_norm_eps: 1e-5,
      tie_word_embeddings: false,
      quantization_config: { quant_method: "mxfp4" },
    });
    expect((config.layer_types as string[]).length).toBe(24);
    expect((config.layer_types as string[]).filter((t, i) => t !== (i % 2 ? "full_attention" : "sliding_attention"))).toEqual([]);
    expect(JSON.parse(files["generation_config.json"])).toEqual({
      bos_token_id: 199998,
      do_sample: true,
      eos_token_id: [200002, 199999, 200012],
      pad_token_id: 199999,
      transformers_version: "4.55.0.dev0",
    });
  });

  it("writes floats the way Python's json does", () => {
    const text = buildSyntheticConfig({ preset: "gpt-oss-20b" })["config.json"];
    for (const line of ['"attention_dropout": 0.0,', '"rms_norm_eps": 1e-05,', '"beta_fast": 32.0,', '"beta_slow": 1.0,', '"factor": 32.0,', '"swiglu_limit": 7.0,', '"router_aux_loss_coef": 0.9,', '"initializer_range": 0.02,', '"rope_theta": 150000,']) {
      expect(text).toContain(line);
    }
    expect(text.endsWith("}\n")).toBe(true);
  });
});
