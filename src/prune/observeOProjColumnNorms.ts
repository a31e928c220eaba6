/**
 * A weight provider that passes everything through and, each time the engine reads a layer, records
 * ‖W_o[:, j]‖² for every o_proj input channel j — the weight half of FLAP's fluctuation metric — so
 * scoring needs no second read of the attention weights.
 */
import type { GptOssWeightProvider } from "../calib/index.js";

export function observeOProjColumnNorms(weights: GptOssWeightProvider): { weights: GptOssWeightProvider; columnNorms: Array<Float64Array | undefined> } {
  const { hidden, nHeads, headDim, nLayers } = weights.config;
  const width = nHeads * headDim;
  const columnNorms: Array<Float64Array | undefined> = new Array(nLayers).fill(undefined);
  const observed: GptOssWeightProvider = {
    config: weights.config,
    embeddingRows: (ids) => weights.embeddingRows(ids),
    async layer(layer) {
      const lw = await weights.layer(layer);
      const w = lw.attention.oWeight;
      const norms = new Float64Array(width);
      for (let i = 0; i < hidden; i++) {
        const row = i * width;
        for (let j = 0; j < width; j++) norms[j] += w[row + j] * w[row + j];
      }
      columnNorms[layer] = norms;
      return lw;
    },
    expert: (layer, expert) => weights.expert(layer, expert),
    finalNorm: () => weights.finalNorm(),
    lmHeadRows: (start, end) => weights.lmHeadRows(start, end),
    close: () => weights.close(),
  };
  return { weights: observed, columnNorms };
}
