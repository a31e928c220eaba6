/**
 * The tensor buffer-type overrides llama.cpp's `--n-cpu-moe N` adds (common/arg.cpp → common/common.h
 * `llm_add_n_cpu_ffn_overrides`): for each layer i < N the pattern `llm_ffn_block_regex(i,
 * LLM_FFN_EXPS_REGEX)` = `blk\.<i>\.ffn_(up|down|gate|gate_up)_(ch|)exps`, mapped to the CPU buffer type.
 * The loader (src/llama-model-loader.cpp, create_tensor) tries each pattern with std::regex_search, whose
 * default grammar is ECMAScript: RegExp.test is the same test. A search, not a full match, so a layer's
 * expert biases (`blk.0.ffn_up_exps.bias`) match as well as its weights. `--cpu-moe` is the same for
 * every layer (one pattern without the layer index).
 */
/** common/common.h's LLM_FFN_EXPS_REGEX: a layer's expert tensors (weights and biases). */
export const LLM_FFN_EXPS_REGEX = "ffn_(up|down|gate|gate_up)_(ch|)exps";

const cache = new Map<number, RegExp[]>();

export function cpuMoeOverridePatterns(layers: number): readonly RegExp[] {
  let patterns = cache.get(layers);
  if (!patterns) {
    patterns = Array.from({ length: layers }, (_, i) => new RegExp(`blk\\.${i}\\.${LLM_FFN_EXPS_REGEX}`));
    cache.set(layers, patterns);
  }
  return patterns;
}
