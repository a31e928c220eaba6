import { InvalidInputError } from "../../errors.js";
import { openForReading } from "./open-for-reading.js";
import { JsonSyntaxError, parseStrictJson, type JsonValue } from "./parse-strict-json.js";
import { readExactly } from "./read-exactly.js";

/** An index far beyond this is not a real one (gpt-oss-20b's is ~30 KiB; the largest models' a few MiB). */
const MAX_INDEX_BYTES = 100 * 1024 * 1024;

/** What model.safetensors.index.json says: tensor name to shard file name, in the file's order. */
export interface CheckpointIndex {
  path: string;
  weightMap: Map<string, string>;
}

/**
 * Read and validate a model.safetensors.index.json. Shard names must be plain file names in the same folder
 * (no path separators, not "." or ".."): an index is input we did not write, and must not make us open
 * files elsewhere. Duplicate tensor names are rejected (JSON.parse would silently keep the last).
 */
export async function readCheckpointIndex(params: { path: string }): Promise<CheckpointIndex> {
  const { path } = params;
  const bad = (problem: string, key?: string): InvalidInputError => new InvalidInputError(path, problem, key);

  const handle = await openForReading(path);
  let bytes: Buffer;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw bad("not a regular file");
    if (stats.size > MAX_INDEX_BYTES) throw bad(`${stats.size} bytes is too large for a safetensors index`);
    bytes = Buffer.alloc(stats.size);
    await readExactly({ handle, file: path, target: bytes, position: 0 });
  } finally {
    await handle.close();
  }

  let root: JsonValue;
  try {
    root = parseStrictJson(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    if (cause instanceof JsonSyntaxError) throw new InvalidInputError(path, `not valid JSON: ${cause.message}`, undefined, { cause });
    if (cause instanceof TypeError) throw new InvalidInputError(path, "not valid UTF-8", undefined, { cause });
    throw cause;
  }
  if (!(root instanceof Map)) throw bad("must be a JSON object");
  const weightMapValue = root.get("weight_map");
  if (!(weightMapValue instanceof Map)) throw bad('must have a "weight_map" object', "weight_map");

  const weightMap = new Map<string, string>();
  for (const [tensor, shard] of weightMapValue) {
    if (typeof shard !== "string") throw bad("shard file name must be a string", tensor);
    if (shard === "" || shard === "." || shard === ".." || /[/\\\0]/.test(shard)) {
      throw bad(`shard ${JSON.stringify(shard)} must be a plain file name in the index's folder`, tensor);
    }
    weightMap.set(tensor, shard);
  }
  return { path, weightMap };
}
