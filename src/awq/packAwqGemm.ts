import { AWQ_ORDER, type AwqGemmTensors } from "./awqGemmLayout.js";
import type { AwqQuantizedWeight } from "./quantizeAwqGroups.js";

/**
 * A quantized weight ([out, in] levels, per-(output, group) zeros and fp16 scales) in the AutoAWQ GEMM
 * layout: transposed to input-major and packed 8 outputs per int32 in AWQ_ORDER (see awqGemmLayout).
 */
export function packAwqGemm(params: { weight: AwqQuantizedWeight }): AwqGemmTensors {
  const { rows: outFeatures, cols: inFeatures, groupSize, q, zeros, scaleBits } = params.weight;
  if (outFeatures % 8 !== 0) throw new RangeError(`packAwqGemm: out_features ${outFeatures} is not a multiple of 8`);
  const packedCols = outFeatures / 8;
  const groups = inFeatures / groupSize;
  const qweight = new Int32Array(inFeatures * packedCols);
  for (let i = 0; i < inFeatures; i++) {
    for (let c = 0; c < packedCols; c++) {
      let word = 0;
      for (let n = 0; n < 8; n++) word |= q[(8 * c + AWQ_ORDER[n]) * inFeatures + i] << (4 * n);
      qweight[i * packedCols + c] = word;
    }
  }
  const qzeros = new Int32Array(groups * packedCols);
  const scalesOut = new Uint16Array(groups * outFeatures);
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < packedCols; c++) {
      let word = 0;
      for (let n = 0; n < 8; n++) word |= zeros[(8 * c + AWQ_ORDER[n]) * groups + g] << (4 * n);
      qzeros[g * packedCols + c] = word;
    }
    for (let o = 0; o < outFeatures; o++) scalesOut[g * outFeatures + o] = scaleBits[o * groups + g];
  }
  return { inFeatures, outFeatures, groupSize, qweight, qzeros, scales: scalesOut };
}
