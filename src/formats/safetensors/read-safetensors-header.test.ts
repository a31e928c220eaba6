import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError } from "../../errors.js";
import { readSafetensorsHeader } from "./read-safetensors-header.js";

const tmp = mkdtempSync(join(tmpdir(), "oss-prep-st-header-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fileCounter = 0;
/** A .safetensors file from a header (object or raw JSON text) and data bytes; the length field may be forced. */
function writeRaw(header: unknown, data: Uint8Array = new Uint8Array(0), options: { declaredLength?: bigint } = {}): string {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header), "utf8");
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(options.declaredLength ?? BigInt(json.length));
  const path = join(tmp, `case-${fileCounter++}.safetensors`);
  writeFileSync(path, Buffer.concat([length, json, data]));
  return path;
}

/** Assert that reading `path` fails with an InvalidInputError naming the file, and return it. */
async function expectInvalid(path: string, problem: RegExp, key?: string): Promise<InvalidInputError> {
  const error = await readSafetensorsHeader({ path }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  const invalid = error as InvalidInputError;
  expect(invalid.file).toBe(path);
  expect(invalid.message).toContain(path);
  expect(invalid.problem).toMatch(problem);
  if (key !== undefined) expect(invalid.key).toBe(key);
  return invalid;
}

describe("readSafetensorsHeader on the tiny gpt-oss fixture", () => {
  it("lists the first shard's tensors with dtypes, shapes and absolute offsets", async () => {
    const path = join(tinyFixtureDir(), "model-00000-of-00001.safetensors");
    const header = await readSafetensorsHeader({ path });
    expect(header.path).toBe(path);
    expect(header.fileSize).toBe(11660296);
    expect(header.headerSize).toBe(8256);
    expect(header.dataOffset).toBe(8 + 8256);
    expect(header.metadata).toEqual({ format: "pt" });
    expect(header.tensors).toHaveLength(77);

    // JSON key order of the header, not sorted, not by offset.
    const raw = readFileSync(path);
    const json = JSON.parse(raw.subarray(8, 8 + header.headerSize).toString("utf8")) as Record<string, unknown>;
    expect(header.tensors.map((t) => t.name)).toEqual(Object.keys(json).filter((k) => k !== "__metadata__"));

    const byName = new Map(header.tensors.map((t) => [t.name, t]));
    expect(byName.get("model.embed_tokens.weight")).toMatchObject({ dtype: "BF16", shape: [4096, 288], byteLength: 4096 * 288 * 2 });
    expect(byName.get("model.layers.0.mlp.experts.gate_up_proj_blocks")).toMatchObject({
      dtype: "U8",
      shape: [8, 576, 9, 16],
      byteLength: 8 * 576 * 9 * 16,
    });
    expect(byName.get("model.layers.0.mlp.experts.gate_up_proj_scales")).toMatchObject({ dtype: "U8", shape: [8, 576, 9] });
    for (const t of header.tensors) {
      expect(t.byteOffset).toBeGreaterThanOrEqual(header.dataOffset);
      expect(t.byteOffset + t.byteLength).toBeLessThanOrEqual(header.fileSize);
    }
  });

  it("reads both shards and the space-padded reference logits file", async () => {
    const second = await readSafetensorsHeader({ path: join(tinyFixtureDir(), "model-00001-of-00001.safetensors") });
    expect(second.tensors).toHaveLength(78);
    expect(new Set(second.tensors.map((t) => t.dtype))).toEqual(new Set(["BF16", "U8"]));

    const logits = await readSafetensorsHeader({ path: join(tinyFixtureDir(), "reference_logits.safetensors") });
    expect(logits.tensors.map((t) => t.name).sort()).toEqual(["ids.0", "ids.1", "ids.2", "ids.3", "logits.0", "logits.1", "logits.2", "logits.3"]);
    expect(logits.tensors.find((t) => t.name === "ids.0")?.dtype).toBe("I32");
    expect(logits.tensors.find((t) => t.name === "logits.0")).toMatchObject({ dtype: "F32" });
    expect(logits.dataOffset % 8).toBe(0);
  });

  it("keeps integer-like tensor names in header order (JSON.parse would move them first)", async () => {
    const path = writeRaw(
      '{"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"1":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}',
      new Uint8Array(2),
    );
    const header = await readSafetensorsHeader({ path });
    expect(header.tensors.map((t) => t.name)).toEqual(["b", "1"]);
    expect(header.metadata).toEqual({});
  });

  it("accepts empty tensors, zero-size dimensions and gaps between tensors", async () => {
    const path = writeRaw(
      {
        empty: { dtype: "F32", shape: [0, 5], data_offsets: [0, 0] },
        scalar: { dtype: "F64", shape: [], data_offsets: [8, 16] },
        alsoEmpty: { dtype: "U8", shape: [0], data_offsets: [16, 16] },
      },
      new Uint8Array(16),
    );
    const header = await readSafetensorsHeader({ path });
    expect(header.tensors.map((t) => [t.name, t.byteLength])).toEqual([
      ["empty", 0],
      ["scalar", 8],
      ["alsoEmpty", 0],
    ]);
  });
});

describe("readSafetensorsHeader rejects bad input naming the file", () => {
  const tensor = (dtype: string, shape: number[], begin: number, end: number): unknown => ({ dtype, shape, data_offsets: [begin, end] });

  it("truncated shard (real shard cut short)", async () => {
    const path = join(tmp, "truncated.safetensors");
    writeFileSync(path, readFileSync(join(tinyFixtureDir(), "model-00001-of-00001.safetensors")));
    truncateSync(path, 5_000_000);
    const error = await expectInvalid(path, /truncated/);
    expect(error.key).toBeDefined(); // names the first tensor that does not fit
  });

  it("file shorter than its declared header", async () => {
    const path = join(tmp, "short-header.safetensors");
    writeFileSync(path, readFileSync(join(tinyFixtureDir(), "model-00000-of-00001.safetensors")).subarray(0, 4000));
    await expectInvalid(path, /truncated: header length 8256/);
  });

  it("file shorter than the length field", async () => {
    const path = join(tmp, "tiny.safetensors");
    writeFileSync(path, Buffer.from([1, 2, 3]));
    await expectInvalid(path, /truncated/);
  });

  it("tensor data pointing outside the file", async () => {
    const path = writeRaw({ a: tensor("U8", [4], 0, 4), b: tensor("U8", [4], 1000, 1004) }, new Uint8Array(8));
    await expectInvalid(path, /past the end of the data section/, "b");
  });

  it("unknown dtype", async () => {
    await expectInvalid(writeRaw({ w: tensor("F12", [2], 0, 2) }, new Uint8Array(2)), /unknown dtype "F12"/, "w");
    // A prototype property name is not a dtype either.
    await expectInvalid(writeRaw({ w: tensor("toString", [2], 0, 2) }, new Uint8Array(2)), /unknown dtype/, "w");
  });

  it("overlapping tensors", async () => {
    const path = writeRaw({ a: tensor("F32", [2], 0, 8), b: tensor("F32", [2], 4, 12) }, new Uint8Array(12));
    const error = await expectInvalid(path, /overlaps tensor "a"/, "b");
    expect(error.message).toContain('"a"');
  });

  it("shape and byte length mismatch", async () => {
    await expectInvalid(writeRaw({ w: tensor("BF16", [3, 4], 0, 12) }, new Uint8Array(24)), /needs 24 bytes but data_offsets span 12/, "w");
    // Packed 4-bit values must fill whole bytes.
    await expectInvalid(writeRaw({ w: tensor("F4", [3], 0, 2) }, new Uint8Array(2)), /fractional/, "w");
  });

  it("shape values that are not non-negative safe integers", async () => {
    await expectInvalid(writeRaw('{"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}'), /non-negative integers/, "w");
    await expectInvalid(writeRaw('{"w":{"dtype":"U8","shape":[1.5],"data_offsets":[0,0]}}'), /non-negative integers/, "w");
    await expectInvalid(writeRaw('{"w":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}}', new Uint8Array(1)), /non-negative integers/, "w");
    await expectInvalid(writeRaw('{"w":{"dtype":"U8","shape":[9007199254740993],"data_offsets":[0,1]}}', new Uint8Array(1)), /non-negative integers/, "w");
    // Element counts beyond 2^64 are computed exactly, never wrapped or rounded.
    await expectInvalid(writeRaw('{"w":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,0]}}'), /needs 18446744073709551616 bytes/, "w");
  });

  it("data_offsets malformed or reversed", async () => {
    await expectInvalid(writeRaw({ w: { dtype: "U8", shape: [1], data_offsets: [0] } }, new Uint8Array(1)), /\[begin, end\]/, "w");
    await expectInvalid(writeRaw({ w: { dtype: "U8", shape: [0], data_offsets: [3, 1] } }, new Uint8Array(4)), /begin after end/, "w");
    await expectInvalid(writeRaw({ w: { dtype: "U8", shape: [0] } }), /no "data_offsets"/, "w");
  });

  it("malformed JSON", async () => {
    await expectInvalid(writeRaw('{"w":{"dtype":"U8",'), /not valid JSON/);
    await expectInvalid(writeRaw("[1,2,3]"), /not a JSON object/);
    await expectInvalid(writeRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("latin1")), /not valid JSON|UTF-8/);
  });

  it("invalid UTF-8 in the header", async () => {
    const json = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]); // {"\xc3(":1}
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(json.length));
    const path = join(tmp, "bad-utf8.safetensors");
    writeFileSync(path, Buffer.concat([length, json]));
    await expectInvalid(path, /UTF-8/);
  });

  it("duplicate tensor names", async () => {
    const path = writeRaw('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', new Uint8Array(2));
    await expectInvalid(path, /duplicate key "w"/);
  });

  it("metadata that is not string to string", async () => {
    await expectInvalid(writeRaw({ __metadata__: { format: 1 } }), /must be a string/, "__metadata__");
  });

  it("huge declared header length", async () => {
    await expectInvalid(writeRaw("{}", undefined, { declaredLength: 0xffff_ffff_ffff_ffffn }), /exceeds the 104857600-byte limit/);
    await expectInvalid(writeRaw("{}", undefined, { declaredLength: 100n * 1024n * 1024n }), /truncated/);
  });

  it("missing file and directories", async () => {
    await expectInvalid(join(tmp, "nope.safetensors"), /file not found/);
    await expectInvalid(tmp, /not a regular file|directory/);
  });
});
