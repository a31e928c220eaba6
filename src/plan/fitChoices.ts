/**
 * The knobs `oss-prep fit` turns, in one place (docs/vram.md's fit table and the tests read them).
 * Each has a measured quality cost on the fixture (src/plan/measuredKnobCosts.ts); placements of the
 * experts (--n-cpu-moe) cost speed only and are searched for every combination.
 */
import type { ExpertPolicy } from "../quant/expertPolicies.js";
import type { QuantizeTypeName } from "../quant/recipe/quantizeTypes.js";
import type { KvCacheTypeName } from "../vram/kvCacheTypes.js";

/** Quantization type and what happens to the MXFP4 experts (kept bit-exactly, or requantized by the recipe). */
export const FIT_QUANT_CHOICES: ReadonlyArray<{ quantType: QuantizeTypeName; experts: ExpertPolicy }> = [
  // MXFP4_MOE is Q8_0 with the experts kept (the same tensors; only the file type differs)
  { quantType: "MXFP4_MOE", experts: "keep" },
  { quantType: "Q6_K", experts: "keep" },
  { quantType: "Q5_K_M", experts: "keep" },
  { quantType: "Q4_K_M", experts: "keep" },
  { quantType: "Q8_0", experts: "requant" },
  { quantType: "Q5_K_M", experts: "requant" },
  { quantType: "Q4_K_M", experts: "requant" },
];

/** Shares of each layer's experts kept (1: no pruning; the others prune by REAP, as pruned-15b does). */
export const FIT_EXPERT_SHARES: readonly number[] = [1, 0.75, 0.5];

/** llama.cpp KV cache types (--cache-type-k/-v; quantized ones with flash attention). */
export const FIT_KV_CACHE_TYPES: readonly KvCacheTypeName[] = ["f16", "q8_0", "q4_0"];
