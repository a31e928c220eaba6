/**
 * The per-tensor plan of one quantization: llama.cpp's recipe (recipe/planTensorTypes.ts) plus the
 * expert policy, and the check that every conversion it asks for can be done.
 *
 * Expert policies, for the MXFP4 expert tensors gpt-oss ships (ffn_{gate,up,down}_exps.weight):
 * - keep: copied bit-exactly; llama-quantize does the same with
 *   `--tensor-type "ffn_(gate|up|down)_exps=mxfp4"`. Any other already-quantized tensor that the
 *   recipe would change is refused, as llama-quantize refuses it without --allow-requantize.
 * - requant: dequantized (ggml's to_float) and quantized by the recipe, as llama-quantize with
 *   --allow-requantize. For MXFP4_MOE the recipe itself picks MXFP4 for them, so they are copied
 *   under both policies.
 */
import { InvalidInputError } from "../errors.js";
import { GgmlType, ggmlTypeName } from "../formats/gguf/ggmlTypes.js";
import { isQuantizedType, planTensorTypes, type TensorTypeDecision, type TensorTypeInput } from "./recipe/planTensorTypes.js";
import type { QuantizeType } from "./recipe/quantizeTypes.js";
import type { ExpertPolicy } from "./expertPolicies.js";

export { EXPERT_POLICIES, type ExpertPolicy } from "./expertPolicies.js";

const EXPERT_WEIGHT = /(^|\.)ffn_(gate|up|down)_exps\.weight$/;

/** The llama-quantize `--tensor-type` pattern equivalent to the keep policy (for the oracle). */
export const KEEP_EXPERTS_OVERRIDE_PATTERN = "ffn_(gate|up|down)_exps\\.weight";

export interface QuantizationPlan {
  quantizeType: QuantizeType;
  experts: ExpertPolicy;
  /** In llama.cpp's output order. */
  tensors: TensorTypeDecision[];
}

export function planQuantization(params: {
  tensors: readonly TensorTypeInput[];
  quantizeType: QuantizeType;
  experts: ExpertPolicy;
  nExpert: number;
  nLayer: number;
  hasImatrix?: boolean;
  /** Named in errors (the input file or directory). */
  where: string;
}): QuantizationPlan {
  const { experts, where } = params;
  const tensors = planTensorTypes({
    tensors: params.tensors,
    quantizeType: params.quantizeType,
    nExpert: params.nExpert,
    nLayer: params.nLayer,
    hasImatrix: params.hasImatrix,
    manualType: (t) => (experts === "keep" && t.type === GgmlType.MXFP4 && EXPERT_WEIGHT.test(t.name) ? GgmlType.MXFP4 : undefined),
    where,
  });
  if (experts === "keep") {
    // llama-quant.cpp:1272-1274: "requantizing from type %s is disabled" without allow_requantize
    const refused = tensors.find((t) => t.type !== t.sourceType && isQuantizedType(t.sourceType));
    if (refused) {
      throw new InvalidInputError(
        where,
        `already quantized as ${ggmlTypeName(refused.sourceType)}; --experts keep only copies MXFP4 experts and will not ` +
          `requantize it to ${ggmlTypeName(refused.type)} (use --experts requant to dequantize and requantize, like llama-quantize --allow-requantize)`,
        refused.name,
      );
    }
  }
  return { quantizeType: params.quantizeType, experts, tensors };
}
