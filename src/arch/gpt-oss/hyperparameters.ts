/**
 * gpt-oss hyperparameters from a checkpoint's config.json. Accepts the real checkpoint's schema
 * (`rope_scaling` + `rope_theta`) and transformers v5's `rope_parameters`. Anything that is not a
 * gpt-oss config is refused with the file and key named, rather than converted into garbage.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import { decodeUtf8Strict, readDataFile } from "../../util/readTextStrict.js";

export interface GptOssRope {
  theta: number;
  /** YaRN parameters; absent when the config has no scaling. */
  yarn?: {
    factor: number;
    originalContextLength: number;
    betaFast?: number;
    betaSlow?: number;
    attentionFactor?: number;
    extrapolationFactor?: number;
    truncate?: boolean;
  };
}

export interface GptOssHyperparameters {
  nLayers: number;
  hidden: number;
  /** Expert FFN width (intermediate_size). */
  expertFfn: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  nExperts: number;
  nExpertsUsed: number;
  vocabSize: number;
  slidingWindow: number;
  /** Per layer: true where attention is sliding-window. */
  slidingLayers: boolean[];
  rmsNormEps: number;
  swigluLimit: number;
  maxPositionEmbeddings: number;
  initialContextLength?: number;
  rope: GptOssRope;
  tieWordEmbeddings: boolean;
  /** The raw config.json object (the converter reads a few extra keys from it). */
  raw: Record<string, unknown>;
}

/**
 * gpt-oss's attention pattern when config.json has no layer_types: sliding and full attention
 * alternate, starting with sliding (llama.cpp: swa pattern 2, every even layer is sliding-window).
 */
export function defaultSlidingLayers(nLayers: number): boolean[] {
  return Array.from({ length: nLayers }, (_, i) => i % 2 === 0);
}

/** config.json's layer_types for a layer pattern. */
export function layerTypesOf(slidingLayers: readonly boolean[]): string[] {
  return slidingLayers.map((s) => (s ? "sliding_attention" : "full_attention"));
}

export async function readGptOssConfig(params: { dir: string }): Promise<GptOssHyperparameters> {
  const file = join(params.dir, "config.json");
  if (!existsSync(file)) throw new InvalidInputError(file, "missing: a checkpoint directory needs config.json");
  // a regular file, strict UTF-8: a FIFO named config.json would block a plain read forever
  const text = decodeUtf8Strict(await readDataFile(file), file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(file, `invalid JSON: ${(error as Error).message}`);
  }
  return parseGptOssConfig({ config: raw, file });
}

