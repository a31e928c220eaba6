import { checkpointTensorLayout, type CheckpointTensorKind } from "../arch/gpt-oss/index.js";
import { presetWithLayers } from "./presetWithLayers.js";
import type { SyntheticPreset, SyntheticPresetName } from "./presets.js";
import type { PlannedShard, PlannedTensor, SyntheticCheckpointPlan, SyntheticTensorValues } from "./types.js";

/**
 * The complete layout of a synthetic checkpoint — every tensor's name, dtype, shape, size and shard, the
 * index's weight_map and total_size, the logical parameter count — computed without writing anything.
 * synthesizeCheckpoint writes exactly this plan; tests check the full-size preset through it.
 *
 * Tensor names, dtypes and shapes are the family's checkpoint layout (src/arch/gpt-oss/checkpointLayout.ts)
 * for the preset's shapes (its model file's config); this adds the values each tensor is drawn from and
 * the shard split.
 */
export function planSyntheticCheckpoint(params: { preset: SyntheticPresetName; layers?: number }): SyntheticCheckpointPlan {
  // `layers`: the first N layers only (presetWithLayers.ts)
  const preset = presetWithLayers(params);
  const tensors: PlannedTensor[] = checkpointTensorLayout(preset.hp).map((t) => {
    const elements = t.shape.reduce((a, b) => a * b, 1);
    // MXFP4 blocks: two parameters per byte; their scales are part of the same blocks and count none
    const parameterCount = t.kind === "mxfp4Blocks" ? elements * 2 : t.kind === "mxfp4Scales" ? 0 : elements;
    return { name: t.name, dtype: t.dtype, shape: t.shape, byteLength: t.dtype === "BF16" ? elements * 2 : elements, parameterCount, values: VALUES[t.kind] };
  });

  const shards = splitIntoShards({ preset, tensors });
  const weightMap: Record<string, string> = {};
  const shardOf = new Map<string, string>();
  for (const shard of shards) for (const t of shard.tensors) shardOf.set(t.name, shard.fileName);
  for (const t of tensors) weightMap[t.name] = shardOf.get(t.name)!;

  return {
    preset,
    tensors,
    shards,
    weightMap,
    totalBytes: tensors.reduce((sum, t) => sum + t.byteLength, 0),
    parameterCount: tensors.reduce((sum, t) => sum + t.parameterCount, 0),
  };
}

// Magnitudes: weights like a 0.02-std init, norms near 1, small biases, O(1) attention sinks, and MXFP4
// scales 2^-8…2^-3, so that dequantized expert weights (|e2m1| ≤ 6) land in the same range as the bf16 ones.
const WEIGHT: SyntheticTensorValues = { kind: "normal", mean: 0, std: 0.02 };
const BIAS: SyntheticTensorValues = { kind: "normal", mean: 0, std: 0.01 };
const NORM: SyntheticTensorValues = { kind: "normal", mean: 1, std: 0.05 };
const SINKS: SyntheticTensorValues = { kind: "normal", mean: 0, std: 1 };
const SCALES: SyntheticTensorValues = { kind: "e8m0Scales", minExponent: -8, maxExponent: -3 };
const VALUES: Record<CheckpointTensorKind, SyntheticTensorValues> = {
  weight: WEIGHT,
  bias: BIAS,
  norm: NORM,
  sinks: SINKS,
  mxfp4Blocks: { kind: "uniformBytes" },
  mxfp4Scales: SCALES,
};

/**
 * Cut the index-ordered tensor list at the preset's shard starts and name the files as the real repo does:
 * model-00000-of-00002.safetensors … model-00002-of-00002.safetensors (zero-based, "of" the last index).
 * Within a file tensors are ordered bf16 first, then u8, each by name — the order safetensors' own
 * writer uses (by dtype alignment, then name), so every tensor stays aligned to its element size.
 */
function splitIntoShards(params: { preset: SyntheticPreset; tensors: PlannedTensor[] }): PlannedShard[] {
  const { preset, tensors } = params;
  const cuts = preset.shardStarts === undefined ? evenCuts(tensors, preset.shardCount ?? 1) : preset.shardStarts.map((name) => {
    const index = tensors.findIndex((t) => t.name === name);
    if (index <= 0) throw new RangeError(`preset ${preset.name}: shard start ${name} is not a tensor after the first`);
    return index;
  });
  if (cuts.some((cut, i) => i > 0 && cut <= cuts[i - 1])) {
    throw new RangeError(`preset ${preset.name}: shard starts must follow the index order`);
  }
  const last = String(cuts.length).padStart(5, "0");
  const bounds = [0, ...cuts, tensors.length];
  return cuts.concat(tensors.length).map((end, i) => {
    const members = tensors.slice(bounds[i], end);
    members.sort((a, b) => dtypeRank(a) - dtypeRank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      fileName: `model-${String(i).padStart(5, "0")}-of-${last}.safetensors`,
      tensors: members,
      dataBytes: members.reduce((sum, t) => sum + t.byteLength, 0),
    };
  });
}

/**
 * Where a real split is not known: `count` shards of near-equal size, each ending at the first tensor
 * boundary past its share of the bytes (the index order, as a streaming exporter would write them).
 */
function evenCuts(tensors: PlannedTensor[], count: number): number[] {
  const total = tensors.reduce((sum, t) => sum + t.byteLength, 0);
  const cuts: number[] = [];
  let bytes = 0;
  for (let i = 0; i < tensors.length && cuts.length < count - 1; i++) {
    bytes += tensors[i].byteLength;
    if (bytes >= (total * (cuts.length + 1)) / count && i + 1 < tensors.length) cuts.push(i + 1);
  }
  return cuts;
}

function dtypeRank(tensor: PlannedTensor): number {
  return tensor.dtype === "BF16" ? 0 : 1;
}
