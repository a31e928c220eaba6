/**
 * The KV cache types llama.cpp accepts for --cache-type-k / --cache-type-v (common/arg.cpp,
 * `kv_cache_types`), by the names it takes on its command line (ggml_type_name). Light: the params
 * schemas import this list for their choices.
 */
export const KV_CACHE_TYPE_NAMES = ["f16", "q8_0", "q4_0", "f32", "bf16", "q4_1", "iq4_nl", "q5_0", "q5_1"] as const;

export type KvCacheTypeName = (typeof KV_CACHE_TYPE_NAMES)[number];
