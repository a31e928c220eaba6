/**
 * Corrupt copies of a safetensors checkpoint for the fault suite: tensors dropped (from their shard and
 * from the index), shapes or dtypes changed in the header, values overwritten. Written with plain JSON
 * and byte copies, independently of the readers under test.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function readShard(path: string): { header: Record<string, HeaderEntry | Record<string, string>>; data: Buffer } {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + length).toString("utf8")), data: bytes.subarray(8 + length) };
}

function writeShard(path: string, header: Record<string, unknown>, chunks: Array<{ name: string; entry: HeaderEntry; bytes: Buffer }>): void {
  let offset = 0;
  const out: Record<string, unknown> = {};
  if (header.__metadata__) out.__metadata__ = header.__metadata__;
  for (const c of chunks) {
    out[c.name] = { dtype: c.entry.dtype, shape: c.entry.shape, data_offsets: [offset, offset + c.bytes.length] };
    offset += c.bytes.length;
  }
  let json = Buffer.from(JSON.stringify(out), "utf8");
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([length, json, ...chunks.map((c) => c.bytes)]));
}

/**
 * Copy `src` to `dst` with changes: `drop` removes tensors; `edit` may change a tensor's header entry
 * (dtype, shape) or bytes. Other files are copied as they are.
 */
export function copyCheckpoint(params: {
  src: string;
  dst: string;
  drop?: readonly string[];
  edit?: (name: string, entry: HeaderEntry, bytes: Buffer) => { entry: HeaderEntry; bytes: Buffer } | undefined;
  /** Keep dropped tensors in the index (a shard that lost a tensor its index still lists). */
  keepInIndex?: boolean;
}): void {
  const drop = new Set(params.drop ?? []);
  for (const file of readdirSync(params.src)) {
    const from = join(params.src, file);
    const to = join(params.dst, file);
    if (file.endsWith(".safetensors") && file.startsWith("model")) {
      const { header, data } = readShard(from);
      const chunks = Object.entries(header)
        .filter(([name]) => name !== "__metadata__" && !drop.has(name))
        .map(([name, e]) => {
          const entry = e as HeaderEntry;
          const bytes = Buffer.from(data.subarray(entry.data_offsets[0], entry.data_offsets[1]));
          return { name, ...(params.edit?.(name, { ...entry }, bytes) ?? { entry, bytes }) };
        });
      writeShard(to, header, chunks);
    } else if (file === "model.safetensors.index.json") {
      const index = JSON.parse(readFileSync(from, "utf8")) as { weight_map: Record<string, string> };
      if (!params.keepInIndex) for (const name of drop) delete index.weight_map[name];
      writeFileSync(to, JSON.stringify(index, null, 2));
    } else {
      copyFileSync(from, to);
    }
  }
}
