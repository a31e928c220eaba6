import { checkMatmulBiasParams, type MatmulBackend, type MatmulBiasParams } from "./matmulBackend.js";

/**
 * Pure TypeScript `x · Wᵀ + b`, used by tests and wherever onnxruntime-node is not installed.
 *
 * Both operands are read along k (x's rows and W's rows are contiguous in k), so the kernel is a grid
 * of dot products. It computes a 4 × 4 tile of outputs per pass over k: 8 loads feed 16 multiply-adds,
 * and the 4 rows of x stay in cache while W streams past. Accumulation is in float64 (JS numbers), one
 * rounding to float32 at the end — at least as accurate as a float32 BLAS.
 */
export function createPlainMatmulBackend(): MatmulBackend {
  return {
    name: "plain-ts",
    async matmulBias(params) {
      return plainMatmulBias(params);
    },
    async dispose() {},
  };
}

/** The synchronous kernel (also handy for small products where a Promise is overhead). */
export function plainMatmulBias(params: MatmulBiasParams): Float32Array {
  checkMatmulBiasParams(params);
  const { x, n, k, weight: w, m, bias } = params;
  const y = new Float32Array(n * m);
  const n4 = n - (n % 4);
  const m4 = m - (m % 4);
  for (let i = 0; i < n4; i += 4) {
    const x0 = i * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
    for (let j = 0; j < m4; j += 4) {
      const w0 = j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0; p < k; p++) {
        const a0 = x[x0 + p], a1 = x[x1 + p], a2 = x[x2 + p], a3 = x[x3 + p];
        const b0 = w[w0 + p], b1 = w[w1 + p], b2 = w[w2 + p], b3 = w[w3 + p];
        s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
        s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
        s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
        s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
      }
      const b0 = bias ? bias[j] : 0, b1 = bias ? bias[j + 1] : 0, b2 = bias ? bias[j + 2] : 0, b3 = bias ? bias[j + 3] : 0;
      let o = i * m + j;
      y[o] = s00 + b0; y[o + 1] = s01 + b1; y[o + 2] = s02 + b2; y[o + 3] = s03 + b3;
      o += m;
      y[o] = s10 + b0; y[o + 1] = s11 + b1; y[o + 2] = s12 + b2; y[o + 3] = s13 + b3;
      o += m;
      y[o] = s20 + b0; y[o + 1] = s21 + b1; y[o + 2] = s22 + b2; y[o + 3] = s23 + b3;
      o += m;
      y[o] = s30 + b0; y[o + 1] = s31 + b1; y[o + 2] = s32 + b2; y[o + 3] = s33 + b3;
    }
    for (let r = i; r < i + 4; r++) for (let j = m4; j < m; j++) y[r * m + j] = dot(x, r * k, w, j * k, k) + (bias ? bias[j] : 0);
  }
  for (let r = n4; r < n; r++) for (let j = 0; j < m; j++) y[r * m + j] = dot(x, r * k, w, j * k, k) + (bias ? bias[j] : 0);
  return y;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[ao + p] * b[bo + p];
  return s;
}
