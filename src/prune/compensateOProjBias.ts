/**
 * FLAP's bias compensation: o_proj is linear, so a removed input channel j contributes on average
 * W_o[:, j] · E[x_j] to the output; adding that to o_proj's bias keeps the layer's mean output where
 * it was. gpt-oss's o_proj has a bias, so this needs no architecture change.
 */
export function compensateOProjBias(params: {
  /** Original bias [hidden]. */
  bias: Float32Array;
  /** o_proj weight [hidden, nHeads·headDim]. */
  oWeight: Float32Array;
  headDim: number;
  /** Kept query heads (original indices). */
  keptHeads: readonly number[];
  /** Mean o_proj input per channel over the calibration tokens [nHeads·headDim]. */
  inputMean: Float64Array;
}): Float64Array {
  const { bias, oWeight, headDim, keptHeads, inputMean } = params;
  const hidden = bias.length;
  const width = inputMean.length;
  if (oWeight.length !== hidden * width) throw new RangeError(`compensateOProjBias: weight of ${oWeight.length} values is not [${hidden}, ${width}]`);
  const kept = new Set(keptHeads);
  const removed: number[] = [];
  for (let j = 0; j < width; j++) if (!kept.has(Math.floor(j / headDim))) removed.push(j);
  const out = Float64Array.from(bias);
  for (let i = 0; i < hidden; i++) {
    const row = i * width;
    let s = 0;
    for (const j of removed) s += oWeight[row + j] * inputMean[j];
    out[i] += s;
  }
  return out;
}
