/**
 * llama.cpp's file types (`enum llama_ftype` in include/llama.h), the value of the
 * `general.file_type` key: which quantization mix a model file mostly uses.
 * Ids 4–6 and 33–35 were removed upstream and are not members.
 */
export enum LlamaFtype {
  ALL_F32 = 0,
  MOSTLY_F16 = 1,
  MOSTLY_Q4_0 = 2,
  MOSTLY_Q4_1 = 3,
  MOSTLY_Q8_0 = 7,
  MOSTLY_Q5_0 = 8,
  MOSTLY_Q5_1 = 9,
  MOSTLY_Q2_K = 10,
  MOSTLY_Q3_K_S = 11,
  MOSTLY_Q3_K_M = 12,
  MOSTLY_Q3_K_L = 13,
  MOSTLY_Q4_K_S = 14,
  MOSTLY_Q4_K_M = 15,
  MOSTLY_Q5_K_S = 16,
  MOSTLY_Q5_K_M = 17,
  MOSTLY_Q6_K = 18,
  MOSTLY_IQ2_XXS = 19,
  MOSTLY_IQ2_XS = 20,
  MOSTLY_Q2_K_S = 21,
  MOSTLY_IQ3_XS = 22,
  MOSTLY_IQ3_XXS = 23,
  MOSTLY_IQ1_S = 24,
  MOSTLY_IQ4_NL = 25,
  MOSTLY_IQ3_S = 26,
  MOSTLY_IQ3_M = 27,
  MOSTLY_IQ2_S = 28,
  MOSTLY_IQ2_M = 29,
  MOSTLY_IQ4_XS = 30,
  MOSTLY_IQ1_M = 31,
  MOSTLY_BF16 = 32,
  MOSTLY_TQ1_0 = 36,
  MOSTLY_TQ2_0 = 37,
  MOSTLY_MXFP4_MOE = 38,
  MOSTLY_NVFP4 = 39,
  MOSTLY_Q1_0 = 40,
  MOSTLY_Q2_0 = 41,
}

/** Flag llama.cpp ORs into a file type it guessed from the tensors (LLAMA_FTYPE_GUESSED). */
export const LLAMA_FTYPE_GUESSED = 1024;

// llama_ftype_name() in src/llama-model-loader.cpp: what llama.cpp logs as "file type".
const FTYPE_NAMES: Readonly<Record<LlamaFtype, string>> = {
  [LlamaFtype.ALL_F32]: "all F32",
  [LlamaFtype.MOSTLY_F16]: "F16",
  [LlamaFtype.MOSTLY_BF16]: "BF16",
  [LlamaFtype.MOSTLY_Q1_0]: "Q1_0",
  [LlamaFtype.MOSTLY_Q2_0]: "Q2_0",
  [LlamaFtype.MOSTLY_Q4_0]: "Q4_0",
  [LlamaFtype.MOSTLY_Q4_1]: "Q4_1",
  [LlamaFtype.MOSTLY_Q5_0]: "Q5_0",
  [LlamaFtype.MOSTLY_Q5_1]: "Q5_1",
  [LlamaFtype.MOSTLY_Q8_0]: "Q8_0",
  [LlamaFtype.MOSTLY_MXFP4_MOE]: "MXFP4 MoE",
  [LlamaFtype.MOSTLY_NVFP4]: "NVFP4",
  [LlamaFtype.MOSTLY_Q2_K]: "Q2_K - Medium",
  [LlamaFtype.MOSTLY_Q2_K_S]: "Q2_K - Small",
  [LlamaFtype.MOSTLY_Q3_K_S]: "Q3_K - Small",
  [LlamaFtype.MOSTLY_Q3_K_M]: "Q3_K - Medium",
  [LlamaFtype.MOSTLY_Q3_K_L]: "Q3_K - Large",
  [LlamaFtype.MOSTLY_Q4_K_S]: "Q4_K - Small",
  [LlamaFtype.MOSTLY_Q4_K_M]: "Q4_K - Medium",
  [LlamaFtype.MOSTLY_Q5_K_S]: "Q5_K - Small",
  [LlamaFtype.MOSTLY_Q5_K_M]: "Q5_K - Medium",
  [LlamaFtype.MOSTLY_Q6_K]: "Q6_K",
  [LlamaFtype.MOSTLY_TQ1_0]: "TQ1_0 - 1.69 bpw ternary",
  [LlamaFtype.MOSTLY_TQ2_0]: "TQ2_0 - 2.06 bpw ternary",
  [LlamaFtype.MOSTLY_IQ2_XXS]: "IQ2_XXS - 2.0625 bpw",
  [LlamaFtype.MOSTLY_IQ2_XS]: "IQ2_XS - 2.3125 bpw",
  [LlamaFtype.MOSTLY_IQ2_S]: "IQ2_S - 2.5 bpw",
  [LlamaFtype.MOSTLY_IQ2_M]: "IQ2_M - 2.7 bpw",
  [LlamaFtype.MOSTLY_IQ3_XS]: "IQ3_XS - 3.3 bpw",
  [LlamaFtype.MOSTLY_IQ3_XXS]: "IQ3_XXS - 3.0625 bpw",
  [LlamaFtype.MOSTLY_IQ1_S]: "IQ1_S - 1.5625 bpw",
  [LlamaFtype.MOSTLY_IQ1_M]: "IQ1_M - 1.75 bpw",
  [LlamaFtype.MOSTLY_IQ4_NL]: "IQ4_NL - 4.5 bpw",
  [LlamaFtype.MOSTLY_IQ4_XS]: "IQ4_XS - 4.25 bpw",
  [LlamaFtype.MOSTLY_IQ3_S]: "IQ3_S - 3.4375 bpw",
  [LlamaFtype.MOSTLY_IQ3_M]: "IQ3_S mix - 3.66 bpw",
};