export function parseGptOssConfig(params: { config: unknown; file: string }): GptOssHyperparameters {
  const { file } = params;
  if (params.config === null || typeof params.config !== "object" || Array.isArray(params.config)) {
    throw new InvalidInputError(file, "expected a JSON object");
  }
  const c = params.config as Record<string, unknown>;
  const architectures = c.architectures;
  const isGptOss =
    c.model_type === "gpt_oss" || (Array.isArray(architectures) && architectures.includes("GptOssForCausalLM"));
  if (!isGptOss) {
    throw new InvalidInputError(
      file,
      `not a gpt-oss config (model_type ${JSON.stringify(c.model_type)}, architectures ${JSON.stringify(architectures)}); oss-prep supports GptOssForCausalLM`,
      "model_type",
    );
  }
  const int = (key: string, min = 1): number => {
    const v = c[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
      throw new InvalidInputError(file, v === undefined ? "required" : `expected an integer ≥ ${min}, got ${JSON.stringify(v)}`, key);
    }
    return v;
  };
  const num = (obj: Record<string, unknown>, key: string, at: string): number | undefined => {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new InvalidInputError(file, "expected a number", at ? `${at}.${key}` : key);
    return v;
  };

  const nLayers = int("num_hidden_layers");
  const hidden = int("hidden_size");
  const nHeads = int("num_attention_heads");
  const nKvHeads = int("num_key_value_heads");
  if (nHeads % nKvHeads !== 0) throw new InvalidInputError(file, `num_attention_heads ${nHeads} is not a multiple of num_key_value_heads ${nKvHeads}`, "num_key_value_heads");
  const headDim = c.head_dim === undefined ? hidden / nHeads : int("head_dim");
  const nExperts = int("num_local_experts");
  const nExpertsUsed = c.num_experts_per_tok !== undefined ? int("num_experts_per_tok") : int("experts_per_token");
  if (nExpertsUsed > nExperts) {
    throw new InvalidInputError(file, `num_experts_per_tok ${nExpertsUsed} exceeds num_local_experts ${nExperts}`, "num_experts_per_tok");
  }
  const expertFfn = int("intermediate_size");
  if (hidden % 32 !== 0 || expertFfn % 32 !== 0) {
    throw new InvalidInputError(file, "hidden_size and intermediate_size must be multiples of 32 (MXFP4 blocks)", "hidden_size");
  }
  const slidingWindow = c.sliding_window === undefined || c.sliding_window === null ? 0 : int("sliding_window", 0);
  let slidingLayers: boolean[];
  if (Array.isArray(c.layer_types)) {
    if (c.layer_types.length !== nLayers) {
      throw new InvalidInputError(file, `has ${c.layer_types.length} entries for ${nLayers} layers`, "layer_types");
    }
    slidingLayers = c.layer_types.map((t, i) => {
      if (t !== "sliding_attention" && t !== "full_attention") throw new InvalidInputError(file, `unknown layer type ${JSON.stringify(t)}`, `layer_types[${i}]`);
      return t === "sliding_attention";
    });
  } else {
    slidingLayers = defaultSlidingLayers(nLayers);
  }

  // Rope: transformers v5 moves rope_theta and scaling into rope_parameters.
  const ropeSource = (c.rope_parameters ?? c.rope_scaling ?? {}) as Record<string, unknown>;
  const ropeAt = c.rope_parameters !== undefined ? "rope_parameters" : "rope_scaling";
  if (typeof ropeSource !== "object" || ropeSource === null) throw new InvalidInputError(file, "expected an object", ropeAt);
  const theta = num(ropeSource, "rope_theta", ropeAt) ?? num(c, "rope_theta", "");
  if (theta === undefined) throw new InvalidInputError(file, "required (in the config or its rope parameters)", "rope_theta");
  const ropeType = ropeSource.rope_type ?? ropeSource.type;
  let yarn: GptOssRope["yarn"];
  if (ropeType === "yarn") {
    const factor = num(ropeSource, "factor", ropeAt);
    const orig = num(ropeSource, "original_max_position_embeddings", ropeAt);
    if (factor === undefined) throw new InvalidInputError(file, "required for yarn", `${ropeAt}.factor`);
    if (orig === undefined) throw new InvalidInputError(file, "required for yarn", `${ropeAt}.original_max_position_embeddings`);
    yarn = {
      factor,
      originalContextLength: orig,
      betaFast: num(ropeSource, "beta_fast", ropeAt),
      betaSlow: num(ropeSource, "beta_slow", ropeAt),
      attentionFactor: num(ropeSource, "attention_factor", ropeAt) ?? num(ropeSource, "attn_factor", ropeAt),
      extrapolationFactor: num(ropeSource, "extrapolation_factor", ropeAt),
      truncate: typeof ropeSource.truncate === "boolean" ? ropeSource.truncate : undefined,
    };
  } else if (ropeType !== undefined && ropeType !== "default") {
    throw new InvalidInputError(file, `unsupported rope type ${JSON.stringify(ropeType)} for gpt-oss (expected yarn)`, `${ropeAt}.rope_type`);
  }
  return {
    nLayers,
    hidden,
    expertFfn,
    nHeads,
    nKvHeads,
    headDim,
    nExperts,
    nExpertsUsed,
    vocabSize: int("vocab_size"),
    slidingWindow,
    slidingLayers,
    rmsNormEps: num(c, "rms_norm_eps", "") ?? 1e-5,
    swigluLimit: num(c, "swiglu_limit", "") ?? 7,
    maxPositionEmbeddings: int("max_position_embeddings"),
    initialContextLength: typeof c.initial_context_length === "number" ? c.initial_context_length : undefined,
    rope: { theta, yarn },
    tieWordEmbeddings: c.tie_word_embeddings === true,
    raw: c,
  };
}
