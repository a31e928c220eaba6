import type { FitCandidate } from "./fitVariants.js";

/** A fit candidate in words: type, expert policy, experts kept, KV type, placement. */
export function describeFitCandidate(c: FitCandidate): string {
  const experts = c.experts === "keep" ? "MXFP4 experts" : "experts requantized";
  const kept = c.expertShare === 1 ? "" : `, ${c.nExperts} experts kept (pruned by REAP)`;
  return `${c.quantType} (${experts}${kept}), KV ${c.kvCacheType}${c.cpuMoeLayers ? `, experts of ${c.cpuMoeLayers} layers on the CPU` : ", all on GPU"}`;
}
