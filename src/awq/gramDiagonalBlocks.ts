import { checkGramComplete, type LinearInputStatistics } from "./linearInputStatistics.js";

/**
 * The diagonal blocks of XᵀX / tokens for groups of `groupSize` input channels, [groups][groupSize²]
 * flattened (float64): the output error of a weight error confined to one group is δ·G_gg·δᵀ, which is
 * all the per-group clipping search needs. Optionally in a scaled input domain x/s
 * (G_ij / (s_i·s_j)), where the weights being clipped are W·diag(s).
 */
export function gramDiagonalBlocks(params: { stats: LinearInputStatistics; groupSize: number; inputScale?: Float32Array }): Float64Array {
  const { stats, groupSize, inputScale } = params;
  const { cols, count } = stats;
  const groups = cols / groupSize;
  const blocks = new Float64Array(groups * groupSize * groupSize);
  if (count === 0) return blocks;
  checkGramComplete(stats, "gramDiagonalBlocks");
  if (stats.gram) {
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < groupSize; i++) {
        const row = (g * groupSize + i) * cols + g * groupSize;
        for (let j = 0; j < groupSize; j++) blocks[(g * groupSize + i) * groupSize + j] = stats.gram[row + j];
      }
    }
  } else {
    const x = stats.rows!;
    for (let t = 0; t < count; t++) {
      const o = t * cols;
      for (let g = 0; g < groups; g++) {
        const base = o + g * groupSize;
        for (let i = 0; i < groupSize; i++) {
          const xi = x[base + i];
          if (xi === 0) continue;
          const b = (g * groupSize + i) * groupSize;
          for (let j = 0; j < groupSize; j++) blocks[b + j] += xi * x[base + j];
        }
      }
    }
  }
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < groupSize; i++) {
      const si = inputScale ? inputScale[g * groupSize + i] : 1;
      for (let j = 0; j < groupSize; j++) {
        const sj = inputScale ? inputScale[g * groupSize + j] : 1;
        blocks[(g * groupSize + i) * groupSize + j] /= count * si * sj;
      }
    }
  }
  return blocks;
}
