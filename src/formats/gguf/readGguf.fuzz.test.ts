import { mkdtemp, rm } from "node:fs/promises";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { InvalidInputError } from "../../errors.js";
import { encodeGgufHeader } from "./encodeGgufHeader.js";
import { GgmlType } from "./ggmlTypes.js";
import { GgufValueType } from "./ggufValue.js";
import { readGguf } from "./readGguf.js";

/**
 * Deterministic mutation fuzzing of the header parser. Each mutant must either parse into a
 * self-consistent result or throw InvalidInputError — never a RangeError from a Buffer read, a
 * stack overflow, or an out-of-memory crash.
 *
 * "No allocation larger than the file" holds by construction (see GgufHeaderCursor: every length
 * and count from the file is compared with the bytes left before anything is allocated for it);
 * here we also observe it, by recording the size of every Buffer allocated while parsing.
 */

/** mulberry32: a tiny seeded PRNG, so every run sees the same mutants. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validFile(): Buffer {
  const header = encodeGgufHeader({
    metadata: [
      ["general.architecture", { type: GgufValueType.STRING, value: "gpt-oss" }],
      ["general.alignment", { type: GgufValueType.UINT32, value: 32 }],
      ["gpt-oss.block_count", { type: GgufValueType.UINT32, value: 24 }],
      ["gpt-oss.rope.freq_base", { type: GgufValueType.FLOAT32, value: 150000 }],
      ["x.i64", { type: GgufValueType.INT64, value: -5n }],
      ["x.bool", { type: GgufValueType.BOOL, value: true }],
      ["tokenizer.ggml.tokens", { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: ["<|start|>", "a", "ab", "中"] }],
      ["tokenizer.ggml.token_type", { type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value: [3, 1, 1, 1] }],
      ["x.nested", { type: GgufValueType.ARRAY, itemType: GgufValueType.ARRAY, value: [
        { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT16, value: [1, 2] },
        { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: ["z"] },
      ] }],
    ],
    tensors: [
      { name: "token_embd.weight", shape: [32, 4], type: GgmlType.Q8_0 },
      { name: "blk.0.ffn_up_exps.weight", shape: [32, 2, 2], type: GgmlType.MXFP4 },
      { name: "output_norm.weight", shape: [8], type: GgmlType.F32 },
    ],
  });
  return Buffer.concat([header.bytes, Buffer.alloc(header.fileSize - header.bytes.length, 0x5a)]);
}

const INTERESTING_U32 = [0, 1, 2, 3, 4, 5, 8, 9, 12, 13, 24, 39, 43, 64, 0x7fffffff, 0x80000000, 0xffffffff];
const INTERESTING_U64 = [0n, 1n, 31n, 32n, 0xffffffffn, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];

function mutate(base: Buffer, random: () => number): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const at = (length: number) => Math.floor(random() * length);
  let bytes = Buffer.from(base);
  const rounds = 1 + at(3);
  for (let r = 0; r < rounds; r++) {
    const kind = at(8);
    if (bytes.length === 0) break;
    if (kind === 0) {
      const i = at(bytes.length);
      bytes[i] ^= 1 << at(8);
    } else if (kind === 1) {
      bytes[at(bytes.length)] = at(256);
    } else if (kind === 2 && bytes.length >= 4) {
      bytes.writeUInt32LE(pick(INTERESTING_U32), at(bytes.length - 3));
    } else if (kind === 3 && bytes.length >= 8) {
      bytes.writeBigUInt64LE(pick(INTERESTING_U64), at(bytes.length - 7));
    } else if (kind === 4) {
      bytes = bytes.subarray(0, at(bytes.length));
    } else if (kind === 5) {
      const start = at(bytes.length);
      const end = start + at(Math.min(16, bytes.length - start) + 1);
      bytes = Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]);
    } else if (kind === 6) {
      const insert = Buffer.from(Array.from({ length: 1 + at(16) }, () => at(256)));
      const i = at(bytes.length);
      bytes = Buffer.concat([bytes.subarray(0, i), insert, bytes.subarray(i)]);
    } else {
      const start = at(bytes.length);
      const slice = bytes.subarray(start, start + 1 + at(32));
      const i = at(bytes.length);
      bytes = Buffer.concat([bytes.subarray(0, i), slice, bytes.subarray(i)]);
    }
  }
  return Buffer.from(bytes);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-gguf-fuzz-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readGguf fuzz", () => {
  test("2000 seeded mutations of a valid file: parse or InvalidInputError, no allocation beyond the file size", async () => {
    const base = validFile();
    const random = prng(0x9e3779b9);
    const path = join(dir, "mutant.gguf");
    const allocated: number[] = [];
    const originalAllocUnsafe = Buffer.allocUnsafe;
    const originalAlloc = Buffer.alloc;
    const spies = [
      vi.spyOn(Buffer, "allocUnsafe").mockImplementation((size: number) => {
        allocated.push(size);
        return originalAllocUnsafe(size);
      }),
      vi.spyOn(Buffer, "alloc").mockImplementation((size: number, fill?: string | Uint8Array | number, encoding?: BufferEncoding) => {
        allocated.push(size);
        return originalAlloc(size, fill, encoding);
      }),
    ];
    let parsed = 0;
    let refused = 0;
    try {
      for (let i = 0; i < 2000; i++) {
        const mutant = mutate(base, random);
        writeFileSync(path, mutant);
        allocated.length = 0;
        const chunkSize = [1, 3, 16, 1 << 20][i % 4];
        try {
          const gguf = await readGguf({ path, chunkSize });
          parsed++;
          // whatever parsed must be self-consistent
          expect(gguf.fileSize).toBe(mutant.length);
          for (const t of gguf.tensors) {
            expect(t.relativeOffset % gguf.alignment).toBe(0);
            expect(t.absoluteOffset + t.byteLength).toBeLessThanOrEqual(mutant.length);
          }
        } catch (error) {
          if (!(error instanceof InvalidInputError)) {
            throw new Error(`mutant ${i} (${mutant.toString("hex")}) threw ${String(error)}`, { cause: error });
          }
          expect(error.file).toBe(path);
          refused++;
        }
        const largest = Math.max(0, ...allocated);
        if (largest > mutant.length) throw new Error(`mutant ${i}: allocated ${largest} bytes for a ${mutant.length}-byte file`);
      }
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // the mutations must exercise both outcomes
    expect(parsed).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(1000);
  });
});
