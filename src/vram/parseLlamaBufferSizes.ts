import type { LlamaBufferBreakdown, LlamaBufferLine } from "./types.js";

// load_tensors:        CUDA0 model buffer size = 11536.42 MiB
// llama_kv_cache:      CUDA0 KV buffer size =   384.00 MiB
// llama_context:       CUDA0 compute buffer size =   398.38 MiB
// llama_context:  CUDA_Host  output buffer size =     0.77 MiB
const BUFFER_LINE = /(\S+)\s+(model|KV|compute|output|RS) buffer size =\s*([\d.]+) MiB/;

/** llama.cpp's own buffer accounting from its log (llama-server's stderr, node-llama-cpp's logger). */
export function parseLlamaBufferLine(line: string): LlamaBufferLine | undefined {
  const m = BUFFER_LINE.exec(line);
  if (!m) return undefined;
  return { device: m[1], kind: m[2] as LlamaBufferLine["kind"], MiB: Number(m[3]) };
}

/**
 * Per device, the sum of each kind of buffer (the SWA and non-SWA KV caches are two lines; a model
 * buffer split in several pieces is several lines). Host buffers (CPU, CPU_Mapped, CUDA_Host) are kept:
 * they show what stays in RAM (gpt-oss's token embeddings always do).
 */
export function summarizeLlamaBuffers(lines: readonly LlamaBufferLine[]): LlamaBufferBreakdown[] {
  const byDevice = new Map<string, LlamaBufferBreakdown>();
  for (const l of lines) {
    let entry = byDevice.get(l.device);
    if (!entry) {
      entry = { device: l.device, modelMiB: 0, kvMiB: 0, computeMiB: 0, outputMiB: 0 };
      byDevice.set(l.device, entry);
    }
    if (l.kind === "model") entry.modelMiB += l.MiB;
    else if (l.kind === "KV" || l.kind === "RS") entry.kvMiB += l.MiB;
    else if (l.kind === "compute") entry.computeMiB += l.MiB;
    else entry.outputMiB += l.MiB;
  }
  const round = (v: number) => Math.round(v * 100) / 100;
  return [...byDevice.values()].map((e) => ({ device: e.device, modelMiB: round(e.modelMiB), kvMiB: round(e.kvMiB), computeMiB: round(e.computeMiB), outputMiB: round(e.outputMiB) }));
}
