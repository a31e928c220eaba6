import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { repackHfMxfp4ToGgml } from "./repackHfMxfp4ToGgml.js";
import { createMxfp4RepackArena } from "./wasmMxfp4Repack.js";

describe("wasmMxfp4Repack: the SIMD repack equals the JavaScript one (itself checked against llama.cpp's converter)", () => {
  const arena = createMxfp4RepackArena({ bytes: 4 << 20 })!;

  it("Node has WebAssembly SIMD (the arena exists)", () => {
    expect(arena).toBeDefined();
  });

  it("contiguous rows, every byte value", () => {
    const rows = 7, perRow = 90;
    const blocks = arena.alloc(rows * perRow * 16)!;
    const scales = arena.alloc(rows * perRow)!;
    blocks.set(randomBytes(blocks.length));
    // every byte value appears in the first 256 blocks' first bytes
    for (let i = 0; i < 256; i++) blocks[i * 16] = i;
    scales.set(randomBytes(scales.length));
    const out = arena.alloc(rows * perRow * 17)!;
    arena.repackRows({ blocks, scales, out, nRows: rows, blocksPerRow: perRow, rowStrideBlocks: perRow });
    expect(Buffer.compare(out, repackHfMxfp4ToGgml({ blocks: Buffer.from(blocks), scales: Buffer.from(scales) }))).toBe(0);
    for (const b of [blocks, scales, out]) arena.free(b);
  });

  it("strided rows: the even (gate) and odd (up) rows of a fused gate_up tensor", () => {
    const rows = 6, perRow = 3;
    const blocks = arena.alloc(2 * rows * perRow * 16)!;
    const scales = arena.alloc(2 * rows * perRow)!;
    blocks.set(randomBytes(blocks.length));
    scales.set(randomBytes(scales.length));
    const whole = repackHfMxfp4ToGgml({ blocks: Buffer.from(blocks), scales: Buffer.from(scales) });
    const rowBytes = perRow * 17;
    for (const parity of [0, 1]) {
      const out = arena.alloc(rows * rowBytes)!;
      arena.repackRows({ blocks: blocks.subarray(parity * perRow * 16), scales: scales.subarray(parity * perRow), out, nRows: rows, blocksPerRow: perRow, rowStrideBlocks: 2 * perRow });
      for (let r = 0; r < rows; r++) {
        expect(Buffer.compare(out.subarray(r * rowBytes, (r + 1) * rowBytes), whole.subarray((2 * r + parity) * rowBytes, (2 * r + parity + 1) * rowBytes))).toBe(0);
      }
      arena.free(out);
    }
  });

  it("an arena the engine cannot reserve is no arena (callers take the JavaScript path)", () => {
    // 5 GiB: beyond wasm32's 4 GiB address space
    expect(createMxfp4RepackArena({ bytes: 5 * 2 ** 30 })).toBeUndefined();
  });

  it("arena: buffers are recycled by size, a full arena says so, foreign or oversized buffers are refused", () => {
    const small = createMxfp4RepackArena({ bytes: 65536 })!;
    const a = small.alloc(40000)!;
    expect(small.alloc(40000)).toBeUndefined();
    small.free(a);
    const b = small.alloc(40000)!;
    expect(b.byteOffset).toBe(a.byteOffset);
    expect(small.owns(Buffer.alloc(16))).toBe(false);
    expect(() => small.repackRows({ blocks: Buffer.alloc(16), scales: b, out: b, nRows: 1, blocksPerRow: 1, rowStrideBlocks: 1 })).toThrow(/from the arena/);
    expect(() => small.repackRows({ blocks: b.subarray(0, 32), scales: b.subarray(32, 34), out: b.subarray(100, 200), nRows: 2, blocksPerRow: 2, rowStrideBlocks: 2 })).toThrow(RangeError);
  });
});
