import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { InvalidInputError } from "../../errors.js";
import { packageRoot } from "../../util/paths.js";
import { encodeGgufHeader } from "./encodeGgufHeader.js";
import { GgmlType } from "./ggmlTypes.js";
import { GgufValueType, type GgufValue } from "./ggufValue.js";
import { GgufWriter } from "./GgufWriter.js";
import { readGguf } from "./readGguf.js";
import { readGgufTensorData } from "./readGgufTensorData.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-gguf-read-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCounter = 0;
async function fileWith(bytes: Uint8Array): Promise<string> {
  const path = join(dir, `case-${fileCounter++}.gguf`);
  await writeFile(path, bytes);
  return path;
}

// ---- raw byte builders for hand-made (and broken) files ----
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
const kv = (key: string, type: number, value: Buffer) => Buffer.concat([str(key), u32(type), value]);
const tensorInfo = (name: string, dims: (number | bigint)[], type: number, offset: number | bigint) =>
  Buffer.concat([str(name), u32(dims.length), ...dims.map(u64), u32(type), u64(offset)]);
function rawGguf(p: { magic?: string; version?: number; nTensors?: number | bigint; nKv?: number | bigint; kvs?: Buffer[]; tensors?: Buffer[]; pad?: number; data?: Buffer }): Buffer {
  const kvs = p.kvs ?? [];
  const tensors = p.tensors ?? [];
  const header = Buffer.concat([
    Buffer.from(p.magic ?? "GGUF", "latin1"),
    u32(p.version ?? 3),
    u64(p.nTensors ?? tensors.length),
    u64(p.nKv ?? kvs.length),
    ...kvs,
    ...tensors,
  ]);
  const pad = p.pad ?? 32;
  const padded = Buffer.concat([header, Buffer.alloc((pad - (header.length % pad)) % pad)]);
  return Buffer.concat([padded, p.data ?? Buffer.alloc(0)]);
}

