/**
 * A GGUF with the real gpt-oss-20b header (metadata and tensor infos exactly as our BF16
 * conversion writes them, tokenizer left out) and a sparse data section: the header is written and
 * the file is extended to its full size with ftruncate, so it takes a few kB of disk. Good for
 * llama.cpp's dry run and for our type plan, which never read tensor data.
 */
import { open } from "node:fs/promises";
import { parseGptOssConfig, type GptOssHyperparameters, gptOssModelMetadata, sizeLabel, planGgufTensors, type GgufTensorPlan } from "../src/arch/gpt-oss/index.js";
import { encodeGgufHeader } from "../src/formats/gguf/encodeGgufHeader.js";
import { GgmlType } from "../src/formats/gguf/ggmlTypes.js";
import { LlamaFtype } from "../src/formats/gguf/llamaFtype.js";
import { buildSyntheticConfig } from "../src/synth/buildSyntheticConfig.js";
import { planSyntheticCheckpoint } from "../src/synth/planSyntheticCheckpoint.js";

export function gptOss20bPlan(): { hp: GptOssHyperparameters; plans: GgufTensorPlan[] } {
  const config = JSON.parse(buildSyntheticConfig({ preset: "gpt-oss-20b" })["config.json"]) as unknown;
  const hp = parseGptOssConfig({ config, file: "gpt-oss-20b/config.json" });
  const synthetic = planSyntheticCheckpoint({ preset: "gpt-oss-20b" });
  const tensors = synthetic.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file: synthetic.weightMap[t.name] }));
  const plans = planGgufTensors({ tensors, hp, where: "gpt-oss-20b", experts: "mxfp4" });
  return { hp, plans };
}

/** The type our BF16 conversion gives a planned tensor (convertCheckpoint with outtype bf16). */
export function bf16ConversionType(plan: GgufTensorPlan): GgmlType {
  if (plan.source.kind === "mxfp4") return GgmlType.MXFP4;
  return plan.forceF32 ? GgmlType.F32 : GgmlType.BF16;
}

export async function writeSparseGptOss20bGguf(path: string): Promise<{ fileSize: number }> {
  const { hp, plans } = gptOss20bPlan();
  const metadata = gptOssModelMetadata({ hp, name: "Gpt Oss 20b", sizeLabel: sizeLabel(plans), fileType: LlamaFtype.MOSTLY_MXFP4_MOE });
  const header = encodeGgufHeader({ metadata, tensors: plans.map((p) => ({ name: p.name, shape: p.shape, type: bf16ConversionType(p) })), file: path });
  const handle = await open(path, "w");
  try {
    await handle.write(header.bytes, 0, header.bytes.length, 0);
    await handle.truncate(header.fileSize);
  } finally {
    await handle.close();
  }
  return { fileSize: header.fileSize };
}
