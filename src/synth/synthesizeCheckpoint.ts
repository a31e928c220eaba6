import { endianness } from "node:os";
import { mkdir, open, readdir, rename, rm, stat, statfs } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { EnvironmentError, InvalidInputError, UsageError } from "../errors.js";
import { writeSafetensors, type SafetensorsTensorToWrite } from "../formats/safetensors/index.js";
import { buildSyntheticConfig } from "./buildSyntheticConfig.js";
import { buildSyntheticTokenizer } from "./buildSyntheticTokenizer.js";
import { generateTensorChunk, SYNTH_CHUNK_BYTES } from "./generateTensorChunk.js";
import { planSyntheticCheckpoint } from "./planSyntheticCheckpoint.js";
import type { SyntheticPresetName } from "./presets.js";
import type { PlannedTensor, SyntheticCheckpointPlan, SynthesisProgress, SynthesizedCheckpoint } from "./types.js";
import { syncDirectory } from "../util/syncDirectory.js";
import { isProcessAlive } from "../util/isProcessAlive.js";

/**
 * Bumped whenever the bytes synthesizeCheckpoint writes for a given (preset, seed) change, so caches keyed
 * on (preset, seed, version) never serve a stale checkpoint.
 */
export const SYNTHETIC_CHECKPOINT_VERSION = 1;

/**
 * Write a synthetic gpt-oss checkpoint in the exact layout of openai/gpt-oss-20b — safetensors shards and
 * model.safetensors.index.json, config.json, generation_config.json, tokenizer.json, tokenizer_config.json,
 * special_tokens_map.json, chat_template.jinja — with deterministic pseudo-random weights: the same
 * (preset, seed) gives byte-identical files on every machine.
 *
 * - Streams: tensors are generated in 4 MiB chunks while the previous chunk is being written, so memory
 *   stays at a few chunks even for the 13.8 GB full-size preset, and the disk is the bottleneck.
 * - Checks free space first and refuses (EnvironmentError, needed vs available) rather than fill the disk.
 * - Atomic: everything goes to `<outDir>.partial-<pid>`, renamed to outDir only when complete, so an
 *   existing outDir is always a finished checkpoint. A failed run removes its partial directory; leftovers
 *   of killed runs are removed by the next run into the same outDir. outDir must not exist yet.
 */
