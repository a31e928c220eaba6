/**
 * The AutoAWQ GEMM checkpoint layout (awq/modules/linear/gemm.py, WQLinear_GEMM.from_linear): for a
 * linear with in_features I and out_features O, in groups of G inputs,
 * - `qweight` int32 [I, O/8]: column c packs the levels of outputs 8c…8c+7 of one input, the level of
 *   output 8c + AWQ_ORDER[i] in bits 4i…4i+3;
 * - `qzeros` int32 [I/G, O/8]: the zero points, packed the same way;
 * - `scales` fp16 [I/G, O];
 * and w[o][i] = (q − z)·s (awq/utils/packing_utils.py, dequantize_gemm).
 */
export const AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7] as const;
/** Nibble index holding output 8c + j: the inverse permutation (AWQ_REVERSE_ORDER in packing_utils.py). */
export const AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7] as const;

export interface AwqGemmTensors {
  /** in_features, out_features, group size. */
  inFeatures: number;
  outFeatures: number;
  groupSize: number;
  /** [inFeatures, outFeatures/8]. */
  qweight: Int32Array;
  /** [inFeatures/groupSize, outFeatures/8]. */
  qzeros: Int32Array;
  /** [inFeatures/groupSize, outFeatures] fp16 bits. */
  scales: Uint16Array;
}
