/**
 * The model key/values of a gpt-oss GGUF, in the order llama.cpp's converter writes them
 * (TextModel.set_gguf_parameters + GptOssModel.set_gguf_parameters + the writer's own keys),
 * with the same GGUF value types. The tokenizer keys follow (src/formats/tokenizer).
 */
import { GgufValueType, type GgufValue } from "../../formats/gguf/ggufValue.js";
import type { GptOssHyperparameters } from "./hyperparameters.js";

const u32 = (value: number): GgufValue => ({ type: GgufValueType.UINT32, value });
const f32 = (value: number): GgufValue => ({ type: GgufValueType.FLOAT32, value });
const str = (value: string): GgufValue => ({ type: GgufValueType.STRING, value });

/** general.name as llama.cpp derives it from a directory name ("tiny-gpt-oss" → "Tiny Gpt Oss"). */
export function modelNameFromDir(dirName: string): string {
  return dirName
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(" ");
}

/** gguf-py's model_weight_count_rounded_notation: 7.1M, 21B, 0.5K… */
function roundedCount(count: number, minDigits = 2): string {
  let scaled: number;
  let suffix: string;
  if (count > 1e12) [scaled, suffix] = [count * 1e-12, "T"];
  else if (count > 1e9) [scaled, suffix] = [count * 1e-9, "B"];
  else if (count > 1e6) [scaled, suffix] = [count * 1e-6, "M"];
  else [scaled, suffix] = [count * 1e-3, "K"];
  const integerDigits = String(Math.round(scaled)).replace(/^0+/, "").length;
  const fix = Math.max(minDigits - integerDigits, 0);
  return `${scaled.toFixed(fix)}${suffix}`;
}

/**
 * general.size_label as gguf-py computes it: "<experts>x<params per expert + shared>" where an
 * expert tensor is any `_exps.` tensor of ≥ 3 dims (the 2-D expert biases count as shared).
 */
export function sizeLabel(tensors: Array<{ name: string; shape: readonly number[] }>): string {
  let shared = 0;
  let expertParams = 0;
  let expertCount = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (t.name.includes("_exps.") && t.shape.length >= 3) {
      // shapes here are ggml order; gguf-py reads the numpy order, where experts are dim -3
      const count = t.shape[t.shape.length - 1 - (t.shape.length - 3)];
      expertCount = count;
      expertParams += Math.floor(size / count);
    } else {
      shared += size;
    }
  }
  return expertCount > 0 ? `${expertCount}x${roundedCount(shared + expertParams)}` : roundedCount(shared);
}

export function gptOssModelMetadata(params: {
  hp: GptOssHyperparameters;
  name: string;
  sizeLabel: string;
  /** llama_ftype of the file (general.file_type). */
  fileType: number;
}): Array<[string, GgufValue]> {
  const { hp } = params;
  const arch = "gpt-oss";
  const kv: Array<[string, GgufValue]> = [
    ["general.architecture", str(arch)],
    ["general.type", str("model")],
    ["general.name", str(params.name)],
    ["general.size_label", str(params.sizeLabel)],
    [`${arch}.block_count`, u32(hp.nLayers)],
    [`${arch}.context_length`, u32(hp.maxPositionEmbeddings)],
    [`${arch}.embedding_length`, u32(hp.hidden)],
    [`${arch}.feed_forward_length`, u32(hp.expertFfn)],
    [`${arch}.attention.head_count`, u32(hp.nHeads)],
    [`${arch}.attention.head_count_kv`, u32(hp.nKvHeads)],
  ];
  const yarn = hp.rope.yarn;
  if (yarn) {
    kv.push([`${arch}.rope.scaling.type`, str("yarn")]);
    kv.push([`${arch}.rope.scaling.factor`, f32(yarn.factor)]);
    kv.push([`${arch}.rope.scaling.original_context_length`, u32(yarn.originalContextLength)]);
    if (yarn.extrapolationFactor !== undefined) kv.push([`${arch}.rope.scaling.yarn_ext_factor`, f32(yarn.extrapolationFactor)]);
    if (yarn.attentionFactor !== undefined) kv.push([`${arch}.rope.scaling.yarn_attn_factor`, f32(yarn.attentionFactor)]);
    if (yarn.betaFast !== undefined) kv.push([`${arch}.rope.scaling.yarn_beta_fast`, f32(yarn.betaFast)]);
    if (yarn.betaSlow !== undefined) kv.push([`${arch}.rope.scaling.yarn_beta_slow`, f32(yarn.betaSlow)]);
  }
  kv.push(
    [`${arch}.rope.freq_base`, f32(hp.rope.theta)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(hp.rmsNormEps)],
    [`${arch}.expert_count`, u32(hp.nExperts)],
    [`${arch}.expert_used_count`, u32(hp.nExpertsUsed)],
    [`${arch}.attention.key_length`, u32(hp.headDim)],
    [`${arch}.attention.value_length`, u32(hp.headDim)],
    ["general.file_type", u32(params.fileType)],
    [`${arch}.attention.sliding_window`, u32(hp.slidingWindow)],
    [`${arch}.expert_feed_forward_length`, u32(hp.expertFfn)],
    ["general.quantization_version", u32(2)],
  );
  return kv;
}
