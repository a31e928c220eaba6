import { f16ToF32 } from "../formats/float/floatConversions.js";
import { AWQ_REVERSE_ORDER, type AwqGemmTensors } from "./awqGemmLayout.js";
import type { AwqQuantizedWeight } from "./quantizeAwqGroups.js";

/** AutoAWQ GEMM tensors back to [out, in] levels with per-(output, group) zeros and scales (packing_utils.unpack_awq + reverse_awq_order). */
export function unpackAwqGemm(params: { tensors: AwqGemmTensors }): AwqQuantizedWeight {
  const { inFeatures, outFeatures, groupSize, qweight, qzeros, scales } = params.tensors;
  const packedCols = outFeatures / 8;
  const groups = inFeatures / groupSize;
  const q = new Uint8Array(outFeatures * inFeatures);
  for (let i = 0; i < inFeatures; i++) {
    for (let o = 0; o < outFeatures; o++) {
      const word = qweight[i * packedCols + (o >> 3)];
      q[o * inFeatures + i] = (word >>> (4 * AWQ_REVERSE_ORDER[o & 7])) & 0xf;
    }
  }
  const zeros = new Uint8Array(outFeatures * groups);
  const scaleBits = new Uint16Array(outFeatures * groups);
  for (let g = 0; g < groups; g++) {
    for (let o = 0; o < outFeatures; o++) {
      zeros[o * groups + g] = (qzeros[g * packedCols + (o >> 3)] >>> (4 * AWQ_REVERSE_ORDER[o & 7])) & 0xf;
      scaleBits[o * groups + g] = scales[g * outFeatures + o];
    }
  }
  return { rows: outFeatures, cols: inFeatures, groupSize, q, zeros, scaleBits, scales: f16ToF32(scaleBits) };
}
