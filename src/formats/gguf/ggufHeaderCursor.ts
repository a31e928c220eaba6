import { readSync } from "node:fs";
import { InvalidInputError } from "../../errors.js";

/**
 * Sequential little-endian reader over a file descriptor that holds only a window of the file.
 *
 * Memory safety against hostile files comes from one rule: `ensure(n)` refuses any `n` larger than
 * the bytes left in the file *before* it allocates, and it is the only place that allocates. So no
 * length or count read from the file can make us allocate more than the file's size, whatever its
 * value (callers also check counts × minimum item size against `remaining` before looping).
 *
 * Reads are synchronous: a header is parsed in a tight loop of small reads (hundreds of thousands
 * of tokenizer strings), where awaiting each refill would dominate; refills are `chunkSize` bytes.
 */
export class GgufHeaderCursor {
  private window: Buffer;
  /** File offset of window[0]. */
  private windowStart = 0;
  /** Valid bytes in window. */
  private windowLength = 0;
  /** File offset of the next byte to read. */
  position = 0;
  /** Key or tensor being read, used to name it in errors. */
  context: string | undefined;

  constructor(
    private readonly fd: number,
    readonly fileSize: number,
    readonly path: string,
    private readonly chunkSize: number,
  ) {
    this.window = Buffer.allocUnsafe(Math.min(chunkSize, fileSize));
  }

  /** Bytes between the read position and the end of the file. */
  get remaining(): number {
    return this.fileSize - this.position;
  }

  fail(problem: string): never {
    throw new InvalidInputError(this.path, problem, this.context);
  }

  /**
   * Make the next `n` bytes readable; `what` (and `index`, for array items) names them if the file
   * ends first. Labels are passed in pieces so the hot path never builds a message string.
   */
  ensure(n: number, what: string, index?: number): void {
    if (n > this.remaining) {
      this.fail(`file truncated: ${label(what, index)} needs ${n} bytes at offset ${this.position}, only ${this.remaining} left`);
    }
    if (this.position + n <= this.windowStart + this.windowLength) return;
    const want = Math.min(Math.max(n, this.chunkSize), this.remaining); // ≤ remaining ≤ file size
    if (this.window.length < want) this.window = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const read = readSync(this.fd, this.window, got, want - got, this.position + got);
      if (read === 0) this.fail(`file shrank while reading: got ${this.position + got} of ${this.fileSize} bytes`);
      got += read;
    }
    this.windowStart = this.position;
    this.windowLength = want;
  }

  private at(n: number): number {
    const offset = this.position - this.windowStart;
    this.position += n;
    return offset;
  }

  // The readers below assume a preceding ensure() covered them.
  u8(): number { return this.window.readUInt8(this.at(1)); }
  i8(): number { return this.window.readInt8(this.at(1)); }
  u16(): number { return this.window.readUInt16LE(this.at(2)); }
  i16(): number { return this.window.readInt16LE(this.at(2)); }
  u32(): number { return this.window.readUInt32LE(this.at(4)); }
  i32(): number { return this.window.readInt32LE(this.at(4)); }
  f32(): number { return this.window.readFloatLE(this.at(4)); }
  f64(): number { return this.window.readDoubleLE(this.at(8)); }
  u64(): bigint { return this.window.readBigUInt64LE(this.at(8)); }
  i64(): bigint { return this.window.readBigInt64LE(this.at(8)); }
  bytes(n: number): Buffer {
    const offset = this.at(n);
    return this.window.subarray(offset, offset + n);
  }

  /** A u64-length-prefixed UTF-8 string; the length is checked against the bytes left first. */
  string(what: string, index?: number): string {
    this.ensure(8, what, index);
    // Two u32 halves instead of a bigint: this runs once per token string, hundreds of thousands of times.
    const low = this.u32();
    const high = this.u32();
    const n = high * 2 ** 32 + low; // exact while high < 2^21; beyond that it is astronomically large anyway
    if (n > this.remaining) {
      this.fail(`${label(what, index)} length ${(BigInt(high) << 32n) | BigInt(low)} exceeds the ${this.remaining} bytes left in the file`);
    }
    this.ensure(n, what, index);
    const start = this.at(n);
    // Invalid UTF-8 decodes to U+FFFD rather than failing: gguf.cpp does not check UTF-8 either.
    return this.window.toString("utf8", start, start + n);
  }
}

function label(what: string, index: number | undefined): string {
  return index === undefined ? what : `${what} ${index}`;
}