/**
 * The file type as llama.cpp prints it (llama_ftype_name), e.g. 17 → "Q5_K - Medium",
 * 1024|15 → "(guessed) Q4_K - Medium", an unknown id → "unknown, may not work".
 */
export function llamaFtypeName(ftype: number): string {
  const guessed = (ftype & LLAMA_FTYPE_GUESSED) !== 0;
  const base = ftype & ~LLAMA_FTYPE_GUESSED;
  const name = Object.hasOwn(FTYPE_NAMES, base) ? FTYPE_NAMES[base as LlamaFtype] : "unknown, may not work";
  return guessed ? `(guessed) ${name}` : name;
}

// The type names llama-quantize accepts on its command line (QUANT_OPTIONS in
// tools/quantize/quantize.cpp), including its aliases Q3_K, Q4_K and Q5_K for the _M mixes.
// COPY is left out: it means "copy tensors unchanged", not a file type.
const QUANTIZE_NAMES: Readonly<Record<string, LlamaFtype>> = {
  Q1_0: LlamaFtype.MOSTLY_Q1_0,
  Q2_0: LlamaFtype.MOSTLY_Q2_0,
  Q4_0: LlamaFtype.MOSTLY_Q4_0,
  Q4_1: LlamaFtype.MOSTLY_Q4_1,
  MXFP4_MOE: LlamaFtype.MOSTLY_MXFP4_MOE,
  Q5_0: LlamaFtype.MOSTLY_Q5_0,
  Q5_1: LlamaFtype.MOSTLY_Q5_1,
  IQ2_XXS: LlamaFtype.MOSTLY_IQ2_XXS,
  IQ2_XS: LlamaFtype.MOSTLY_IQ2_XS,
  IQ2_S: LlamaFtype.MOSTLY_IQ2_S,
  IQ2_M: LlamaFtype.MOSTLY_IQ2_M,
  IQ1_S: LlamaFtype.MOSTLY_IQ1_S,
  IQ1_M: LlamaFtype.MOSTLY_IQ1_M,
  TQ1_0: LlamaFtype.MOSTLY_TQ1_0,
  TQ2_0: LlamaFtype.MOSTLY_TQ2_0,
  Q2_K: LlamaFtype.MOSTLY_Q2_K,
  Q2_K_S: LlamaFtype.MOSTLY_Q2_K_S,
  IQ3_XXS: LlamaFtype.MOSTLY_IQ3_XXS,
  IQ3_S: LlamaFtype.MOSTLY_IQ3_S,
  IQ3_M: LlamaFtype.MOSTLY_IQ3_M,
  Q3_K: LlamaFtype.MOSTLY_Q3_K_M,
  IQ3_XS: LlamaFtype.MOSTLY_IQ3_XS,
  Q3_K_S: LlamaFtype.MOSTLY_Q3_K_S,
  Q3_K_M: LlamaFtype.MOSTLY_Q3_K_M,
  Q3_K_L: LlamaFtype.MOSTLY_Q3_K_L,
  IQ4_NL: LlamaFtype.MOSTLY_IQ4_NL,
  IQ4_XS: LlamaFtype.MOSTLY_IQ4_XS,
  Q4_K: LlamaFtype.MOSTLY_Q4_K_M,
  Q4_K_S: LlamaFtype.MOSTLY_Q4_K_S,
  Q4_K_M: LlamaFtype.MOSTLY_Q4_K_M,
  Q5_K: LlamaFtype.MOSTLY_Q5_K_M,
  Q5_K_S: LlamaFtype.MOSTLY_Q5_K_S,
  Q5_K_M: LlamaFtype.MOSTLY_Q5_K_M,
  Q6_K: LlamaFtype.MOSTLY_Q6_K,
  Q8_0: LlamaFtype.MOSTLY_Q8_0,
  F16: LlamaFtype.MOSTLY_F16,
  BF16: LlamaFtype.MOSTLY_BF16,
  F32: LlamaFtype.ALL_F32,
};

/**
 * The file type for a llama-quantize type name ("Q5_K_M" → 17, "q4_k" → 15), case-insensitively,
 * or undefined when llama-quantize does not know the name.
 */
export function llamaFtypeFromQuantizeName(name: string): LlamaFtype | undefined {
  const key = name.toUpperCase();
  return Object.hasOwn(QUANTIZE_NAMES, key) ? QUANTIZE_NAMES[key] : undefined;
}
