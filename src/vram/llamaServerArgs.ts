import { llamaPlacementFlags } from "./llamaPlacementFlags.js";
import type { VramPlanSettings } from "./planVram.js";

/**
 * The llama-server arguments (after `-m model.gguf`) under which a plan holds: the settings the planner
 * assumed, spelled out so that nothing is left to llama.cpp's defaults that would change the memory —
 * every layer on the GPUs (`-ngl 999`, layer split), flash attention on, the context and sequences, the
 * unified KV cache (or not), the batch, and `-fit off` (llama.cpp's automatic fitting would otherwise
 * move layers and experts by its own measurements) — then the placement flags (--n-cpu-moe, KV cache
 * types, --no-mmap).
 */
export function llamaServerArgs(settings: Pick<VramPlanSettings, "ctx" | "parallel" | "kvUnified" | "ubatch" | "cpuMoeLayers" | "cacheTypeK" | "cacheTypeV" | "mmap" | "tensorSplit">): string[] {
  // llama-server's -c is the whole cache; without --kv-unified each of -np sequences gets c / np
  const ctx = settings.kvUnified ? settings.ctx : settings.ctx * settings.parallel;
  return [
    "-c", String(ctx),
    "-np", String(settings.parallel),
    ...(settings.kvUnified ? ["--kv-unified"] : ["--no-kv-unified"]),
    "-ngl", "999",
    "-fa", "on",
    "-ub", String(settings.ubatch),
    "-fit", "off",
    ...(settings.tensorSplit ? ["-ts", settings.tensorSplit.join(",")] : []),
    ...llamaPlacementFlags(settings),
  ];
}
