/** Params of the `awq` stage and `oss-prep awq` (one schema: see src/pipeline/paramSchema.ts). */
import { AWQ_CALIB_SAMPLES_DEFAULT, AWQ_EXPERT_POLICIES, AWQ_GRAM_RANK, AWQ_GROUP_SIZES, AWQ_METHODS } from "../../awq/awqTypes.js";
import { defineParams, type SchemaParams } from "../../pipeline/paramSchema.js";
import { calibrationEngineOption, calibrationGgufOption, calibSeqlenOption, matmulBackendOption } from "../calibrationOptions.js";

export const awqParams = defineParams({
  options: {
    group: { kind: "enum", choices: AWQ_GROUP_SIZES, expected: "32 or 64", default: 32, arg: "size", help: "input channels per quantization group" },
    experts: { kind: "enum", choices: AWQ_EXPERT_POLICIES, default: "keep", arg: "policy", help: "keep: MXFP4 experts copied bit-exactly; awq: dequantized and AWQ-quantized too" },
    method: { kind: "enum", choices: AWQ_METHODS, default: "awq", arg: "method", help: "awq, or rtn: round-to-nearest on the same grid (α = 0, no clipping), the baseline" },
    calib: { kind: "string", arg: "file", help: "calibration text (.txt, .jsonl with a text field, .json array); default the built-in set" },
    calibSamples: { kind: "integer", min: 1, max: 65_536, default: AWQ_CALIB_SAMPLES_DEFAULT, arg: "n", aliases: ["--samples"], help: "calibration sequences (AutoAWQ's n_samples; 128 measurably better, docs/quality.md)" },
    calibSeqlen: calibSeqlenOption,
    gramRank: { kind: "integer", min: 0, default: AWQ_GRAM_RANK, arg: "rank", help: "rank of the input Gram factor in the scale search (0: the exact Gram, slower at full size)" },
    clip: { kind: "boolean", negate: true, default: true, help: "skip the clipping search after the scale search" },
    engine: calibrationEngineOption,
    backend: matmulBackendOption,
    gguf: calibrationGgufOption,
  },
});

export type AwqStageParams = SchemaParams<typeof awqParams>;
