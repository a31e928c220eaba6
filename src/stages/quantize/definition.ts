/**
 * Pipeline stage `quantize`: checkpoint → quantized GGUF in one streaming pass, identical to what
 * llama.cpp's llama-quantize writes from the BF16 conversion (see src/quant/quantizeModel.ts).
 * Params: `type` (Q5_K_M, Q4_K_M, Q5_K_S, Q4_K_S, Q6_K, Q8_0, MXFP4_MOE, F16, BF16) and
 * `experts` (keep: MXFP4 experts copied, the default; requant: dequantized and requantized).
 */
import { InvalidInputError } from "../../errors.js";
import { join, optionalEnum, rejectUnknownKeys } from "../../pipeline/yamlFields.js";
import type { StageDefinition } from "../../pipeline/types.js";

// Literal copies of QUANTIZE_TYPE_NAMES / EXPERT_POLICIES (src/quant): definitions stay light.
export const QUANTIZE_STAGE_TYPES = ["Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "Q8_0", "MXFP4_MOE", "F16", "BF16"] as const;

export interface QuantizeParams {
  type: (typeof QUANTIZE_STAGE_TYPES)[number];
  experts: "keep" | "requant";
}

export const quantizeStage: StageDefinition<QuantizeParams> = {
  name: "quantize",
  version: 1,
  description: "quantize the checkpoint to GGUF with llama.cpp's recipe (byte-identical to llama-quantize), in one pass",
  inputs: [{ name: "checkpoint", kind: "checkpoint" }],
  outputs: [{ name: "gguf", kind: "gguf", exported: true }],
  parseParams(raw, where) {
    rejectUnknownKeys(raw, ["type", "experts"], where.file, where.key);
    const type = optionalEnum(raw, "type", QUANTIZE_STAGE_TYPES, where.file, where.key);
    if (type === undefined) throw new InvalidInputError(where.file, `required: one of ${QUANTIZE_STAGE_TYPES.join(", ")}`, join(where.key, "type"));
    return { type, experts: optionalEnum(raw, "experts", ["keep", "requant"] as const, where.file, where.key) ?? "keep" };
  },
  async load() {
    return (await import("./runQuantizeStage.js")).runQuantizeStage;
  },
};
