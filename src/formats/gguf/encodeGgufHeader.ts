import { InvalidInputError } from "../../errors.js";
import { type GgmlType, ggmlBlockSize, ggmlTensorBytes, ggmlTypeName, isGgmlType } from "./ggmlTypes.js";
import {
  GGML_MAX_DIMS,
  GGML_MAX_NAME,
  GGUF_ALIGNMENT_KEY,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
} from "./ggufConstants.js";
import { GgufValueType, ggufValueTypeName, isGgufValueType, type GgufValue } from "./ggufValue.js";

/** A tensor to be stored: `shape` in ggml order (ne0, the contiguous row length, first). */
export interface GgufTensorDeclaration {
  name: string;
  shape: readonly number[];
  type: GgmlType;
  /** Checked against type and shape when given; computed when omitted. */
  byteLength?: number;
}

/** Where a declared tensor's data goes in the file. */
export interface GgufTensorLayout {
  name: string;
  shape: readonly number[];
  type: GgmlType;
  byteLength: number;
  /** Offset from the start of the data section (the value stored in the tensor info). */
  relativeOffset: number;
  /** Offset from the start of the file. */
  absoluteOffset: number;
}

/** The layout of a whole GGUF file, fixed once metadata and tensor infos are known. */
export interface GgufFileLayout {
  alignment: number;
  /** Bytes of magic, counts, metadata and tensor infos, before the zero padding. */
  headerByteLength: number;
  /** headerByteLength rounded up to the alignment: where tensor data starts. */
  dataOffset: number;
  /** Size of the finished file: every tensor is padded to the alignment, the last one too. */
  fileSize: number;
  tensors: GgufTensorLayout[];
}

/** The header bytes (padding to dataOffset included) plus the layout they describe. */
export interface EncodedGgufHeader extends GgufFileLayout {
  bytes: Buffer;
}

/** Round `n` up to a multiple of `alignment` (GGML_PAD). */
export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/**
 * Serialize a GGUF v3 header exactly as llama.cpp's gguf-py GGUFWriter does: magic, version,
 * n_tensors u64, n_kv u64, the key/values in order, the tensor infos in order (dims in ggml order,
 * offsets = running sum of sizes padded to the alignment), then zero bytes up to the alignment.
 * The alignment is `general.alignment` when the metadata has it, else 32. `file` only names the
 * output in error messages. Throws InvalidInputError for a value that does not fit its declared
 * type, a bad tensor shape or size, or a duplicate key or tensor name.
 */
