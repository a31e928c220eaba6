/**
 * One calibration pass of the unpruned model through the calibration engine, scoring every expert
 * (REAP, routing frequency, mean output norm) and every query head (FLAP fluctuation) of every layer.
 * One-shot: all layers are scored on the original model's activations, as REAP and FLAP do.
 */
import { type CalibProgress, type MatmulBackend, openGptOssWeights, runGptOss } from "../calib/index.js";
import { createPruneScoringHooks } from "./createPruneScoringHooks.js";
import { observeOProjColumnNorms } from "./observeOProjColumnNorms.js";
import type { LayerPruneScores, PruneScores } from "./pruneScores.js";

export interface ScoreForPruningParams {
  /** Checkpoint folder. */
  dir: string;
  /** Calibration token sequences. */
  sequences: number[][];
  /** Default: the calibration engine's plain TypeScript backend. The caller disposes a backend it passes. */
  backend?: MatmulBackend;
  onProgress?: (progress: CalibProgress) => void;
  signal?: AbortSignal;
}

export async function scoreForPruning(params: ScoreForPruningParams): Promise<PruneScores> {
  const t0 = performance.now();
  const opened = await openGptOssWeights({ dir: params.dir });
  const { nLayers, nExperts, nHeads, headDim } = opened.config;
  const { weights, columnNorms } = observeOProjColumnNorms(opened);
  const { hooks, layers } = createPruneScoringHooks({ nLayers, nExperts, oProjWidth: nHeads * headDim });
  try {
    await runGptOss({
      weights,
      sequences: params.sequences,
      backend: params.backend,
      hooks,
      logits: "none",
      onProgress: (p) => {
        // the engine has no signal of its own: stopping between steps is what a progress callback can do
        params.signal?.throwIfAborted();
        params.onProgress?.(p);
      },
    });
  } finally {
    await weights.close();
  }
  const tokens = params.sequences.reduce((n, s) => n + s.length, 0);
  const scored: LayerPruneScores[] = layers.map((acc, layer) => {
    const mean = (sums: Float64Array) => Array.from(sums, (s, e) => (acc.routedTokens[e] > 0 ? s / acc.routedTokens[e] : 0));
    const n = acc.attentionRows;
    const norms = columnNorms[layer]!;
    const width = nHeads * headDim;
    const oProjInputMean = new Float64Array(width);
    const flap = new Array<number>(nHeads).fill(0);
    for (let j = 0; j < width; j++) {
      const m = acc.channelSum[j] / n;
      oProjInputMean[j] = m;
      // sample variance; Σx² − n·m² in float64 is exact enough for activations of this magnitude
      const variance = Math.max(0, (acc.channelSumSquares[j] - n * m * m) / Math.max(1, n - 1));
      flap[Math.floor(j / headDim)] += variance * norms[j];
    }
    return {
      layer,
      experts: {
        routedTokens: Array.from(acc.routedTokens),
        frequency: Array.from(acc.routedTokens, (c) => c / Math.max(1, acc.tokens)),
        reap: mean(acc.reapSum),
        reap_topk: mean(acc.reapTopkSum),
        reap_sum: Array.from(acc.reapSum, (sum) => sum / Math.max(1, acc.tokens)),
        norm: mean(acc.normSum),
      },
      heads: { flap },
      oProjInputMean,
    };
  });
  return { sequences: params.sequences.length, tokens, layers: scored, seconds: (performance.now() - t0) / 1000 };
}
