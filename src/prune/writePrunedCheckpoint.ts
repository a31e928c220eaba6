/**
 * Write the pruned checkpoint in the original layout: the same shard files (names, per-shard tensor
 * assignment and order, shard metadata) with smaller tensors, model.safetensors.index.json with the new
 * total_size, config.json with the new counts, and the tokenizer files. Kept experts' MXFP4 blocks,
 * scales and biases are byte copies; the router keeps its rows for the kept experts; q_proj rows,
 * o_proj columns and sinks follow the kept query heads, k_proj/v_proj rows the kept KV groups.
 *
 * Streams: expert tensors (265 MB per layer at real size) are read one kept slice at a time through a
 * reused buffer and unchanged tensors in 16 MiB chunks; only one attention tensor (≤ 24 MB at real size)
 * is ever whole in memory. Files are written into `outDir`, each atomically; the caller makes the folder
 * itself appear atomically (a stage's partial directory, or the CLI's temporary sibling).
 */
import { existsSync } from "node:fs";
import { copyFile, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { readGptOssConfig, totalParameterCount } from "../arch/gpt-oss/index.js";
import { InvalidInputError } from "../errors.js";
import { f32ToBf16, f32ToF16 } from "../formats/float/floatConversions.js";
import {
  type CheckpointTensorInfo,
  dtypeBits,
  INDEX_FILE_NAME,
  openCheckpoint,
  type SafetensorsCheckpoint,
  type SafetensorsTensorToWrite,
  writeSafetensors,
} from "../formats/safetensors/index.js";
import type { PruneSelection } from "./pruneSelection.js";
import { rewriteConfigCounts } from "./rewriteConfigCounts.js";
import { selectSlices } from "./selectSlices.js";

/** Files beside the weights that a pruned checkpoint still needs (tokenizer, generation defaults, license). */
const COPIED_FILES = [
  "generation_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "chat_template.jinja",
  "chat_template.json",
  "LICENSE",
  "USAGE_POLICY",
];

const CHUNK_BYTES = 16 * 1024 * 1024;

export interface WritePrunedCheckpointParams {
  /** The original checkpoint folder. */
  dir: string;
  /** An existing, empty folder. */
  outDir: string;
  selection: PruneSelection;
  onProgress?: (progress: { bytesWritten: number; totalBytes: number; tensor: string }) => void;
  signal?: AbortSignal;
}

export interface WritePrunedCheckpointResult {
  files: Array<{ name: string; bytes: number }>;
  /** Sum of the tensors' byte lengths (the index's total_size). */
  tensorBytes: number;
  /** Logical parameter count of the written tensors (an MXFP4 block of 32 weights counts 32). */
  parameterCount: number;
}

interface TensorPlan {
  info: CheckpointTensorInfo;
  out: SafetensorsTensorToWrite;
}

export async function writePrunedCheckpoint(params: WritePrunedCheckpointParams): Promise<WritePrunedCheckpointResult> {
  const { dir, outDir, selection } = params;
  const config = await readGptOssConfig({ dir });
  const counts = checkSelection({ selection, config, dir });
  const checkpoint = await openCheckpoint({ dir });
  const scratch = Buffer.allocUnsafe(CHUNK_BYTES);
  let bytesWritten = 0;
  const files: WritePrunedCheckpointResult["files"] = [];
  try {
    const plans = checkpoint.tensors.map((info) => planTensor({ info, checkpoint, selection, config, scratch }));
    const totalBytes = plans.reduce((n, p) => n + p.out.byteLength, 0);
    const counted = (plan: TensorPlan): SafetensorsTensorToWrite => ({
      ...plan.out,
      data: async function* () {
        const data = plan.out.data;
        const chunks = data instanceof Uint8Array ? [data] : data();
        for await (const chunk of chunks) {
          params.signal?.throwIfAborted();
          yield chunk;
          bytesWritten += chunk.length;
          params.onProgress?.({ bytesWritten, totalBytes, tensor: plan.out.name });
        }
      },
    });
    for (const shard of checkpoint.shards) {
      const inShard = plans.filter((p) => p.info.file === shard.path);
      // keep the file's order, larger elements first so every tensor stays aligned to its element size
      const ordered = inShard.map((p, i) => ({ p, i })).sort((a, b) => dtypeBits(b.p.out.dtype) - dtypeBits(a.p.out.dtype) || a.i - b.i);
      const name = basename(shard.path);
      const header = await writeSafetensors({ path: join(outDir, name), tensors: ordered.map(({ p }) => counted(p)), metadata: shard.metadata });
      files.push({ name, bytes: header.fileSize });
    }
    if (checkpoint.indexFile) {
      const index = JSON.parse(await readFile(checkpoint.indexFile, "utf8")) as { metadata?: Record<string, unknown>; weight_map: Record<string, string> };
      const text = `${JSON.stringify({ metadata: { ...index.metadata, total_size: totalBytes }, weight_map: index.weight_map }, null, 2)}\n`;
      await writeFile(join(outDir, INDEX_FILE_NAME), text);
      files.push({ name: INDEX_FILE_NAME, bytes: Buffer.byteLength(text) });
    }
    const configFile = join(dir, "config.json");
    const configText = rewriteConfigCounts({
      text: await readFile(configFile, "utf8"),
      counts: { num_attention_heads: counts.nHeads, num_key_value_heads: counts.nKvHeads, num_local_experts: counts.nExperts },
      file: configFile,
    });
    await writeFile(join(outDir, "config.json"), configText);
    files.push({ name: "config.json", bytes: Buffer.byteLength(configText) });
    for (const name of COPIED_FILES) {
      if (!existsSync(join(dir, name))) continue;
      await copyFile(join(dir, name), join(outDir, name));
      files.push({ name, bytes: (await stat(join(outDir, name))).size });
    }
    return {
      files,
      tensorBytes: totalBytes,
      parameterCount: totalParameterCount(plans.map((p) => ({ name: p.out.name, dtype: p.out.dtype, shape: [...p.out.shape] }))),
    };
  } finally {
    await checkpoint.close();
  }
}

/** The selection is one the formats can load: same counts in every layer, uniform GQA groups, top-k ≤ kept experts. */
function checkSelection(params: { selection: PruneSelection; config: Awaited<ReturnType<typeof readGptOssConfig>>; dir: string }) {
  const { selection, config } = params;
  const { nLayers, nHeads, nKvHeads, nExperts, nExpertsUsed } = config;
  const groupSize = nHeads / nKvHeads;
  if (selection.layers.length !== nLayers) throw new RangeError(`selection has ${selection.layers.length} layers, the checkpoint ${nLayers}`);
  const first = selection.layers[0];
  const counts = { nHeads: first.heads.length, nKvHeads: first.kvGroups.length, nExperts: first.experts.length };
  const sortedUnique = (a: number[], below: number) => a.every((v, i) => Number.isInteger(v) && v >= 0 && v < below && (i === 0 || v > a[i - 1]));
  selection.layers.forEach((l, layer) => {
    const bad = (problem: string) => new RangeError(`selection of layer ${layer}: ${problem}`);
    if (l.heads.length !== counts.nHeads || l.kvGroups.length !== counts.nKvHeads || l.experts.length !== counts.nExperts) {
      throw bad("every layer must keep the same numbers of heads, KV groups and experts (config.json has one count for all layers)");
    }
    if (!sortedUnique(l.experts, nExperts) || !sortedUnique(l.heads, nHeads) || !sortedUnique(l.kvGroups, nKvHeads)) throw bad("indices must be ascending, distinct and in range");
    if (l.experts.length < nExpertsUsed) throw bad(`top-k ${nExpertsUsed} is larger than the ${l.experts.length} kept experts`);
    if (l.heads.length % l.kvGroups.length !== 0) throw bad("GQA: every kept KV group must keep the same number of query heads");
    const perGroup = l.heads.length / l.kvGroups.length;
    for (const g of l.kvGroups) {
      const inGroup = l.heads.filter((h) => Math.floor(h / groupSize) === g).length;
      if (inGroup !== perGroup) throw bad(`KV group ${g} keeps ${inGroup} query heads, the others ${perGroup} (GQA needs the same number in every group)`);
    }
    if (l.oProjBias && l.oProjBias.length !== config.hidden) throw bad(`oProjBias has ${l.oProjBias.length} values for hidden ${config.hidden}`);
  });
  return counts;
}

function planTensor(params: {
  info: CheckpointTensorInfo;
  checkpoint: SafetensorsCheckpoint;
  selection: PruneSelection;
  config: Awaited<ReturnType<typeof readGptOssConfig>>;
  scratch: Buffer;
}): TensorPlan {
  const { info, checkpoint, selection, config, scratch } = params;
  const { nHeads, nKvHeads, headDim, hidden, nExperts } = config;
  const elementBytes = dtypeBits(info.dtype) / 8;
  const copy = (): TensorPlan => ({
    info,
    out: { name: info.name, dtype: info.dtype, shape: info.shape, byteLength: info.byteLength, data: () => streamRange({ checkpoint, name: info.name, runs: [[0, info.byteLength]], scratch }) },
  });
  const match = /^model\.layers\.(\d+)\.(.+)$/.exec(info.name);
  if (!match || Number(match[1]) >= selection.layers.length) return copy();
  const layer = selection.layers[Number(match[1])];
  const part = match[2];
  const expectFirst = (size: number) => {
    if (info.shape[0] !== size) {
      throw new InvalidInputError(info.file, `shape [${info.shape.join(", ")}] does not start with ${size} as config.json implies`, info.name);
    }
  };
  /**
   * Keep `indices` of `extent` equal slices along dim 0 (a head is headDim rows: `rowsPerSlice`), streamed
   * slice by slice, consecutive slices read together.
   */
  const alongFirst = (extent: number, indices: number[], rowsPerSlice = 1): TensorPlan => {
    expectFirst(extent * rowsPerSlice);
    if (indices.length === extent) return copy();
    const slice = info.byteLength / extent;
    const runs: Array<[number, number]> = [];
    for (const i of indices) {
      const last = runs[runs.length - 1];
      if (last && last[1] === i * slice) last[1] += slice;
      else runs.push([i * slice, (i + 1) * slice]);
    }
    const shape = [...info.shape];
    shape[0] = (shape[0] / extent) * indices.length;
    return {
      info,
      out: { name: info.name, dtype: info.dtype, shape, byteLength: slice * indices.length, data: () => streamRange({ checkpoint, name: info.name, runs, scratch }) },
    };
  };
  const headsChanged = layer.heads.length !== nHeads;
  switch (part) {
    case "self_attn.q_proj.weight":
    case "self_attn.q_proj.bias":
      return alongFirst(nHeads, layer.heads, headDim);
    case "self_attn.k_proj.weight":
    case "self_attn.k_proj.bias":
    case "self_attn.v_proj.weight":
    case "self_attn.v_proj.bias":
      return alongFirst(nKvHeads, layer.kvGroups, headDim);
    case "self_attn.sinks":
      return alongFirst(nHeads, layer.heads);
    case "self_attn.o_proj.weight": {
      if (info.shape.length !== 2 || info.shape[0] !== hidden || info.shape[1] !== nHeads * headDim) {
        throw new InvalidInputError(info.file, `shape [${info.shape.join(", ")}], expected [${hidden}, ${nHeads * headDim}] from config.json`, info.name);
      }
      if (!headsChanged) return copy();
      return {
        info,
        out: {
          name: info.name,
          dtype: info.dtype,
          shape: [hidden, layer.heads.length * headDim],
          byteLength: hidden * layer.heads.length * headDim * elementBytes,
          data: async function* () {
            const whole = await checkpoint.readTensor(info.name);
            yield selectSlices({ data: whole, shape: [hidden, nHeads, headDim], axis: 1, indices: layer.heads, bytesPerElement: elementBytes });
          },
        },
      };
    }
    case "self_attn.o_proj.bias": {
      expectFirst(hidden);
      const bias = layer.oProjBias;
      if (!bias) return copy();
      return { info, out: { name: info.name, dtype: info.dtype, shape: info.shape, byteLength: info.byteLength, data: encodeFloats({ values: bias, info }) } };
    }
    case "mlp.router.weight":
    case "mlp.router.bias":
      return alongFirst(nExperts, layer.experts);
    default:
      if (part.startsWith("mlp.experts.")) return alongFirst(nExperts, layer.experts);
      return copy();
  }
}

/** Byte ranges of a tensor, in order, through the reused scratch buffer (the writer is done with a chunk before asking for the next). */
async function* streamRange(params: { checkpoint: SafetensorsCheckpoint; name: string; runs: Array<[number, number]>; scratch: Buffer }): AsyncIterable<Uint8Array> {
  const { checkpoint, name, runs, scratch } = params;
  for (const [start, end] of runs) {
    for (let at = start; at < end; at += scratch.length) {
      yield await checkpoint.readTensorRangeInto(name, at, Math.min(end, at + scratch.length), scratch);
    }
  }
}

function encodeFloats(params: { values: Float32Array; info: CheckpointTensorInfo }): Uint8Array {
  const { values, info } = params;
  switch (info.dtype) {
    case "BF16":
      return new Uint8Array(f32ToBf16(values).buffer);
    case "F16":
      return new Uint8Array(f32ToF16(values).buffer);
    case "F32":
      return new Uint8Array(Float32Array.from(values).buffer);
    default:
      throw new InvalidInputError(info.file, `dtype ${info.dtype} is not a float type bias compensation can write (BF16, F16, F32)`, info.name);
  }
}
