import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { InvalidInputError } from "../../errors.js";
import { packageRoot } from "../../util/paths.js";
import { GgmlType } from "./ggmlTypes.js";
import { GgufValueType } from "./ggufValue.js";
import { GgufWriter } from "./GgufWriter.js";
import { readGguf } from "./readGguf.js";
import { readGgufTensorData } from "./readGgufTensorData.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "oss-prep-gguf-write-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The same deterministic bytes the gguf-py script below generates: (i * 31 + seed) & 0xff. */
function pattern(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe("GgufWriter", () => {
  test("streams chunks of any view type, tracks bytes and offsets, renames atomically", async () => {
    const path = join(dir, "stream.gguf");
    writeFileSync(path, "previous content"); // replaced only when the new file is complete
    const writer = new GgufWriter({ path, alignment: 64 });
    writer.addString("general.architecture", "gpt-oss");
    writer.addTensorInfo({ name: "a", shape: [3, 2], type: GgmlType.F32 });
    writer.addTensorInfo({ name: "b", shape: [64], type: GgmlType.Q8_0, byteLength: 68 });
    writer.addTensorInfo({ name: "c", shape: [5], type: GgmlType.I8 });
    expect(writer.layout).toBeUndefined();
    expect(() => writer.tensorLayout("a")).toThrow(/after writeHeader/);

    const layout = await writer.writeHeader();
    expect(layout.alignment).toBe(64);
    expect(layout.dataOffset % 64).toBe(0);
    expect(writer.bytesWritten).toBe(layout.dataOffset);
    expect(writer.tensorLayout("b")).toMatchObject({ relativeOffset: 64, absoluteOffset: layout.dataOffset + 64, byteLength: 68 });
    expect(existsSync(writer.tempPath)).toBe(true);
    expect(writer.tempPath).toBe(`${path}.tmp-${process.pid}`);

    await writer.writeTensorData("a", new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(writer.bytesWritten).toBe(layout.dataOffset + 64);
    async function* asyncChunks() {
      yield pattern(30, 1);
      yield new Uint8Array(0);
      yield pattern(38, 2);
    }
    await writer.writeTensorData("b", asyncChunks());
    await writer.writeTensorData("c", [Int8Array.from([-1, -2]), Buffer.from([3, 4, 5])]);
    expect(readFileSync(path, "utf8")).toBe("previous content");
    const result = await writer.finish();

    expect(existsSync(writer.tempPath)).toBe(false);
    expect(result.fileSize).toBe(layout.fileSize);
    expect(result.fileSize).toBe(layout.dataOffset + 64 + 128 + 64);
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(result.fileSize);
    const gguf = await readGguf({ path });
    expect(gguf.tensors.map((t) => t.absoluteOffset)).toEqual(layout.tensors.map((t) => t.absoluteOffset));
    const a = await readGgufTensorData({ gguf, name: "a" });
    expect(a.byteOffset).toBe(0);
    expect(new Float32Array(a.buffer, a.byteOffset, 6)).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(await readGgufTensorData({ gguf, name: "b" })).toEqual(Buffer.concat([pattern(30, 1), pattern(38, 2)]));
    expect([...(await readGgufTensorData({ gguf, name: "c" }))]).toEqual([255, 254, 3, 4, 5]);
    // padding between tensors is zeros
    expect(bytes.subarray(layout.dataOffset + 24, layout.dataOffset + 64).every((b) => b === 0)).toBe(true);
    expect(bytes.subarray(layout.tensors[2].absoluteOffset + 5).every((b) => b === 0)).toBe(true);
  });

  test("a large tensor in many chunks of mixed sizes", async () => {
    const path = join(dir, "large.gguf");
    const writer = new GgufWriter({ path });
    const n = 3 * 1024 * 1024 + 5; // > the staging buffer, with an odd tail
    writer.addTensorInfo({ name: "big", shape: [n], type: GgmlType.I8 });
    const data = pattern(n, 9);
    let offset = 0;
    const sizes = [1, 100, 4 << 20, 7, 2 << 20];
    const chunks: Buffer[] = [];
    for (let i = 0; offset < n; i++) {
      const size = Math.min(sizes[i % sizes.length], n - offset);
      chunks.push(data.subarray(offset, offset + size));
      offset += size;
    }
    await writer.write(() => chunks);
    const gguf = await readGguf({ path });
    expect((await readGgufTensorData({ gguf, name: "big" })).equals(data)).toBe(true);
  });

  test("key/value helpers and ordering", async () => {
    const path = join(dir, "kv.gguf");
    const writer = new GgufWriter({ path });
    writer.addUint8("u8", 1);
    writer.addInt8("i8", -1);
    writer.addUint16("u16", 2);
    writer.addInt16("i16", -2);
    writer.addUint32("u32", 3);
    writer.addInt32("i32", -3);
    writer.addFloat32("f32", 0.5);
    writer.addFloat64("f64", 0.1);
    writer.addBool("bool", true);
    writer.addString("str", "");
    writer.addUint64("u64", 2n ** 64n - 1n);
    writer.addInt64("i64", -42);
    writer.addArray("arr", GgufValueType.STRING, ["a", "b"]);
    writer.addArray("empty", GgufValueType.FLOAT32, []);
    writer.setKV("u16", { type: GgufValueType.UINT16, value: 7 }); // replaced in place
    writer.setKV("added", { type: GgufValueType.BOOL, value: false });
    writer.removeKV("i16");
    expect(writer.getKV("u32")).toEqual({ type: GgufValueType.UINT32, value: 3 });
    expect(() => writer.addUint32("u32", 4)).toThrow(/u32: metadata key added twice/);
    expect(() => writer.addUint64("x", 2 ** 60)).toThrow(/not a safe integer/);
    await writer.write(() => Buffer.alloc(0));
    const gguf = await readGguf({ path });
    expect([...gguf.metadata.keys()]).toEqual(["u8", "i8", "u16", "u32", "i32", "f32", "f64", "bool", "str", "u64", "i64", "arr", "empty", "added"]);
    expect(gguf.metadata.get("u16")).toEqual({ type: GgufValueType.UINT16, value: 7 });
    expect(gguf.metadata.get("i64")).toEqual({ type: GgufValueType.INT64, value: -42n });
    expect(gguf.metadata.get("f64")).toEqual({ type: GgufValueType.FLOAT64, value: 0.1 });
    // no tensors: the file is the header padded to the alignment
    expect(gguf.fileSize).toBe(gguf.dataOffset);
  });

  test("refuses misuse and mismatched data, and cleans up", async () => {
    const path = join(dir, "misuse.gguf");
    const declare = () => {
      const w = new GgufWriter({ path });
      w.addTensorInfo({ name: "a", shape: [4], type: GgmlType.F32 });
      w.addTensorInfo({ name: "b", shape: [4], type: GgmlType.F32 });
      return w;
    };

    expect(() => declare().addTensorInfo({ name: "a", shape: [4], type: GgmlType.F32 })).toThrow(/a: tensor declared twice/);
    expect(() => declare().addTensorInfo({ name: "q", shape: [4], type: GgmlType.Q8_0 })).toThrow(InvalidInputError);
    expect(() => declare().addTensorInfo({ name: "q", shape: [4], type: GgmlType.F32, byteLength: 4 })).toThrow(/byteLength 4 does not match/);

    const outOfOrder = declare();
    await outOfOrder.writeHeader();
    expect(() => outOfOrder.addUint8("late", 1)).toThrow(/addKV cannot be called after writeHeader/);
    await expect(outOfOrder.writeTensorData("b", Buffer.alloc(16))).rejects.toThrow(/expected a, got b/);
    await expect(outOfOrder.finish()).rejects.toThrow(/after a failed write/);
    await outOfOrder.abort();
    expect(existsSync(outOfOrder.tempPath)).toBe(false);
    expect(existsSync(path)).toBe(false);

    const overlapping = declare();
    await overlapping.writeHeader();
    const first = overlapping.writeTensorData("a", Buffer.alloc(16));
    await expect(overlapping.writeTensorData("b", Buffer.alloc(16))).rejects.toThrow(/while another write is in progress/);
    await first;
    await overlapping.writeTensorData("b", Buffer.alloc(16));
    await overlapping.abort();
    expect(existsSync(overlapping.tempPath)).toBe(false);

    const tooMuch = declare();
    await tooMuch.writeHeader();
    await expect(tooMuch.writeTensorData("a", [Buffer.alloc(8), Buffer.alloc(9)])).rejects.toThrow(/a: got more than the 16 bytes/);
    await tooMuch.abort();

    const tooLittle = declare();
    await tooLittle.writeHeader();
    await expect(tooLittle.writeTensorData("a", Buffer.alloc(15))).rejects.toThrow(/a: got 15 bytes, the tensor holds 16/);
    await tooLittle.abort();

    const unfinished = declare();
    await unfinished.writeHeader();
    await unfinished.writeTensorData("a", Buffer.alloc(16));
    await expect(unfinished.finish()).rejects.toThrow(/only 1 of 2 tensors written; next is b/);
    await unfinished.abort();
    await unfinished.abort(); // idempotent
    expect(existsSync(unfinished.tempPath)).toBe(false);

    const failingSource = declare();
    await expect(failingSource.write(async (t) => {
      if (t.name === "b") throw new Error("source read failed");
      return Buffer.alloc(16);
    })).rejects.toThrow("source read failed");
    expect(existsSync(failingSource.tempPath)).toBe(false);
    expect(existsSync(path)).toBe(false);

    const badValue = new GgufWriter({ path });
    badValue.addUint8("k", 300);
    await expect(badValue.writeHeader()).rejects.toThrow(/misuse\.gguf: k: 300 is out of range for type u8/);
    expect(existsSync(badValue.tempPath)).toBe(false);
  });
});

// ---- byte identity with llama.cpp's gguf-py, when it and numpy are available ----

const GGUF_PY = resolve(packageRoot(), "..", "llama.cpp", "gguf-py");
const hasGgufPy = existsSync(GGUF_PY) && spawnSync("python3", ["-c", "import numpy"]).status === 0;

const GGUF_PY_SCRIPT = `
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from gguf import GGUFWriter, GGMLQuantizationType as Q, GGUFValueType as V

def pattern(n, seed):
    return ((np.arange(n, dtype=np.int64) * 31 + seed) & 0xff).astype(np.uint8)

w = GGUFWriter(sys.argv[2], "gpt-oss")
if sys.argv[3] != "default":
    w.add_custom_alignment(int(sys.argv[3]))
w.add_name("Tiny 🦙 model")
w.add_block_count(2)
w.add_uint8("t.u8", 200)
w.add_int8("t.i8", -100)
w.add_uint16("t.u16", 60000)
w.add_int16("t.i16", -30000)
w.add_int32("t.i32", -7)
w.add_float32("t.f32", 0.25)
w.add_uint64("t.u64", 2**64 - 1)
w.add_int64("t.i64", -(2**63))
w.add_float64("t.f64", 1.5e300)
w.add_bool("t.bool", True)
w.add_array("t.strings", ["<|start|>", "Ġthe", "中文"])
w.add_array("t.ints", [1, -2, 3])
w.add_array("t.floats", [0.5, -0.25])
w.add_key_value("t.u64s", [1, 2**63], V.ARRAY, sub_type=V.UINT64)
w.add_key_value("t.nested", [[1, 2], ["a"]], V.ARRAY)
w.add_tensor("token_embd.weight", pattern(3 * 2 * 34, 1).reshape(3, 2 * 34), raw_dtype=Q.Q8_0)
w.add_tensor("blk.0.ffn_down_exps.weight", pattern(4 * 3 * 17, 2).reshape(4, 3 * 17), raw_dtype=Q.MXFP4)
w.add_tensor("output_norm.weight", pattern(5 * 4, 3).view(np.float32))
w.add_tensor("blk.0.attn_sinks.weight", pattern(7 * 2, 4).view(np.uint16).view(np.float16).reshape(7))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
`;

describe.skipIf(!hasGgufPy)("byte identity with llama.cpp's gguf-py GGUFWriter", () => {
  test.each(["default", "64"])("alignment %s", async (alignment) => {
    const pyPath = join(dir, `gguf-py-${alignment}.gguf`);
    const py = spawnSync("python3", ["-c", GGUF_PY_SCRIPT, GGUF_PY, pyPath, alignment], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);

    const path = join(dir, `ours-${alignment}.gguf`);
    const writer = new GgufWriter({ path });
    writer.addString("general.architecture", "gpt-oss"); // gguf-py adds it in its constructor
    if (alignment !== "default") writer.addUint32("general.alignment", Number(alignment));
    writer.addString("general.name", "Tiny 🦙 model");
    writer.addUint32("gpt-oss.block_count", 2);
    writer.addUint8("t.u8", 200);
    writer.addInt8("t.i8", -100);
    writer.addUint16("t.u16", 60000);
    writer.addInt16("t.i16", -30000);
    writer.addInt32("t.i32", -7);
    writer.addFloat32("t.f32", 0.25);
    writer.addUint64("t.u64", 2n ** 64n - 1n);
    writer.addInt64("t.i64", -(2n ** 63n));
    writer.addFloat64("t.f64", 1.5e300);
    writer.addBool("t.bool", true);
    writer.addArray("t.strings", GgufValueType.STRING, ["<|start|>", "Ġthe", "中文"]);
    writer.addArray("t.ints", GgufValueType.INT32, [1, -2, 3]); // gguf-py's type for Python ints
    writer.addArray("t.floats", GgufValueType.FLOAT32, [0.5, -0.25]);
    writer.addArray("t.u64s", GgufValueType.UINT64, [1n, 2n ** 63n]);
    writer.addKV("t.nested", { type: GgufValueType.ARRAY, itemType: GgufValueType.ARRAY, value: [
      { type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value: [1, 2] },
      { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: ["a"] },
    ] });
    const tensors = [
      { name: "token_embd.weight", shape: [64, 3], type: GgmlType.Q8_0, seed: 1 },
      { name: "blk.0.ffn_down_exps.weight", shape: [96, 4], type: GgmlType.MXFP4, seed: 2 },
      { name: "output_norm.weight", shape: [5], type: GgmlType.F32, seed: 3 },
      { name: "blk.0.attn_sinks.weight", shape: [7], type: GgmlType.F16, seed: 4 },
    ];
    for (const t of tensors) writer.addTensorInfo(t);
    await writer.write((t) => pattern(t.byteLength, tensors.find((d) => d.name === t.name)!.seed));

    const theirs = readFileSync(pyPath);
    const ours = readFileSync(path);
    const gguf = await readGguf({ path });
    expect(ours.subarray(0, gguf.dataOffset).equals(theirs.subarray(0, gguf.dataOffset))).toBe(true);
    expect(ours.equals(theirs)).toBe(true);
  });
});

// ---- readable by node-llama-cpp's independent GGUF parser ----

const hasNodeLlamaCpp = existsSync(resolve(packageRoot(), "node_modules", "node-llama-cpp", "package.json"));
describe.skipIf(!hasNodeLlamaCpp)("node-llama-cpp", () => {
  test("readGgufFileInfo reads a file we wrote", async () => {
    const { readGgufFileInfo } = await import("node-llama-cpp");
    const path = join(dir, "for-node-llama-cpp.gguf");
    const writer = new GgufWriter({ path });
    writer.addString("general.architecture", "gpt-oss");
    writer.addUint32("gpt-oss.block_count", 1);
    writer.addArray("tokenizer.ggml.tokens", GgufValueType.STRING, ["a", "b"]);
    writer.addTensorInfo({ name: "token_embd.weight", shape: [32, 2], type: GgmlType.Q8_0 });
    writer.addTensorInfo({ name: "output_norm.weight", shape: [32], type: GgmlType.F32 });
    await writer.write((t) => Buffer.alloc(t.byteLength, 1));

    const info = await readGgufFileInfo(path, { logWarnings: false, sourceType: "filesystem" });
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe("gpt-oss");
    expect(info.metadata.tokenizer?.ggml?.tokens).toEqual(["a", "b"]);
    expect(info.tensorInfo?.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType, Number(t.offset)])).toEqual([
      ["token_embd.weight", [32, 2], GgmlType.Q8_0, 0],
      ["output_norm.weight", [32], GgmlType.F32, 96],
    ]);
  });
});
