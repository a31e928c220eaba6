import { rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { modelNameFromDir } from "../arch/gpt-oss/index.js";
import { createMatmulBackend, type MatmulBackendChoice } from "../calib/createMatmulBackend.js";
import { createPlainMatmulBackend } from "../calib/createPlainMatmulBackend.js";
import { CALIBRATION_ENGINES, type CalibrationEngine } from "../calib/llama/calibrationEngines.js";
import { withCalibrationGguf } from "../calib/llama/withCalibrationGguf.js";
import { UsageError } from "../errors.js";
import { openCheckpoint } from "../formats/safetensors/index.js";
import { ensureFreeDiskSpace } from "../util/ensureFreeDiskSpace.js";
import { machineThreads } from "../util/threads.js";
import { CALIB_SEQLEN_DEFAULT } from "../calib/data/calibrationDefaults.js";
import { AWQ_CALIB_SAMPLES_DEFAULT, AWQ_GRAM_RANK, type AwqExpertPolicy, type AwqLayerReport, type AwqLayerResult, type AwqLayerScales, type AwqMethod, type AwqProgress } from "./awqTypes.js";
import { BUILTIN_CALIBRATION_DOCUMENTS, BUILTIN_CALIBRATION_NAME } from "../calib/data/builtinCalibrationText.js";
import { buildCalibrationSequences } from "../calib/data/buildCalibrationSequences.js";
import { readByteLevelBpeEncoder } from "../formats/tokenizer/readByteLevelBpeEncoder.js";
import { readCalibrationDocuments } from "../calib/data/readCalibrationDocuments.js";
import { checkAwqInput } from "./checkAwqInput.js";
import { createAwqCheckpointWriter } from "./createAwqCheckpointWriter.js";
import { searchGptOssAwq } from "./searchGptOssAwq.js";
import { searchGptOssAwqFromStatistics } from "./searchGptOssAwqFromStatistics.js";
import type { AttentionAwqObjective } from "./searchAttentionAwq.js";
import { writeAwqGguf, type WriteAwqGgufResult } from "./writeAwqGguf.js";


export interface QuantizeAwqParams {
  /** Original gpt-oss checkpoint (MXFP4 experts, bf16 dense layers). */
  dir: string;
  /** Folder that receives the GGUF and the Hugging Face checkpoint (created if needed). */
  outDir: string;
  /** Default 32. */
  groupSize?: number;
  /** Default keep. */
  experts?: AwqExpertPolicy;
  /** Default awq; rtn is the round-to-nearest baseline on the same grid. */
  method?: AwqMethod;
  /** AWQ's clipping search after the scale search (default true). */
  clip?: boolean;
  /** The attention q/k/v search's objective (default block-output; linear-output is the first version, kept for comparisons). */
  attentionObjective?: AttentionAwqObjective;
  /** The Hub model the checkpoint's weights come from, for the AutoAWQ README (absent: none claimed). */
  baseModel?: string;
  /** Rank of the Gram factor in the scale searches (default AWQ_GRAM_RANK; 0: the exact Gram). */
  gramRank?: number;
  /** Calibration text file (.txt, .jsonl, .json); default the built-in set. */
  calibFile?: string;
  samples?: number;
  seqlen?: number;
  /** Matrix products: onnxruntime-node when it loads (auto, the default), or plain TypeScript. */
  backend?: MatmulBackendChoice;
  /** How the TypeScript calibration pass runs the experts (default bf16, as transformers). */
  expertPrecision?: "bf16" | "f32";
  /**
   * The calibration forward pass: "ts" (default here; the commands and the stage default to llama) runs
   * the TypeScript float32 model layer by layer; "llama" runs llama.cpp on a GGUF of the checkpoint and
   * searches on the accumulated statistics (searchGptOssAwqFromStatistics).
   */
  engine?: CalibrationEngine;
  /** GGUF of the checkpoint for the llama engine (default: converted into a temporary file in outDir). */
  ggufPath?: string;
  /** CPU threads of llama.cpp's decode (default the machine's). */
  threads?: number;
  /** general.name of the GGUF (default from the checkpoint folder, as the converter does). */
  name?: string;
  /** Start of the output names, `<stem>-awq-g32.gguf` and `<stem>-awq-g32/` (default the checkpoint folder's name). */
  fileStem?: string;
  signal?: AbortSignal;
  onProgress?: (progress: AwqProgress) => void;
  log?: (message: string) => void;
}

export interface QuantizeAwqResult {
  method: AwqMethod;
  clip: boolean;
  groupSize: number;
  experts: AwqExpertPolicy;
  /** Relative to outDir. */
  ggufFile: string;
  checkpointDir: string;
  checkpointFiles: string[];
  gguf: WriteAwqGgufResult;
  calibration: { source: string; samples: number; seqlen: number; tokens: number } | null;
  backend: string;
  /** The calibration forward pass (rtn runs none). */
  engine: CalibrationEngine;
  layers: AwqLayerReport[];
  /** Per layer, the scales folded in (empty for rtn). */
  scales: AwqLayerScales[];
  seconds: { forward: number; search: number; gguf: number; total: number };
}

/**
 * `oss-prep awq`: AWQ (or its round-to-nearest baseline) over a gpt-oss checkpoint, written twice —
 * a Hugging Face checkpoint in AutoAWQ's GEMM layout and a GGUF whose AWQ tensors are Q4_1 blocks
 * carrying the same grid (the GGUF is converted from the checkpoint just written, so the two agree).
 */
export async function quantizeAwq(params: QuantizeAwqParams): Promise<QuantizeAwqResult> {
  const started = performance.now();
  const groupSize = params.groupSize ?? 32;
  const experts = params.experts ?? "keep";
  const method = params.method ?? "awq";
  const clip = method === "awq" && (params.clip ?? true);
  const samples = params.samples ?? AWQ_CALIB_SAMPLES_DEFAULT;
  const seqlen = params.seqlen ?? CALIB_SEQLEN_DEFAULT;
  const log = params.log ?? (() => {});
  const gramRank = params.gramRank ?? AWQ_GRAM_RANK;
  const engine = params.engine ?? "ts";
  if (!CALIBRATION_ENGINES.includes(engine)) throw new UsageError(`--engine ${JSON.stringify(engine)}: expected ${CALIBRATION_ENGINES.join(" or ")}`);
  if (!["keep", "awq"].includes(experts)) throw new UsageError(`--experts ${JSON.stringify(experts)}: expected keep or awq`);
  if (!["awq", "rtn"].includes(method)) throw new UsageError(`--method ${JSON.stringify(method)}: expected awq or rtn`);
  for (const [option, value] of [["--calib-samples", samples], ["--calib-seqlen", seqlen]] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new UsageError(`${option} ${value}: expected a positive integer`);
  }
  if (!Number.isSafeInteger(gramRank) || gramRank < 0) throw new UsageError(`--gram-rank ${gramRank}: expected 0 (the exact Gram) or a positive integer`);
  const config = await checkAwqInput({ dir: params.dir, groupSize, experts });

  let sequences: number[][] = [];
  let calibration: QuantizeAwqResult["calibration"] = null;
  if (method === "awq") {
    const source = params.calibFile ?? BUILTIN_CALIBRATION_NAME;
    const documents = params.calibFile ? await readCalibrationDocuments({ file: params.calibFile }) : [...BUILTIN_CALIBRATION_DOCUMENTS];
    const tokenize = await readByteLevelBpeEncoder({ dir: params.dir });
    sequences = buildCalibrationSequences({ documents, tokenize, samples, seqlen, source });
    calibration = { source: params.calibFile ? basename(params.calibFile) : BUILTIN_CALIBRATION_NAME, samples, seqlen, tokens: samples * seqlen };
    log(`calibration: ${samples} × ${seqlen} tokens from ${source}`);
  }

  const name = params.name ?? modelNameFromDir(basename(params.dir));
  const stem = (params.fileStem ?? basename(params.dir)).replace(/[^\w.-]+/g, "-");
  const tag = `${method}-g${groupSize}${experts === "awq" ? "-experts-awq" : ""}`;
  const ggufFile = `${stem}-${tag}.gguf`;
  const checkpointDir = `${stem}-${tag}`;
  const partialDir = join(params.outDir, `.${checkpointDir}.partial-${process.pid}`);
  await rm(partialDir, { recursive: true, force: true });
  // a lower bound checked before the calibration pass: both outputs hold the experts (MXFP4 copied,
  // or int4 with experts awq: about as large) — the writers check the exact sizes when they start
  {
    const source = await openCheckpoint({ dir: params.dir });
    const expertBytes = source.tensors.filter((t) => t.name.includes(".mlp.experts.")).reduce((sum, t) => sum + t.byteLength, 0);
    await source.close();
    await ensureFreeDiskSpace({ dir: params.outDir, neededBytes: 2 * expertBytes, what: `the AWQ GGUF and checkpoint (at least ${experts === "keep" ? "the MXFP4 experts twice" : "the experts twice"})` });
  }

  // round-to-nearest multiplies nothing: no reason to load onnxruntime-node for it
  const backend = method === "rtn" ? createPlainMatmulBackend() : await createMatmulBackend({ choice: params.backend ?? "auto", threads: params.threads, log });
  const layers: AwqLayerReport[] = [];
  const scales: AwqLayerScales[] = [];
  try {
    const writer = await createAwqCheckpointWriter({
      sourceDir: params.dir,
      outDir: partialDir,
      config,
      groupSize,
      experts,
      method,
      clip,
      calibration: calibration ? `${calibration.samples} sequences × ${calibration.seqlen} tokens of ${calibration.source}` : "none (round-to-nearest needs no activations)",
      baseModel: params.baseModel,
    });
    let search: { seconds: { forward: number; search: number } };
    let files: string[];
    try {
      const onLayer = async (result: AwqLayerResult) => {
        layers.push(result.report);
        scales.push(result.scales);
        await writer.writeLayer(result);
      };
      if (engine === "llama" && method === "awq") {
        search = await withCalibrationGguf({ dir: params.dir, ggufPath: params.ggufPath, besideDir: params.outDir, signal: params.signal, log }, (ggufPath) =>
          searchGptOssAwqFromStatistics({
            dir: params.dir,
            ggufPath,
            threads: params.threads ?? machineThreads(),
            sequences,
            groupSize,
            experts,
            clip,
            attentionObjective: params.attentionObjective,
            gramRank,
            backend,
            signal: params.signal,
            onProgress: params.onProgress,
            log,
            onLayer,
          }),
        );
      } else {
        search = await searchGptOssAwq({
          dir: params.dir,
          sequences,
          groupSize,
          experts,
          method,
          clip,
          attentionObjective: params.attentionObjective,
          gramRank,
          backend,
          expertPrecision: params.expertPrecision,
          signal: params.signal,
          onProgress: params.onProgress,
          onLayer,
        });
      }
      ({ files } = await writer.finish({
        report: { method, clip, group_size: groupSize, experts, calibration, backend: backend.name, seconds: search.seconds, layers },
      }));
    } finally {
      await writer.close();
    }
    await rm(join(params.outDir, checkpointDir), { recursive: true, force: true });
    await rename(partialDir, join(params.outDir, checkpointDir));

    const t0 = performance.now();
    const gguf = await writeAwqGguf({
      sourceDir: params.dir,
      awqDir: join(params.outDir, checkpointDir),
      outPath: join(params.outDir, ggufFile),
      experts,
      method,
      groupSize,
      name,
      signal: params.signal,
      onProgress: (p) => params.onProgress?.({ phase: "gguf", ...p }),
    });
    const ggufSeconds = (performance.now() - t0) / 1000;
    return {
      method,
      clip,
      groupSize,
      experts,
      ggufFile,
      checkpointDir,
      checkpointFiles: files,
      gguf,
      calibration,
      backend: backend.name,
      engine,
      layers,
      scales,
      seconds: { ...search.seconds, gguf: ggufSeconds, total: (performance.now() - started) / 1000 },
    };
  } catch (error) {
    await rm(partialDir, { recursive: true, force: true });
    throw error;
  } finally {
    await backend.dispose();
  }
}
