/**
 * Pipeline stage `awq`: checkpoint → AWQ 4-bit GGUF (Q4_1 blocks carrying the AWQ grid) and the same
 * weights as a Hugging Face checkpoint in AutoAWQ's GEMM layout, calibrated with oss-prep's TypeScript
 * forward pass (see src/awq/quantizeAwq.ts).
 * Params (all optional): group (32 | 64, default 32), experts (keep | awq, default keep), method
 * (awq | rtn, default awq; rtn is the round-to-nearest baseline on the same grid), calib (a text file;
 * default the built-in set — the cache key holds the path, not the content: re-run with --force after
 * editing it; its sha256 is recorded in the summary), samples (16), seqlen (512), clip (true).
 */
import { InvalidInputError } from "../../errors.js";
import { join, optionalBoolean, optionalEnum, optionalInteger, optionalString, rejectUnknownKeys } from "../../pipeline/yamlFields.js";
import type { StageDefinition } from "../../pipeline/types.js";

export interface AwqStageParams {
  group: 32 | 64;
  experts: "keep" | "awq";
  method: "awq" | "rtn";
  calib?: string;
  samples: number;
  seqlen: number;
  clip: boolean;
}

export const awqStage: StageDefinition<AwqStageParams> = {
  name: "awq",
  version: 1,
  description: "AWQ 4-bit (or its round-to-nearest baseline): GGUF with Q4_1 AWQ tensors and an AutoAWQ GEMM checkpoint",
  inputs: [{ name: "checkpoint", kind: "checkpoint" }],
  outputs: [
    { name: "gguf", kind: "gguf", exported: true },
    { name: "checkpoint", kind: "checkpoint", exported: true },
  ],
  parseParams(raw, where) {
    const { file, key } = where;
    rejectUnknownKeys(raw, ["group", "experts", "method", "calib", "samples", "seqlen", "clip"], file, key);
    const group = optionalInteger(raw, "group", file, key) ?? 32;
    if (group !== 32 && group !== 64) throw new InvalidInputError(file, `expected 32 or 64, got ${group}`, join(key, "group"));
    return {
      group,
      experts: optionalEnum(raw, "experts", ["keep", "awq"] as const, file, key) ?? "keep",
      method: optionalEnum(raw, "method", ["awq", "rtn"] as const, file, key) ?? "awq",
      calib: optionalString(raw, "calib", file, key),
      samples: optionalInteger(raw, "samples", file, key, { min: 1 }) ?? 16,
      seqlen: optionalInteger(raw, "seqlen", file, key, { min: 1 }) ?? 512,
      clip: optionalBoolean(raw, "clip", file, key) ?? true,
    };
  },
  async load() {
    return (await import("./runAwqStage.js")).runAwqStage;
  },
};
