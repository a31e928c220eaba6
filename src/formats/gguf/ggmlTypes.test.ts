import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { packageRoot } from "../../util/paths.js";
import {
  ALL_GGML_TYPES,
  GgmlType,
  ggmlBlockSize,
  ggmlRowBytes,
  ggmlTensorBytes,
  ggmlTypeFromName,
  ggmlTypeName,
  ggmlTypeSize,
  isGgmlType,
} from "./ggmlTypes.js";

const GGUF_PY = resolve(packageRoot(), "..", "llama.cpp", "gguf-py");

describe("GgmlType", () => {
  test("ids match ggml.h", () => {
    expect(GgmlType.F32).toBe(0);
    expect(GgmlType.Q4_0).toBe(2);
    expect(GgmlType.Q5_0).toBe(6);
    expect(GgmlType.Q8_0).toBe(8);
    expect(GgmlType.Q2_K).toBe(10);
    expect(GgmlType.Q8_K).toBe(15);
    expect(GgmlType.IQ4_XS).toBe(23);
    expect(GgmlType.I8).toBe(24);
    expect(GgmlType.F64).toBe(28);
    expect(GgmlType.IQ1_M).toBe(29);
    expect(GgmlType.BF16).toBe(30);
    expect(GgmlType.TQ1_0).toBe(34);
    expect(GgmlType.TQ2_0).toBe(35);
    expect(GgmlType.MXFP4).toBe(39);
    expect(GgmlType.Q2_0).toBe(42);
    expect(ALL_GGML_TYPES).toHaveLength(35);
    for (const removed of [4, 5, 31, 32, 33, 36, 37, 38, 43, -1, 1.5]) expect(isGgmlType(removed)).toBe(false);
  });

  test("block and type sizes of the types gpt-oss uses", () => {
    expect([ggmlBlockSize(GgmlType.F32), ggmlTypeSize(GgmlType.F32)]).toEqual([1, 4]);
    expect([ggmlBlockSize(GgmlType.BF16), ggmlTypeSize(GgmlType.BF16)]).toEqual([1, 2]);
    expect([ggmlBlockSize(GgmlType.Q8_0), ggmlTypeSize(GgmlType.Q8_0)]).toEqual([32, 34]);
    expect([ggmlBlockSize(GgmlType.MXFP4), ggmlTypeSize(GgmlType.MXFP4)]).toEqual([32, 17]);
    expect([ggmlBlockSize(GgmlType.Q4_K), ggmlTypeSize(GgmlType.Q4_K)]).toEqual([256, 144]);
    expect([ggmlBlockSize(GgmlType.Q5_K), ggmlTypeSize(GgmlType.Q5_K)]).toEqual([256, 176]);
    expect([ggmlBlockSize(GgmlType.Q6_K), ggmlTypeSize(GgmlType.Q6_K)]).toEqual([256, 210]);
  });

  test("names as ggml_type_name prints them", () => {
    expect(ggmlTypeName(GgmlType.Q4_K)).toBe("q4_K");
    expect(ggmlTypeName(GgmlType.MXFP4)).toBe("mxfp4");
    expect(ggmlTypeName(GgmlType.BF16)).toBe("bf16");
    expect(ggmlTypeName(GgmlType.IQ2_XXS)).toBe("iq2_xxs");
    expect(ggmlTypeFromName("Q8_0")).toBe(GgmlType.Q8_0);
    expect(ggmlTypeFromName("q5_k")).toBe(GgmlType.Q5_K);
    expect(ggmlTypeFromName("q4_2")).toBeUndefined();
    expect(() => ggmlTypeName(4 as GgmlType)).toThrow(RangeError);
  });

  test("row and tensor bytes", () => {
    expect(ggmlRowBytes(GgmlType.F32, 7)).toBe(28);
    expect(ggmlRowBytes(GgmlType.MXFP4, 2880)).toBe(90 * 17);
    expect(ggmlRowBytes(GgmlType.Q4_K, 5120)).toBe(20 * 144);
    expect(() => ggmlRowBytes(GgmlType.Q4_K, 2880)).toThrow(/not a multiple of the q4_K block size 256/);
    expect(() => ggmlRowBytes(GgmlType.Q8_0, 33)).toThrow(RangeError);
    expect(() => ggmlRowBytes(GgmlType.F16, -1)).toThrow(RangeError);
    expect(ggmlTensorBytes(GgmlType.MXFP4, [2880, 2880, 32])).toBe(90 * 17 * 2880 * 32);
    expect(ggmlTensorBytes(GgmlType.F32, [])).toBe(4);
    expect(ggmlTensorBytes(GgmlType.F32, [4, 0, 3])).toBe(0);
    expect(() => ggmlTensorBytes(GgmlType.F32, [2 ** 40, 2 ** 40])).toThrow(/too large/);
  });

  const python = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
  test.skipIf(python.status !== 0 || !existsSync(GGUF_PY))("the whole table matches gguf-py's GGML_QUANT_SIZES and enum", () => {
    const script = [
      "import sys, json",
      `sys.path.insert(0, ${JSON.stringify(GGUF_PY)})`,
      "from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType",
      "print(json.dumps({t.name: [int(t), *GGML_QUANT_SIZES[t]] for t in GGMLQuantizationType}))",
    ].join("\n");
    const out = spawnSync("python3", ["-c", script], { encoding: "utf8" });
    expect(out.status, out.stderr).toBe(0);
    const reference = JSON.parse(out.stdout) as Record<string, [number, number, number]>;
    const ours = Object.fromEntries(ALL_GGML_TYPES.map((t) => [GgmlType[t], [t, ggmlBlockSize(t), ggmlTypeSize(t)]]));
    expect(ours).toEqual(reference);
  });
});
