import { describe, expect, it } from "vitest";
import { dtypeBits, dtypeByteSize, isSafetensorsDtype, tensorByteLength } from "./dtypes.js";

describe("safetensors dtypes", () => {
  it("knows byte sizes of the gpt-oss dtypes and the rest", () => {
    expect(dtypeByteSize("BF16")).toBe(2);
    expect(dtypeByteSize("U8")).toBe(1);
    expect(dtypeByteSize("F32")).toBe(4);
    expect(dtypeByteSize("I64")).toBe(8);
    expect(dtypeByteSize("F8_E8M0")).toBe(1);
    expect(dtypeBits("F4")).toBe(4);
    expect(() => dtypeByteSize("F4")).toThrow(RangeError);
  });

  it("recognises only real dtype names", () => {
    expect(isSafetensorsDtype("BF16")).toBe(true);
    expect(isSafetensorsDtype("bf16")).toBe(false);
    expect(isSafetensorsDtype("toString")).toBe(false);
    expect(isSafetensorsDtype("__proto__")).toBe(false);
  });

  it("computes tensor byte lengths exactly", () => {
    expect(tensorByteLength({ dtype: "U8", shape: [8, 576, 9, 16] })).toBe(663552);
    expect(tensorByteLength({ dtype: "BF16", shape: [4096, 288] })).toBe(2359296);
    expect(tensorByteLength({ dtype: "F32", shape: [] })).toBe(4);
    expect(tensorByteLength({ dtype: "F32", shape: [0, 7] })).toBe(0);
    expect(tensorByteLength({ dtype: "F4", shape: [3] })).toBeUndefined();
    expect(tensorByteLength({ dtype: "F4", shape: [4] })).toBe(2);
    expect(tensorByteLength({ dtype: "F6_E2M3", shape: [4] })).toBe(3);
    expect(tensorByteLength({ dtype: "U64", shape: [2 ** 30, 2 ** 30] })).toBeUndefined();
  });
});
