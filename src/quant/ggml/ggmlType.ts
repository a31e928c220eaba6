/**
 * ggml tensor types (enum ggml_type in ggml/include/ggml.h of llama.cpp v0.4.0, the build that
 * node-llama-cpp 3.21.1 ships). The numbers are ABI: they go to the native library and into GGUF files.
 */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q8_1: 9,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  Q8_K: 15,
  IQ2_XXS: 16,
  IQ2_XS: 17,
  IQ3_XXS: 18,
  IQ1_S: 19,
  IQ4_NL: 20,
  IQ3_S: 21,
  IQ2_S: 22,
  IQ4_XS: 23,
  I8: 24,
  I16: 25,
  I32: 26,
  I64: 27,
  F64: 28,
  IQ1_M: 29,
  BF16: 30,
  TQ1_0: 34,
  TQ2_0: 35,
  MXFP4: 39,
  NVFP4: 40,
  Q1_0: 41,
  Q2_0: 42,
} as const;

export type GgmlType = (typeof GgmlType)[keyof typeof GgmlType];

/** GGML_TYPE_COUNT of this version: "no type" in llama_model_quantize_params (output/embedding type). */
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

/** The GgmlType key for a type number (for messages; needs no native library). */
export function ggmlTypeName(type: number): string {
  for (const [name, value] of Object.entries(GgmlType)) if (value === type) return name;
  return `ggml_type(${type})`;
}
