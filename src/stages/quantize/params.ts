/**
 * Params of the `quantize` stage and `oss-prep quantize` (one schema: see src/pipeline/paramSchema.ts).
 * The type names come from src/quant/recipe/quantizeTypes.ts and the expert policies from
 * src/quant/expertPolicies.ts, both light modules.
 */
import { ParamProblem, defineParams, type SchemaParams } from "../../pipeline/paramSchema.js";
import { EXPERT_POLICIES } from "../../quant/expertPolicies.js";
import { QUANTIZE_TYPE_NAMES, type QuantizeTypeName } from "../../quant/recipe/quantizeTypes.js";

/** A quantize type name, case-insensitively ("q5_k_m" works), as its canonical spelling. */
function parseQuantizeType(value: unknown): QuantizeTypeName | ParamProblem {
  const found = typeof value === "string" ? QUANTIZE_TYPE_NAMES.find((name) => name === value.toUpperCase()) : undefined;
  return found ?? new ParamProblem(`unknown quantization type ${JSON.stringify(value)}; expected one of ${QUANTIZE_TYPE_NAMES.join(", ")}`, true);
}

export const quantizeParams = defineParams({
  options: {
    type: { kind: "custom", parse: parseQuantizeType, required: true, arg: "type", help: `quantization type: ${QUANTIZE_TYPE_NAMES.join(", ")}` },
    experts: {
      kind: "enum",
      choices: EXPERT_POLICIES,
      default: "keep",
      arg: "policy",
      help: "keep: copy the MXFP4 experts bit-exactly; requant: dequantize and quantize them by the recipe (llama-quantize --allow-requantize)",
    },
  },
});

export type QuantizeParams = SchemaParams<typeof quantizeParams>;
