import { constants as bufferConstants } from "node:buffer";
import { existsSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import { openForReading } from "./open-for-reading.js";
import { readCheckpointIndex } from "./read-checkpoint-index.js";
import { readExactly } from "./read-exactly.js";
import { readSafetensorsHeaderFromHandle } from "./read-safetensors-header-from-handle.js";
import type { CheckpointTensorInfo, SafetensorsCheckpoint, SafetensorsHeader } from "./types.js";

export const SINGLE_FILE_NAME = "model.safetensors";
export const INDEX_FILE_NAME = "model.safetensors.index.json";

const DEFAULT_STREAM_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Open a Hugging Face checkpoint folder holding either `model.safetensors` or shards listed by
 * `model.safetensors.index.json` (its `weight_map`), read and validate every shard header, and cross-check
 * them with the index: every shard the index names exists, every tensor it lists is in that shard, and
 * every tensor in a shard is listed for that shard. A folder with both layouts is rejected rather than
 * guessing which one is current.
 *
 * The shard files stay open (one handle each) so tensor reads are plain positional reads on the very files
 * whose headers were validated; call `close()` when done.
 */
export async function openCheckpoint(params: { dir: string }): Promise<SafetensorsCheckpoint> {
  const { dir } = params;
  const singlePath = join(dir, SINGLE_FILE_NAME);
  const indexPath = join(dir, INDEX_FILE_NAME);
  const hasSingle = existsSync(singlePath);
  const hasIndex = existsSync(indexPath);
  if (hasSingle && hasIndex) {
    throw new InvalidInputError(dir, `has both ${SINGLE_FILE_NAME} and ${INDEX_FILE_NAME}: remove the stale one`);
  }
  if (!hasSingle && !hasIndex) {
    throw new InvalidInputError(
      dir,
      existsSync(dir) ? `no ${SINGLE_FILE_NAME} or ${INDEX_FILE_NAME}: not a safetensors checkpoint` : "folder not found",
    );
  }

  if (hasSingle) {
    const opened = await openShards([singlePath]);
    return new Checkpoint({ dir, indexFile: undefined, describedBy: singlePath, ...opened });
  }

  const index = await readCheckpointIndex({ path: indexPath });
  // Sorted by name: the order tensors are listed in (see SafetensorsCheckpoint.tensors).
  const shardNames = [...new Set(index.weightMap.values())].sort(compareCodeUnits);
  if (shardNames.length === 0) throw new InvalidInputError(indexPath, "weight_map lists no tensors", "weight_map");
  for (const shard of shardNames) {
    if (!existsSync(join(dir, shard))) {
      const example = [...index.weightMap].find(([, s]) => s === shard)?.[0];
      throw new InvalidInputError(indexPath, `names shard ${shard} (for tensor ${example}), which is not in ${dir}`, shard);
    }
  }
  const opened = await openShards(shardNames.map((s) => join(dir, s)));
  try {
    crossCheckIndex({ indexPath, weightMap: index.weightMap, shardNames, headers: opened.headers });
  } catch (e) {
    await closeAll(opened.handles);
    throw e;
  }
  return new Checkpoint({ dir, indexFile: indexPath, describedBy: indexPath, ...opened });
}

/** Open every shard and read its header through the handle we keep; on failure close what was opened. */
async function openShards(paths: string[]): Promise<{ handles: FileHandle[]; headers: SafetensorsHeader[] }> {
  const handles: FileHandle[] = [];
  try {
    const headers: SafetensorsHeader[] = [];
    for (const path of paths) {
      const handle = await openForReading(path);
      handles.push(handle);
      headers.push(await readSafetensorsHeaderFromHandle({ handle, path }));
    }
    return { handles, headers };
  } catch (e) {
    await closeAll(handles);
    throw e;
  }
}

function crossCheckIndex(params: {
  indexPath: string;
  weightMap: Map<string, string>;
  shardNames: string[];
  headers: SafetensorsHeader[];
}): void {
  const { indexPath, weightMap, shardNames, headers } = params;
  const shardOf = new Map<string, string>();
  headers.forEach((header, i) => {
    const shard = shardNames[i];
    for (const t of header.tensors) {
      const listed = weightMap.get(t.name);
      if (listed === undefined) {
        throw new InvalidInputError(header.path, `tensor is in this shard but not listed in ${indexPath}`, t.name);
      }
      if (listed !== shard) {
        throw new InvalidInputError(header.path, `tensor is in this shard but ${indexPath} maps it to ${listed}`, t.name);
      }
      shardOf.set(t.name, shard);
    }
  });
  for (const [name, shard] of weightMap) {
    if (!shardOf.has(name)) throw new InvalidInputError(indexPath, `listed for shard ${shard} but absent from it`, name);
  }
}

async function closeAll(handles: FileHandle[]): Promise<void> {
  await Promise.allSettled(handles.map((h) => h.close()));
}

/** Plain UTF-16 code unit order: deterministic and locale-independent, like Python's sorted(). */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Checkpoint implements SafetensorsCheckpoint {
  readonly dir: string;
  readonly indexFile: string | undefined;
  readonly shardFiles: readonly string[];
  readonly shards: readonly SafetensorsHeader[];
  readonly tensors: readonly CheckpointTensorInfo[];
  /** The file a "missing tensor" error names: the index, or the single model.safetensors. */
  readonly #describedBy: string;
  readonly #byName = new Map<string, CheckpointTensorInfo>();
  readonly #handleOf = new Map<string, FileHandle>();
  #closed = false;

  constructor(params: {
    dir: string;
    indexFile: string | undefined;
    describedBy: string;
    handles: FileHandle[];
    headers: SafetensorsHeader[];
  }) {
    this.dir = params.dir;
    this.indexFile = params.indexFile;
    this.#describedBy = params.describedBy;
    this.shards = params.headers;
    this.shardFiles = params.headers.map((h) => h.path);
    const tensors: CheckpointTensorInfo[] = [];
    params.headers.forEach((header, i) => {
      this.#handleOf.set(header.path, params.handles[i]);
      const inFileOrder = [...header.tensors].sort((a, b) => a.byteOffset - b.byteOffset);
      for (const t of inFileOrder) tensors.push({ ...t, file: header.path });
    });
    for (const t of tensors) {
      // Unreachable for an indexed checkpoint (crossCheckIndex maps each name to one shard) and for a single
      // file (parseStrictJson rejects duplicate keys); kept so the map can never silently drop a tensor.
      if (this.#byName.has(t.name)) throw new InvalidInputError(t.file, "tensor appears twice", t.name);
      this.#byName.set(t.name, t);
    }
    this.tensors = tensors;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  get(name: string): CheckpointTensorInfo {
    const info = this.#byName.get(name);
    if (info === undefined) throw new InvalidInputError(this.#describedBy, "missing tensor", name);
    return info;
  }

  async readTensor(name: string): Promise<Buffer> {
    const info = this.get(name);
    if (info.byteLength > bufferConstants.MAX_LENGTH) {
      throw new RangeError(
        `tensor ${name} is ${info.byteLength} bytes, more than one Buffer can hold: read it with readTensorRange or streamTensor`,
      );
    }
    return this.readTensorRange(name, 0, info.byteLength);
  }

  async readTensorRange(name: string, start: number, end: number): Promise<Buffer> {
    // allocUnsafe: readExactly fills every byte or throws, so no uninitialised memory escapes.
    return this.readTensorRangeInto(name, start, end, Buffer.allocUnsafe(end - start));
  }

  /**
   * Like readTensorRange, into the first end − start bytes of `target` (a buffer the caller reuses:
   * streaming the experts through fresh buffers costs GBs of allocations). Returns that subarray.
   */
  async readTensorRangeInto(name: string, start: number, end: number, target: Buffer): Promise<Buffer> {
    const info = this.get(name);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > info.byteLength) {
      throw new RangeError(`range [${start}, ${end}) is not within tensor ${name} of ${info.byteLength} bytes`);
    }
    if (target.length < end - start) throw new RangeError(`target of ${target.length} bytes cannot hold [${start}, ${end}) of ${name}`);
    const handle = this.#handle(info.file);
    const view = target.subarray(0, end - start);
    await readExactly({ handle, file: info.file, target: view, position: info.byteOffset + start, key: name });
    return view;
  }

  async *streamTensor(name: string, options: { chunkBytes?: number } = {}): AsyncIterable<Buffer> {
    const chunkBytes = options.chunkBytes ?? DEFAULT_STREAM_CHUNK_BYTES;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
    const info = this.get(name);
    for (let start = 0; start < info.byteLength; start += chunkBytes) {
      yield await this.readTensorRange(name, start, Math.min(start + chunkBytes, info.byteLength));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeAll([...this.#handleOf.values()]);
  }

  #handle(file: string): FileHandle {
    if (this.#closed) throw new Error(`checkpoint ${this.dir} is closed`);
    const handle = this.#handleOf.get(file);
    if (handle === undefined) throw new Error(`no open handle for ${file}`); // unreachable: every tensor's file is a shard
    return handle;
  }
}
