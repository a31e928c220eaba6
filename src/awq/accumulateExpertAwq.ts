import type { GptOssExpertWeights } from "../calib/gptOssWeights.js";
import type { MatmulBackend } from "../calib/matmulBackend.js";
import { awqScaleLosses } from "./awqScaleLosses.js";
import type { MoeAwqState } from "./finishGptOssMoeAwq.js";
import { gramDiagonalBlocks } from "./gramDiagonalBlocks.js";
import { packAwqGemm } from "./packAwqGemm.js";
import { quantizeAwqGroups } from "./quantizeAwqGroups.js";
import { searchAwqClip } from "./searchAwqClip.js";

/**
 * One expert's part of the MoE scale search, once all its routed tokens are in its statistics (both
 * drivers: the TypeScript one as the engine reaches the expert, the statistics-first one per layer):
 * adds its gate_up output error per candidate scale to the layer's sums, keeps its Gram diagonal blocks
 * for the clipping after α is chosen, and quantizes down_proj (clipped unless `clip` is off; down_proj's
 * input is not scale-equivariant, so it takes no scale). Its statistics are released.
 */
export async function accumulateExpertAwq(params: {
  state: MoeAwqState;
  expert: number;
  weights: GptOssExpertWeights;
  hidden: number;
  ffn: number;
  groupSize: number;
  clip: boolean;
  /** awqScaleLosses' gramRank. */
  gramRank?: number;
  backend: MatmulBackend;
  signal?: AbortSignal;
}): Promise<void> {
  const { state, expert, weights: ew, hidden, ffn, groupSize, backend, signal } = params;
  const input = state.input.get(expert)!;
  const losses = await awqScaleLosses({ weight: ew.gateUp, rows: 2 * ffn, cols: hidden, groupSize, stats: input, candidates: state.candidates, gramRank: params.gramRank, backend, signal });
  losses.forEach((l, i) => {
    state.losses[i] += l;
  });
  state.gateUpBlocks.set(expert, gramDiagonalBlocks({ stats: input, groupSize }));
  state.input.delete(expert);
  const downStats = state.downInput.get(expert)!;
  state.downInput.delete(expert);
  if (!params.clip) {
    state.down.set(expert, { tensors: packAwqGemm({ weight: quantizeAwqGroups({ weight: ew.down, rows: hidden, cols: ffn, groupSize }) }) });
    return;
  }
  const downClip = await searchAwqClip({ weight: ew.down, rows: hidden, cols: ffn, groupSize, blocks: gramDiagonalBlocks({ stats: downStats, groupSize }), backend, signal });
  state.down.set(expert, {
    tensors: packAwqGemm({ weight: quantizeAwqGroups({ weight: ew.down, rows: hidden, cols: ffn, groupSize, clipMax: downClip.clipMax }) }),
    clip: { linear: "down_proj", lossBefore: downClip.lossBefore, lossAfter: downClip.lossAfter, clippedGroups: downClip.clippedGroups, groups: downClip.clipMax.length },
  });
}
