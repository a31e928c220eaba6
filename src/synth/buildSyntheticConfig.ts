import { harmonySpecialTokens } from "./harmonySpecialTokens.js";
import { layerTypesOf } from "../arch/gpt-oss/index.js";
import { InvalidInputError } from "../errors.js";
import type { SyntheticPresetName } from "./presets.js";
import { presetWithLayers } from "./presetWithLayers.js";

/**
 * config.json and generation_config.json of a synthetic checkpoint, in openai/gpt-oss-20b's schema: the
 * same keys in the same order (transformers writes them sorted), the same constants (model_type gpt_oss,
 * quantization_config mxfp4 with its modules_to_not_convert, yarn rope_scaling, router_aux_loss_coef,
 * transformers_version 4.55.0.dev0), and the preset's sizes. Token ids follow the preset's special-token
 * placement: eos <|return|>, pad <|endoftext|>, and generation stops on <|return|>, <|endoftext|>, <|call|>.
 *
 * Returns the files' text (two-space indented, trailing newline like transformers' save_pretrained).
 */
export function buildSyntheticConfig(params: { preset: SyntheticPresetName; layers?: number }): Record<"config.json" | "generation_config.json", string> {
  const preset = presetWithLayers(params);
  const specials = new Map(harmonySpecialTokens({ firstId: preset.tokenizer.firstSpecialTokenId }).map((t) => [t.content, t.id]));
  const id = (content: string): number => specials.get(content)!;

  const config = {
    architectures: ["GptOssForCausalLM"],
    attention_bias: true,
    attention_dropout: 0.0,
    eos_token_id: id("<|return|>"),
    experts_per_token: preset.expertsPerToken,
    head_dim: preset.headDim,
    hidden_act: "silu",
    hidden_size: preset.hiddenSize,
    initial_context_length: preset.initialContextLength,
    initializer_range: 0.02,
    intermediate_size: preset.intermediateSize,
    layer_types: layerTypesOf(preset.slidingLayers),
    max_position_embeddings: preset.maxPositionEmbeddings,
    model_type: "gpt_oss",
    num_attention_heads: preset.numAttentionHeads,
    num_experts_per_tok: preset.expertsPerToken,
    num_hidden_layers: preset.numHiddenLayers,
    num_key_value_heads: preset.numKeyValueHeads,
    num_local_experts: preset.numLocalExperts,
    output_router_logits: false,
    pad_token_id: id("<|endoftext|>"),
    quantization_config: {
      modules_to_not_convert: ["model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"],
      quant_method: "mxfp4",
    },
    rms_norm_eps: preset.rmsNormEps,
    rope_scaling: {
      beta_fast: preset.ropeScaling.betaFast,
      beta_slow: preset.ropeScaling.betaSlow,
      factor: preset.ropeScaling.factor,
      original_max_position_embeddings: preset.ropeScaling.originalMaxPositionEmbeddings,
      rope_type: "yarn",
      truncate: false,
    },
    rope_theta: preset.ropeTheta,
    router_aux_loss_coef: 0.9,
    sliding_window: preset.slidingWindow,
    swiglu_limit: preset.swigluLimit,
    tie_word_embeddings: false,
    transformers_version: "4.55.0.dev0",
    use_cache: true,
    vocab_size: preset.vocabSize,
  };
  // a model file that declares its token ids must agree with the special-token placement
  for (const key of ["eos_token_id", "pad_token_id"] as const) {
    if (preset.config[key] !== undefined && preset.config[key] !== config[key]) {
      throw new InvalidInputError(`models/${preset.name}.yaml`, `declares ${JSON.stringify(preset.config[key])}, but synthetic.first_special_token_id ${preset.tokenizer.firstSpecialTokenId} puts it at ${config[key]}`, `config.${key}`);
    }
  }
  const generationConfig = {
    bos_token_id: id("<|startoftext|>"),
    do_sample: true,
    eos_token_id: [id("<|return|>"), id("<|endoftext|>"), id("<|call|>")],
    pad_token_id: id("<|endoftext|>"),
    transformers_version: "4.55.0.dev0",
  };
  return {
    "config.json": pythonStyleJson(config),
    "generation_config.json": pythonStyleJson(generationConfig),
  };
}

/**
 * JSON as Python's json.dumps(indent=2) writes these values: floats keep a decimal point (0.0, 32.0, 7.0,
 * 1e-05), which JSON.stringify would drop ("0", "32", "7", "1e-5"). Readers that compare types (a Python
 * consumer checking `isinstance(x, float)`, a strict schema) then see what the real file has.
 */
function pythonStyleJson(value: object): string {
  const text = JSON.stringify(value, (key, v: unknown) => (typeof v === "number" && FLOAT_KEYS.has(key) ? floatMarker(v) : v), 2);
  return `${text.replace(/"\uE000float:([^"]*)"/g, (_, repr: string) => repr)}\n`;
}

/** Keys whose values transformers stores as Python floats. */
const FLOAT_KEYS = new Set([
  "attention_dropout",
  "initializer_range",
  "rms_norm_eps",
  "beta_fast",
  "beta_slow",
  "factor",
  "router_aux_loss_coef",
  "swiglu_limit",
]);

function floatMarker(value: number): string {
  return `\uE000float:${pythonFloatRepr(value)}`;
}

/** Python's repr of a float: shortest round-trip digits, exponent form below 1e-4 ("1e-05"), ".0" on integers. */
function pythonFloatRepr(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value}.0`;
  const [mantissa, exponentText] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(value);
}
