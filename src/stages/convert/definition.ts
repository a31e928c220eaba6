/**
 * Pipeline stage `convert`: checkpoint → GGUF at f32/f16/bf16 (llama.cpp's converter, exactly).
 * Pipelines use it for the full-precision baseline that eval compares quantized variants against.
 */
import { defineStage } from "../../pipeline/defineStage.js";
import { type ConvertParams, convertParams } from "./params.js";

export const convertStage = defineStage<ConvertParams>({
  name: "convert",
  version: 1,
  description: "convert the safetensors checkpoint to GGUF (f32/f16/bf16; MXFP4 experts kept bit-exact)",
  inputs: [{ name: "checkpoint", kind: "checkpoint" }],
  outputs: [{ name: "gguf", kind: "gguf", exported: true }],
  params: convertParams,
  async load() {
    return (await import("./runConvertStage.js")).runConvertStage;
  },
});
