import { GgmlType } from "../formats/gguf/ggmlTypes.js";

/** GGML_TYPE_COUNT of llama.cpp v0.4.0: "no type" in llama_model_quantize_params (output/embedding type). */
export const GGML_TYPE_COUNT = 43;

/**
 * Types ggml_quantize_chunk can produce. Any other type reaches `assert(false)` there (compiled out in
 * release builds) and then aborts the whole process on the size check, so we refuse them up front.
 */
export const QUANTIZABLE_GGML_TYPES: ReadonlySet<number> = new Set<number>([
  GgmlType.F32, GgmlType.F16, GgmlType.BF16,
  GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0,
  GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
  GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ3_XXS, GgmlType.IQ1_S, GgmlType.IQ4_NL,
  GgmlType.IQ3_S, GgmlType.IQ2_S, GgmlType.IQ4_XS, GgmlType.IQ1_M,
  GgmlType.TQ1_0, GgmlType.TQ2_0, GgmlType.MXFP4, GgmlType.NVFP4, GgmlType.Q1_0, GgmlType.Q2_0,
]);
