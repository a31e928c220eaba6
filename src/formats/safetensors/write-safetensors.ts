import type { FileHandle } from "node:fs/promises";
import { InvalidInputError } from "../../errors.js";
import { isSafetensorsDtype, tensorByteLength, type SafetensorsDtype } from "./dtypes.js";
import { MAX_SAFETENSORS_HEADER_BYTES } from "./read-safetensors-header-from-handle.js";
import type { SafetensorsHeader, SafetensorsTensorInfo } from "./types.js";
import { openAtomicFile } from "../../util/atomic.js";

/** A tensor to write: its declared layout, and its bytes either in memory or produced chunk by chunk. */
export interface SafetensorsTensorToWrite {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  /** Must equal the shape's element count times the dtype's size; the data must produce exactly this many bytes. */
  byteLength: number;
  /** The raw bytes, or a function returning them in chunks (called once, when the tensor's turn comes). */
  data: Uint8Array | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>);
}

/** The reference writer pads the header with spaces so tensor data starts at a multiple of this. */
const DATA_ALIGNMENT = 8;

/** Chunks smaller than this are gathered into one buffer before writing, to avoid many tiny write calls. */
const COALESCE_BELOW_BYTES = 1024 * 1024;
const COALESCE_BUFFER_BYTES = 8 * 1024 * 1024;
/** One write call stays far below the 2 GiB a single write(2) may transfer. */
const MAX_WRITE_CALL_BYTES = 64 * 1024 * 1024;

/**
 * Write a .safetensors file by streaming each tensor's data after a header computed from the declared
 * shapes, so a multi-GiB file never has to be in memory at once.
 *
 * - Tensors are written contiguously in the given order (the reference reader rejects gaps); to keep every
 *   tensor aligned to its element size, order them by dtype size, largest first, as the reference writer
 *   does. The header keeps the given order too.
 * - The header is padded with spaces so data starts at a multiple of 8 bytes, like the reference writer.
 * - The file is written to `<path>.tmp-<pid>`, fsynced, then renamed over `path`: readers never see a
 *   half-written file, and a crash leaves only the temp file (removed on any error we can catch).
 * - Each tensor must produce exactly its `byteLength` bytes; otherwise InvalidInputError naming the tensor.
 *
 * Returns the header as readSafetensorsHeader would read it back.
 */
export async function writeSafetensors(params: {
  path: string;
  tensors: readonly SafetensorsTensorToWrite[];
  metadata?: Record<string, string>;
}): Promise<SafetensorsHeader> {
  const { path, tensors } = params;
  const metadata = params.metadata ?? {};
  const layout = planLayout({ path, tensors, metadata });

  const file = await openAtomicFile(path);
  try {
    const out = new PositionalWriter(file.handle);
    await out.write(layout.headerBlock);
    for (let i = 0; i < tensors.length; i++) {
      await writeTensorData({ path, tensor: tensors[i], out });
    }
    await out.flush();
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e;
  }

  return layout.header;
}