async function expectInvalid(bytes: Uint8Array, message: RegExp): Promise<InvalidInputError> {
  const path = await fileWith(bytes);
  const error = await readGguf({ path }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  const invalid = error as InvalidInputError;
  expect(invalid.file).toBe(path);
  expect(invalid.message.startsWith(`${path}: `)).toBe(true);
  expect(invalid.message).toMatch(message);
  return invalid;
}

describe("readGguf round trip", () => {
  const everyType: Array<[string, GgufValue]> = [
    ["t.u8", { type: GgufValueType.UINT8, value: 255 }],
    ["t.i8", { type: GgufValueType.INT8, value: -128 }],
    ["t.u16", { type: GgufValueType.UINT16, value: 65535 }],
    ["t.i16", { type: GgufValueType.INT16, value: -32768 }],
    ["t.u32", { type: GgufValueType.UINT32, value: 4294967295 }],
    ["t.i32", { type: GgufValueType.INT32, value: -2147483648 }],
    ["t.f32", { type: GgufValueType.FLOAT32, value: Math.fround(0.1) }],
    ["t.f32.inf", { type: GgufValueType.FLOAT32, value: -Infinity }],
    ["t.f32.nan", { type: GgufValueType.FLOAT32, value: NaN }],
    ["t.bool.t", { type: GgufValueType.BOOL, value: true }],
    ["t.bool.f", { type: GgufValueType.BOOL, value: false }],
    ["t.str", { type: GgufValueType.STRING, value: "gpt-oss 🦙 中文 é\u0301 \u0000 end" }],
    ["t.str.empty", { type: GgufValueType.STRING, value: "" }],
    ["t.u64", { type: GgufValueType.UINT64, value: 2n ** 64n - 1n }],
    ["t.i64", { type: GgufValueType.INT64, value: -(2n ** 63n) }],
    ["t.f64", { type: GgufValueType.FLOAT64, value: 1e-300 }],
    ["t.f64.negzero", { type: GgufValueType.FLOAT64, value: -0 }],
    ["键.ключ", { type: GgufValueType.UINT32, value: 1 }],
    ["a.u8", { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT8, value: [0, 1, 255] }],
    ["a.i8", { type: GgufValueType.ARRAY, itemType: GgufValueType.INT8, value: [-1, 127] }],
    ["a.u16", { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT16, value: [7] }],
    ["a.i16", { type: GgufValueType.ARRAY, itemType: GgufValueType.INT16, value: [-7, 7] }],
    ["a.u32", { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT32, value: [1, 2, 3] }],
    ["a.i32", { type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value: [-1, 0, 1] }],
    ["a.f32", { type: GgufValueType.ARRAY, itemType: GgufValueType.FLOAT32, value: [0.5, -1.25, Infinity] }],
    ["a.bool", { type: GgufValueType.ARRAY, itemType: GgufValueType.BOOL, value: [true, false, true] }],
    ["a.str", { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: ["<|start|>", "", "Ġthe", "🦙"] }],
    ["a.u64", { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT64, value: [0n, 2n ** 53n + 1n] }],
    ["a.i64", { type: GgufValueType.ARRAY, itemType: GgufValueType.INT64, value: [-(2n ** 62n), 5n] }],
    ["a.f64", { type: GgufValueType.ARRAY, itemType: GgufValueType.FLOAT64, value: [Math.PI, -0] }],
    ["a.empty.u32", { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT32, value: [] }],
    ["a.empty.str", { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: [] }],
    ["a.empty.arr", { type: GgufValueType.ARRAY, itemType: GgufValueType.ARRAY, value: [] }],
    ["a.nested", { type: GgufValueType.ARRAY, itemType: GgufValueType.ARRAY, value: [
      { type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value: [1, -2] },
      { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: ["x", "y"] },
      { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT8, value: [] },
      { type: GgufValueType.ARRAY, itemType: GgufValueType.ARRAY, value: [
        { type: GgufValueType.ARRAY, itemType: GgufValueType.INT64, value: [-1n] },
      ] },
    ] }],
  ];

  for (const alignment of [undefined, 1, 64, 4096]) {
    test(`every value type, tensors and data (alignment ${alignment ?? "default"})`, async () => {
      const path = join(dir, `roundtrip-${alignment}.gguf`);
      const writer = new GgufWriter({ path, alignment });
      for (const [key, value] of everyType) writer.addKV(key, value);
      const tensors = [
        { name: "token_embd.weight", shape: [64, 3], type: GgmlType.Q8_0 },
        { name: "blk.0.ffn_gate_exps.weight", shape: [32, 2, 2], type: GgmlType.MXFP4 },
        { name: "output_norm.weight", shape: [5], type: GgmlType.F32 },
        { name: "empty", shape: [0, 7], type: GgmlType.BF16 },
        { name: "scalar", shape: [], type: GgmlType.I32 },
      ];
      for (const t of tensors) writer.addTensorInfo(t);
      const dataOf = (name: string, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + name.length) & 0xff));
      await writer.write((t) => dataOf(t.name, t.byteLength));

      const gguf = await readGguf({ path, chunkSize: 5 }); // tiny chunks: every field straddles refills
      expect(gguf.version).toBe(3);
      expect(gguf.alignment).toBe(alignment ?? 32);
      expect(gguf.fileSize).toBe(readFileSync(path).length);
      const expectedMetadata = alignment === undefined ? everyType : [["general.alignment", { type: GgufValueType.UINT32, value: alignment }], ...everyType];
      expect([...gguf.metadata.entries()]).toEqual(expectedMetadata);
      expect(gguf.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type }))).toEqual(tensors);
      expect(gguf.tensors.map((t) => t.byteLength)).toEqual([2 * 34 * 3, 17 * 4, 20, 0, 4]);
      expect(gguf.dataOffset % gguf.alignment).toBe(0);
      for (const t of gguf.tensors) {
        expect(t.absoluteOffset).toBe(gguf.dataOffset + t.relativeOffset);
        expect(t.relativeOffset % gguf.alignment).toBe(0);
        expect(await readGgufTensorData({ gguf, name: t.name })).toEqual(dataOf(t.name, t.byteLength));
      }
      // Encoding what we read reproduces the file's header byte for byte.
      const again = encodeGgufHeader({ metadata: gguf.metadata, tensors: gguf.tensors });
      expect(again.bytes).toEqual(readFileSync(path).subarray(0, gguf.dataOffset));
    });
  }

  test("version 2 files are read too", async () => {
    const bytes = rawGguf({ version: 2, kvs: [kv("k", GgufValueType.UINT16, Buffer.from([1, 2]))] });
    const gguf = await readGguf({ path: await fileWith(bytes) });
    expect(gguf.version).toBe(2);
    expect(gguf.metadata.get("k")).toEqual({ type: GgufValueType.UINT16, value: 0x0201 });
    expect(gguf.tensors).toEqual([]);
  });

  test("readGgufTensorData refuses unknown tensors and files that changed", async () => {
    const data = Buffer.alloc(32, 9);
    const path = await fileWith(rawGguf({ tensors: [tensorInfo("w", [8], GgmlType.F32, 0)], data }));
    const gguf = await readGguf({ path });
    expect(await readGgufTensorData({ gguf, name: "w" })).toEqual(data);
    await expect(readGgufTensorData({ gguf, name: "nope" })).rejects.toThrow(/w?: nope: no such tensor/);
    await writeFile(path, Buffer.concat([readFileSync(path), Buffer.alloc(1)]));
    await expect(readGgufTensorData({ gguf, name: "w" })).rejects.toThrow(InvalidInputError);
  });
});

