import type { MatmulBackend } from "../calib/matmulBackend.js";
import { awqScaleCandidates, AWQ_SCALE_GRID } from "./awqScaleCandidates.js";
import { awqScaleLosses } from "./awqScaleLosses.js";
import type { LinearInputStatistics } from "./linearInputStatistics.js";

export interface AwqScaleSearch {
  alpha: number;
  /** [cols]: the chosen per-input-channel scale. */
  scale: Float32Array;
  /** Output error at the chosen α, and at α = 0 (round-to-nearest). */
  loss: number;
  rtnLoss: number;
  /** Output error at every grid point, α = i / grid. */
  losses: number[];
}

/**
 * AWQ's scale search for linears that share one input (their weights stacked by rows in `weight`):
 * the α of the grid with the lowest output error. α = 0 is on the grid, so the result is never worse
 * than round-to-nearest on this objective; ties keep the smaller α.
 */
export async function searchAwqScale(params: {
  weight: Float32Array;
  rows: number;
  cols: number;
  groupSize: number;
  stats: LinearInputStatistics;
  /** Per-channel mean |x| the scales are built from; default the statistics' own (GQA passes one shared per KV group). */
  meanAbs?: Float32Array | Float64Array;
  grid?: number;
  /** [rows]: weights of the rows' squared errors, default 1 (see outputErrorLoss). */
  rowWeights?: Float64Array;
  /** [rows]: weights of the rows' mean-input errors (outputErrorLoss). */
  meanRowWeights?: Float64Array;
  /** awqScaleLosses' gramRank. */
  gramRank?: number;
  backend: MatmulBackend;
  signal?: AbortSignal;
}): Promise<AwqScaleSearch> {
  const { stats } = params;
  const meanAbs = params.meanAbs ?? stats.sumAbs.map((v) => v / Math.max(1, stats.count));
  const candidates = awqScaleCandidates({ meanAbs, grid: params.grid ?? AWQ_SCALE_GRID });
  const losses = await awqScaleLosses({ ...params, candidates });
  let best = 0;
  for (let i = 1; i < losses.length; i++) if (losses[i] < losses[best]) best = i;
  return { alpha: candidates[best].alpha, scale: candidates[best].scale, loss: losses[best], rtnLoss: losses[0], losses };
}
