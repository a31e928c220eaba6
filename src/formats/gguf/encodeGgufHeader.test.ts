import { describe, expect, test } from "vitest";
import { InvalidInputError } from "../../errors.js";
import { encodeGgufHeader } from "./encodeGgufHeader.js";
import { GgmlType } from "./ggmlTypes.js";
import { GgufValueType, type GgufValue } from "./ggufValue.js";

const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);

describe("encodeGgufHeader", () => {
  test("a small header, byte by byte", () => {
    const header = encodeGgufHeader({
      metadata: [["a", { type: GgufValueType.UINT8, value: 1 }]],
      tensors: [{ name: "t", shape: [2], type: GgmlType.F32 }],
    });
    const expected = Buffer.concat([
      Buffer.from("GGUF"), // magic
      u32(3), // version
      u64(1), // n_tensors
      u64(1), // n_kv
      str("a"), // key
      u32(0), // UINT8
      Buffer.from([1]), // value
      str("t"), // tensor name
      u32(1), // n_dims
      u64(2), // ne0
      u32(0), // F32
      u64(0), // offset in the data section
    ]);
    expect(expected.length).toBe(71);
    expect(header.headerByteLength).toBe(71);
    expect(header.dataOffset).toBe(96);
    expect(header.bytes).toEqual(Buffer.concat([expected, Buffer.alloc(96 - 71)]));
    expect(header.fileSize).toBe(96 + 32); // 8 data bytes padded to 32
    expect(header.tensors).toEqual([
      { name: "t", shape: [2], type: GgmlType.F32, byteLength: 8, relativeOffset: 0, absoluteOffset: 96 },
    ]);
  });

  test("arrays, nested arrays, 64-bit values and custom alignment", () => {
    const header = encodeGgufHeader({
      metadata: [
        ["general.alignment", { type: GgufValueType.UINT32, value: 64 }],
        ["n", { type: GgufValueType.ARRAY, itemType: GgufValueType.ARRAY, value: [
          { type: GgufValueType.ARRAY, itemType: GgufValueType.INT16, value: [-1] },
          { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: [] },
        ] }],
        ["i", { type: GgufValueType.INT64, value: -2n }],
      ],
      tensors: [
        { name: "a", shape: [32, 2], type: GgmlType.Q8_0 },
        { name: "b", shape: [1], type: GgmlType.I8 },
      ],
    });
    const expected = Buffer.concat([
      Buffer.from("GGUF"), u32(3), u64(2), u64(3),
      str("general.alignment"), u32(4), u32(64),
      str("n"), u32(9), u32(9), u64(2),
      u32(3), u64(1), Buffer.from([0xff, 0xff]), // inner array: item type, count, items (no ARRAY tag)
      u32(8), u64(0),
      str("i"), u32(11), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      str("a"), u32(2), u64(32), u64(2), u32(8), u64(0),
      str("b"), u32(1), u64(1), u32(24), u64(128), // 68 bytes of a, padded to 128
    ]);
    expect(header.bytes.subarray(0, header.headerByteLength)).toEqual(expected);
    expect(header.alignment).toBe(64);
    expect(header.dataOffset % 64).toBe(0);
    expect(header.bytes.length).toBe(header.dataOffset);
    expect(header.fileSize).toBe(header.dataOffset + 128 + 64);
  });

  const invalid: Array<[string, [string, GgufValue][], RegExp]> = [
    ["uint8 out of range", [["k", { type: GgufValueType.UINT8, value: 256 }]], /k: 256 is out of range for type u8/],
    ["int32 not an integer", [["k", { type: GgufValueType.INT32, value: 1.5 }]], /1.5 is not an integer/],
    ["uint64 as number", [["k", { type: GgufValueType.UINT64, value: 1 as unknown as bigint }]], /not a bigint/],
    ["int64 out of range", [["k", { type: GgufValueType.INT64, value: 2n ** 63n }]], /out of range for type i64/],
    ["negative uint64", [["k", { type: GgufValueType.UINT64, value: -1n }]], /out of range/],
    ["lone surrogate", [["k", { type: GgufValueType.STRING, value: "a\uD800b" }]], /lone surrogate/],
    ["bad array item", [["k", { type: GgufValueType.ARRAY, itemType: GgufValueType.UINT16, value: [1, 70000] }]], /item 1: 70000 is out of range/],
    ["array of arrays holding a scalar", [["k", { type: GgufValueType.ARRAY, itemType: GgufValueType.ARRAY, value: [1 as unknown as GgufValue & { type: GgufValueType.ARRAY }] }]], /k\[0\]: items of an array of arrays must be arrays/],
    ["unknown type", [["k", { type: 13 as GgufValueType.UINT8, value: 1 }]], /not a GGUF value/],
    ["duplicate key", [["k", { type: GgufValueType.BOOL, value: true }], ["k", { type: GgufValueType.BOOL, value: false }]], /duplicate metadata key/],
    ["empty key", [["", { type: GgufValueType.BOOL, value: true }]], /non-empty/],
    ["alignment not u32", [["general.alignment", { type: GgufValueType.UINT64, value: 64n }]], /must be of type u32/],
    ["alignment not a power of two", [["general.alignment", { type: GgufValueType.UINT32, value: 48 }]], /not a power of two/],
  ];
  test.each(invalid)("refuses %s", (_what, metadata, message) => {
    const call = () => encodeGgufHeader({ metadata, tensors: [], file: "out.gguf" });
    expect(call).toThrow(InvalidInputError);
    expect(call).toThrow(message);
    expect(call).toThrow(/^out\.gguf: /);
  });

  test("refuses bad tensor declarations", () => {
    const declare = (t: { name: string; shape: number[]; type: GgmlType; byteLength?: number }) =>
      () => encodeGgufHeader({ metadata: [], tensors: [t], file: "out.gguf" });
    expect(declare({ name: "w", shape: [2880], type: GgmlType.Q4_K })).toThrow(/w: row length 2880 is not a multiple of the q4_K block size 256/);
    expect(declare({ name: "w", shape: [1, 1, 1, 1, 1], type: GgmlType.F32 })).toThrow(/5 dimensions/);
    expect(declare({ name: "w", shape: [-1], type: GgmlType.F32 })).toThrow(/not a non-negative integer/);
    expect(declare({ name: "w", shape: [4], type: GgmlType.F32, byteLength: 15 })).toThrow(/byteLength 15 does not match f32 \[4\] = 16 bytes/);
    expect(declare({ name: "w", shape: [4], type: 4 as GgmlType })).toThrow(/unknown ggml type 4/);
    expect(declare({ name: "x".repeat(64), shape: [4], type: GgmlType.F32 })).toThrow(/at most 63/);
    expect(declare({ name: "", shape: [4], type: GgmlType.F32 })).toThrow(InvalidInputError);
    expect(() => encodeGgufHeader({
      metadata: [],
      tensors: [{ name: "w", shape: [1], type: GgmlType.F32 }, { name: "w", shape: [1], type: GgmlType.F32 }],
    })).toThrow(/duplicate tensor name/);
  });
});