describe("readGguf refuses malformed headers", () => {
  const oneTensor = (offset: number | bigint, opts: { dims?: (number | bigint)[]; type?: number; data?: number } = {}) =>
    rawGguf({ tensors: [tensorInfo("w", opts.dims ?? [8], opts.type ?? GgmlType.F32, offset)], data: Buffer.alloc(opts.data ?? 32) });

  test("missing file, directory, empty file", async () => {
    await expect(readGguf({ path: join(dir, "missing.gguf") })).rejects.toThrow(/missing\.gguf: cannot open/);
    await expect(readGguf({ path: dir })).rejects.toThrow(InvalidInputError);
    await expectInvalid(Buffer.alloc(0), /file truncated: magic needs 4 bytes at offset 0, only 0 left/);
  });

  test("bad magic and versions", async () => {
    await expectInvalid(rawGguf({ magic: "GGML" }), /not a GGUF file: starts with "GGML"/);
    await expectInvalid(Buffer.from("\x89PNG\r\n\x1a\n....", "latin1"), /not a GGUF file/);
    await expectInvalid(rawGguf({ version: 1 }), /version 1 is no longer supported/);
    await expectInvalid(rawGguf({ version: 4 }), /unsupported GGUF version 4/);
    await expectInvalid(rawGguf({ version: 0 }), /unsupported GGUF version 0/);
    await expectInvalid(rawGguf({ version: 0x03000000 }), /big-endian/);
  });

  test("absurd counts fail before anything is allocated for them", async () => {
    await expectInvalid(rawGguf({ nKv: 2n ** 64n - 1n }), /declares 0 tensors and 18446744073709551615 metadata entries, which cannot fit/);
    await expectInvalid(rawGguf({ nTensors: 2n ** 63n }), /declares 9223372036854775808 tensors/);
    await expectInvalid(rawGguf({ nKv: 2 }), /cannot fit/);
    await expectInvalid(rawGguf({ kvs: [Buffer.concat([u64(2n ** 64n - 1n), Buffer.from("k")])] }), /metadata key 0 length 18446744073709551615 exceeds the \d+ bytes left/);
    await expectInvalid(rawGguf({ kvs: [kv("k", GgufValueType.STRING, u64(1000))] }), /k: string value length 1000 exceeds/);
    await expectInvalid(rawGguf({ kvs: [kv("k", GgufValueType.ARRAY, Buffer.concat([u32(GgufValueType.UINT8), u64(2n ** 62n)]))] }), /k: array of 4611686018427387904 u8 items cannot fit/);
    await expectInvalid(rawGguf({ kvs: [kv("k", GgufValueType.ARRAY, Buffer.concat([u32(GgufValueType.STRING), u64(1000)]))] }), /k: array of 1000 str items cannot fit/);
    await expectInvalid(rawGguf({ kvs: [kv("k", GgufValueType.ARRAY, Buffer.concat([u32(GgufValueType.ARRAY), u64(100)]))] }), /k: array of 100 arr items cannot fit/);
  });

  test("unknown types, empty and duplicate keys", async () => {
    await expectInvalid(rawGguf({ kvs: [kv("k", 13, u32(0))] }), /: k: unknown value type 13/);
    await expectInvalid(rawGguf({ kvs: [kv("k", GgufValueType.ARRAY, Buffer.concat([u32(99), u64(0)]))] }), /k: unknown array item type 99/);
    await expectInvalid(rawGguf({ kvs: [kv("", GgufValueType.UINT8, Buffer.from([0]))] }), /metadata key 0 is empty/);
    await expectInvalid(rawGguf({ kvs: [kv("k", GgufValueType.UINT8, Buffer.from([0])), kv("k", GgufValueType.UINT8, Buffer.from([1]))] }), /: k: duplicate metadata key/);
    let nested = Buffer.concat([u32(GgufValueType.UINT8), u64(0)]);
    for (let i = 0; i < 20; i++) nested = Buffer.concat([u32(GgufValueType.ARRAY), u64(1), nested]);
    await expectInvalid(rawGguf({ kvs: [kv("k", GgufValueType.ARRAY, nested)] }), /k: arrays nested deeper than 16/);
  });

  test("bad general.alignment", async () => {
    await expectInvalid(rawGguf({ kvs: [kv("general.alignment", GgufValueType.UINT64, u64(32))] }), /general\.alignment: must be of type u32, got u64/);
    await expectInvalid(rawGguf({ kvs: [kv("general.alignment", GgufValueType.UINT32, u32(0))] }), /general\.alignment: alignment 0 is not a power of two/);
    await expectInvalid(rawGguf({ kvs: [kv("general.alignment", GgufValueType.UINT32, u32(24))] }), /alignment 24 is not a power of two/);
  });

  test("bad tensor infos", async () => {
    await expectInvalid(oneTensor(0, { type: 4 }), /tensor w: unknown ggml type 4/);
    await expectInvalid(oneTensor(0, { type: 43 }), /tensor w: unknown ggml type 43/);
    await expectInvalid(oneTensor(0, { dims: [1, 1, 1, 1, 8] }), /tensor w: tensor has 5 dimensions; ggml allows at most 4/);
    await expectInvalid(oneTensor(0, { dims: [16], type: GgmlType.Q8_0 }), /tensor w: row length 16 is not a multiple of the q8_0 block size 32/);
    await expectInvalid(oneTensor(0, { dims: [2n ** 62n, 2n ** 62n] }), /tensor w: f32 \[4611686018427387904, 4611686018427387904\] needs \d+ bytes, more than the whole file/);
    await expectInvalid(oneTensor(0, { dims: [2n ** 62n, 0] }), /tensor w: dimension 0 is 4611686018427387904, too large/);
    await expectInvalid(
      rawGguf({ tensors: [tensorInfo("w", [1], GgmlType.F32, 0), tensorInfo("w", [1], GgmlType.F32, 32)], data: Buffer.alloc(64) }),
      /tensor w: duplicate tensor name/,
    );
  });

  test("tensor data misaligned, outside the file or overlapping", async () => {
    await expectInvalid(oneTensor(16, { data: 64 }), /tensor w: data offset 16 is not a multiple of the alignment 32/);
    await expectInvalid(oneTensor(32), /tensor w: data \[\d+, \d+\) extends past the end of the file/);
    await expectInvalid(oneTensor(2n ** 64n - 32n), /tensor w: data offset 18446744073709551584 is past the end of the file/);
    await expectInvalid(oneTensor(0, { data: 31 }), /extends past the end of the file/);
    await expectInvalid(
      rawGguf({ tensors: [tensorInfo("a", [16], GgmlType.F32, 0), tensorInfo("b", [8], GgmlType.F32, 32)], data: Buffer.alloc(96) }),
      /tensor b: data at offset 32 overlaps tensor a \[0, 64\)/,
    );
    // the data section must start inside the file
    const header = rawGguf({ tensors: [tensorInfo("w", [0], GgmlType.F32, 0)], pad: 1 });
    await expectInvalid(header, /data section would start at \d+, past the end of the file/);
  });

  test("every truncation of a valid file is refused", async () => {
    const path = join(dir, "whole.gguf");
    const writer = new GgufWriter({ path });
    writer.addString("general.architecture", "gpt-oss");
    writer.addArray("a", GgufValueType.STRING, ["x", "yy"]);
    writer.addArray("b", GgufValueType.FLOAT32, [1, 2]);
    writer.addTensorInfo({ name: "a", shape: [3], type: GgmlType.F32 });
    writer.addTensorInfo({ name: "b", shape: [32], type: GgmlType.Q8_0 });
    await writer.write((t) => Buffer.alloc(t.byteLength, 1));
    const whole = readFileSync(path);
    // The last tensor's trailing padding is not needed: the file may end right after its data.
    const gguf = await readGguf({ path });
    const end = gguf.tensors[1].absoluteOffset + gguf.tensors[1].byteLength;
    for (let length = 0; length < end; length++) await expectInvalid(whole.subarray(0, length), /truncated|past the end of the file|cannot fit|exceeds/);
    await readGguf({ path: await fileWith(whole.subarray(0, end)) });
  });
});