export async function synthesizeCheckpoint(params: {
  preset: SyntheticPresetName;
  outDir: string;
  seed?: number;
  /** Only the first N layers (real widths; config.json says N): see presetWithLayers.ts. */
  layers?: number;
  onProgress?: (progress: SynthesisProgress) => void;
}): Promise<SynthesizedCheckpoint> {
  const started = performance.now();
  const seed = params.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new UsageError(`synthetic checkpoint seed must be a non-negative integer, got ${String(params.seed)}`);
  }
  const plan = planSyntheticCheckpoint({ preset: params.preset, layers: params.layers });
  if (endianness() !== "LE") {
    throw new EnvironmentError("writing safetensors needs a little-endian machine (bf16 values are generated in native byte order)");
  }

  const outDir = resolve(params.outDir);
  if (await exists(outDir)) {
    throw new InvalidInputError(outDir, "already exists; a synthetic checkpoint is only written into a new directory");
  }
  const parent = dirname(outDir);
  await mkdir(parent, { recursive: true });
  await removeStalePartials({ outDir });

  const textFiles: Array<[string, string]> = [
    ...Object.entries(buildSyntheticConfig({ preset: plan.preset.name, layers: params.layers })),
    ...Object.entries(buildSyntheticTokenizer({ preset: plan.preset.name }).files),
    ["model.safetensors.index.json", indexJson(plan)],
  ];
  await checkFreeSpace({ parent, plan, textBytes: textFiles.reduce((sum, [, text]) => sum + Buffer.byteLength(text), 0) });

  const partialDir = `${outDir}.partial-${process.pid}`;
  await rm(partialDir, { recursive: true, force: true });
  await mkdir(partialDir);
  const files: Array<{ name: string; bytes: number }> = [];
  try {
    for (const [name, text] of textFiles) {
      await writeAndSync(join(partialDir, name), text);
      files.push({ name, bytes: Buffer.byteLength(text) });
    }
    const progress = { bytesWritten: 0, totalBytes: plan.totalBytes };
    for (const shard of plan.shards) {
      const tensors: SafetensorsTensorToWrite[] = shard.tensors.map((tensor) => ({
        name: tensor.name,
        dtype: tensor.dtype,
        shape: tensor.shape,
        byteLength: tensor.byteLength,
        data: () => tensorChunks({ tensor, seed, progress, onProgress: params.onProgress }),
      }));
      const header = await writeSafetensors({ path: join(partialDir, shard.fileName), tensors, metadata: { format: "pt" } });
      files.push({ name: shard.fileName, bytes: header.fileSize });
    }
    await syncDirectory(partialDir);
    await rename(partialDir, outDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      throw new InvalidInputError(outDir, "appeared while the checkpoint was being written (another run?); left it as it is", undefined, {
        cause: error,
      });
    });
  } catch (error) {
    await rm(partialDir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(parent);

  return {
    outDir,
    plan,
    files,
    fileBytes: files.reduce((sum, f) => sum + f.bytes, 0),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * A tensor's bytes, chunk by chunk, generating chunk i + 1 while the writer writes chunk i: the next chunk
 * is computed in a setImmediate callback, which runs on the main thread while the write itself is in
 * libuv's thread pool. Progress is reported once the writer comes back for more, i.e. after each write.
 */
async function* tensorChunks(params: {
  tensor: PlannedTensor;
  seed: number;
  progress: { bytesWritten: number; totalBytes: number };
  onProgress?: (progress: SynthesisProgress) => void;
}): AsyncGenerator<Uint8Array> {
  const { tensor, seed, progress, onProgress } = params;
  const count = Math.ceil(tensor.byteLength / SYNTH_CHUNK_BYTES);
  const produce = (chunkIndex: number): Promise<Uint8Array> => {
    const pending = new Promise<Uint8Array>((resolvePromise, reject) => {
      setImmediate(() => {
        try {
          resolvePromise(generateTensorChunk({ tensor, seed, chunkIndex }));
        } catch (error) {
          reject(error);
        }
      });
    });
    // If the writer gives up before asking for this chunk, its failure must not surface as unhandled.
    pending.catch(() => undefined);
    return pending;
  };
  let next = count > 0 ? produce(0) : undefined;
  for (let i = 0; i < count; i++) {
    const chunk = await next!;
    next = i + 1 < count ? produce(i + 1) : undefined;
    yield chunk;
    progress.bytesWritten += chunk.length;
    onProgress?.({ bytesWritten: progress.bytesWritten, totalBytes: progress.totalBytes, tensor: tensor.name });
  }
}

/**
 * model.safetensors.index.json as the real repo has it: one line, Python's default separators, the
 * weight_map in the exporter's order (layers lexicographic, embed_tokens/norm/lm_head last).
 */
function indexJson(plan: SyntheticCheckpointPlan): string {
  const entries = Object.entries(plan.weightMap).map(([name, file]) => `${JSON.stringify(name)}: ${JSON.stringify(file)}`);
  return `{"metadata": {"total_size": ${plan.totalBytes}}, "weight_map": {${entries.join(", ")}}}`;
}

/** Header allowance per shard: gpt-oss-20b's headers are ~40 KB; 1 MiB leaves room for filesystem overhead. */
const PER_SHARD_OVERHEAD_BYTES = 1024 * 1024;

async function checkFreeSpace(params: { parent: string; plan: SyntheticCheckpointPlan; textBytes: number }): Promise<void> {
  const { parent, plan, textBytes } = params;
  const needed = plan.totalBytes + textBytes + plan.shards.length * PER_SHARD_OVERHEAD_BYTES;
  const fs = await statfs(parent);
  const available = fs.bavail * fs.bsize;
  if (needed > available) {
    throw new EnvironmentError(
      `not enough free disk space in ${parent} for the ${plan.preset.name} synthetic checkpoint: ` +
        `needs ${formatGB(needed)} (${needed} bytes), ${formatGB(available)} (${available} bytes) available`,
    );
  }
}

function formatGB(bytes: number): string {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/**
 * Remove `<outDir>.partial-<pid>` directories left by runs that were killed (their pid no longer exists).
 * process.kill(pid, 0) only asks whether the process exists; it sends nothing.
 */
async function removeStalePartials(params: { outDir: string }): Promise<void> {
  const prefix = `${basename(params.outDir)}.partial-`;
  const parent = dirname(params.outDir);
  for (const entry of await readdir(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || isProcessAlive(pid)) continue;
    await rm(join(parent, entry), { recursive: true, force: true });
  }
}


async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** Written and fsynced, so that once the directory is renamed into place every file in it is durable. */
async function writeAndSync(path: string, text: string): Promise<void> {
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