/** Validate the declared tensors and compute the header bytes and the resulting offsets. */
function planLayout(params: {
  path: string;
  tensors: readonly SafetensorsTensorToWrite[];
  metadata: Record<string, string>;
}): { headerBlock: Buffer; header: SafetensorsHeader } {
  const { path, tensors, metadata } = params;
  const bad = (problem: string, key?: string): InvalidInputError => new InvalidInputError(path, problem, key);

  // Built by hand rather than JSON.stringify of one object: JS objects put integer-like keys ("0") first,
  // and we promise to keep the caller's order.
  const parts: string[] = [];
  const metadataEntries = Object.entries(metadata);
  if (metadataEntries.length > 0) {
    for (const [k, v] of metadataEntries) {
      if (typeof v !== "string") throw bad(`metadata value of ${JSON.stringify(k)} must be a string`, "__metadata__");
    }
    parts.push(`"__metadata__":{${metadataEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`);
  }

  const seen = new Set<string>();
  const relative: { begin: number; end: number }[] = [];
  let offset = 0;
  for (const t of tensors) {
    if (t.name === "__metadata__") throw bad("__metadata__ is reserved and cannot name a tensor", t.name);
    if (seen.has(t.name)) throw bad("tensor name given twice", t.name);
    seen.add(t.name);
    if (!isSafetensorsDtype(t.dtype)) throw bad(`unknown dtype ${JSON.stringify(t.dtype)}`, t.name);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(`shape ${JSON.stringify(t.shape)} must hold non-negative integers`, t.name);
    }
    const expected = tensorByteLength({ dtype: t.dtype, shape: t.shape });
    if (expected !== t.byteLength) {
      throw bad(`byteLength ${t.byteLength} does not match shape [${t.shape.join(", ")}] of ${t.dtype} (${expected ?? "not a whole number of"} bytes)`, t.name);
    }
    const begin = offset;
    const end = offset + t.byteLength;
    if (!Number.isSafeInteger(end)) throw bad("total data size exceeds 2^53 bytes", t.name);
    relative.push({ begin, end });
    parts.push(`${JSON.stringify(t.name)}:{"dtype":${JSON.stringify(t.dtype)},"shape":[${t.shape.join(",")}],"data_offsets":[${begin},${end}]}`);
    offset = end;
  }

  const json = Buffer.from(`{${parts.join(",")}}`, "utf8");
  const padding = (DATA_ALIGNMENT - (json.length % DATA_ALIGNMENT)) % DATA_ALIGNMENT;
  const headerSize = json.length + padding;
  if (headerSize > MAX_SAFETENSORS_HEADER_BYTES) throw bad(`header of ${headerSize} bytes exceeds the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit readers accept`);
  const headerBlock = Buffer.alloc(8 + headerSize, 0x20);
  headerBlock.writeBigUInt64LE(BigInt(headerSize), 0);
  json.copy(headerBlock, 8);

  const dataOffset = 8 + headerSize;
  const infos: SafetensorsTensorInfo[] = tensors.map((t, i) => ({
    name: t.name,
    dtype: t.dtype,
    shape: [...t.shape],
    byteOffset: dataOffset + relative[i].begin,
    byteLength: t.byteLength,
  }));
  return {
    headerBlock,
    header: { path, fileSize: dataOffset + offset, headerSize, dataOffset, metadata: { ...metadata }, tensors: infos },
  };
}

async function writeTensorData(params: { path: string; tensor: SafetensorsTensorToWrite; out: PositionalWriter }): Promise<void> {
  const { path, tensor, out } = params;
  const mismatch = (produced: string): InvalidInputError =>
    new InvalidInputError(path, `data produced ${produced} bytes but byteLength is ${tensor.byteLength}`, tensor.name);

  if (tensor.data instanceof Uint8Array) {
    if (tensor.data.length !== tensor.byteLength) throw mismatch(String(tensor.data.length));
    await out.write(tensor.data);
    return;
  }
  let produced = 0;
  for await (const chunk of tensor.data()) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError(`tensor ${tensor.name}: data chunks must be Uint8Array/Buffer`);
    produced += chunk.length;
    // Checked before writing, so an over-long producer never writes into the next tensor's bytes.
    if (produced > tensor.byteLength) throw mismatch(`more than ${tensor.byteLength}`);
    await out.write(chunk);
  }
  if (produced !== tensor.byteLength) throw mismatch(String(produced));
}

/**
 * Sequential writer with explicit positions that gathers small chunks into one buffer (a producer yielding
 * one row at a time would otherwise cost one syscall per row) and writes large chunks straight through.
 */
class PositionalWriter {
  #position = 0;
  #pending: Buffer | undefined;
  #pendingLength = 0;

  constructor(private readonly handle: FileHandle) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length >= COALESCE_BELOW_BYTES) {
      await this.flush();
      await this.#writeAll(chunk);
      return;
    }
    if (this.#pendingLength + chunk.length > COALESCE_BUFFER_BYTES) await this.flush();
    this.#pending ??= Buffer.allocUnsafe(COALESCE_BUFFER_BYTES);
    this.#pending.set(chunk, this.#pendingLength);
    this.#pendingLength += chunk.length;
  }

  async flush(): Promise<void> {
    if (this.#pending === undefined || this.#pendingLength === 0) return;
    await this.#writeAll(this.#pending.subarray(0, this.#pendingLength));
    this.#pendingLength = 0;
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const length = Math.min(bytes.length - done, MAX_WRITE_CALL_BYTES);
      const { bytesWritten } = await this.handle.write(bytes, done, length, this.#position);
      if (bytesWritten === 0) throw new Error(`write made no progress at offset ${this.#position}`);
      done += bytesWritten;
      this.#position += bytesWritten;
    }
  }
}

