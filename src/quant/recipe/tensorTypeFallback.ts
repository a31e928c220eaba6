/**
 * tensor_type_fallback (src/llama-quant.cpp:372-425): when a row (ne0) is not a whole number of
 * the target type's blocks, llama.cpp demotes to a type with 32-element blocks, and to F16 when
 * even that does not fit. For gpt-oss this matters everywhere: 2880 is not a multiple of 256.
 */
import { GgmlType, ggmlBlockSize, ggmlTypeName } from "../../formats/gguf/ggmlTypes.js";

// llama-quant.cpp:384-400: the demotion table.
const FALLBACK: ReadonlyMap<GgmlType, GgmlType> = new Map([
  [GgmlType.IQ1_S, GgmlType.IQ4_NL],
  [GgmlType.IQ1_M, GgmlType.IQ4_NL],
  [GgmlType.IQ2_XXS, GgmlType.IQ4_NL],
  [GgmlType.IQ2_XS, GgmlType.IQ4_NL],
  [GgmlType.IQ2_S, GgmlType.IQ4_NL],
  [GgmlType.IQ3_XXS, GgmlType.IQ4_NL],
  [GgmlType.IQ3_S, GgmlType.IQ4_NL],
  [GgmlType.IQ4_XS, GgmlType.IQ4_NL],
  [GgmlType.Q2_0, GgmlType.Q4_0],
  [GgmlType.Q2_K, GgmlType.Q4_0],
  [GgmlType.Q3_K, GgmlType.Q4_0],
  [GgmlType.TQ1_0, GgmlType.Q4_0],
  [GgmlType.TQ2_0, GgmlType.Q4_0],
  [GgmlType.Q4_K, GgmlType.Q5_0],
  [GgmlType.Q5_K, GgmlType.Q5_1],
  [GgmlType.Q6_K, GgmlType.Q8_0],
]);

export interface FallbackResult {
  type: GgmlType;
  /** True when ne0 did not fit the requested type (llama.cpp counts these in n_fallback). */
  fellBack: boolean;
}

export function tensorTypeFallback(params: { name: string; ne0: number; type: GgmlType }): FallbackResult {
  const { ne0, type } = params;
  const blockSize = ggmlBlockSize(type);
  if (ne0 % blockSize === 0) return { type, fellBack: false };
  let fallback = FALLBACK.get(type);
  if (fallback === undefined) {
    // llama-quant.cpp:401-410: a 32-block type has nothing smaller to demote to (F16 below);
    // a larger block with no table entry is an error in llama.cpp too.
    if (blockSize > 32) throw new RangeError(`no tensor type fallback is defined for type ${ggmlTypeName(type)} (${params.name})`);
    fallback = type;
  }
  // llama-quant.cpp:411-423: still incompatible → F16
  if (ne0 % ggmlBlockSize(fallback) !== 0) fallback = GgmlType.F16;
  return { type: fallback, fellBack: true };
}