export function encodeGgufHeader(params: {
  metadata: Iterable<readonly [string, GgufValue]>;
  tensors: readonly GgufTensorDeclaration[];
  file?: string;
}): EncodedGgufHeader {
  const file = params.file ?? "<gguf>";
  const metadata = [...params.metadata];
  const sink = new ByteSink();

  const keys = new Set<string>();
  for (const [key, value] of metadata) {
    if (typeof key !== "string" || key.length === 0) throw new InvalidInputError(file, "metadata key must be a non-empty string");
    if (!isWellFormed(key)) throw new InvalidInputError(file, "metadata key is not valid UTF-16 (lone surrogate)", key);
    if (keys.has(key)) throw new InvalidInputError(file, "duplicate metadata key", key);
    keys.add(key);
    validateValue(file, key, value, 0);
  }
  const alignment = alignmentFrom(file, metadata);
  const tensors = layoutTensors(file, params.tensors, alignment);

  sink.bytes(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64n(tensors.length);
  sink.u64n(metadata.length);
  for (const [key, value] of metadata) {
    sink.string(key);
    sink.u32(value.type);
    writeValueBody(sink, value);
  }
  for (const t of tensors) {
    sink.string(t.name);
    sink.u32(t.shape.length);
    for (const ne of t.shape) sink.u64n(ne);
    sink.u32(t.type);
    sink.u64n(t.relativeOffset);
  }
  const headerByteLength = sink.length;
  const dataOffset = alignUp(headerByteLength, alignment);
  sink.zeros(dataOffset - headerByteLength);

  let fileSize = dataOffset;
  for (const t of tensors) {
    t.absoluteOffset = dataOffset + t.relativeOffset;
    fileSize = dataOffset + t.relativeOffset + alignUp(t.byteLength, alignment);
  }
  return { bytes: sink.finish(), alignment, headerByteLength, dataOffset, fileSize, tensors };
}

function alignmentFrom(file: string, metadata: readonly (readonly [string, GgufValue])[]): number {
  const entry = metadata.find(([key]) => key === GGUF_ALIGNMENT_KEY);
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const value = entry[1];
  // gguf.cpp refuses any other type for this key, and a non-power-of-two alignment.
  if (value.type !== GgufValueType.UINT32) {
    throw new InvalidInputError(file, `must be of type u32, got ${ggufValueTypeName(value.type)}`, GGUF_ALIGNMENT_KEY);
  }
  if (value.value === 0 || (value.value & (value.value - 1)) !== 0) {
    throw new InvalidInputError(file, `alignment ${value.value} is not a power of two`, GGUF_ALIGNMENT_KEY);
  }
  return value.value;
}

function layoutTensors(file: string, declared: readonly GgufTensorDeclaration[], alignment: number): GgufTensorLayout[] {
  const names = new Set<string>();
  const layout: GgufTensorLayout[] = [];
  let relativeOffset = 0;
  for (const t of declared) {
    const { name, type } = t;
    if (typeof name !== "string" || name.length === 0) throw new InvalidInputError(file, "tensor name must be a non-empty string");
    if (!isWellFormed(name)) throw new InvalidInputError(file, "tensor name is not valid UTF-16 (lone surrogate)", name);
    if (Buffer.byteLength(name, "utf8") >= GGML_MAX_NAME) {
      throw new InvalidInputError(file, `tensor name is ${Buffer.byteLength(name, "utf8")} bytes; llama.cpp allows at most ${GGML_MAX_NAME - 1}`, name);
    }
    if (names.has(name)) throw new InvalidInputError(file, "duplicate tensor name", name);
    names.add(name);
    if (!isGgmlType(type)) throw new InvalidInputError(file, `unknown ggml type ${String(type)}`, name);
    const shape = [...t.shape];
    if (shape.length > GGML_MAX_DIMS) throw new InvalidInputError(file, `tensor has ${shape.length} dimensions; ggml allows at most ${GGML_MAX_DIMS}`, name);
    for (const ne of shape) {
      if (!Number.isSafeInteger(ne) || ne < 0) throw new InvalidInputError(file, `shape [${shape.join(", ")}] has a dimension that is not a non-negative integer`, name);
    }
    const ne0 = shape.length === 0 ? 1 : shape[0];
    if (ne0 % ggmlBlockSize(type) !== 0) {
      throw new InvalidInputError(file, `row length ${ne0} is not a multiple of the ${ggmlTypeName(type)} block size ${ggmlBlockSize(type)}`, name);
    }
    let byteLength: number;
    try {
      byteLength = ggmlTensorBytes(type, shape);
    } catch (error) {
      throw new InvalidInputError(file, (error as Error).message, name, { cause: error });
    }
    if (t.byteLength !== undefined && t.byteLength !== byteLength) {
      throw new InvalidInputError(file, `byteLength ${t.byteLength} does not match ${ggmlTypeName(type)} [${shape.join(", ")}] = ${byteLength} bytes`, name);
    }
    layout.push({ name, shape, type, byteLength, relativeOffset, absoluteOffset: -1 });
    relativeOffset += alignUp(byteLength, alignment);
  }
  return layout;
}

const INTEGER_RANGES: Partial<Record<GgufValueType, readonly [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};
const BIGINT_RANGES: Partial<Record<GgufValueType, readonly [bigint, bigint]>> = {
  [GgufValueType.UINT64]: [0n, 2n ** 64n - 1n],
  [GgufValueType.INT64]: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * Deepest array nesting we write or read. GGUF puts no limit on it, but llama.cpp reads no nested
 * arrays at all and recursion on hostile input must stay far from the JS stack limit.
 */
export const GGUF_MAX_ARRAY_NESTING = 16;

function validateValue(file: string, where: string, value: GgufValue, depth: number): void {
  if (value === null || typeof value !== "object" || !isGgufValueType(value.type)) {
    throw new InvalidInputError(file, `not a GGUF value (type ${String((value as { type?: unknown } | null)?.type)})`, where);
  }
  if (value.type === GgufValueType.ARRAY) {
    if (depth >= GGUF_MAX_ARRAY_NESTING) throw new InvalidInputError(file, `arrays nested deeper than ${GGUF_MAX_ARRAY_NESTING}`, where);
    if (!isGgufValueType(value.itemType)) throw new InvalidInputError(file, `unknown array item type ${String(value.itemType)}`, where);
    if (!Array.isArray(value.value)) throw new InvalidInputError(file, "array value must be a JS array", where);
    if (value.itemType === GgufValueType.ARRAY) {
      value.value.forEach((item, i) => {
        if (item?.type !== GgufValueType.ARRAY) throw new InvalidInputError(file, "items of an array of arrays must be arrays", `${where}[${i}]`);
        validateValue(file, `${where}[${i}]`, item, depth + 1);
      });
    } else {
      const itemType = value.itemType;
      const items = value.value as unknown[];
      for (let i = 0; i < items.length; i++) validateScalar(file, where, itemType, items[i], i);
    }
    return;
  }
  validateScalar(file, where, value.type, value.value);
}

function validateScalar(file: string, key: string, type: GgufValueType, v: unknown, index?: number): void {
  const fail: (what: string) => never = (what) => {
    throw new InvalidInputError(file, `${index === undefined ? "" : `item ${index}: `}${what} for type ${ggufValueTypeName(type)}`, key);
  };
  const intRange = INTEGER_RANGES[type];
  if (intRange !== undefined) {
    if (typeof v !== "number" || !Number.isInteger(v)) fail(`${describe(v)} is not an integer`);
    if (v < intRange[0] || v > intRange[1]) fail(`${v} is out of range`);
    return;
  }
  const bigRange = BIGINT_RANGES[type];
  if (bigRange !== undefined) {
    if (typeof v !== "bigint") fail(`${describe(v)} is not a bigint`);
    if (v < bigRange[0] || v > bigRange[1]) fail(`${v} is out of range`);
    return;
  }
  switch (type) {
    case GgufValueType.FLOAT32:
    case GgufValueType.FLOAT64:
      if (typeof v !== "number") fail(`${describe(v)} is not a number`);
      return;
    case GgufValueType.BOOL:
      if (typeof v !== "boolean") fail(`${describe(v)} is not a boolean`);
      return;
    case GgufValueType.STRING:
      if (typeof v !== "string") fail(`${describe(v)} is not a string`);
      // UTF-8 encoding would silently replace a lone surrogate with U+FFFD.
      if (!isWellFormed(v as string)) fail("string has a lone surrogate, it cannot be encoded as UTF-8");
      return;
    default:
      fail("unexpected type");
  }
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "bigint") return `${v}n`;
  return String(v);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** Value bytes after the type tag (the tag itself is written by the caller, like gguf-py's _pack_val). */
function writeValueBody(sink: ByteSink, value: GgufValue): void {
  if (value.type === GgufValueType.ARRAY) {
    sink.u32(value.itemType);
    sink.u64n(value.value.length);
    if (value.itemType === GgufValueType.ARRAY) {
      for (const item of value.value) writeValueBody(sink, item);
    } else {
      const itemType = value.itemType;
      for (const item of value.value) writeScalar(sink, itemType, item);
    }
    return;
  }
  writeScalar(sink, value.type, value.value);
}

function writeScalar(sink: ByteSink, type: GgufValueType, v: unknown): void {
  switch (type) {
    case GgufValueType.UINT8: sink.u8(v as number); return;
    case GgufValueType.INT8: sink.i8(v as number); return;
    case GgufValueType.UINT16: sink.u16(v as number); return;
    case GgufValueType.INT16: sink.i16(v as number); return;
    case GgufValueType.UINT32: sink.u32(v as number); return;
    case GgufValueType.INT32: sink.i32(v as number); return;
    case GgufValueType.FLOAT32: sink.f32(v as number); return;
    case GgufValueType.BOOL: sink.u8(v ? 1 : 0); return;
    case GgufValueType.STRING: sink.string(v as string); return;
    case GgufValueType.UINT64: sink.u64(v as bigint); return;
    case GgufValueType.INT64: sink.i64(v as bigint); return;
    case GgufValueType.FLOAT64: sink.f64(v as number); return;
    default: throw new Error(`unreachable: scalar type ${type}`);
  }
}

/** A growable little-endian byte buffer. */
class ByteSink {
  private buf = Buffer.alloc(64 * 1024);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
  u8(v: number): void { this.reserve(1); this.length = this.buf.writeUInt8(v, this.length); }
  i8(v: number): void { this.reserve(1); this.length = this.buf.writeInt8(v, this.length); }
  u16(v: number): void { this.reserve(2); this.length = this.buf.writeUInt16LE(v, this.length); }
  i16(v: number): void { this.reserve(2); this.length = this.buf.writeInt16LE(v, this.length); }
  u32(v: number): void { this.reserve(4); this.length = this.buf.writeUInt32LE(v, this.length); }
  i32(v: number): void { this.reserve(4); this.length = this.buf.writeInt32LE(v, this.length); }
  f32(v: number): void { this.reserve(4); this.length = this.buf.writeFloatLE(v, this.length); }
  f64(v: number): void { this.reserve(8); this.length = this.buf.writeDoubleLE(v, this.length); }
  u64(v: bigint): void { this.reserve(8); this.length = this.buf.writeBigUInt64LE(v, this.length); }
  i64(v: bigint): void { this.reserve(8); this.length = this.buf.writeBigInt64LE(v, this.length); }
  /** A non-negative safe integer as u64, without going through bigint (once per string). */
  u64n(v: number): void {
    this.reserve(8);
    this.buf.writeUInt32LE(v % 2 ** 32, this.length);
    this.length = this.buf.writeUInt32LE(Math.floor(v / 2 ** 32), this.length + 4);
  }
  string(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.u64n(n);
    this.reserve(n);
    this.length += this.buf.write(s, this.length, n, "utf8");
  }
  bytes(b: Uint8Array): void { this.reserve(b.length); this.buf.set(b, this.length); this.length += b.length; }
  zeros(n: number): void { this.reserve(n); this.buf.fill(0, this.length, this.length + n); this.length += n; }
  finish(): Buffer { return this.buf.subarray(0, this.length); }
}
