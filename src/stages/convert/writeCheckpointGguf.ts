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
import { readGptOssConfig, type GptOssHyperparameters } from "../../arch/gpt-oss/hyperparameters.js";
import { gptOssModelMetadata, modelNameFromDir, sizeLabel } from "../../arch/gpt-oss/ggufMetadata.js";
import { planGgufTensors, type GgufTensorPlan } from "../../arch/gpt-oss/tensorMap.js";
import { GgufWriter } from "../../formats/gguf/GgufWriter.js";
import { GgmlType, ggmlTensorBytes } from "../../formats/gguf/ggmlTypes.js";
import type { GgufValue } from "../../formats/gguf/ggufValue.js";
import { openCheckpoint } from "../../formats/safetensors/index.js";
import { tokenizerToGgufMetadata } from "../../formats/tokenizer/index.js";
import { BoundedQueue } from "../../util/boundedQueue.js";
import { encodeChunk } from "./encodeChunk.js";
import { FusedExpertCache, tensorChunks, type TensorChunk } from "./tensorChunks.js";

export interface PlannedTensor {
  plan: GgufTensorPlan;
  type: GgmlType;
}

export interface WriteCheckpointGgufResult {
  path: string;
  fileBytes: number;
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
  chooseType: (plan: GgufTensorPlan, ctx: TypeChoiceContext) => GgmlType;
  fileType: number;
  /** Extra key/values after the model's (before the tokenizer's), e.g. quantize.imatrix.* */
  extraMetadata?: Array<[string, GgufValue]>;
  /** Importance matrix lookup by GGUF tensor name: nPerRow or nExperts × nPerRow values. */
  imatrix?: (name: string) => Float32Array | undefined;
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
    const planned: PlannedTensor[] = plans.map((plan) => ({ plan, type: params.chooseType(plan, ctx) }));

    const writer = new GgufWriter({ path: params.outPath });
    const metadata = gptOssModelMetadata({
      hp,
      name: params.name ?? modelNameFromDir(basename(params.dir)),
      sizeLabel: sizeLabel(plans),
      fileType: params.fileType,
    });
    for (const [key, value] of metadata) writer.addKV(key, value);
    for (const [key, value] of params.extraMetadata ?? []) writer.setKV(key, value);
    for (const [key, value] of await tokenizerToGgufMetadata({ dir: params.dir, vocabSize: hp.vocabSize })) writer.addKV(key, value);
    const tensors = planned.map(({ plan, type }) => ({ name: plan.name, type, shape: plan.shape, bytes: ggmlTensorBytes(type, plan.shape) }));
    for (const t of tensors) writer.addTensorInfo({ name: t.name, shape: t.shape, type: t.type, byteLength: t.bytes });
    const totalBytes = tensors.reduce((n, t) => n + t.bytes, 0);

    const fused = new FusedExpertCache();
    // A producer reads and encodes chunks of all tensors in file order, up to `depth` chunks ahead
    // of the writer; encoding itself runs on native threads (quantizeRows) while the next is read.
    const queue = new BoundedQueue<{ index: number; encoded: Promise<Buffer> }>(params.depth ?? 3);
    const producer = (async () => {
      try {
        for (let index = 0; index < planned.length; index++) {
          const { plan, type } = planned[index];
          for await (const chunk of tensorChunks({ checkpoint, plan, keepMxfp4: type === GgmlType.MXFP4, fused, where })) {
            params.signal?.throwIfAborted();
            const imatrix = imatrixSlice(params.imatrix?.(plan.name), chunk);
            const encoded = encodeChunk({ chunk, type, imatrix });
            encoded.catch(() => undefined); // surfaced when the writer awaits it, in order
            await queue.push({ index, encoded });
          }
        }
        queue.close();
      } catch (error) {
        queue.close(error);
      }
    })();

    let bytesWritten = 0;
    try {
      await writer.writeHeader();
      for (let index = 0; index < planned.length; index++) {
        const name = planned[index].plan.name;
        async function* chunksOfTensor(): AsyncGenerator<Buffer> {
          for (;;) {
            const job = await queue.peek();
            if (!job || job.index !== index) return;
            queue.shift();
            const bytes = await job.encoded;
            bytesWritten += bytes.length;
            params.onProgress?.({ bytesWritten, totalBytes, tensor: name });
            yield bytes;
          }
        }
        await writer.writeTensorData(name, chunksOfTensor());
      }
      await producer;
      const result = await writer.finish();
      return { path: result.path, fileBytes: result.fileSize, tensors, hp };
    } catch (error) {
      queue.close(error);
      await producer;
      await writer.abort();
      throw error;
    }
  } finally {
    await checkpoint.close();
  }
}

function imatrixSlice(values: Float32Array | undefined, chunk: TensorChunk): Float32Array | undefined {
  if (!values) return undefined;
  if (values.length === chunk.nPerRow) return values;
  if (chunk.expert !== undefined) return values.subarray(chunk.expert * chunk.nPerRow, (chunk.expert + 1) * chunk.nPerRow);
  return undefined;
}