// Real files written by llama.cpp (vocab-only GGUFs shipped with its sources), when checked out beside us.
const LLAMA_MODELS = resolve(packageRoot(), "..", "llama.cpp", "models");
const vocabFiles = existsSync(LLAMA_MODELS) ? readdirSync(LLAMA_MODELS).filter((f) => /^ggml-vocab-.*\.gguf$/.test(f)) : [];
describe.skipIf(vocabFiles.length === 0)("llama.cpp's own GGUF files", () => {
  test.each(vocabFiles)("%s reads, and re-encodes to the same header bytes", async (file) => {
    const path = join(LLAMA_MODELS, file);
    const gguf = await readGguf({ path });
    expect(gguf.metadata.get("tokenizer.ggml.model")?.type).toBe(GgufValueType.STRING);
    const tokens = gguf.metadata.get("tokenizer.ggml.tokens");
    expect(tokens?.type === GgufValueType.ARRAY && tokens.itemType === GgufValueType.STRING && tokens.value.length > 1000).toBe(true);
    const original = readFileSync(path).subarray(0, gguf.headerByteLength);
    const encoded = encodeGgufHeader({ metadata: gguf.metadata, tensors: gguf.tensors }).bytes.subarray(0, gguf.headerByteLength);
    if (gguf.version !== 3) original.writeUInt32LE(3, 4); // we always write version 3
    expect(encoded.equals(original)).toBe(true);
  });
});
