import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { InvalidInputError } from "../../errors.js";
import {
  encodeGgufHeader,
  type GgufFileLayout,
  type GgufTensorDeclaration,
  type GgufTensorLayout,
} from "./encodeGgufHeader.js";
import type { GgmlType } from "./ggmlTypes.js";
import { GGUF_ALIGNMENT_KEY } from "./ggufConstants.js";
import { GgufValueType, type GgufArrayValue, type GgufScalarJsTypes, type GgufScalarType, type GgufValue } from "./ggufValue.js";
import { syncDirectory } from "../../util/syncDirectory.js";

/** Data for one tensor: one buffer, or chunks in order (sync or async). Host byte order (little-endian). */
export type GgufTensorData = ArrayBufferView | Iterable<ArrayBufferView> | AsyncIterable<ArrayBufferView>;

/** What `finish()` produced. */
export interface GgufWriteResult {
  path: string;
  fileSize: number;
  layout: GgufFileLayout;
}

type WriterState = "declaring" | "busy" | "writing" | "finished" | "failed" | "aborted";

// Chunks smaller than this are gathered into one buffer before hitting the disk: callers may hand us
// tensors row by row, and one write(2) per small row would dominate the conversion time.
const STAGING_BYTES = 8 << 20;

/**
 * Writes a GGUF v3 file whose header is byte-identical to what llama.cpp's gguf-py GGUFWriter
 * writes for the same key/values and tensor infos (see encodeGgufHeader), streaming tensor data.
 *
 * Usage: declare everything, then write the data in declared order, then finish:
 *
 *     const w = new GgufWriter({ path });
 *     w.addString("general.architecture", "gpt-oss");
 *     w.addTensorInfo({ name: "token_embd.weight", shape: [2880, 201088], type: GgmlType.Q8_0 });
 *     await w.write(async (t) => chunksOf(t.name));   // or writeHeader / writeTensorData / finish
 *
 * The file is written to `<path>.tmp-<pid>`, fsynced and renamed onto `path` by `finish()`, so
 * `path` never holds a partial file; `abort()` (done automatically by `write` on error) deletes it.
 *
 * Errors: a value that does not fit its type, a bad shape, or data of the wrong size throw
 * InvalidInputError naming `path` and the key or tensor; calls out of order (adding after
 * writeHeader, writing tensors out of declared order, overlapping writes) throw a plain Error.
 * After any failed write the file is inconsistent: only abort() remains.
 */
export class GgufWriter {
  readonly path: string;
  readonly tempPath: string;
  private readonly metadata = new Map<string, GgufValue>();
  private readonly declared: GgufTensorDeclaration[] = [];
  private state: WriterState = "declaring";
  private handle: FileHandle | undefined;
  private currentLayout: GgufFileLayout | undefined;
  private nextTensor = 0;
  private written = 0;
  private readonly staging = Buffer.allocUnsafe(STAGING_BYTES);
  private stagedBytes = 0;

  /**
   * `alignment`, when given, is stored as the `general.alignment` u32 key right away (as gguf-py's
   * add_custom_alignment does); without it nothing is stored and the GGUF default 32 applies.
   */
  constructor(params: { path: string; alignment?: number }) {
    this.path = params.path;
    this.tempPath = `${params.path}.tmp-${process.pid}`;
    if (params.alignment !== undefined) this.addUint32(GGUF_ALIGNMENT_KEY, params.alignment);
  }

  /** Bytes of the file produced so far (header, data, padding), counting those still buffered for writing. */
  get bytesWritten(): number {
    return this.written + this.stagedBytes;
  }

  /** Offsets of everything, once writeHeader() has fixed them; undefined before. */
  get layout(): GgufFileLayout | undefined {
    return this.currentLayout;
  }

  /** Where a tensor's data goes; throws before writeHeader() or for an undeclared name. */
  tensorLayout(name: string): GgufTensorLayout {
    const layout = this.currentLayout?.tensors.find((t) => t.name === name);
    if (layout === undefined) {
      throw new Error(this.currentLayout === undefined ? "tensor offsets are known only after writeHeader()" : `no tensor ${name} declared`);
    }
    return layout;
  }

  // ---- declaring ---------------------------------------------------------------------------

  /** Append a key/value; a key may be added once. The value is checked against its type on writeHeader(). */
  addKV(key: string, value: GgufValue): void {
    this.expectState("declaring", "addKV");
    if (this.metadata.has(key)) throw new InvalidInputError(this.path, "metadata key added twice", key);
    this.metadata.set(key, value);
  }

  /**
   * Add or replace a key/value. A replaced key keeps its position, as gguf-py's add_key_value does
   * when a key is set twice.
   */
  setKV(key: string, value: GgufValue): void {
    this.expectState("declaring", "setKV");
    this.metadata.set(key, value);
  }

  /** Remove a key if present. */
  removeKV(key: string): void {
    this.expectState("declaring", "removeKV");
    this.metadata.delete(key);
  }

  /** The value added under `key`, if any. */
  getKV(key: string): GgufValue | undefined {
    return this.metadata.get(key);
  }

