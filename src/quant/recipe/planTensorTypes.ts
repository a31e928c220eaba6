/**
 * The type llama_model_quantize gives every tensor: llama_tensor_get_type (src/llama-quant.cpp:683-738)
 * around the recipe table, with the counters of init_quantize_state_counters (893-906) and the
 * order of the preliminary loop (1073-1112). Returns one decision per tensor, in llama.cpp's
 * output order, with the type before and after the block-size fallback.
 *
 * Expert policy: `manualType` plays the part of llama-quantize's `--tensor-type PATTERN=TYPE`
 * (a manual type skips the recipe but not the fallback, 711-735). The keep policy passes MXFP4 for
 * the MXFP4 experts, which is what `--tensor-type "ffn_(gate|up|down)_exps=mxfp4"` does.
 * One deliberate difference: llama.cpp ignores --tensor-type when the target is not a quantized type
 * (F16/BF16: every quantizable tensor gets that type, 711); we still honour the manual type there,
 * so that F16/BF16 with `--experts keep` keeps the MXFP4 experts as the converter does.
 */
import { type GgmlType, ggmlBlockSize } from "../../formats/gguf/ggmlTypes.js";
import { InvalidInputError } from "../../errors.js";
import { llamaQuantizeTensorOrder } from "./llamaQuantizeTensorOrder.js";
import type { QuantizeType } from "./quantizeTypes.js";
import { applyRecipeBranch, recipeBranch, type RecipeContext, type RecipeCounter } from "./recipeRules.js";
import { tensorAllowsQuantization } from "./tensorAllowsQuantization.js";
import { categoryIsAttnV, tensorCategory, type TensorCategory } from "./tensorCategory.js";
import { tensorTypeFallback } from "./tensorTypeFallback.js";

export interface TensorTypeInput {
  name: string;
  /** ggml order (ne0 first). */
  shape: readonly number[];
  /** The tensor's type in the input file (for a checkpoint: in llama.cpp's BF16 conversion of it). */
  type: GgmlType;
}

export interface TensorTypeDecision {
  name: string;
  shape: number[];
  category: TensorCategory;
  sourceType: GgmlType;
  /** tensor_allows_quantization: false for norms, 1-D tensors, biases, the router… (they keep sourceType). */
  allowsQuantization: boolean;
  /** The type came from `manualType` (the expert policy), not from the recipe. */
  manual: boolean;
  /** What the recipe (or manualType) asked for. */
  requestedType: GgmlType;
  /** The type written: requestedType after the block-size fallback. */
  type: GgmlType;
  /** requestedType did not fit ne0 and was demoted (llama.cpp's n_fallback). */
  fellBack: boolean;
}

/** ggml_is_quantized: every block type (F32, F16, BF16 and the integer types are not). */
export function isQuantizedType(type: GgmlType): boolean {
  return ggmlBlockSize(type) > 1;
}

export function planTensorTypes(params: {
  tensors: readonly TensorTypeInput[];
  quantizeType: QuantizeType;
  /** hparams.n_expert (gpt-oss.expert_count). */
  nExpert: number;
  /** hparams.n_layer_all (gpt-oss.block_count). */
  nLayer: number;
  hasImatrix?: boolean;
  /** The expert policy's type for a tensor, if any (see above). */
  manualType?: (tensor: TensorTypeInput) => GgmlType | undefined;
  /** Named in errors. */
  where?: string;
}): TensorTypeDecision[] {
  const { quantizeType, nExpert, nLayer } = params;
  const { ftype, defaultType } = quantizeType;
  const ordered = llamaQuantizeTensorOrder(params.tensors);

  // init_quantize_state_counters (llama-quant.cpp:893-906)
  const categories = ordered.map((t) => tensorCategory(t.name));
  const nAttentionWv = categories.filter(categoryIsAttnV).length;
  const hasTiedEmbeddings = !categories.includes("OUTPUT");
  const counters: Record<RecipeCounter, number> = { attention_wv: 0, ffn_down: 0, ffn_gate: 0, ffn_up: 0 };
  // n_ffn_down = n_ffn_gate = n_ffn_up = n_layer_all
  const nFfn = nLayer;

  // layer_info (llama-quant.cpp:437-452): with experts the layer comes from the name
  const layerInfo = (counter: number, name: string): { i: number; n: number } => {
    if (Math.max(1, nExpert) <= 1) return { i: counter, n: nFfn };
    const m = /^blk\.([+-]?\d+)\./.exec(name);
    if (!m) throw new InvalidInputError(params.where ?? name, "Failed to determine layer for tensor", name);
    const i = Number(m[1]);
    if (i < 0 || i >= nFfn) throw new InvalidInputError(params.where ?? name, `bad layer ${i}: must be in [0, ${nFfn})`, name);
    return { i, n: nFfn };
  };

  return ordered.map((tensor, index): TensorTypeDecision => {
    const category = categories[index];
    const base = { name: tensor.name, shape: [...tensor.shape], category, sourceType: tensor.type };
    if (!tensorAllowsQuantization({ name: tensor.name, shape: tensor.shape })) {
      return { ...base, allowsQuantization: false, manual: false, requestedType: tensor.type, type: tensor.type, fellBack: false };
    }
    const manualType = params.manualType?.(tensor);
    if (!isQuantizedType(defaultType)) {
      // llama-quant.cpp:711-735 skipped: every quantizable tensor gets the float type
      const type = manualType ?? defaultType;
      return { ...base, allowsQuantization: true, manual: manualType !== undefined, requestedType: type, type, fellBack: false };
    }
    let requested = defaultType;
    if (manualType !== undefined) {
      requested = manualType;
    } else {
      const context: RecipeContext = {
        ftype, name: tensor.name, shape: tensor.shape, category, type: defaultType, nExpert,
        hasTiedEmbeddings, hasImatrix: params.hasImatrix ?? false,
        iAttentionWv: counters.attention_wv, nAttentionWv,
      };
      const branch = recipeBranch(context);
      if (branch) {
        if (branch.layerFrom) context.layer = layerInfo(counters[branch.layerFrom], tensor.name);
        requested = applyRecipeBranch(branch, context);
        if (branch.counts) counters[branch.counts]++;
      }
    }
    const fallback = tensorTypeFallback({ name: tensor.name, ne0: tensor.shape[0], type: requested });
    return { ...base, allowsQuantization: true, manual: manualType !== undefined, requestedType: requested, type: fallback.type, fellBack: fallback.fellBack };
  });
}
