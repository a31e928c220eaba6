/**
 * Prune a gpt-oss checkpoint by a plan: score heads and experts on calibration sequences (one pass of
 * the calibration engine), keep the best of each layer, compensate o_proj's bias for the removed heads,
 * and write the pruned checkpoint in the original layout with `pruning.json` (plan, method, kept
 * indices and scores per layer) beside the weights.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readGptOssConfig } from "../arch/gpt-oss/index.js";
import type { CalibrationSet } from "../calib/data/loadCalibrationSequences.js";
import type { CalibProgress, MatmulBackend } from "../calib/index.js";
import { openGptOssWeights } from "../calib/index.js";
import { UsageError } from "../errors.js";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "../formats/float/floatConversions.js";
import { openCheckpoint } from "../formats/safetensors/index.js";
import { tensorByteLength } from "../formats/safetensors/dtypes.js";
import { ensureFreeDiskSpace } from "../util/ensureFreeDiskSpace.js";
import { prunedTensorShapes } from "./prunedTensorShapes.js";
import { compensateOProjBias } from "./compensateOProjBias.js";
import type { PrunePlan } from "./planPruning.js";
import type { ExpertScoreMethod, HeadScoreMethod, PruneScores } from "./pruneScores.js";
import type { PruneSelection } from "./pruneSelection.js";
import { type ScoreForPruningParams, scoreForPruning } from "./scoreForPruning.js";
import { selectPrunedComponents } from "./selectPrunedComponents.js";
import { writePrunedCheckpoint, type WritePrunedCheckpointResult } from "./writePrunedCheckpoint.js";

export const PRUNING_REPORT_FILE = "pruning.json";

export type PruneProgress =
  | { phase: "calibrate"; calib: CalibProgress }
  | { phase: "write"; bytesWritten: number; totalBytes: number; tensor: string };

export interface PruneCheckpointParams {
  dir: string;
  /** An existing, empty folder. */
  outDir: string;
  plan: PrunePlan;
  expertScore: ExpertScoreMethod;
  /** Default: flap, or random when expertScore is random. */
  headScore?: HeadScoreMethod;
  /** Needed unless every pruned kind is chosen at random. */
  calibration?: CalibrationSet;
  /** Scores of an earlier pass over `calibration` (experiments comparing selections calibrate once). */
  scores?: PruneScores;
  /** Add the removed heads' mean o_proj contribution to its bias (needs calibration). Default true. */
  biasCompensation?: boolean;
  seed?: number;
  backend?: MatmulBackend;
  /** The calibration forward pass (see scoreForPruning); default the TypeScript engine. */
  engine?: ScoreForPruningParams["engine"];
  onProgress?: (progress: PruneProgress) => void;
  signal?: AbortSignal;
}

export interface PruneReport {
  schema: 1;
  source: string;
  plan: PrunePlan;
  method: {
    experts: ExpertScoreMethod;
    heads: HeadScoreMethod;
    bias_compensation: boolean;
    seed: number;
    description: string;
  };
  calibration: { description: string; sequences: number; tokens: number; seconds: number } | null;
  layers: Array<{
    layer: number;
    experts: { kept: number[]; removed: number[]; reap?: number[]; reap_topk?: number[]; reap_sum?: number[]; frequency?: number[]; norm?: number[]; routed_tokens?: number[] };
    heads: { kept: number[]; removed: number[]; kv_groups: number[]; flap?: number[] };
  }>;
  output: { parameters: number; tensor_bytes: number; files: WritePrunedCheckpointResult["files"] };
  seconds: { calibration: number; write: number };
}

export interface PruneResult {
  /** What pruning.json holds. */
  report: PruneReport;
  /** The kept indices and compensated biases that were written (createPrunedWeightProvider runs the same model in memory). */
  selection: PruneSelection;
}

