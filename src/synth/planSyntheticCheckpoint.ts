import { UsageError } from "../errors.js";
import { SYNTHETIC_PRESETS, type SyntheticPreset, type SyntheticPresetName } from "./presets.js";
import type { PlannedShard, PlannedTensor, SyntheticCheckpointPlan, SyntheticTensorValues } from "./types.js";

/**
 * The complete layout of a synthetic checkpoint — every tensor's name, dtype, shape, size and shard, the
 * index's weight_map and total_size, the logical parameter count — computed without writing anything.
 * synthesizeCheckpoint writes exactly this plan; tests check the full-size preset through it.
 *
 * Tensor names, dtypes and shapes are those of openai/gpt-oss-20b: attention, router, norms and embeddings
 * in bf16, expert weights as MXFP4 (`*_blocks` u8 [E, rows, cols/32, 16] and `*_scales` u8 e8m0
 * [E, rows, cols/32]) with bf16 biases. gate_up_proj rows interleave gate and up (2 × intermediate).
 */
export function planSyntheticCheckpoint(params: { preset: SyntheticPresetName }): SyntheticCheckpointPlan {
  const preset = SYNTHETIC_PRESETS[params.preset as SyntheticPresetName] as SyntheticPreset | undefined;
  if (preset === undefined || !Object.hasOwn(SYNTHETIC_PRESETS, params.preset)) {
    throw new UsageError(
      `unknown synthetic preset ${JSON.stringify(params.preset)}; expected one of ${Object.keys(SYNTHETIC_PRESETS).join(", ")}`,
    );
  }
  const { hiddenSize, intermediateSize, numLocalExperts: experts, headDim } = preset;
  if (hiddenSize % MXFP4_BLOCK !== 0 || intermediateSize % MXFP4_BLOCK !== 0) {
    throw new RangeError(`preset ${preset.name}: hidden and intermediate sizes must be multiples of ${MXFP4_BLOCK} for MXFP4`);
  }
  const qRows = preset.numAttentionHeads * headDim;
  const kvRows = preset.numKeyValueHeads * headDim;

  const tensors: PlannedTensor[] = [];
  const bf16 = (name: string, shape: number[], values: SyntheticTensorValues): void => {
    const elements = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name, dtype: "BF16", shape, byteLength: elements * 2, parameterCount: elements, values });
  };
  const mxfp4 = (name: string, rows: number, columns: number): void => {
    const blocks = [experts, rows, columns / MXFP4_BLOCK];
    const blockBytes = blocks.reduce((a, b) => a * b, 1) * (MXFP4_BLOCK / 2);
    tensors.push({
      name: `${name}_blocks`,
      dtype: "U8",
      shape: [...blocks, MXFP4_BLOCK / 2],
      byteLength: blockBytes,
      parameterCount: blockBytes * 2,
      values: { kind: "uniformBytes" },
    });
    tensors.push({
      name: `${name}_scales`,
      dtype: "U8",
      shape: blocks,
      byteLength: blockBytes / (MXFP4_BLOCK / 2),
      parameterCount: 0,
      values: SCALES,
    });
  };

  // Layers in the order of the real index: lexicographic by layer number, as the exporter sorted them.
  const layerOrder = Array.from({ length: preset.numHiddenLayers }, (_, i) => String(i)).sort();
  for (const layer of layerOrder) {
    const p = `model.layers.${layer}`;
    bf16(`${p}.input_layernorm.weight`, [hiddenSize], NORM);
    bf16(`${p}.self_attn.o_proj.bias`, [hiddenSize], BIAS);
    bf16(`${p}.self_attn.o_proj.weight`, [hiddenSize, qRows], WEIGHT);
    bf16(`${p}.self_attn.q_proj.bias`, [qRows], BIAS);
    bf16(`${p}.self_attn.k_proj.bias`, [kvRows], BIAS);
    bf16(`${p}.self_attn.v_proj.bias`, [kvRows], BIAS);
    bf16(`${p}.self_attn.q_proj.weight`, [qRows, hiddenSize], WEIGHT);
    bf16(`${p}.self_attn.k_proj.weight`, [kvRows, hiddenSize], WEIGHT);
    bf16(`${p}.self_attn.v_proj.weight`, [kvRows, hiddenSize], WEIGHT);
    bf16(`${p}.self_attn.sinks`, [preset.numAttentionHeads], SINKS);
    bf16(`${p}.mlp.router.bias`, [experts], BIAS);
    bf16(`${p}.mlp.router.weight`, [experts, hiddenSize], WEIGHT);
    bf16(`${p}.mlp.experts.gate_up_proj_bias`, [experts, 2 * intermediateSize], BIAS);
    mxfp4(`${p}.mlp.experts.gate_up_proj`, 2 * intermediateSize, hiddenSize);
    bf16(`${p}.mlp.experts.down_proj_bias`, [experts, hiddenSize], BIAS);
    mxfp4(`${p}.mlp.experts.down_proj`, hiddenSize, intermediateSize);
    bf16(`${p}.post_attention_layernorm.weight`, [hiddenSize], NORM);
  }
  bf16("model.embed_tokens.weight", [preset.vocabSize, hiddenSize], WEIGHT);
  bf16("model.norm.weight", [hiddenSize], NORM);
  bf16("lm_head.weight", [preset.vocabSize, hiddenSize], WEIGHT);

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

const MXFP4_BLOCK = 32;

// Magnitudes: weights like a 0.02-std init, norms near 1, small biases, O(1) attention sinks, and MXFP4
// scales 2^-8…2^-3, so that dequantized expert weights (|e2m1| ≤ 6) land in the same range as the bf16 ones.
const WEIGHT: SyntheticTensorValues = { kind: "normal", mean: 0, std: 0.02 };
const BIAS: SyntheticTensorValues = { kind: "normal", mean: 0, std: 0.01 };
const NORM: SyntheticTensorValues = { kind: "normal", mean: 1, std: 0.05 };
const SINKS: SyntheticTensorValues = { kind: "normal", mean: 0, std: 1 };
const SCALES: SyntheticTensorValues = { kind: "e8m0Scales", minExponent: -8, maxExponent: -3 };

/**
 * Cut the index-ordered tensor list at the preset's shard starts and name the files as the real repo does:
 * model-00000-of-00002.safetensors … model-00002-of-00002.safetensors (zero-based, "of" the last index).
 * Within a file tensors are ordered bf16 first, then u8, each by name — the order safetensors' own
 * writer uses (by dtype alignment, then name), so every tensor stays aligned to its element size.
 */
function splitIntoShards(params: { preset: SyntheticPreset; tensors: PlannedTensor[] }): PlannedShard[] {
  const { preset, tensors } = params;
  const cuts = preset.shardStarts.map((name) => {
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

function dtypeRank(tensor: PlannedTensor): number {
  return tensor.dtype === "BF16" ? 0 : 1;
}
