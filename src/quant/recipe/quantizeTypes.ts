/**
 * The quantization types `oss-prep quantize --type` offers: llama-quantize's names, the llama_ftype
 * each selects, and that ftype's default tensor type (llama_ftype_get_default_type,
 * src/llama-quant.cpp:847-891). The recipe (recipeRules.ts) is ported for exactly these ftypes.
 */
import { UsageError } from "../../errors.js";
import { GgmlType } from "../../formats/gguf/ggmlTypes.js";
import { LlamaFtype } from "../../formats/gguf/llamaFtype.js";

export const QUANTIZE_TYPE_NAMES = ["Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "Q8_0", "MXFP4_MOE", "F16", "BF16"] as const;
export type QuantizeTypeName = (typeof QUANTIZE_TYPE_NAMES)[number];

export interface QuantizeType {
  name: QuantizeTypeName;
  ftype: LlamaFtype;
  /** llama_ftype_get_default_type(ftype). */
  defaultType: GgmlType;
}

const TYPES: Readonly<Record<QuantizeTypeName, QuantizeType>> = {
  Q4_K_S: { name: "Q4_K_S", ftype: LlamaFtype.MOSTLY_Q4_K_S, defaultType: GgmlType.Q4_K },
  Q4_K_M: { name: "Q4_K_M", ftype: LlamaFtype.MOSTLY_Q4_K_M, defaultType: GgmlType.Q4_K },
  Q5_K_S: { name: "Q5_K_S", ftype: LlamaFtype.MOSTLY_Q5_K_S, defaultType: GgmlType.Q5_K },
  Q5_K_M: { name: "Q5_K_M", ftype: LlamaFtype.MOSTLY_Q5_K_M, defaultType: GgmlType.Q5_K },
  Q6_K: { name: "Q6_K", ftype: LlamaFtype.MOSTLY_Q6_K, defaultType: GgmlType.Q6_K },
  Q8_0: { name: "Q8_0", ftype: LlamaFtype.MOSTLY_Q8_0, defaultType: GgmlType.Q8_0 },
  MXFP4_MOE: { name: "MXFP4_MOE", ftype: LlamaFtype.MOSTLY_MXFP4_MOE, defaultType: GgmlType.MXFP4 },
  F16: { name: "F16", ftype: LlamaFtype.MOSTLY_F16, defaultType: GgmlType.F16 },
  BF16: { name: "BF16", ftype: LlamaFtype.MOSTLY_BF16, defaultType: GgmlType.BF16 },
};

/** The quantize type for a name, case-insensitively ("q5_k_m" works); UsageError for any other name. */
export function quantizeTypeFromName(name: string): QuantizeType {
  const key = name.toUpperCase();
  if (!Object.hasOwn(TYPES, key)) {
    throw new UsageError(`unknown quantization type ${JSON.stringify(name)}; expected one of ${QUANTIZE_TYPE_NAMES.join(", ")}`);
  }
  return TYPES[key as QuantizeTypeName];
}
