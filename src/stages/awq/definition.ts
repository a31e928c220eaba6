/**
 * Pipeline stage `awq`: checkpoint → AWQ 4-bit GGUF (Q4_1 blocks carrying the AWQ grid) and the same
 * weights as a Hugging Face checkpoint in AutoAWQ's GEMM layout, calibrated through llama.cpp's forward
 * pass on a GGUF of the checkpoint (the `gguf` input when wired, e.g. the pipeline's bf16 baseline) or
 * oss-prep's TypeScript one with engine: ts (see src/awq/quantizeAwq.ts).
 * Params (all optional): group (32 | 64, default 32), experts (keep | awq, default keep), method
 * (awq | rtn, default awq; rtn is the round-to-nearest baseline on the same grid), calib (a text file;
 * default the built-in set — the cache key holds the path, not the content: re-run with --force after
 * editing it; its sha256 is recorded in the summary), samples (16), seqlen (512), clip (true).
 */
import { defineStage } from "../../pipeline/defineStage.js";
import { type AwqStageParams, awqParams } from "./params.js";

export const awqStage = defineStage<AwqStageParams>({
  name: "awq",
  version: 1,
  description: "AWQ 4-bit (or its round-to-nearest baseline): GGUF with Q4_1 AWQ tensors and an AutoAWQ GEMM checkpoint",
  // gguf: the checkpoint's own conversion (a pipeline's bf16 baseline), read by the llama engine
  // instead of converting a temporary copy; without it the stage converts one
  inputs: [
    { name: "checkpoint", kind: "checkpoint" },
    { name: "gguf", kind: "gguf", optional: true },
  ],
  outputs: [
    { name: "gguf", kind: "gguf", exported: true },
    { name: "checkpoint", kind: "checkpoint", exported: true },
  ],
  params: awqParams,
  async load() {
    return (await import("./runAwqStage.js")).runAwqStage;
  },
});
