import { describe, expect, test } from "vitest";
import { LLAMA_FTYPE_GUESSED, LlamaFtype, llamaFtypeFromQuantizeName, llamaFtypeName } from "./llamaFtype.js";

describe("LlamaFtype", () => {
  test("ids match llama.h", () => {
    expect(LlamaFtype.ALL_F32).toBe(0);
    expect(LlamaFtype.MOSTLY_Q8_0).toBe(7);
    expect(LlamaFtype.MOSTLY_Q4_K_M).toBe(15);
    expect(LlamaFtype.MOSTLY_Q5_K_M).toBe(17);
    expect(LlamaFtype.MOSTLY_BF16).toBe(32);
    expect(LlamaFtype.MOSTLY_MXFP4_MOE).toBe(38);
    expect(LlamaFtype.MOSTLY_Q2_0).toBe(41);
    expect(LLAMA_FTYPE_GUESSED).toBe(1024);
  });

  test("names as llama_ftype_name prints them", () => {
    expect(llamaFtypeName(LlamaFtype.MOSTLY_Q5_K_M)).toBe("Q5_K - Medium");
    expect(llamaFtypeName(LlamaFtype.MOSTLY_MXFP4_MOE)).toBe("MXFP4 MoE");
    expect(llamaFtypeName(LlamaFtype.ALL_F32)).toBe("all F32");
    expect(llamaFtypeName(LlamaFtype.MOSTLY_IQ3_M)).toBe("IQ3_S mix - 3.66 bpw");
    expect(llamaFtypeName(LlamaFtype.MOSTLY_Q4_K_M | LLAMA_FTYPE_GUESSED)).toBe("(guessed) Q4_K - Medium");
    expect(llamaFtypeName(4)).toBe("unknown, may not work");
  });

  test("llama-quantize type names", () => {
    expect(llamaFtypeFromQuantizeName("Q5_K_M")).toBe(17);
    expect(llamaFtypeFromQuantizeName("q4_k")).toBe(LlamaFtype.MOSTLY_Q4_K_M);
    expect(llamaFtypeFromQuantizeName("MXFP4_MOE")).toBe(LlamaFtype.MOSTLY_MXFP4_MOE);
    expect(llamaFtypeFromQuantizeName("F32")).toBe(LlamaFtype.ALL_F32);
    expect(llamaFtypeFromQuantizeName("COPY")).toBeUndefined();
    expect(llamaFtypeFromQuantizeName("toString")).toBeUndefined();
  });
});
