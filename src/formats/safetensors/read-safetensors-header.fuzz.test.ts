/**
 * Fuzz test of readSafetensorsHeader: deterministic mutations of real safetensors headers. Every case must
 * either parse into a self-consistent header or fail with InvalidInputError naming the file: never another
 * error type, never a hang, and never a Buffer larger than the file.
 *
 * The allocation bound holds by construction (readSafetensorsHeaderFromHandle checks the declared header
 * length against the file size before allocating, and allocates nothing else sized by file content); here
 * it is also observed, by spying on the Buffer allocation functions during every read.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError } from "../../errors.js";
import { SAFETENSORS_DTYPE_BITS } from "./dtypes.js";
import { openCheckpoint } from "./open-checkpoint.js";
import { readSafetensorsHeader } from "./read-safetensors-header.js";
import type { SafetensorsHeader } from "./types.js";
import { writeSafetensors } from "./write-safetensors.js";

const SMALL_FILE_CASES = 1200;
const REAL_SHARD_CASES = 300;

const tmp = mkdtempSync(join(tmpdir(), "oss-prep-st-fuzz-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** mulberry32: small, fast, deterministic PRNG so every run sees the same mutations. */
function prng(seed: number): { int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}
type Rng = ReturnType<typeof prng>;

interface Base {
  /** Length field + JSON header of the original file. */
  headerBlock: Buffer;
  /** Tensor data after the header (for the real shard: not materialised, the file is extended sparsely). */
  data: Buffer | { sparseLength: number };
}

/** A small real safetensors file: the fixture's small tensors (norms, biases, sinks, scales) re-written. */
async function smallRealBase(): Promise<Base> {
  const source = await openCheckpoint({ dir: tinyFixtureDir() });
  const path = join(tmp, "base-small.safetensors");
  try {
    const small = source.tensors.filter((t) => t.byteLength <= 20_000).slice(0, 40);
    await writeSafetensors({
      path,
      metadata: { format: "pt" },
      tensors: await Promise.all(
        small.map(async (t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, byteLength: t.byteLength, data: await source.readTensor(t.name) })),
      ),
    });
  } finally {
    await source.close();
  }
  return splitFile(readFileSync(path));
}

/** The fixture's first real shard header; its 11 MB of data is replaced by a sparse extension of the file. */
function realShardBase(): Base {
  const bytes = readFileSync(join(tinyFixtureDir(), "model-00000-of-00001.safetensors"));
  const { headerBlock } = splitFile(bytes);
  return { headerBlock, data: { sparseLength: bytes.length - headerBlock.length } };
}

function splitFile(bytes: Buffer): Base {
  const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
  return { headerBlock: Buffer.from(bytes.subarray(0, headerEnd)), data: Buffer.from(bytes.subarray(headerEnd)) };
}

function withLength(json: Buffer, length: bigint): Buffer {
  const block = Buffer.alloc(8 + json.length);
  block.writeBigUInt64LE(length & 0xffff_ffff_ffff_ffffn, 0);
  json.copy(block, 8);
  return block;
}

const NUMBER_REPLACEMENTS = ["0", "-1", "1.5", "1e3", "18446744073709551616", "9007199254740993", "99999999999999999999999999999", "3", "-0", "00", "1E+2"];
const DTYPE_REPLACEMENTS = [...Object.keys(SAFETENSORS_DTYPE_BITS), "F12", "bf16", "", "__proto__", "toString", "U8 "];
const INSERTIONS = ["{", "}", "[", "]", ",", ":", '"', "\\", "\u0000", "é", "\ud800", " ", "null", "-", "1"];