  addUint8(key: string, value: number): void { this.addKV(key, { type: GgufValueType.UINT8, value }); }
  addInt8(key: string, value: number): void { this.addKV(key, { type: GgufValueType.INT8, value }); }
  addUint16(key: string, value: number): void { this.addKV(key, { type: GgufValueType.UINT16, value }); }
  addInt16(key: string, value: number): void { this.addKV(key, { type: GgufValueType.INT16, value }); }
  addUint32(key: string, value: number): void { this.addKV(key, { type: GgufValueType.UINT32, value }); }
  addInt32(key: string, value: number): void { this.addKV(key, { type: GgufValueType.INT32, value }); }
  addFloat32(key: string, value: number): void { this.addKV(key, { type: GgufValueType.FLOAT32, value }); }
  addFloat64(key: string, value: number): void { this.addKV(key, { type: GgufValueType.FLOAT64, value }); }
  addBool(key: string, value: boolean): void { this.addKV(key, { type: GgufValueType.BOOL, value }); }
  /** Unlike gguf-py's add_string, an empty string is written, not skipped. */
  addString(key: string, value: string): void { this.addKV(key, { type: GgufValueType.STRING, value }); }
  /** A number must be a safe integer; pass a bigint for larger values. */
  addUint64(key: string, value: bigint | number): void { this.addKV(key, { type: GgufValueType.UINT64, value: this.toBigInt(key, value) }); }
  /** A number must be a safe integer; pass a bigint for larger values. */
  addInt64(key: string, value: bigint | number): void { this.addKV(key, { type: GgufValueType.INT64, value: this.toBigInt(key, value) }); }

  /**
   * An array of scalars of one type, e.g. `addArray("tokenizer.ggml.tokens", GgufValueType.STRING, tokens)`.
   * Unlike gguf-py's add_array, an empty array is written, not skipped. For nested arrays use addKV.
   */
  addArray<T extends GgufScalarType>(key: string, itemType: T, items: readonly GgufScalarJsTypes[T][]): void {
    this.addKV(key, { type: GgufValueType.ARRAY, itemType, value: [...items] } as GgufArrayValue);
  }

  /**
   * Declare the next tensor: `shape` in ggml order (ne0, the contiguous row length, first — the
   * reverse of numpy/safetensors order). `byteLength`, when given, must equal what type and shape
   * imply. Data must later be written in declaration order.
   */
  addTensorInfo(params: { name: string; shape: readonly number[]; type: GgmlType; byteLength?: number }): void {
    this.expectState("declaring", "addTensorInfo");
    const { name, shape, type, byteLength } = params;
    if (this.declared.some((t) => t.name === name)) throw new InvalidInputError(this.path, "tensor declared twice", name);
    // Validate now, so a bad declaration fails at the call that made it.
    encodeGgufHeader({ metadata: [], tensors: [{ name, shape, type, byteLength }], file: this.path });
    this.declared.push({ name, shape: [...shape], type, byteLength });
  }

  // ---- writing -----------------------------------------------------------------------------

  /**
   * Validate all declarations, fix the layout and write the header (with its padding) to the
   * temporary file. Nothing can be declared afterwards.
   */
  async writeHeader(): Promise<GgufFileLayout> {
    this.expectState("declaring", "writeHeader");
    const header = encodeGgufHeader({ metadata: this.metadata, tensors: this.declared, file: this.path });
    return this.step("writing", async () => {
      const handle = await open(this.tempPath, "w");
      if (this.state !== "busy") {
        // abort() ran while the file was being created: it could not remove what did not exist yet
        await handle.close();
        await rm(this.tempPath, { force: true });
        throw new Error(`GgufWriter(${this.path}): aborted`);
      }
      this.handle = handle;
      await this.writeBytes(header.bytes);
      const { bytes: _bytes, ...layout } = header;
      this.currentLayout = layout;
      return layout;
    });
  }

  /**
   * Write the data of the next declared tensor — `name` must be that tensor — followed by zero
   * padding to the alignment. Exactly byteLength bytes must come; throws (and leaves the writer
   * failed: call abort()) on a wrong name or a byte count mismatch.
   */
  async writeTensorData(name: string, data: GgufTensorData): Promise<void> {
    this.expectState("writing", "writeTensorData");
    const layout = this.currentLayout!;
    const tensor = layout.tensors[this.nextTensor];
    if (tensor === undefined) throw this.failWith(new Error(`all ${layout.tensors.length} declared tensors are already written; got ${name}`));
    if (tensor.name !== name) throw this.failWith(new Error(`tensors must be written in declared order: expected ${tensor.name}, got ${name}`));
    if (this.written + this.stagedBytes !== tensor.absoluteOffset) {
      throw this.failWith(new Error(`internal: at ${this.written + this.stagedBytes}, tensor ${name} starts at ${tensor.absoluteOffset}`));
    }
    await this.step("writing", async () => {
      let got = 0;
      for await (const chunk of chunksOf(data)) {
        got += chunk.byteLength;
        if (got > tensor.byteLength) {
          throw new InvalidInputError(this.path, `got more than the ${tensor.byteLength} bytes the tensor holds`, name);
        }
        await this.writeBytes(chunk);
      }
      if (got !== tensor.byteLength) {
        throw new InvalidInputError(this.path, `got ${got} bytes, the tensor holds ${tensor.byteLength}`, name);
      }
      const padding = (layout.alignment - (tensor.byteLength % layout.alignment)) % layout.alignment;
      if (padding > 0) await this.writeBytes(Buffer.alloc(padding));
      this.nextTensor++;
    });
  }

