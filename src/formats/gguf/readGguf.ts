import { type FileHandle, open } from "node:fs/promises";
import { InvalidInputError } from "../../errors.js";
import { GGUF_MAX_ARRAY_NESTING, alignUp } from "./encodeGgufHeader.js";
import { type GgmlType, ggmlBlockSize, ggmlTypeName, ggmlTypeSize, isGgmlType } from "./ggmlTypes.js";
import { GGML_MAX_DIMS, GGUF_ALIGNMENT_KEY, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC } from "./ggufConstants.js";
import { GgufHeaderCursor } from "./ggufHeaderCursor.js";
import {
  GgufValueType,
  ggufScalarByteLength,
  ggufValueTypeName,
  isGgufValueType,
  type GgufArrayValue,
  type GgufMetadata,
  type GgufValue,
} from "./ggufValue.js";

/** One tensor of a GGUF file. */
export interface GgufTensorInfo {
  name: string;
  /** ggml order: ne0 (the contiguous row length) first; as many entries as the file stores. */
  shape: number[];
  type: GgmlType;
  /** Offset from the start of the data section, as stored in the file. */
  relativeOffset: number;
  /** Offset from the start of the file. */
  absoluteOffset: number;
  /** Bytes of the tensor's data, from its type and shape (padding excluded). */
  byteLength: number;
}

/** The parsed header of a GGUF file; tensor data stays on disk (see readGgufTensorData). */
export interface GgufFile {
  path: string;
  fileSize: number;
  /** 2 or 3; both share one layout. */
  version: number;
  /** `general.alignment` if present, else 32. */
  alignment: number;
  /** All key/values in file order, with their exact GGUF types. */
  metadata: GgufMetadata;
  /** Tensors in file order. */
  tensors: GgufTensorInfo[];
  /** Bytes of magic, counts, metadata and tensor infos (where the padding before the data starts). */
  headerByteLength: number;
  /** Start of the data section: headerByteLength rounded up to the alignment. */
  dataOffset: number;
}

// Smallest possible encodings, used to reject counts that cannot fit before looping over them:
// a key/value is a key (u64 length + ≥ 1 byte, empty keys are invalid) + u32 type + ≥ 1 value byte;
// a tensor info is a name (u64 length, may be empty) + u32 n_dims + u32 type + u64 offset.
const MIN_KV_BYTES = 8 + 1 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
// An array item that is itself an array has at least its u32 item type and u64 count.
const MIN_NESTED_ARRAY_BYTES = 4 + 8;
const STRING_LENGTH_BYTES = 8;

/**
 * Read and validate a GGUF file's header (metadata and tensor infos) without reading tensor data.
 * The file is read through a file descriptor in `chunkSize` pieces (default 1 MiB), never whole.
 * Any malformed or inconsistent header — wrong magic or version, counts or lengths that cannot fit
 * in the file, unknown value or ggml types, duplicate keys or tensor names, more than 4 dimensions,
 * tensor data misaligned, overlapping or past the end of the file — throws InvalidInputError naming
 * the file and, where there is one, the key or tensor.
 */
