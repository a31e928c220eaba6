import { ggmlTensorBytes } from "../formats/gguf/ggmlTypes.js";
import { LLM_FFN_EXPS_REGEX } from "../vram/cpuMoeOverridePatterns.js";
import type { VramPlanTensor } from "../vram/planVram.js";

/**
 * GPU-to-host memory bandwidth ratio the decode model assumes: a consumer card's GDDR6/GDDR6X
 * (~450–1000 GB/s) against dual-channel DDR5 (~60–90 GB/s) is ~8–12×; 10 is the stated middle. Only
 * the ranking of placements depends on it, not which placements fit.
 */
export const GPU_TO_HOST_BANDWIDTH_RATIO = 10;

export interface DecodeCost {
  /** Weight bytes one generated token reads from GPU memory (all dense tensors, top-k of n experts). */
  gpuBytesPerToken: number;
  /** The same from host memory: the active experts of the `--n-cpu-moe` layers. */
  hostBytesPerToken: number;
  /**
   * Time per generated token relative to the same GGUF all on the GPU, under the stated model:
   * decoding is memory-bound, each byte costs 1/B where it lives, B_gpu = 10 × B_host. 1 = no slowdown.
   */
  relativeTime: number;
}

// the tensors --n-cpu-moe moves (the planner's rule), with the layer index captured
const EXPERT_TENSOR = new RegExp(`^blk\\.(\\d+)\\.${LLM_FFN_EXPS_REGEX}`);

/**
 * Decode speed is a model here, not a measurement: what fit uses to rank placements (experts on the
 * CPU cost speed, never quality). Per token every dense weight is read once and each MoE layer reads
 * its top-k of n experts; the token embedding reads one row (negligible, left out).
 */
export function estimateDecodeCost(params: { tensors: readonly VramPlanTensor[]; nExperts: number; nExpertsUsed: number; cpuMoeLayers: number }): DecodeCost {
  let gpu = 0;
  let host = 0;
  for (const t of params.tensors) {
    if (t.name.startsWith("token_embd.")) continue;
    const bytes = ggmlTensorBytes(t.type, t.shape);
    const expert = EXPERT_TENSOR.exec(t.name);
    if (!expert) {
      gpu += bytes;
      continue;
    }
    const active = (bytes * params.nExpertsUsed) / params.nExperts;
    if (Number(expert[1]) < params.cpuMoeLayers) host += active;
    else gpu += active;
  }
  const total = gpu + host;
  return { gpuBytesPerToken: gpu, hostBytesPerToken: host, relativeTime: total > 0 ? (gpu + GPU_TO_HOST_BANDWIDTH_RATIO * host) / total : 1 };
}