/** One mutated file (header block + data) for case `i`; `what` describes the mutation for failure messages. */
function mutate(base: Base, rng: Rng): { file: Buffer; sparseTail: number; what: string } {
  const json = base.headerBlock.subarray(8);
  const text = json.toString("utf8");
  let header: Buffer;
  let what: string;
  let truncateAt: number | undefined;
  switch (rng.int(9)) {
    case 0: {
      header = Buffer.from(base.headerBlock);
      const n = 1 + rng.int(4);
      for (let k = 0; k < n; k++) header[8 + rng.int(json.length)] = rng.int(256);
      what = `${n} random bytes in the JSON`;
      break;
    }
    case 1: {
      header = Buffer.from(base.headerBlock);
      const at = 8 + rng.int(json.length);
      header[at] ^= 1 << rng.int(8);
      what = `bit flip at ${at}`;
      break;
    }
    case 2: {
      const dataLength = Buffer.isBuffer(base.data) ? base.data.length : base.data.sparseLength;
      const fileSize = base.headerBlock.length + dataLength;
      const lengths = [
        0n,
        1n,
        2n,
        BigInt(json.length + rng.int(33) - 16),
        BigInt(fileSize - 8),
        BigInt(fileSize - 7),
        BigInt(rng.int(2 ** 32)),
        BigInt(rng.int(2 ** 32)) << 32n,
        1n << 63n,
        0xffff_ffff_ffff_ffffn,
        100n * 1024n * 1024n,
        100n * 1024n * 1024n + 1n,
      ];
      const length = rng.pick(lengths);
      header = withLength(Buffer.from(json), length);
      what = `length field ${length}`;
      break;
    }
    case 3: {
      header = Buffer.from(base.headerBlock);
      truncateAt = rng.int(base.headerBlock.length + 64);
      what = `truncated at ${truncateAt}`;
      break;
    }
    default: {
      // JSON edits: the length field is recomputed (mostly) so the parser sees the edited text.
      const edited = editJson(text, rng);
      const body = Buffer.from(edited.text, "utf8");
      const keepOldLength = rng.int(5) === 0;
      header = withLength(body, keepOldLength ? BigInt(json.length) : BigInt(body.length));
      what = `${edited.what}${keepOldLength ? " (stale length field)" : ""}`;
    }
  }
  const data = Buffer.isBuffer(base.data) ? base.data : Buffer.alloc(0);
  let file = Buffer.concat([header, data]);
  let sparseTail = Buffer.isBuffer(base.data) ? 0 : base.data.sparseLength;
  if (truncateAt !== undefined) {
    file = file.subarray(0, Math.min(truncateAt, file.length));
    sparseTail = 0;
  }
  return { file, sparseTail, what };
}

