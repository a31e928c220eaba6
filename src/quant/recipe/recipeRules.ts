/**
 * llama_tensor_get_type_impl (src/llama-quant.cpp:428-680 of the bundled llama.cpp v0.4.0) as a table,
 * for the ftypes `oss-prep quantize` offers (quantizeTypes.ts).
 *
 * How to read it against the C++: RECIPE lists the function's outer `if / else if` on the tensor
 * category, in source order; the first branch whose `applies` holds is taken (later ones are not
 * looked at, exactly like `else if`). Inside a branch, `rules` is the inner `if / else if` chain on
 * the ftype: the first rule whose `when` holds sets the type. `plainIfs` are the plain `if`s that follow
 * the chain in the same branch (they apply on top of it), and `counts` is the counter the branch
 * increments at its end (++qs.i_attention_wv, ++qs.i_ffn_down…).
 *
 * Rules that only fire for ftypes we do not offer (IQ*, Q2_K, Q3_K_*, Q4_0/Q5_0, TQ*) are left out,
 * with a note where they sit, so that for our ftypes the table and the C++ pick the same branch.
 * LLM_ARCH_FALCON, LLM_ARCH_BAILINGMOE3 and LLM_TYPE_70B (llama only) never hold for gpt-oss.
 */
import { GgmlType, ggmlBlockSize } from "../../formats/gguf/ggmlTypes.js";
import { LlamaFtype } from "../../formats/gguf/llamaFtype.js";
import { categoryIsAttnV, type TensorCategory } from "./tensorCategory.js";

export interface RecipeContext {
  ftype: LlamaFtype;
  name: string;
  /** ggml order (ne0 first). */
  shape: readonly number[];
  category: TensorCategory;
  /** The type so far: the ftype's default type on entry (`new_type`). */
  type: GgmlType;
  /** hparams.n_expert (0 for dense models). */
  nExpert: number;
  /** No output.weight in the model: token_embd doubles as the output (qs.has_tied_embeddings). */
  hasTiedEmbeddings: boolean;
  hasImatrix: boolean;
  /** qs.i_attention_wv / qs.n_attention_wv at this tensor. */
  iAttentionWv: number;
  nAttentionWv: number;
  /** layer_info(...) of the FFN branches: (i_layer, n_layer). Set for FFN_DOWN/GATE/UP only. */
  layer?: { i: number; n: number };
}

export type RecipeCounter = "attention_wv" | "ffn_down" | "ffn_gate" | "ffn_up";

interface Rule {
  /** Line in llama-quant.cpp. */
  line: number;
  when: (c: RecipeContext) => boolean;
  type: GgmlType | ((c: RecipeContext) => GgmlType);
}

export interface RecipeBranch {
  line: number;
  applies: (c: RecipeContext) => boolean;
  /** The FFN counter whose layer_info this branch reads (llama-quant.cpp:438-452). */
  layerFrom?: "ffn_down" | "ffn_gate" | "ffn_up";
  rules: Rule[];
  plainIfs?: Rule[];
  counts?: RecipeCounter;
}

/** use_more_bits (llama-quant.cpp:434-436), C integer division. */
export function useMoreBits(iLayer: number, nLayers: number): boolean {
  const eighth = Math.trunc(nLayers / 8);
  return iLayer < eighth || iLayer >= Math.trunc((7 * nLayers) / 8) || (iLayer - eighth) % 3 === 2;
}

const is = (...ftypes: LlamaFtype[]) => (c: RecipeContext) => ftypes.includes(c.ftype);
const always = () => true;
const layerOf = (c: RecipeContext) => c.layer!;