  /**
   * Check every tensor was written, flush, fsync and atomically rename the temporary file onto
   * `path` (then fsync the directory so the rename itself survives a crash).
   */
  async finish(): Promise<GgufWriteResult> {
    this.expectState("writing", "finish");
    const layout = this.currentLayout!;
    if (this.nextTensor !== layout.tensors.length) {
      throw this.failWith(new Error(`only ${this.nextTensor} of ${layout.tensors.length} tensors written; next is ${layout.tensors[this.nextTensor].name}`));
    }
    return this.step("finished", async () => {
      await this.flushStaging();
      if (this.written !== layout.fileSize) throw new Error(`internal: wrote ${this.written} bytes, layout says ${layout.fileSize}`);
      const handle = this.handle!;
      await handle.sync();
      this.handle = undefined;
      await handle.close();
      await rename(this.tempPath, this.path);
      await syncDirectory(dirname(this.path));
      return { path: this.path, fileSize: this.written, layout };
    });
  }

  /** Close and delete the temporary file. Safe to call at any time, more than once; a finished file stays. */
  async abort(): Promise<void> {
    if (this.state === "finished" || this.state === "aborted") return;
    this.state = "aborted";
    const handle = this.handle;
    this.handle = undefined;
    try {
      await handle?.close();
    } finally {
      await rm(this.tempPath, { force: true });
    }
  }

  /**
   * Write the whole file: header, then each tensor's data from `getData` in declared order, then
   * finish(). On any error the temporary file is removed and the error rethrown.
   */
  async write(getData: (tensor: GgufTensorLayout) => GgufTensorData | Promise<GgufTensorData>): Promise<GgufWriteResult> {
    try {
      const layout = await this.writeHeader();
      for (const tensor of layout.tensors) await this.writeTensorData(tensor.name, await getData(tensor));
      return await this.finish();
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  // ---- internals ---------------------------------------------------------------------------

  private expectState(expected: WriterState, operation: string): void {
    if (this.state !== expected) {
      const why: Record<WriterState, string> = {
        declaring: "before writeHeader()",
        busy: "while another write is in progress (await it first)",
        writing: "after writeHeader()",
        finished: "after finish()",
        failed: "after a failed write (call abort())",
        aborted: "after abort()",
      };
      throw new Error(`GgufWriter(${this.path}): ${operation} cannot be called ${why[this.state]}`);
    }
  }

  /**
   * Run one file operation: the writer is "busy" meanwhile (so an overlapping call is refused
   * instead of interleaving bytes), then `after` on success or "failed" if it throws, since the
   * file is then inconsistent. An abort() meanwhile wins: the state stays "aborted".
   */
  private async step<T>(after: WriterState, operation: () => Promise<T>): Promise<T> {
    this.state = "busy";
    try {
      const result = await operation();
      if (this.state === "busy") this.state = after;
      return result;
    } catch (error) {
      if (this.state === "busy") this.state = "failed";
      throw error;
    }
  }

  private failWith(error: Error): Error {
    this.state = "failed";
    return error;
  }

  private toBigInt(key: string, value: bigint | number): bigint {
    if (typeof value === "bigint") return value;
    if (!Number.isSafeInteger(value)) throw new InvalidInputError(this.path, `${value} is not a safe integer; pass a bigint`, key);
    return BigInt(value);
  }

  private async writeBytes(view: ArrayBufferView): Promise<void> {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    if (bytes.length < STAGING_BYTES / 8) {
      if (this.stagedBytes + bytes.length > STAGING_BYTES) await this.flushStaging();
      this.staging.set(bytes, this.stagedBytes);
      this.stagedBytes += bytes.length;
      return;
    }
    await this.flushStaging();
    await this.writeFully(bytes);
  }

  private async flushStaging(): Promise<void> {
    if (this.stagedBytes === 0) return;
    const staged = this.staging.subarray(0, this.stagedBytes);
    this.stagedBytes = 0;
    await this.writeFully(staged);
  }

  /** Append to the file (write(2) may write less than asked). */
  private async writeFully(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle!.write(bytes, done, bytes.length - done, this.written);
      done += bytesWritten;
      this.written += bytesWritten;
    }
  }
}

async function* chunksOf(data: GgufTensorData): AsyncIterable<ArrayBufferView> {
  // An ArrayBufferView is itself iterable (over numbers), so test for it first.
  if (ArrayBuffer.isView(data)) {
    yield data;
    return;
  }
  for await (const chunk of data as AsyncIterable<ArrayBufferView>) {
    if (!ArrayBuffer.isView(chunk)) throw new TypeError("tensor data chunks must be Buffers or typed arrays");
    yield chunk;
  }
}

