/**
 * What `oss-prep prune` and the pipeline's `prune` stage share: plan from the request, load the
 * calibration set when scoring needs one (a file, or CMMLU dev questions from a local copy or the Hub
 * dataset cached in the work dir), pick the matrix backend, and prune.
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { readGptOssConfig, type GptOssHyperparameters } from "../arch/gpt-oss/index.js";
import { createMatmulBackend, type MatmulBackendChoice } from "../calib/createMatmulBackend.js";
import type { CalibrationEngine } from "../calib/llama/calibrationEngines.js";
import { withCalibrationGguf } from "../calib/llama/withCalibrationGguf.js";
import { machineThreads } from "../util/threads.js";
import { CALIB_SEQLEN_DEFAULT } from "../calib/data/calibrationDefaults.js";
import { PRUNE_CALIB_TOKENS_DEFAULT } from "./pruneDefaults.js";
import { resolveCmmluDataset } from "../eval/cmmlu/resolveCmmluDataset.js";
import { type CalibrationSet, loadCalibrationSequences } from "../calib/data/loadCalibrationSequences.js";
import type { KeepCount } from "./parseKeepCount.js";
import { planPruning, type PrunePlan } from "./planPruning.js";
import { type PruneProgress, type PruneReport, pruneCheckpoint } from "./pruneCheckpoint.js";
import type { PruneOptionSource } from "./pruneOptionError.js";
import type { ExpertScoreMethod, HeadScoreMethod } from "./pruneScores.js";


export interface PruneRequest {
  targetParams?: number | { percent: number };
  expertsKeep?: KeepCount;
  headsKeep?: KeepCount;
  kvGroupsKeep?: KeepCount;
  score: ExpertScoreMethod;
  headScore?: HeadScoreMethod;
  /** Calibration file (.json token ids, or text); default CMMLU dev questions + the built-in text. */
  calib?: string;
  cmmluDir?: string;
  calibTokens?: number;
  calibSeqlen?: number;
  seed?: number;
  biasCompensation?: boolean;
  /** Matrix products of the TypeScript calibration pass: onnxruntime-node (default, ~3× faster on CPU) or plain TypeScript. */
  backend?: MatmulBackendChoice;
  /** Calibration forward pass; default llama. */
  engine?: CalibrationEngine;
  /** GGUF of the checkpoint for the llama engine (default: converted into a temporary file beside outDir). */
  gguf?: string;
}

export async function planPruningRequest(params: {
  dir: string;
  /** A model of models/ by name, planned from the shapes its file declares when `dir` does not exist (a dry run). */
  model?: string;
  request: PruneRequest;
  source?: PruneOptionSource;
}): Promise<PrunePlan> {
  const shape = (params.model !== undefined && !existsSync(params.dir) && (await declaredShape(params.model))) || (await readGptOssConfig({ dir: params.dir }));
  const { targetParams, expertsKeep, headsKeep, kvGroupsKeep } = params.request;
  return planPruning({ shape, targetParams, expertsKeep, headsKeep, kvGroupsKeep, source: params.source });
}

async function declaredShape(name: string): Promise<GptOssHyperparameters | undefined> {
  const { listModelSpecs } = await import("../pipeline/modelSpec.js");
  const spec = (await listModelSpecs()).find((m) => m.name === name);
  if (!spec) return undefined;
  const { declaredShapesOf } = await import("../synth/presets.js");
  return declaredShapesOf(spec).hp;
}

/** Whether this plan and method need a calibration pass (scores, or the means bias compensation adds back). */
export function pruningNeedsCalibration(plan: PrunePlan, request: PruneRequest): boolean {
  const headScore = request.headScore ?? (request.score === "random" ? "random" : "flap");
  const experts = plan.pruned.nExperts < plan.original.nExperts && request.score !== "random";
  const headsPruned = plan.pruned.nHeads < plan.original.nHeads;
  const heads = headsPruned && (headScore !== "random" || (request.biasCompensation ?? true));
  return experts || heads;
}

export async function runPruning(params: {
  dir: string;
  outDir: string;
  plan: PrunePlan;
  request: PruneRequest;
  workDir: string;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (progress: PruneProgress) => void;
  log?: (message: string) => void;
}): Promise<PruneReport> {
  const { dir, plan, request } = params;
  const log = params.log ?? (() => {});
  let calibration: CalibrationSet | undefined;
  if (pruningNeedsCalibration(plan, request)) {
    const source = request.calib
      ? ({ kind: "file", path: request.calib } as const)
      : ({ kind: "cmmlu", dataset: await resolveCmmluDataset({ cmmluDir: request.cmmluDir, workDir: params.workDir, signal: params.signal }), seed: request.seed, withBuiltinText: true } as const);
    calibration = await loadCalibrationSequences({
      source,
      checkpointDir: dir,
      maxTokens: request.calibTokens ?? PRUNE_CALIB_TOKENS_DEFAULT,
      sequenceLength: request.calibSeqlen ?? CALIB_SEQLEN_DEFAULT,
    });
    const tokens = calibration.sequences.reduce((n, s) => n + s.length, 0);
    log(`calibration: ${calibration.sequences.length} sequences, ${tokens} tokens (${calibration.description})`);
  }
  const engine = request.engine ?? "llama";
  // what both engines' runs share; only how the calibration forward runs differs
  const common = {
    dir,
    outDir: params.outDir,
    plan,
    expertScore: request.score,
    headScore: request.headScore,
    calibration,
    biasCompensation: request.biasCompensation,
    seed: request.seed,
    onProgress: params.onProgress,
    signal: params.signal,
  };
  if (calibration && engine === "llama") {
    return withCalibrationGguf({ dir, ggufPath: request.gguf, besideDir: dirname(params.outDir), signal: params.signal, log }, async (ggufPath) => {
      const { report } = await pruneCheckpoint({ ...common, engine: { kind: "llama", ggufPath, threads: params.threads ?? machineThreads() } });
      return report;
    });
  }
  const backend = calibration ? await createMatmulBackend({ choice: request.backend ?? "auto", threads: params.threads, log }) : undefined;
  try {
    const { report } = await pruneCheckpoint({ ...common, backend });
    return report;
  } finally {
    await backend?.dispose();
  }
}
