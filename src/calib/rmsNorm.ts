import type { GptOssNumerics } from "./gptOssNumerics.js";

const f = Math.fround;

/**
 * GptOssRMSNorm over `rows` rows of width `weight.length`: x / sqrt(mean(x²) + eps) · weight, into a
 * fresh array (the residual stream it reads stays untouched).
 *
 * "fast": sum of squares in float64, one rounding of the inverse. "transformers": as torch computes it
 * in float32 — squares rounded to float32, mean = float32(sum) · float32(1/width), + float32(eps),
 * rsqrt, then x·r and weight·(x·r) each rounded (the sum itself is formed exactly and rounded once: the
 * order of CUDA's reduction is not reproducible here).
 */
export function rmsNorm(params: { x: Float32Array; rows: number; weight: Float32Array; eps: number; numerics?: GptOssNumerics }): Float32Array {
  const { x, rows, weight, eps } = params;
  const width = weight.length;
  const out = new Float32Array(rows * width);
  const torch = params.numerics === "transformers";
  const inverseWidth = f(1 / width);
  const epsF32 = f(eps);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let sumSquares = 0;
    if (torch) {
      for (let i = 0; i < width; i++) sumSquares += f(x[o + i] * x[o + i]);
      const inverse = f(1 / Math.sqrt(f(f(f(sumSquares) * inverseWidth) + epsF32)));
      for (let i = 0; i < width; i++) out[o + i] = weight[i] * f(x[o + i] * inverse);
    } else {
      for (let i = 0; i < width; i++) sumSquares += x[o + i] * x[o + i];
      const inverse = f(1 / Math.sqrt(f(sumSquares / width) + eps));
      for (let i = 0; i < width; i++) out[o + i] = weight[i] * f(x[o + i] * inverse);
    }
  }
  return out;
}
