import type { KvCacheTypeName } from "./kvCacheTypes.js";

/**
 * The llama.cpp command-line flags (llama-server, llama-cli) that realise the placement choices the
 * planner models beyond the defaults: `--n-cpu-moe N` (experts of the first N layers in host memory),
 * `--cache-type-k/-v T` (KV cache type), `--no-mmap`. Defaults give no flag, so a command that already
 * works keeps its meaning.
 */
export function llamaPlacementFlags(params: { cpuMoeLayers?: number; cacheTypeK?: KvCacheTypeName; cacheTypeV?: KvCacheTypeName; mmap?: boolean }): string[] {
  const flags: string[] = [];
  if (params.cpuMoeLayers) flags.push("--n-cpu-moe", String(params.cpuMoeLayers));
  if (params.cacheTypeK && params.cacheTypeK !== "f16") flags.push("--cache-type-k", params.cacheTypeK);
  if (params.cacheTypeV && params.cacheTypeV !== "f16") flags.push("--cache-type-v", params.cacheTypeV);
  if (params.mmap === false) flags.push("--no-mmap");
  return flags;
}
