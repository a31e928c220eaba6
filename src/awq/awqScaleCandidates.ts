/** AWQ's default grid: α = 0, 1/20, …, 19/20. */
export const AWQ_SCALE_GRID = 20;

export interface AwqScaleCandidate {
  alpha: number;
  /** Per input channel: the weight columns are multiplied by it, its producer divided by it. */
  scale: Float32Array;
}

/**
 * The scales AWQ tries for one group of linears (AutoAWQ's _search_best_scale without duo scaling):
 * s = max(mean|x|^α, 1e-4), normalised by √(max s · min s) so the scaled weights keep their magnitude,
 * for α on a grid of `grid` points in [0, 1). α = 0 gives s = 1: plain round-to-nearest.
 */
export function awqScaleCandidates(params: { meanAbs: Float32Array | Float64Array; grid?: number }): AwqScaleCandidate[] {
  const { meanAbs } = params;
  const grid = params.grid ?? AWQ_SCALE_GRID;
  const candidates: AwqScaleCandidate[] = [];
  for (let i = 0; i < grid; i++) {
    const alpha = i / grid;
    const scale = new Float32Array(meanAbs.length);
    let max = -Infinity;
    let min = Infinity;
    for (let c = 0; c < meanAbs.length; c++) {
      const s = Math.max(meanAbs[c] ** alpha, 1e-4);
      scale[c] = s;
      if (scale[c] > max) max = scale[c];
      if (scale[c] < min) min = scale[c];
    }
    const norm = Math.sqrt(max * min);
    for (let c = 0; c < scale.length; c++) scale[c] /= norm;
    candidates.push({ alpha, scale });
  }
  return candidates;
}
