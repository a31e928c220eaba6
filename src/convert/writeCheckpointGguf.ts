/**
 * One streaming pass from a gpt-oss safetensors checkpoint to a GGUF file, with a per-tensor type
 * chosen by the caller: plain conversion (F32/F16/BF16, MXFP4 experts copied) or quantization
 * (the llama.cpp recipe) without writing a full-precision intermediate file.
 *
 * Reading, encoding and writing overlap: up to `depth` chunks are read and encoded ahead of the
 * one being written, in file order. Memory is bounded by those few chunks (≈ 32 MiB of f32 each),
 * never by the size of a tensor or of the checkpoint. Every output byte is written once, to a
 * temporary file renamed into place when complete.
 */
import { basename } from "node:path";
import { readGptOssConfig, type GptOssHyperparameters, gptOssModelMetadata, modelNameFromDir, sizeLabel, planGgufTensors, type GgufTensorPlan } from "../arch/gpt-oss/index.js";
import { GgmlType, ggmlTensorBytes } from "../formats/gguf/ggmlTypes.js";
import type { GgufValue } from "../formats/gguf/ggufValue.js";
import { writeGgufStreaming, type StreamedGgufTensor } from "../formats/gguf/writeGgufStreaming.js";
import { openCheckpoint } from "../formats/safetensors/index.js";
import { tokenizerToGgufMetadata } from "../formats/tokenizer/index.js";
import { releasePooledBuffer } from "../util/bufferPool.js";
import { encodeChunk } from "./encodeChunk.js";
import { FusedExpertCache, tensorChunks, type TensorChunk } from "./tensorChunks.js";

export interface PlannedTensor {
  plan: GgufTensorPlan;
  type: GgmlType;
}

export interface WriteCheckpointGgufResult {
  path: string;
  fileBytes: number;
  /** sha256 of the whole file, computed while writing. */
  sha256: string;
  tensors: Array<{ name: string; type: GgmlType; shape: number[]; bytes: number }>;
  hp: GptOssHyperparameters;
}

export interface TypeChoiceContext {
  hp: GptOssHyperparameters;
  /** Every planned tensor (the recipe counts attention and ffn_down tensors to place its rules). */
  all: readonly GgufTensorPlan[];
}