export async function readGguf(params: { path: string; chunkSize?: number }): Promise<GgufFile> {
  const { path } = params;
  const chunkSize = params.chunkSize ?? 1 << 20;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize ${chunkSize} must be a positive integer`);
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new InvalidInputError(path, `cannot open: ${(error as Error).message}`, undefined, { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new InvalidInputError(path, "not a regular file");
    return parseHeader(new GgufHeaderCursor(handle.fd, stat.size, path, chunkSize));
  } finally {
    await handle.close();
  }
}

function parseHeader(c: GgufHeaderCursor): GgufFile {
  c.ensure(4, "magic");
  const magic = c.bytes(4);
  if (!magic.equals(GGUF_MAGIC)) {
    c.fail(`not a GGUF file: starts with ${JSON.stringify(magic.toString("latin1"))} (0x${magic.toString("hex")}), expected "GGUF"`);
  }
  c.ensure(4, "version");
  const version = c.u32();
  if (version !== 2 && version !== 3) {
    if (version !== 0 && (version & 0xffff) === 0) c.fail(`GGUF version reads as 0x${version.toString(16)}: a big-endian file, which is not supported`);
    if (version === 1) c.fail("GGUF version 1 is no longer supported (llama.cpp dropped it); re-convert the model");
    c.fail(`unsupported GGUF version ${version}; versions 2 and 3 are supported`);
  }
  c.ensure(16, "tensor and metadata counts");
  const tensorCount = c.u64();
  const kvCount = c.u64();
  if (kvCount * BigInt(MIN_KV_BYTES) + tensorCount * BigInt(MIN_TENSOR_INFO_BYTES) > BigInt(c.remaining)) {
    c.fail(`header declares ${tensorCount} tensors and ${kvCount} metadata entries, which cannot fit in the ${c.remaining} bytes left`);
  }

  const metadata: GgufMetadata = new Map();
  for (let i = 0; i < Number(kvCount); i++) {
    c.context = undefined;
    const key = c.string("metadata key", i);
    if (key.length === 0) c.fail(`metadata key ${i} is empty`);
    c.context = key;
    if (metadata.has(key)) c.fail("duplicate metadata key");
    c.ensure(4, "value type");
    const type = c.u32();
    metadata.set(key, readValue(c, type));
  }
  c.context = undefined;

  const alignment = alignmentOf(c, metadata);

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < Number(tensorCount); i++) {
    c.context = undefined;
    const name = c.string("name of tensor info", i);
    c.context = `tensor ${name}`;
    if (names.has(name)) c.fail("duplicate tensor name");
    names.add(name);
    tensors.push(readTensorInfo(c, name));
  }
  c.context = undefined;

  const headerByteLength = c.position;
  const dataOffset = alignUp(headerByteLength, alignment);
  if (tensors.length > 0 && dataOffset > c.fileSize) {
    c.fail(`data section would start at ${dataOffset}, past the end of the file (${c.fileSize} bytes)`);
  }
  placeTensors(c, tensors, dataOffset, alignment);
  return { path: c.path, fileSize: c.fileSize, version, alignment, metadata, tensors, headerByteLength, dataOffset };
}

function readValue(c: GgufHeaderCursor, type: number): GgufValue {
  if (type === GgufValueType.ARRAY) return readArrayBody(c, 0);
  if (type === GgufValueType.STRING) return { type, value: c.string("string value") };
  const size = isGgufValueType(type) ? ggufScalarByteLength(type) : undefined;
  if (size === undefined) c.fail(`unknown value type ${type}`);
  c.ensure(size, `${ggufValueTypeName(type)} value`);
  return { type, value: readFixedScalar(c, type) } as GgufValue;
}

/** Item type, count and items of an array (the ARRAY tag itself is already consumed). */
function readArrayBody(c: GgufHeaderCursor, depth: number): GgufArrayValue {
  if (depth >= GGUF_MAX_ARRAY_NESTING) c.fail(`arrays nested deeper than ${GGUF_MAX_ARRAY_NESTING}`);
  c.ensure(12, "array item type and length");
  const itemType = c.u32();
  const count = c.u64();
  if (!isGgufValueType(itemType)) c.fail(`unknown array item type ${itemType}`);
  const minItemBytes =
    itemType === GgufValueType.STRING ? STRING_LENGTH_BYTES
    : itemType === GgufValueType.ARRAY ? MIN_NESTED_ARRAY_BYTES
    : ggufScalarByteLength(itemType)!;
  if (count * BigInt(minItemBytes) > BigInt(c.remaining)) {
    c.fail(`array of ${count} ${ggufValueTypeName(itemType)} items cannot fit in the ${c.remaining} bytes left`);
  }
  const n = Number(count);
  if (itemType === GgufValueType.ARRAY) {
    const items: GgufArrayValue[] = [];
    for (let i = 0; i < n; i++) items.push(readArrayBody(c, depth + 1));
    return { type: GgufValueType.ARRAY, itemType, value: items };
  }
  if (itemType === GgufValueType.STRING) {
    const items: string[] = [];
    for (let i = 0; i < n; i++) items.push(c.string("array item", i));
    return { type: GgufValueType.ARRAY, itemType, value: items };
  }
  // Fixed-size items: n × size was just checked against the bytes left, so one ensure covers all.
  c.ensure(n * minItemBytes, `array of ${n} ${ggufValueTypeName(itemType)}`);
  const items: unknown[] = [];
  for (let i = 0; i < n; i++) items.push(readFixedScalar(c, itemType));
  return { type: GgufValueType.ARRAY, itemType, value: items } as GgufArrayValue;
}

function readFixedScalar(c: GgufHeaderCursor, type: GgufValueType): number | bigint | boolean {
  switch (type) {
    case GgufValueType.UINT8: return c.u8();
    case GgufValueType.INT8: return c.i8();
    case GgufValueType.UINT16: return c.u16();
    case GgufValueType.INT16: return c.i16();
    case GgufValueType.UINT32: return c.u32();
    case GgufValueType.INT32: return c.i32();
    case GgufValueType.FLOAT32: return c.f32();
    // Any non-zero byte is true, as in gguf.cpp (writers store 0 or 1).
    case GgufValueType.BOOL: return c.u8() !== 0;
    case GgufValueType.UINT64: return c.u64();
    case GgufValueType.INT64: return c.i64();
    case GgufValueType.FLOAT64: return c.f64();
    default: throw new Error(`unreachable: ${type} is not a fixed-size scalar type`);
  }
}

function alignmentOf(c: GgufHeaderCursor, metadata: GgufMetadata): number {
  const value = metadata.get(GGUF_ALIGNMENT_KEY);
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  c.context = GGUF_ALIGNMENT_KEY;
  if (value.type !== GgufValueType.UINT32) c.fail(`must be of type u32, got ${ggufValueTypeName(value.type)}`);
  if (value.value === 0 || (value.value & (value.value - 1)) !== 0) c.fail(`alignment ${value.value} is not a power of two`);
  c.context = undefined;
  return value.value;
}

/** n_dims, dims, type and offset of one tensor info; the name was read by the caller. */
function readTensorInfo(c: GgufHeaderCursor, name: string): GgufTensorInfo {
  c.ensure(4, "n_dims");
  const nDims = c.u32();
  if (nDims > GGML_MAX_DIMS) c.fail(`tensor has ${nDims} dimensions; ggml allows at most ${GGML_MAX_DIMS}`);
  c.ensure(nDims * 8 + 4 + 8, "dimensions, type and offset");
  const dims: bigint[] = [];
  for (let j = 0; j < nDims; j++) dims.push(c.u64());
  const typeId = c.u32();
  const offset = c.u64();
  if (!isGgmlType(typeId)) c.fail(`unknown ggml type ${typeId}`);
  const type: GgmlType = typeId;

  const blockSize = BigInt(ggmlBlockSize(type));
  const ne0 = dims.length > 0 ? dims[0] : 1n;
  if (ne0 % blockSize !== 0n) c.fail(`row length ${ne0} is not a multiple of the ${ggmlTypeName(type)} block size ${blockSize}`);
  // bigint arithmetic: dims are u64, so the product may overflow any fixed width before we compare.
  let byteLength = (ne0 / blockSize) * BigInt(ggmlTypeSize(type));
  for (let j = 1; j < dims.length; j++) byteLength *= dims[j];
  const fileSize = BigInt(c.fileSize);
  if (byteLength > fileSize) c.fail(`${ggmlTypeName(type)} [${dims.join(", ")}] needs ${byteLength} bytes, more than the whole file (${fileSize})`);
  for (let j = 0; j < dims.length; j++) {
    // Only possible alongside a zero dimension (else byteLength would exceed the file).
    if (dims[j] > BigInt(Number.MAX_SAFE_INTEGER)) c.fail(`dimension ${j} is ${dims[j]}, too large`);
  }
  if (offset > fileSize) c.fail(`data offset ${offset} is past the end of the file (${fileSize} bytes)`);
  return {
    name,
    shape: dims.map(Number),
    type,
    relativeOffset: Number(offset),
    absoluteOffset: -1,
    byteLength: Number(byteLength),
  };
}

/** Fill absolute offsets and check each tensor is aligned, inside the file and overlaps no other. */
function placeTensors(c: GgufHeaderCursor, tensors: GgufTensorInfo[], dataOffset: number, alignment: number): void {
  for (const t of tensors) {
    c.context = `tensor ${t.name}`;
    if (t.relativeOffset % alignment !== 0) c.fail(`data offset ${t.relativeOffset} is not a multiple of the alignment ${alignment}`);
    t.absoluteOffset = dataOffset + t.relativeOffset;
    if (t.absoluteOffset + t.byteLength > c.fileSize) {
      c.fail(`data [${t.absoluteOffset}, ${t.absoluteOffset + t.byteLength}) extends past the end of the file (${c.fileSize} bytes)`);
    }
  }
  const byOffset = [...tensors].sort((a, b) => a.relativeOffset - b.relativeOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1];
    const cur = byOffset[i];
    if (cur.relativeOffset < prev.relativeOffset + prev.byteLength) {
      c.context = `tensor ${cur.name}`;
      c.fail(`data at offset ${cur.relativeOffset} overlaps tensor ${prev.name} [${prev.relativeOffset}, ${prev.relativeOffset + prev.byteLength})`);
    }
  }
  c.context = undefined;
}