export async function pruneCheckpoint(params: PruneCheckpointParams): Promise<PruneResult> {
  const { dir, plan, expertScore } = params;
  const headScore = params.headScore ?? (expertScore === "random" ? "random" : "flap");
  const seed = params.seed ?? 0;
  const config = await readGptOssConfig({ dir });
  if (config.nHeads !== plan.original.nHeads || config.nKvHeads !== plan.original.nKvHeads || config.nExperts !== plan.original.nExperts) {
    throw new RangeError(`pruneCheckpoint: the plan was made for ${plan.original.nHeads}/${plan.original.nKvHeads} heads and ${plan.original.nExperts} experts, ${dir} has ${config.nHeads}/${config.nKvHeads} and ${config.nExperts}`);
  }
  const pruningHeads = plan.pruned.nHeads < plan.original.nHeads;
  const pruningExperts = plan.pruned.nExperts < plan.original.nExperts;
  const compensate = pruningHeads && (params.biasCompensation ?? true) && params.calibration !== undefined;
  const needsScores = (pruningExperts && expertScore !== "random") || (pruningHeads && headScore !== "random");
  if (needsScores && !params.calibration) {
    throw new UsageError(`scoring ${pruningExperts && expertScore !== "random" ? `experts by ${expertScore}` : `heads by ${headScore}`} needs calibration sequences (or use random selection)`);
  }

  // the pruned checkpoint's size, from the kept counts, checked before the calibration pass (a full
  // disk was found only at write time, after the whole forward)
  {
    const checkpoint = await openCheckpoint({ dir });
    const tensors = checkpoint.tensors;
    await checkpoint.close();
    const shapes = prunedTensorShapes({ tensors, original: plan.original, pruned: plan.pruned, headDim: config.headDim });
    const neededBytes = shapes.reduce((sum, t) => sum + (tensorByteLength({ dtype: t.dtype, shape: t.shape }) ?? 0), 0);
    await ensureFreeDiskSpace({ dir: params.outDir, neededBytes, what: "the pruned checkpoint" });
  }
  let scores = params.scores;
  if (!scores && params.calibration && (needsScores || compensate)) {
    scores = await scoreForPruning({
      dir,
      sequences: params.calibration.sequences,
      backend: params.backend,
      engine: params.engine,
      signal: params.signal,
      onProgress: (calib) => params.onProgress?.({ phase: "calibrate", calib }),
    });
  }
  const selection = selectPrunedComponents({ plan, nLayers: config.nLayers, scores, expertScore, headScore, seed });
  if (compensate) await addBiasCompensation({ dir, selection, scores: scores!, headDim: config.headDim });

  const layers: PruneReport["layers"] = selection.layers.map((l, layer) => {
    const s = scores?.layers[layer];
    const removed = (kept: number[], n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => !kept.includes(i));
    return {
      layer,
      experts: {
        kept: l.experts,
        removed: removed(l.experts, config.nExperts),
        ...(s && { reap: round(s.experts.reap), reap_topk: round(s.experts.reap_topk), reap_sum: round(s.experts.reap_sum), frequency: round(s.experts.frequency), norm: round(s.experts.norm), routed_tokens: s.experts.routedTokens }),
      },
      heads: { kept: l.heads, removed: removed(l.heads, config.nHeads), kv_groups: l.kvGroups, ...(s && { flap: round(s.heads.flap) }) },
    };
  });
  const report: PruneReport = {
    schema: 1,
    source: dir,
    plan,
    method: {
      experts: expertScore,
      heads: headScore,
      bias_compensation: compensate,
      seed,
      description: describeMethod({ expertScore, headScore, compensate, pruningHeads, pruningExperts }),
    },
    calibration: params.calibration && scores ? { description: params.calibration.description, sequences: scores.sequences, tokens: scores.tokens, seconds: round([scores.seconds])[0] } : null,
    layers,
    output: { parameters: 0, tensor_bytes: 0, files: [] },
    seconds: { calibration: scores?.seconds ?? 0, write: 0 },
  };

  const t0 = performance.now();
  const written = await writePrunedCheckpoint({
    dir,
    outDir: params.outDir,
    selection,
    onProgress: (p) => params.onProgress?.({ phase: "write", ...p }),
    signal: params.signal,
  });
  if (written.parameterCount !== plan.after.total) {
    throw new Error(`pruneCheckpoint: wrote ${written.parameterCount} parameters, the plan says ${plan.after.total}`); // a planner/writer disagreement is a bug
  }
  report.seconds.write = (performance.now() - t0) / 1000;
  report.output = { parameters: written.parameterCount, tensor_bytes: written.tensorBytes, files: written.files };
  await writeFile(join(params.outDir, PRUNING_REPORT_FILE), `${JSON.stringify(report, null, 1)}\n`);
  return { report, selection };
}

/** FLAP compensation per layer, rounded to the bias's stored dtype so that the in-memory and written models agree exactly. */
async function addBiasCompensation(params: { dir: string; selection: PruneSelection; scores: PruneScores; headDim: number }): Promise<void> {
  const weights = await openGptOssWeights({ dir: params.dir });
  const checkpoint = await openCheckpoint({ dir: params.dir });
  try {
    for (const [layer, l] of params.selection.layers.entries()) {
      const lw = await weights.layer(layer);
      const dtype = checkpoint.get(`model.layers.${layer}.self_attn.o_proj.bias`).dtype;
      const exact = compensateOProjBias({
        bias: lw.attention.oBias,
        oWeight: lw.attention.oWeight,
        headDim: params.headDim,
        keptHeads: l.heads,
        inputMean: params.scores.layers[layer].oProjInputMean,
      });
      const f32 = Float32Array.from(exact);
      l.oProjBias = dtype === "BF16" ? bf16ToF32(f32ToBf16(f32)) : dtype === "F16" ? f16ToF32(f32ToF16(f32)) : f32;
    }
  } finally {
    await checkpoint.close();
    await weights.close();
  }
}

function describeMethod(p: { expertScore: ExpertScoreMethod; headScore: HeadScoreMethod; compensate: boolean; pruningHeads: boolean; pruningExperts: boolean }): string {
  const parts: string[] = [];
  if (p.pruningExperts) {
    parts.push(
      {
        reap: "experts ranked per layer by REAP (mean over routed tokens of router probability × ‖expert output‖₂)",
        reap_topk: "experts ranked per layer by REAP with top-k renormalised gate weights",
        reap_sum: "experts ranked per layer by Σ router probability × ‖expert output‖₂ over all tokens (REAP × frequency)",
        frequency: "experts ranked per layer by routing frequency",
        norm: "experts ranked per layer by mean ‖expert output‖₂ over routed tokens",
        random: "experts chosen at random per layer (seeded)",
      }[p.expertScore],
    );
  }
  if (p.pruningHeads) {
    parts.push(
      p.headScore === "flap"
        ? "query heads ranked per layer by FLAP fluctuation (Σ Var(o_proj input channel) · ‖o_proj column‖²), KV groups by the sum of their heads"
        : "query heads chosen at random per layer (seeded), uniformly per KV group",
    );
    parts.push(p.compensate ? "o_proj bias compensated with the removed heads' mean contribution" : "no bias compensation");
  }
  return parts.length ? parts.join("; ") : "nothing pruned";
}

function round(values: number[]): number[] {
  return values.map((v) => Number(v.toPrecision(6)));
}
