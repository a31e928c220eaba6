/**
 * HF MXFP4 → ggml block_mxfp4 with WebAssembly SIMD, ~5× the JavaScript word-at-a-time version
 * (repackHfMxfp4ToGgml), over buffers that live in the module's memory (a fixed arena: reads land
 * there, repacked blocks are written to the file from there, nothing is copied in or out).
 *
 * The mapping is repackHfMxfp4ToGgml's: with v the 16 HF bytes of a block (element 2j in the low
 * nibble of byte j), lo = v & 0x0f and hi = v >> 4 per byte lane,
 *   X = lo0 hi0 lo1 hi1 … lo7 hi7   (shuffle of lo and hi, lanes 0–7)
 *   Y = lo8 hi8 … lo15 hi15         (lanes 8–15)
 *   ggml qs = X | Y << 4            (byte 2i: elements 2i and 2i+16; byte 2i+1: 2i+1 and 2i+17)
 * preceded by the block's e8m0 scale byte. Rows may be strided, which picks the gate (even) or up
 * (odd) rows of the fused gate_up tensor without gathering them first.
 *
 * The module is assembled here byte by byte (no toolchain at install time); it has one function:
 *   repack(blocks, scales, out, nRows, blocksPerRow, rowStrideBlocks)
 */

const WASM_PAGE = 65536;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  const bytes = [...Buffer.from(s, "utf8")];
  return [...uleb(bytes.length), ...bytes];
}

