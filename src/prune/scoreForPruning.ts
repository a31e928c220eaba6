/**
 * One calibration pass of the unpruned model through the calibration engine, scoring every expert
 * (REAP, routing frequency, mean output norm) and every query head (FLAP fluctuation) of every layer.
 * One-shot: all layers are scored on the original model's activations, as REAP and FLAP do.
 */
import { type CalibProgress, type MatmulBackend, openGptOssWeights, runGptOss } from "../calib/index.js";
import { formatLlamaProgress } from "../calib/llama/formatLlamaProgress.js";
import { runLlamaGptOss } from "../calib/llama/runLlamaGptOss.js";
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
  /**
   * The forward pass: the TypeScript engine (default) or llama.cpp's on a GGUF of the same checkpoint
   * (runLlamaGptOss; the hooks are the same, fed per ubatch).
   */
  engine?: { kind: "ts" } | { kind: "llama"; ggufPath: string; threads: number; ubatch?: number };
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
    const engine = params.engine ?? { kind: "ts" };
    if (engine.kind === "llama") {
      await runLlamaGptOss({
        ggufPath: engine.ggufPath,
        sequences: params.sequences,
        threads: engine.threads,
        ubatch: engine.ubatch,
        hooks,
        // REAP needs the router logits and expert outputs, FLAP the o_proj input: nothing else is copied
        omit: ["attnInput", "mlpInput", "downInput"],
        signal: params.signal,
        onProgress: (p) =>
          params.onProgress?.({ phase: "forward", layer: 0, nLayers, done: p.tokensDone, total: p.tokensTotal, detail: formatLlamaProgress(p) }),
      });
      // llama.cpp read the weights from the GGUF: read each layer once here for FLAP's o_proj column norms
      for (let layer = 0; layer < nLayers; layer++) await weights.layer(layer);
    } else await runGptOss({
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