function editJson(text: string, rng: Rng): { text: string; what: string } {
  const numbers = [...text.matchAll(/-?\d+/g)];
  const dtypes = [...text.matchAll(/"dtype":"([^"]*)"/g)];
  switch (rng.int(10)) {
    case 0: {
      const m = rng.pick(numbers);
      const replacement = rng.int(2) === 0 ? rng.pick(NUMBER_REPLACEMENTS) : String(Number(m[0]) + rng.int(9) - 4);
      return { text: splice(text, m.index!, m[0].length, replacement), what: `number ${m[0]} -> ${replacement}` };
    }
    case 1: {
      const m = rng.pick(dtypes);
      const replacement = rng.pick(DTYPE_REPLACEMENTS);
      return { text: splice(text, m.index! + 9, m[1].length, replacement), what: `dtype ${m[1]} -> ${replacement}` };
    }
    case 2: {
      const at = rng.int(text.length);
      return { text: splice(text, at, 1 + rng.int(3), ""), what: `deleted at ${at}` };
    }
    case 3: {
      const at = rng.int(text.length + 1);
      const ins = rng.pick(INSERTIONS);
      return { text: splice(text, at, 0, ins), what: `inserted ${JSON.stringify(ins)} at ${at}` };
    }
    case 4: {
      // Duplicate a tensor entry: same key twice.
      const m = rng.pick([...text.matchAll(/"[^"]+":\{"dtype":[^}]*\}/g)]);
      return { text: splice(text, m.index!, 0, `${m[0]},`), what: `duplicated ${m[0].slice(0, 40)}` };
    }
    case 5: {
      const m = rng.pick([...text.matchAll(/"data_offsets":\[(\d+),(\d+)\]/g)]);
      return { text: splice(text, m.index!, m[0].length, `"data_offsets":[${m[2]},${m[1]}]`), what: "swapped data_offsets" };
    }
    case 6: {
      const key = rng.pick(["dtype", "shape", "data_offsets", "__metadata__"]);
      return { text: text.replace(`"${key}"`, `"${key}x"`), what: `renamed key ${key}` };
    }
    case 7: {
      const depth = rng.pick([10, 100, 10_000]);
      const m = rng.pick(numbers);
      return { text: splice(text, m.index!, m[0].length, "[".repeat(depth) + "]".repeat(depth)), what: `nested ${depth} deep` };
    }
    case 8: {
      // Shift one tensor's range onto its neighbour's (overlap) or past the end.
      const m = rng.pick([...text.matchAll(/"data_offsets":\[(\d+),(\d+)\]/g)]);
      const shift = rng.pick([1, 2, 8, 1000, 10_000_000]);
      const moved = `"data_offsets":[${Number(m[1]) + shift},${Number(m[2]) + shift}]`;
      return { text: splice(text, m.index!, m[0].length, moved), what: `shifted a tensor by ${shift}` };
    }
    default: {
      const m = rng.pick([...text.matchAll(/"shape":\[([\d,]*)\]/g)]);
      const shape = rng.pick(["", "0", "1,2,3", "4294967296,4294967296", `${m[1]},1`, `${m[1]},2`, "[1]", '"1"']);
      return { text: splice(text, m.index!, m[0].length, `"shape":[${shape}]`), what: `shape [${m[1]}] -> [${shape}]` };
    }
  }
}

function splice(s: string, at: number, remove: number, insert: string): string {
  return s.slice(0, at) + insert + s.slice(at + remove);
}

/** What a successful parse must satisfy, whatever the input was. */
function expectConsistent(header: SafetensorsHeader): void {
  expect(header.dataOffset).toBe(8 + header.headerSize);
  const ranges = header.tensors.filter((t) => t.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  let end = header.dataOffset;
  for (const t of ranges) {
    expect(t.byteOffset).toBeGreaterThanOrEqual(end);
    end = t.byteOffset + t.byteLength;
  }
  expect(end).toBeLessThanOrEqual(header.fileSize);
  for (const t of header.tensors) {
    const bits = t.shape.reduce((n, d) => n * BigInt(d), BigInt(SAFETENSORS_DTYPE_BITS[t.dtype]));
    expect(bits).toBe(BigInt(t.byteLength) * 8n);
  }
}

describe("readSafetensorsHeader fuzz", () => {
  let small: Base;
  let real: Base;
  beforeAll(async () => {
    small = await smallRealBase();
    real = realShardBase();
  });

  it(`${SMALL_FILE_CASES + REAL_SHARD_CASES} seeded mutations: parse or InvalidInputError, allocations bounded by file size`, async () => {
    const allocSpies = [vi.spyOn(Buffer, "alloc"), vi.spyOn(Buffer, "allocUnsafe"), vi.spyOn(Buffer, "allocUnsafeSlow")];
    const rng = prng(0x5afe7e45);
    const outcomes = { parsed: 0, invalid: 0 };
    const problems = new Map<string, number>();
    let allocationsSeen = 0;
    const path = join(tmp, "case.safetensors");
    try {
      for (let i = 0; i < SMALL_FILE_CASES + REAL_SHARD_CASES; i++) {
        const base = i < SMALL_FILE_CASES ? small : real;
        const { file, sparseTail, what } = mutate(base, rng);
        writeFileSync(path, file);
        if (sparseTail > 0) truncateSync(path, file.length + sparseTail);
        const fileSize = file.length + sparseTail;

        for (const spy of allocSpies) spy.mockClear();
        let result: SafetensorsHeader | undefined;
        try {
          result = await readSafetensorsHeader({ path });
        } catch (e) {
          if (!(e instanceof InvalidInputError) || e.file !== path) {
            throw new Error(`case ${i} (${what}): expected InvalidInputError naming the file, got ${String(e)}`, { cause: e });
          }
          outcomes.invalid++;
          const kind = e.problem.replace(/[\d"[\]].*$/, "").slice(0, 40);
          problems.set(kind, (problems.get(kind) ?? 0) + 1);
        }
        const sizes = allocSpies.flatMap((spy) => spy.mock.calls.map((args) => Number(args[0])));
        allocationsSeen += sizes.length;
        const largest = Math.max(0, ...sizes);
        if (largest > fileSize) throw new Error(`case ${i} (${what}): allocated ${largest} bytes for a ${fileSize}-byte file`);
        if (result !== undefined) {
          outcomes.parsed++;
          expect(result.fileSize).toBe(fileSize);
          expectConsistent(result);
        }
      }
    } finally {
      for (const spy of allocSpies) spy.mockRestore();
    }
    // Guard against a fuzzer that only ever produces garbage (or only valid files): both sides exercised.
    expect(outcomes.parsed).toBeGreaterThan(50);
    expect(outcomes.invalid).toBeGreaterThan(500);
    expect(problems.size).toBeGreaterThan(8);
    // The spies did see the reader's allocations (so the bound above was really checked).
    expect(allocationsSeen).toBeGreaterThan(SMALL_FILE_CASES);
  });
});
