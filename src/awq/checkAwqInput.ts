import { stat } from "node:fs/promises";
import { join } from "node:path";
import { readGptOssConfig, type GptOssHyperparameters } from "../arch/gpt-oss/index.js";
import { InvalidInputError, UsageError } from "../errors.js";
import { openCheckpoint } from "../formats/safetensors/index.js";
import { AWQ_GROUP_SIZES, type AwqExpertPolicy } from "./awqTypes.js";

const DENSE_LINEAR = /^model\.layers\.\d+\.self_attn\.[qkvo]_proj\.weight$/;

/**
 * Everything about the input that would make AWQ fail or write nonsense, checked before any work:
 * a gpt-oss checkpoint folder, not already quantized (only the original MXFP4 experts are expected),
 * float dense linears, and shapes the group size divides (gpt-oss's 2880 is a multiple of 32 and 64,
 * not of 128; the tiny fixture's 288 only of 32).
 */
export async function checkAwqInput(params: { dir: string; groupSize: number; experts: AwqExpertPolicy }): Promise<GptOssHyperparameters> {
  const { dir, groupSize, experts } = params;
  if (!(AWQ_GROUP_SIZES as readonly number[]).includes(groupSize)) {
    throw new UsageError(`--group ${groupSize}: expected ${AWQ_GROUP_SIZES.join(" or ")} (int4 asymmetric groups along the input; gpt-oss's hidden size 2880 is not a multiple of 128)`);
  }
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new InvalidInputError(dir, "no such file or directory");
  if (!info.isDirectory()) throw new InvalidInputError(dir, "expected a Hugging Face checkpoint directory (config.json + safetensors); a GGUF is already converted and cannot be calibrated");
  const config = await readGptOssConfig({ dir });
  const configFile = join(dir, "config.json");
  const quantization = config.raw.quantization_config as { quant_method?: unknown } | undefined;
  if (quantization && quantization.quant_method !== undefined && quantization.quant_method !== "mxfp4") {
    throw new InvalidInputError(
      configFile,
      `already quantized (quant_method ${JSON.stringify(quantization.quant_method)}); AWQ starts from the original checkpoint (bf16 dense layers, MXFP4 experts)`,
      "quantization_config.quant_method",
    );
  }
  const checkpoint = await openCheckpoint({ dir });
  try {
    const where = checkpoint.indexFile ?? checkpoint.shardFiles[0];
    const packed = checkpoint.tensors.find((t) => /\.(qweight|qzeros|g_idx|weight_scale|weight_packed)$/.test(t.name));
    if (packed) throw new InvalidInputError(where, "already quantized (AWQ/GPTQ/compressed-tensors tensors); AWQ starts from the original checkpoint", packed.name);
    for (const t of checkpoint.tensors) {
      if (DENSE_LINEAR.test(t.name) && !["BF16", "F16", "F32"].includes(t.dtype)) {
        throw new InvalidInputError(where, `dtype ${t.dtype}: already quantized or not a float linear; AWQ needs BF16/F16/F32 attention weights`, t.name);
      }
    }
  } finally {
    await checkpoint.close();
  }
  const { hidden, nHeads, nKvHeads, headDim, expertFfn } = config;
  const dims: Array<[string, number]> = [
    ["hidden_size", hidden],
    ["num_attention_heads × head_dim", nHeads * headDim],
    ...(experts === "awq" ? ([["intermediate_size", expertFfn]] as Array<[string, number]>) : []),
  ];
  for (const [key, value] of dims) {
    if (value % groupSize !== 0) throw new InvalidInputError(configFile, `${value} is not a multiple of the group size ${groupSize}: use --group ${value % 32 === 0 ? 32 : "32 or 64 on another model"}`, key);
  }
  // AutoAWQ packs 8 output channels per int32
  for (const [key, value] of [["num_key_value_heads × head_dim", nKvHeads * headDim], ["hidden_size", hidden]] as Array<[string, number]>) {
    if (value % 8 !== 0) throw new InvalidInputError(configFile, `${value} output channels are not a multiple of 8 (AutoAWQ GEMM packing)`, key);
  }
  return config;
}
