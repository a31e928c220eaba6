/**
 * What quantization does with gpt-oss's MXFP4 experts: keep (copied bit-exactly) or requant
 * (dequantized and quantized by the recipe, llama-quantize --allow-requantize). A light module:
 * the quantize command's options and the stage's params schema read it.
 */
export const EXPERT_POLICIES = ["keep", "requant"] as const;
export type ExpertPolicy = (typeof EXPERT_POLICIES)[number];
