/** W·diag(s) for W [rows, cols] (s > 0): the weight side of folding a per-input-channel scale. Fresh array. */
export function scaleWeightColumns(params: { weight: Float32Array; rows: number; cols: number; scale: Float32Array }): Float32Array {
  const { weight, rows, cols, scale } = params;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[o + c] = weight[o + c] * scale[c];
  }
  return out;
}
