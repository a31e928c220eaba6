/**
 * Pipeline stage `convert`: checkpoint → GGUF at f32/f16/bf16 (llama.cpp's converter, exactly).
 * Pipelines use it for the full-precision baseline that eval compares quantized variants against.
 */
import { optionalBoolean, optionalEnum, rejectUnknownKeys } from "../../pipeline/yamlFields.js";
import type { StageDefinition } from "../../pipeline/types.js";

export interface ConvertParams {
  outtype: "f32" | "f16" | "bf16";
  dequantizeExperts: boolean;
}

export const convertStage: StageDefinition<ConvertParams> = {
  name: "convert",
  version: 1,
  description: "convert the safetensors checkpoint to GGUF (f32/f16/bf16; MXFP4 experts kept bit-exact)",
  inputs: [{ name: "checkpoint", kind: "checkpoint" }],
  outputs: [{ name: "gguf", kind: "gguf", exported: true }],
  parseParams(raw, where) {
    rejectUnknownKeys(raw, ["outtype", "dequantize_experts"], where.file, where.key);
    return {
      outtype: optionalEnum(raw, "outtype", ["f32", "f16", "bf16"] as const, where.file, where.key) ?? "bf16",
      dequantizeExperts: optionalBoolean(raw, "dequantize_experts", where.file, where.key) ?? false,
    };
  },
  async load() {
    return (await import("./runConvertStage.js")).runConvertStage;
  },
};
