import { UsageError } from "../errors.js";
import { syntheticPreset, type SyntheticPreset, type SyntheticPresetName } from "./presets.js";

/**
 * The preset with only its first `layers` layers (`synth --layers N`): the same widths, experts, heads,
 * vocabulary and sliding-window pattern, so every layer has the real shapes and a per-layer figure
 * (conversion time, bytes) measured on it scales to the full depth — a gpt-oss-120b layer is 1.7 GB,
 * too much to write 36 times on a small disk. Where the preset names its real shard split, those names
 * may point at layers that are gone: the checkpoint is then cut into shards of near-equal size, as many
 * as the full model has per layer kept (at least one). Without `layers` (or with the full count), the
 * preset itself.
 */
export function presetWithLayers(params: { preset: SyntheticPresetName; layers?: number }): SyntheticPreset {
  const preset = syntheticPreset(params.preset);
  const layers = params.layers;
  if (layers === undefined || layers === preset.numHiddenLayers) return preset;
  if (!Number.isInteger(layers) || layers < 1 || layers > preset.numHiddenLayers) {
    throw new UsageError(`--layers: expected 1 to ${preset.numHiddenLayers} for preset ${preset.name}, got ${layers}`);
  }
  const slidingLayers = preset.slidingLayers.slice(0, layers);
  const fullShards = preset.shardStarts === undefined ? (preset.shardCount ?? 1) : preset.shardStarts.length + 1;
  const config: Record<string, unknown> = { ...preset.config, num_hidden_layers: layers };
  if (Array.isArray(config.layer_types)) config.layer_types = config.layer_types.slice(0, layers);
  return {
    ...preset,
    numHiddenLayers: layers,
    slidingLayers,
    shardStarts: undefined,
    shardCount: Math.max(1, Math.round((fullShards * layers) / preset.numHiddenLayers)),
    hp: { ...preset.hp, nLayers: layers, slidingLayers },
    config,
  };
}
