import { InvalidInputError } from "../../errors.js";
import { isSafetensorsDtype, SAFETENSORS_DTYPE_BITS, type SafetensorsDtype } from "./dtypes.js";
import { JsonSyntaxError, parseStrictJson, type JsonObject, type JsonValue } from "./parse-strict-json.js";
import type { SafetensorsHeader, SafetensorsTensorInfo } from "./types.js";

/** The key the format reserves for string-to-string metadata; never a tensor name. */
const METADATA_KEY = "__metadata__";

/**
 * Validate the JSON header bytes of a safetensors file (already read, length already checked against the
 * file size) and turn them into tensor infos with absolute offsets.
 *
 * Pure: no I/O. Every problem is an InvalidInputError naming `path` (and the tensor as key where there is
 * one). What is checked, beyond the reference implementation's own rules:
 * - integers must be exact (see parseStrictJson) and safe, so arithmetic on them below is exact;
 * - tensors must lie inside the file: the caller passes the real file size, so a header describing data
 *   the file does not have is reported as a truncated (or corrupt) file, not discovered on first read.
 * Unlike the reference reader, gaps between tensors and trailing bytes are tolerated: they are harmless to
 * read, and rejecting them buys nothing here. Overlaps are rejected: they mean a corrupt header.
 */
export function decodeSafetensorsHeader(params: {
  path: string;
  fileSize: number;
  headerBytes: Uint8Array;
}): SafetensorsHeader {
  const { path, fileSize, headerBytes } = params;
  const headerSize = headerBytes.length;
  const dataOffset = 8 + headerSize;
  const dataSize = fileSize - dataOffset;
  const bad = (problem: string, key?: string): InvalidInputError => new InvalidInputError(path, problem, key);

  let text: string;
  try {
    // ignoreBOM: keep a BOM so the parser rejects it, as the reference reader (serde_json) does.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch (cause) {
    throw new InvalidInputError(path, "safetensors header is not valid UTF-8", undefined, { cause });
  }

  let root: JsonValue;
  try {
    root = parseStrictJson(text);
  } catch (cause) {
    if (!(cause instanceof JsonSyntaxError)) throw cause;
    throw new InvalidInputError(path, `safetensors header is not valid JSON: ${cause.message}`, undefined, { cause });
  }
  if (!(root instanceof Map)) throw bad("safetensors header is not a JSON object");

  let metadata: Record<string, string> = {};
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [name, value] of root) {
    if (name === METADATA_KEY) {
      metadata = decodeMetadata(value, bad);
      continue;
    }
    tensors.push(decodeTensor({ name, value, dataOffset, dataSize, bad }));
  }

  rejectOverlaps(tensors, bad);
  return { path, fileSize, headerSize, dataOffset, metadata, tensors };
}

type MakeError = (problem: string, key?: string) => InvalidInputError;

function decodeMetadata(value: JsonValue, bad: MakeError): Record<string, string> {
  if (!(value instanceof Map)) throw bad("must be an object of strings", METADATA_KEY);
  const entries: [string, string][] = [];
  for (const [k, v] of value) {
    if (typeof v !== "string") throw bad(`value of ${JSON.stringify(k)} must be a string`, METADATA_KEY);
    entries.push([k, v]);
  }
  // fromEntries defines own properties, so a "__proto__" key is stored as data, not as a prototype.
  return Object.fromEntries(entries);
}

function decodeTensor(params: {
  name: string;
  value: JsonValue;
  dataOffset: number;
  dataSize: number;
  bad: MakeError;
}): SafetensorsTensorInfo {
  const { name, value, dataOffset, dataSize, bad } = params;
  if (!(value instanceof Map)) throw bad("tensor entry must be an object with dtype, shape, data_offsets", name);

  const dtype = field(value, "dtype", name, bad);
  if (typeof dtype !== "string") throw bad("dtype must be a string", name);
  if (!isSafetensorsDtype(dtype)) throw bad(`unknown dtype ${JSON.stringify(dtype)}`, name);

  const shapeValue = field(value, "shape", name, bad);
  if (!Array.isArray(shapeValue)) throw bad("shape must be an array", name);
  const shape = shapeValue.map((d) => {
    const n = asSafeNonNegativeInteger(d);
    if (n === undefined) throw bad(`shape ${describe(shapeValue)} must hold non-negative integers`, name);
    return n;
  });

  const offsetsValue = field(value, "data_offsets", name, bad);
  if (!Array.isArray(offsetsValue) || offsetsValue.length !== 2) {
    throw bad("data_offsets must be [begin, end]", name);
  }
  const begin = asSafeNonNegativeInteger(offsetsValue[0]);
  const end = asSafeNonNegativeInteger(offsetsValue[1]);
  if (begin === undefined || end === undefined) {
    throw bad(`data_offsets ${describe(offsetsValue)} must be non-negative integers`, name);
  }
  if (begin > end) throw bad(`data_offsets [${begin}, ${end}] have begin after end`, name);
  if (end > dataSize) {
    throw bad(
      `data_offsets [${begin}, ${end}] reach past the end of the data section (${Math.max(dataSize, 0)} bytes): ` +
        `the file is truncated or its header is corrupt`,
      name,
    );
  }

  const byteLength = end - begin;
  const expected = expectedBytes(dtype, shape);
  if (expected !== BigInt(byteLength)) {
    throw bad(
      `shape [${shape.join(", ")}] of ${dtype} needs ${describeBytes(expected)} but data_offsets span ${byteLength} bytes`,
      name,
    );
  }
  return { name, dtype, shape, byteOffset: dataOffset + begin, byteLength };
}

function field(obj: JsonObject, key: string, name: string, bad: MakeError): JsonValue {
  const v = obj.get(key);
  if (v === undefined) throw bad(`tensor entry has no "${key}"`, name);
  return v;
}

/** The integer as a number when it is a non-negative safe integer, else undefined (floats, huge values). */
function asSafeNonNegativeInteger(v: JsonValue | undefined): number | undefined {
  if (typeof v !== "bigint") return undefined;
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(v);
}

/** Bytes for this dtype and shape as an exact BigInt; `undefined` when the bits do not fill whole bytes. */
function expectedBytes(dtype: SafetensorsDtype, shape: number[]): bigint | undefined {
  let bits = BigInt(SAFETENSORS_DTYPE_BITS[dtype]);
  for (const d of shape) bits *= BigInt(d);
  return bits % 8n === 0n ? bits / 8n : undefined;
}

function describeBytes(bytes: bigint | undefined): string {
  return bytes === undefined ? "a fractional number of bytes" : `${bytes} bytes`;
}

/** Short rendering of a bad JSON value for an error message (bigints print as plain integers). */
function describe(v: JsonValue): string {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? Number(x) : x instanceof Map ? Object.fromEntries(x) : x));
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Overlapping byte ranges mean a corrupt header; empty tensors occupy no bytes and overlap nothing. */
function rejectOverlaps(tensors: SafetensorsTensorInfo[], bad: MakeError): void {
  const byOffset = tensors.filter((t) => t.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1];
    const cur = byOffset[i];
    if (cur.byteOffset < prev.byteOffset + prev.byteLength) {
      throw bad(`data overlaps tensor ${JSON.stringify(prev.name)}`, cur.name);
    }
  }
}