export const RECIPE: readonly RecipeBranch[] = [
  {
    // output.weight, and token_embd when it is tied to the output (llama-quant.cpp:456-477);
    // --output-tensor-type is not offered, so the else branch runs.
    line: 456,
    applies: (c) => c.category === "OUTPUT" || (c.hasTiedEmbeddings && c.category === "TOKEN_EMBD"),
    rules: [
      { line: 463, when: is(LlamaFtype.MOSTLY_MXFP4_MOE), type: GgmlType.Q8_0 },
      { line: 466, when: (c) => c.shape[0] % ggmlBlockSize(c.type) !== 0, type: GgmlType.Q8_0 },
      // 469-473: IQ2_*/IQ3_XXS/IQ1_* → Q5_K (not offered)
      { line: 474, when: (c) => c.type !== GgmlType.Q8_0, type: GgmlType.Q6_K },
    ],
  },
  {
    // MXFP4_MOE: 3-D (expert) tensors → MXFP4, every other quantizable tensor → Q8_0 (llama-quant.cpp:478-490)
    line: 478,
    applies: is(LlamaFtype.MOSTLY_MXFP4_MOE),
    rules: [
      { line: 486, when: (c) => (c.shape[2] ?? 1) > 1, type: GgmlType.MXFP4 },
      { line: 489, when: always, type: GgmlType.Q8_0 },
    ],
  },
  {
    // token_embd (untied): only IQ*/TQ*/Q2_0 ftypes change it (llama-quant.cpp:491-508)
    line: 491,
    applies: (c) => c.category === "TOKEN_EMBD",
    rules: [],
  },
  // llama-quant.cpp:509-532: the IQ2_XXS/IQ2_XS/IQ1_S/IQ2_S/IQ2_M/IQ1_M branch (not offered)
  {
    // attn_v / attn_qkv / attn_kv_b (llama-quant.cpp:533-570)
    line: 533,
    applies: (c) => categoryIsAttnV(c.category),
    rules: [
      // 534-555: Q2_K, Q2_K_S, IQ3_XXS, IQ3_XS/IQ3_S, IQ3_M, Q3_K_M, Q3_K_L, IQ4_NL/IQ4_XS (not offered)
      {
        line: 556,
        when: (c) => (c.ftype === LlamaFtype.MOSTLY_Q4_K_M || c.ftype === LlamaFtype.MOSTLY_Q5_K_M) && useMoreBits(c.iAttentionWv, c.nAttentionWv),
        type: GgmlType.Q6_K,
      },
      { line: 558, when: (c) => c.ftype === LlamaFtype.MOSTLY_Q4_K_S && c.iAttentionWv < 4, type: GgmlType.Q5_K },
    ],
    // 559-564: LLM_TYPE_70B bump (llama arch only)
    plainIfs: [{ line: 565, when: (c) => c.nExpert === 8, type: GgmlType.Q8_0 }],
    counts: "attention_wv",
  },
  {
    // attn_k (llama-quant.cpp:571-582); the IQ3_XS/IQ3_XXS rules are not offered
    line: 571,
    applies: (c) => c.category === "ATTENTION_K",
    rules: [{ line: 572, when: (c) => c.nExpert === 8, type: GgmlType.Q8_0 }],
  },
  {
    // attn_q (llama-quant.cpp:583-589): IQ3_XS/IQ3_XXS only
    line: 583,
    applies: (c) => c.category === "ATTENTION_Q",
    rules: [],
  },
  {
    // ffn_down (llama-quant.cpp:590-634)
    line: 590,
    applies: (c) => c.category === "FFN_DOWN",
    layerFrom: "ffn_down",
    rules: [
      // 593-611: Q2_K, Q2_K_S, IQ3_XXS, Q3_K_M, IQ3_M, Q3_K_L (not offered)
      // 612-619: Q4_K_M (the Falcon variant does not apply): matched whatever use_more_bits says
      { line: 612, when: (c) => c.ftype === LlamaFtype.MOSTLY_Q4_K_M, type: (c) => (useMoreBits(layerOf(c).i, layerOf(c).n) ? GgmlType.Q6_K : c.type) },
      // 620-622: IQ4_NL/IQ4_XS (not offered)
      { line: 623, when: (c) => c.ftype === LlamaFtype.MOSTLY_Q5_K_M && useMoreBits(layerOf(c).i, layerOf(c).n), type: GgmlType.Q6_K },
      { line: 624, when: (c) => c.ftype === LlamaFtype.MOSTLY_Q4_K_S && layerOf(c).i < Math.trunc(layerOf(c).n / 8), type: GgmlType.Q5_K },
      // 627-633: Q4_0/Q5_0 with an imatrix (not offered)
    ],
    counts: "ffn_down",
  },
  {
    // attn_output (llama-quant.cpp:635-654); gpt-oss is not Falcon
    line: 635,
    applies: (c) => c.category === "ATTENTION_OUTPUT",
    rules: [
      {
        line: 637,
        // of the 11 ftypes listed at 638-640, the offered ones are Q4_K_S and Q4_K_M
        when: (c) => c.nExpert === 8 && (c.ftype === LlamaFtype.MOSTLY_Q4_K_S || c.ftype === LlamaFtype.MOSTLY_Q4_K_M),
        type: GgmlType.Q5_K,
      },
      // 644-650: dense models, Q2_K/IQ3_XXS/Q3_K_M/Q3_K_L/IQ3_M only (not offered)
    ],
  },
  {
    // attn_qkv (llama-quant.cpp:655-661); it is also attn_v-like, so the attn_v branch above
    // takes it first: like the C++, this branch is unreachable (kept for the line-by-line check)
    line: 655,
    applies: (c) => c.category === "ATTENTION_QKV",
    rules: [
      { line: 659, when: is(LlamaFtype.MOSTLY_Q4_K_M), type: GgmlType.Q5_K },
      { line: 660, when: is(LlamaFtype.MOSTLY_Q5_K_M), type: GgmlType.Q6_K },
    ],
  },
  {
    // ffn_gate (llama-quant.cpp:662-669): IQ3_XS only, but layer_info still validates the name
    line: 662,
    applies: (c) => c.category === "FFN_GATE",
    layerFrom: "ffn_gate",
    rules: [],
    counts: "ffn_gate",
  },
  {
    // ffn_up (llama-quant.cpp:670-677): likewise
    line: 670,
    applies: (c) => c.category === "FFN_UP",
    layerFrom: "ffn_up",
    rules: [],
    counts: "ffn_up",
  },
];

/** The RECIPE branch llama.cpp takes for a tensor (undefined: none, the type stays). */
export function recipeBranch(c: RecipeContext): RecipeBranch | undefined {
  return RECIPE.find((b) => b.applies(c));
}

/** Apply a branch's rules to the context's type: the inner else-if chain, then the plain ifs. */
export function applyRecipeBranch(branch: RecipeBranch, c: RecipeContext): GgmlType {
  let type = c.type;
  const rule = branch.rules.find((r) => r.when(c));
  if (rule) type = typeof rule.type === "function" ? rule.type(c) : rule.type;
  for (const r of branch.plainIfs ?? []) {
    const ctx = { ...c, type };
    if (r.when(ctx)) type = typeof r.type === "function" ? r.type(ctx) : r.type;
  }
  return type;
}
