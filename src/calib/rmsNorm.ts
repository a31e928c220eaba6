/**
 * GptOssRMSNorm over `rows` rows of width `weight.length`: x / sqrt(mean(x²) + eps) · weight, into a
 * fresh array (the residual stream it reads stays untouched). Sum of squares in float64.
 */
export function rmsNorm(params: { x: Float32Array; rows: number; weight: Float32Array; eps: number }): Float32Array {
  const { x, rows, weight, eps } = params;
  const width = weight.length;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let sumSquares = 0;
    for (let i = 0; i < width; i++) sumSquares += x[o + i] * x[o + i];
    const inverse = Math.fround(1 / Math.sqrt(Math.fround(sumSquares / width) + eps));
    for (let i = 0; i < width; i++) out[o + i] = weight[i] * Math.fround(x[o + i] * inverse);
  }
  return out;
}
