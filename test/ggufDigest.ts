/**
 * Digest a GGUF file the way scripts/reference/make_convert_reference.py digests llama.cpp's
 * output: every key/value (type and value) and every tensor (name, type, shape, data sha256).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readGguf } from "../src/formats/gguf/readGguf.js";
import { readGgufTensorData } from "../src/formats/gguf/readGgufTensorData.js";
import { GgmlType } from "../src/formats/gguf/ggmlTypes.js";
import { GgufValueType, ggufPlainValue } from "../src/formats/gguf/ggufValue.js";

export interface ReferenceDigest {
  header: { version: number; alignment: number; n_tensors: number; n_kv: number };
  kv: Array<{ key: string; type: string; item_type?: string; value: unknown; raw_hex?: string }>;
  tensors: Array<{ name: string; type: string; shape: number[]; offset: number; n_bytes: number; sha256: string }>;
}

export function loadReferenceDigest(path: string): ReferenceDigest {
  return JSON.parse(readFileSync(path, "utf8")) as ReferenceDigest;
}

export async function digestGguf(path: string): Promise<ReferenceDigest> {
  const gguf = await readGguf({ path });
  const kv: ReferenceDigest["kv"] = [];
  for (const [key, value] of gguf.metadata) {
    const entry: ReferenceDigest["kv"][number] = { key, type: GgufValueType[value.type], value: ggufPlainValue(value) };
    if (value.type === GgufValueType.ARRAY) entry.item_type = GgufValueType[value.itemType];
    if (value.type === GgufValueType.FLOAT32) {
      const b = Buffer.alloc(4);
      b.writeFloatLE(value.value);
      entry.raw_hex = b.toString("hex");
      entry.value = b.readFloatLE();
    }
    kv.push(entry);
  }
  const tensors: ReferenceDigest["tensors"] = [];
  for (const t of gguf.tensors) {
    const data = await readGgufTensorData({ gguf, name: t.name });
    tensors.push({
      name: t.name,
      type: GgmlType[t.type],
      shape: t.shape,
      offset: t.relativeOffset,
      n_bytes: t.byteLength,
      sha256: createHash("sha256").update(data).digest("hex"),
    });
  }
  return { header: { version: gguf.version, alignment: gguf.alignment, n_tensors: gguf.tensors.length, n_kv: gguf.metadata.size }, kv, tensors };
}