function buildModule(): Uint8Array {
  const I32 = 0x7f;
  const V128 = 0x7b;
  // params: 0 blocks, 1 scales, 2 out, 3 nRows, 4 blocksPerRow, 5 rowStrideBlocks; locals: 6 r, 7 b, 8 pb, 9 ps, 10 lo, 11 hi
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const i32const = (n: number) => [0x41, ...sleb(n)];
  const simd = (op: number) => [0xfd, ...uleb(op)];
  const memarg = (align: number, offset: number) => [...uleb(align), ...uleb(offset)];
  const shuffle = (lanes: number[]) => [...simd(0x0d), ...lanes];
  const add = 0x6a, mul = 0x6c, geU = 0x4f;
  const code = [
    ...i32const(0), ...set(6),
    0x02, 0x40, // block $rows_done
    0x03, 0x40, // loop $rows
    ...get(6), ...get(3), geU, 0x0d, 1, // br_if $rows_done (r >= nRows)
    // pb = blocks + r·stride·16, ps = scales + r·stride
    ...get(0), ...get(6), ...get(5), mul, ...i32const(16), mul, add, ...set(8),
    ...get(1), ...get(6), ...get(5), mul, add, ...set(9),
    ...i32const(0), ...set(7),
    0x02, 0x40, // block $blocks_done
    0x03, 0x40, // loop $blocks
    ...get(7), ...get(4), geU, 0x0d, 1, // br_if $blocks_done (b >= blocksPerRow)
    // out[0] = scale
    ...get(2), ...get(9), 0x2d, ...memarg(0, 0), 0x3a, ...memarg(0, 0),
    // lo = v & 0x0f, hi = v >> 4
    ...get(8), ...simd(0x00), ...memarg(0, 0), ...simd(0x0c), ...new Array(16).fill(0x0f), ...simd(0x4e), ...set(10),
    ...get(8), ...simd(0x00), ...memarg(0, 0), ...i32const(4), ...simd(0x6d), ...set(11),
    // out[1..16] = shuffle(lo, hi, X) | shuffle(lo, hi, Y) << 4
    ...get(2),
    ...get(10), ...get(11), ...shuffle([0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23]),
    ...get(10), ...get(11), ...shuffle([8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31]),
    ...i32const(4), ...simd(0x6b), ...simd(0x50),
    ...simd(0x0b), ...memarg(0, 1),
    // out += 17, pb += 16, ps += 1, b += 1
    ...get(2), ...i32const(17), add, ...set(2),
    ...get(8), ...i32const(16), add, ...set(8),
    ...get(9), ...i32const(1), add, ...set(9),
    ...get(7), ...i32const(1), add, ...set(7),
    0x0c, 0, // br $blocks
    0x0b, 0x0b, // end loop, end block
    ...get(6), ...i32const(1), add, ...set(6),
    0x0c, 0, // br $rows
    0x0b, 0x0b, // end loop, end block
    0x0b, // end function
  ];
  const locals = [2, ...uleb(4), I32, ...uleb(2), V128];
  const body = [...locals, ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(1)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("repack"), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export interface Mxfp4RepackArena {
  /** A buffer of `bytes` in the arena, or undefined when it is full (use ordinary memory then). */
  alloc(bytes: number): Buffer | undefined;
  /** Give back a buffer alloc() returned; it may be handed out again. */
  free(buffer: Buffer): void;
  /** Whether `buffer` lies in the arena (repackRows needs all three of its buffers there). */
  owns(buffer: Uint8Array): boolean;
  /**
   * Repack nRows rows of blocksPerRow blocks: row r reads HF blocks/scales starting at block
   * r·rowStrideBlocks of `blocks`/`scales` and writes nRows·blocksPerRow·17 bytes to `out`.
   */
  repackRows(params: { blocks: Uint8Array; scales: Uint8Array; out: Uint8Array; nRows: number; blocksPerRow: number; rowStrideBlocks: number }): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The SIMD module, or null where WebAssembly SIMD is unavailable (callers keep the JS path). */
function simdModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = buildModule();
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/**
 * An arena of `bytes` (reserved up front: the memory never grows, since growing would detach every
 * buffer handed out; untouched pages cost no RAM). Buffers are recycled by size, which suits the
 * few sizes of expert tensors. Returns undefined without WebAssembly SIMD or when the memory cannot be
 * reserved.
 */
export function createMxfp4RepackArena(params: { bytes: number }): Mxfp4RepackArena | undefined {
  const module = simdModule();
  if (!module) return undefined;
  const pages = Math.ceil(params.bytes / WASM_PAGE);
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  } catch {
    // the address space was refused (strict overcommit, a small ulimit -v): the JavaScript path works without it
    return undefined;
  }
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const repack = instance.exports.repack as (blocks: number, scales: number, out: number, nRows: number, blocksPerRow: number, rowStride: number) => void;
  const arrayBuffer = memory.buffer;
  const capacity = pages * WASM_PAGE;
  let top = 0;
  const freeBySize = new Map<number, number[]>();
  const owns = (b: Uint8Array) => b.buffer === arrayBuffer;
  return {
    alloc(bytes) {
      const reuse = freeBySize.get(bytes)?.pop();
      if (reuse !== undefined) return Buffer.from(arrayBuffer, reuse, bytes);
      // 64-byte aligned slots
      const size = Math.ceil(bytes / 64) * 64;
      if (top + size > capacity) return undefined;
      const offset = top;
      top += size;
      return Buffer.from(arrayBuffer, offset, bytes);
    },
    free(buffer) {
      if (!owns(buffer)) return;
      const list = freeBySize.get(buffer.length) ?? [];
      list.push(buffer.byteOffset);
      freeBySize.set(buffer.length, list);
    },
    owns,
    repackRows({ blocks, scales, out, nRows, blocksPerRow, rowStrideBlocks }) {
      if (!owns(blocks) || !owns(scales) || !owns(out)) throw new Error("repackRows: buffers must come from the arena");
      const lastRowStart = (nRows - 1) * rowStrideBlocks;
      if (nRows > 0 && ((lastRowStart + blocksPerRow) * 16 > blocks.length || lastRowStart + blocksPerRow > scales.length)) {
        throw new RangeError(`repackRows: ${nRows} rows of ${blocksPerRow} blocks (stride ${rowStrideBlocks}) exceed the ${blocks.length} block bytes or ${scales.length} scales`);
      }
      if (out.length < nRows * blocksPerRow * 17) throw new RangeError(`repackRows: out has ${out.length} bytes, need ${nRows * blocksPerRow * 17}`);
      repack(blocks.byteOffset, scales.byteOffset, out.byteOffset, nRows, blocksPerRow, rowStrideBlocks);
    },
  };
}
