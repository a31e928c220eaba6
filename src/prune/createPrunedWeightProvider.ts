/**
 * The pruned model without writing it: a weight provider over the original that drops experts, router
 * rows, query heads (q rows, o columns, sinks) and KV groups in memory, per a PruneSelection. What
 * writePrunedCheckpoint writes must run exactly like this (tested), and quality experiments can
 * compare selections through the calibration engine without a checkpoint per candidate.
 */
import type { GptOssLayerWeights, GptOssWeightProvider } from "../calib/index.js";
import type { PruneSelection } from "./pruneSelection.js";

export function createPrunedWeightProvider(params: { weights: GptOssWeightProvider; selection: PruneSelection }): GptOssWeightProvider {
  const { weights, selection } = params;
  const original = weights.config;
  const { hidden, headDim } = original;
  const first = selection.layers[0];
  const config = { ...original, nHeads: first.heads.length, nKvHeads: first.kvGroups.length, nExperts: first.experts.length };
  /** Rows of a row-major matrix [rows·rowWidth] grouped in blocks of `block` rows, keeping blocks `keep`. */
  const rowBlocks = (a: Float32Array, rowWidth: number, block: number, keep: number[]) => {
    const size = rowWidth * block;
    const out = new Float32Array(keep.length * size);
    keep.forEach((b, i) => { out.set(a.subarray(b * size, (b + 1) * size), i * size); });
    return out;
  };
  return {
    config,
    embeddingRows: (ids) => weights.embeddingRows(ids),
    async layer(layer): Promise<GptOssLayerWeights> {
      const lw = await weights.layer(layer);
      const { heads, kvGroups, experts, oProjBias } = selection.layers[layer];
      const a = lw.attention;
      const width = original.nHeads * headDim;
      const oWeight = new Float32Array(hidden * heads.length * headDim);
      for (let i = 0; i < hidden; i++) {
        heads.forEach((h, k) => { oWeight.set(a.oWeight.subarray(i * width + h * headDim, i * width + (h + 1) * headDim), (i * heads.length + k) * headDim); });
      }
      return {
        inputNorm: lw.inputNorm,
        postAttentionNorm: lw.postAttentionNorm,
        attention: {
          qWeight: rowBlocks(a.qWeight, hidden, headDim, heads),
          qBias: rowBlocks(a.qBias, 1, headDim, heads),
          kWeight: rowBlocks(a.kWeight, hidden, headDim, kvGroups),
          kBias: rowBlocks(a.kBias, 1, headDim, kvGroups),
          vWeight: rowBlocks(a.vWeight, hidden, headDim, kvGroups),
          vBias: rowBlocks(a.vBias, 1, headDim, kvGroups),
          oWeight,
          oBias: oProjBias ?? a.oBias,
          sinks: rowBlocks(a.sinks, 1, 1, heads),
        },
        routerWeight: rowBlocks(lw.routerWeight, hidden, 1, experts),
        routerBias: rowBlocks(lw.routerBias, 1, 1, experts),
      };
    },
    expert: (layer, expert) => {
      const experts = selection.layers[layer].experts;
      if (!Number.isInteger(expert) || expert < 0 || expert >= experts.length) throw new RangeError(`expert ${expert} is not in [0, ${experts.length})`);
      return weights.expert(layer, experts[expert]);
    },
    finalNorm: () => weights.finalNorm(),
    lmHeadRows: (start, end) => weights.lmHeadRows(start, end),
    close: () => weights.close(),
  };
}
