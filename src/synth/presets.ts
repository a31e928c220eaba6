/**
 * The synthetic presets: every model file of models/ that declares `config:` (the shapes) is a preset of
 * the same name, and its `synthetic:` block says how the checkpoint is laid out beyond config.json (the
 * first harmony special token id, the shard split). No size is written here: `gpt-oss-20b` is
 * openai/gpt-oss-20b exactly (models/gpt-oss-20b.yaml: its config.json and the shard split of its
 * model.safetensors.index.json), `demo` the same architecture shrunk (models/demo.yaml), and a new size is
 * a new model file.
 *
 * Read synchronously once per process (the synthesizer's callers are synchronous).
 */
import { parseModelConfig } from "../arch/index.js";
import type { GptOssHyperparameters } from "../arch/gpt-oss/index.js";
import { InvalidInputError, UsageError } from "../errors.js";
import { listModelSpecsSync, type ModelSpec } from "../pipeline/modelSpec.js";

/** A preset is named by its model file; "demo" and "gpt-oss-20b" ship with oss-prep. */
export type SyntheticPresetName = string;

export interface SyntheticPreset {
  name: SyntheticPresetName;
  numHiddenLayers: number;
  numLocalExperts: number;
  expertsPerToken: number;
  hiddenSize: number;
  intermediateSize: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  /** config.json vocab_size: rows of embed_tokens and lm_head. */
  vocabSize: number;
  slidingWindow: number;
  /** Per layer: true where attention is sliding-window (config.json layer_types). */
  slidingLayers: boolean[];
  maxPositionEmbeddings: number;
  initialContextLength: number;
  ropeTheta: number;
  ropeScaling: { factor: number; originalMaxPositionEmbeddings: number; betaFast: number; betaSlow: number };
  swigluLimit: number;
  rmsNormEps: number;
  tokenizer: {
    /**
     * Id of <|startoftext|>, the first of the 21 harmony special tokens (199998 in gpt-oss). Ids below it
     * are the byte-level BPE: the trained tokens, then `[PAD<id>]` fillers up to this id. Ids from the last
     * special token + 1 to vocabSize − 1 are left undefined, as in the real tokenizer (200019…201087).
     */
    firstSpecialTokenId: number;
  };
  /**
   * Where each shard after the first begins: the name of its first tensor in index order (layers in
   * lexicographic order "0", "1", "10", …, then embed_tokens, norm, lm_head). Shard count = length + 1.
   * Absent: `shardCount` shards of near-equal size.
   */
  shardStarts?: string[];
  shardCount?: number;
  /** The hyperparameters the family parsed from the model file's config. */
  hp: GptOssHyperparameters;
  /** The declared config.json fields (eos/pad ids among them, when declared). */
  config: Record<string, unknown>;
}

let cache: Map<string, SyntheticPreset> | undefined;

/** All presets, by name, in model-file order. */
export function syntheticPresets(): ReadonlyMap<string, SyntheticPreset> {
  cache ??= new Map(listModelSpecsSync().flatMap((spec) => (spec.config ? [[spec.name, presetOf(spec)] as const] : [])));
  return cache;
}

export function syntheticPresetNames(): string[] {
  return [...syntheticPresets().keys()];
}

/** The preset of that name; a UsageError listing the known ones otherwise. */
export function syntheticPreset(name: string): SyntheticPreset {
  const preset = syntheticPresets().get(name);
  if (!preset) {
    throw new UsageError(`unknown synthetic preset ${JSON.stringify(name)}; expected one of ${syntheticPresetNames().join(", ")} (a model file of models/ with config:)`);
  }
  return preset;
}

function presetOf(spec: ModelSpec): SyntheticPreset {
  const file = spec.file ?? spec.name;
  const config = spec.config!;
  const { hp } = parseModelConfig({ config, file: `${file} (config)` });
  const yarn = hp.rope.yarn;
  if (!yarn || yarn.betaFast === undefined || yarn.betaSlow === undefined) {
    throw new InvalidInputError(file, "a synthetic checkpoint needs yarn rope_scaling with beta_fast and beta_slow", "config.rope_scaling");
  }
  if (hp.initialContextLength === undefined) throw new InvalidInputError(file, "required for a synthetic checkpoint", "config.initial_context_length");
  // without a synthetic: block: the real tokenizer's special-token placement (o200k_harmony), one shard
  const synthetic = spec.synthetic ?? { firstSpecialTokenId: 199998, shardCount: undefined, shardStarts: undefined };
  return {
    name: spec.name,
    numHiddenLayers: hp.nLayers,
    numLocalExperts: hp.nExperts,
    expertsPerToken: hp.nExpertsUsed,
    hiddenSize: hp.hidden,
    intermediateSize: hp.expertFfn,
    numAttentionHeads: hp.nHeads,
    numKeyValueHeads: hp.nKvHeads,
    headDim: hp.headDim,
    vocabSize: hp.vocabSize,
    slidingWindow: hp.slidingWindow,
    slidingLayers: hp.slidingLayers,
    maxPositionEmbeddings: hp.maxPositionEmbeddings,
    initialContextLength: hp.initialContextLength,
    ropeTheta: hp.rope.theta,
    ropeScaling: { factor: yarn.factor, originalMaxPositionEmbeddings: yarn.originalContextLength, betaFast: yarn.betaFast, betaSlow: yarn.betaSlow },
    swigluLimit: hp.swigluLimit,
    rmsNormEps: hp.rmsNormEps,
    tokenizer: { firstSpecialTokenId: synthetic.firstSpecialTokenId },
    shardStarts: synthetic.shardStarts,
    shardCount: synthetic.shardStarts === undefined ? (synthetic.shardCount ?? 1) : undefined,
    hp,
    config,
  };
}

/**
 * The shapes a model of models/ declares: its own config:, or for a synthetic model its preset's. A
 * UsageError for a model that declares none (a Hub model without config:).
 */
export function declaredShapesOf(spec: Pick<ModelSpec, "name" | "source" | "config" | "file">): SyntheticPreset {
  if (spec.source.kind === "synth") return syntheticPreset(spec.source.preset);
  if (!spec.config) throw new UsageError(`${spec.name} declares no config: in ${spec.file ?? "its model file"}, so its shapes are not known without its checkpoint`);
  return syntheticPreset(spec.name);
}