export async function writeCheckpointGguf(params: {
  dir: string;
  outPath: string;
  /** Keep MXFP4 experts as MXFP4 (the first pass of the file) or dequantize them. */
  experts: "mxfp4" | "dequantize";
  /** The type of each tensor (files keep the converter's order). Give this or `planTensors`. */
  chooseType?: (plan: GgufTensorPlan, ctx: TypeChoiceContext) => GgmlType;
  /** Types and order of all tensors at once (quantize writes llama-quantize's order); overrides chooseType. */
  planTensors?: (plans: readonly GgufTensorPlan[], ctx: TypeChoiceContext) => PlannedTensor[];
  fileType: number;
  /** Extra key/values after the model's (before the tokenizer's), e.g. quantize.imatrix.* */
  extraMetadata?: Array<[string, GgufValue]>;
  /** Last word on the key/values (all of them, in file order), e.g. to reorder them as llama-quantize does. */
  finalizeMetadata?: (kv: Array<[string, GgufValue]>) => Array<[string, GgufValue]>;
  /** Importance matrix lookup by GGUF tensor name: nPerRow or nExperts × nPerRow values. */
  imatrix?: (name: string) => Float32Array | undefined;
  /** Transforms each chunk before it is encoded (e.g. rounding through the type of an intermediate file). */
  prepareChunk?: (chunk: TensorChunk, planned: PlannedTensor) => TensorChunk;
  /**
   * A tensor's encoded bytes from elsewhere, replacing the read from the checkpoint and the encoding
   * (AWQ writes Q4_1 blocks it computed itself); undefined for tensors that take the normal path.
   */
  tensorData?: (planned: PlannedTensor) => (() => AsyncIterable<Buffer>) | undefined;
  name?: string;
  depth?: number;
  signal?: AbortSignal;
  onProgress?: (p: { bytesWritten: number; totalBytes: number; tensor: string }) => void;
}): Promise<WriteCheckpointGgufResult> {
  const hp = await readGptOssConfig({ dir: params.dir });
  const checkpoint = await openCheckpoint({ dir: params.dir });
  const where = checkpoint.indexFile ?? checkpoint.shardFiles[0];
  try {
    const plans = planGgufTensors({ tensors: checkpoint.tensors, hp, where, experts: params.experts });
    const ctx: TypeChoiceContext = { hp, all: plans };
    let planned: PlannedTensor[];
    if (params.planTensors) planned = params.planTensors(plans, ctx);
    else if (params.chooseType) planned = plans.map((plan) => ({ plan, type: params.chooseType!(plan, ctx) }));
    else throw new Error("writeCheckpointGguf: give chooseType or planTensors");

    let metadata: Array<[string, GgufValue]> = gptOssModelMetadata({
      hp,
      name: params.name ?? modelNameFromDir(basename(params.dir)),
      sizeLabel: sizeLabel(plans),
      fileType: params.fileType,
    });
    // setKV semantics: an extra key replaces a model key in place, a new one is appended
    const byKey = new Map(metadata);
    for (const [key, value] of params.extraMetadata ?? []) byKey.set(key, value);
    metadata = [...byKey];
    const seen = new Set(metadata.map(([key]) => key));
    for (const [key, value] of await tokenizerToGgufMetadata({ dir: params.dir, vocabSize: hp.vocabSize })) {
      if (seen.has(key)) throw new Error(`metadata key ${key} added twice`);
      metadata.push([key, value]);
    }
    if (params.finalizeMetadata) metadata = params.finalizeMetadata(metadata);

    const tensors = planned.map(({ plan, type }) => ({ name: plan.name, type, shape: plan.shape, bytes: ggmlTensorBytes(type, plan.shape) }));
    // Lane 0: tensors ggml's kernels quantize (on the threadpool); lane 1: those we copy or repack
    // (on the main thread). They run concurrently: see writeGgufStreaming. Each lane has its own
    // expert cache (its scratch buffers are reused between reads).
    const fusedByLane = [new FusedExpertCache(), new FusedExpertCache()];
    const streamed: StreamedGgufTensor[] = planned.map((p, i) => {
      const own = params.tensorData?.(p);
      const lane = own || !isKernelEncoded(p) ? 1 : 0;
      return {
        name: p.plan.name,
        shape: p.plan.shape,
        type: p.type,
        byteLength: tensors[i].bytes,
        lane,
        async *chunks() {
          const fused = fusedByLane[lane];
          if (own) {
            for await (const bytes of own()) yield { encoded: Promise.resolve(bytes) };
            return;
          }
          const values = params.imatrix?.(p.plan.name);
          for await (const raw of tensorChunks({ checkpoint, plan: p.plan, keepMxfp4: p.type === GgmlType.MXFP4, fused, where })) {
            const chunk = params.prepareChunk ? params.prepareChunk(raw, p) : raw;
            const encoded = encodeChunk({ chunk, type: p.type, imatrix: imatrixSlice(values, chunk), where: { file: where, tensor: p.plan.source.kind === "float" ? p.plan.source.tensor : p.plan.name } });
            // once written: expert blocks go back to their pool, read and quantized buffers to theirs
            // (bufferPool ignores buffers it did not hand out, and a second give-back of one that
            // aliases another, like f32 bytes written as read)
            const blocks = raw.mxfp4;
            const release = () => {
              if (blocks) fused.releaseBlocks(blocks);
              releasePooledBuffer(raw.readBuffer);
              encoded.then(releasePooledBuffer, () => undefined);
            };
            yield { encoded, release };
          }
        },
      };
    });
    const result = await writeGgufStreaming({
      path: params.outPath,
      metadata,
      tensors: streamed,
      depth: params.depth,
      signal: params.signal,
      onProgress: params.onProgress,
    });
    return { path: result.path, fileBytes: result.fileBytes, sha256: result.sha256, tensors, hp };
  } finally {
    await checkpoint.close();
  }
}

/** Whether encodeChunk hands the tensor to ggml's quantization kernels (vs a copy, a float conversion, or MXFP4 blocks kept). */
function isKernelEncoded(p: PlannedTensor): boolean {
  if (p.type === GgmlType.F32 || p.type === GgmlType.BF16 || p.type === GgmlType.F16) return false;
  return !(p.type === GgmlType.MXFP4 && p.plan.source.kind === "mxfp4");
}

function imatrixSlice(values: Float32Array | undefined, chunk: TensorChunk): Float32Array | undefined {
  if (!values) return undefined;
  if (values.length === chunk.nPerRow) return values;
  if (chunk.expert !== undefined) return values.subarray(chunk.expert * chunk.nPerRow, (chunk.expert + 1) * chunk.nPerRow);
  return undefined;
}
