import type { VramPlan } from "./planVram.js";

const mib = (v: number) => Math.round(v).toLocaleString("en-US");

/** The plan as a Markdown table: one row per GPU, the host memory, then the verdict. */
export function renderVramPlan(plan: VramPlan, description: string): string {
  const s = plan.settings;
  const kvType = s.cacheTypeK === s.cacheTypeV ? s.cacheTypeK : `${s.cacheTypeK} / ${s.cacheTypeV}`;
  const lines = [
    `${description}: context ${s.ctx}, ${s.parallel} sequence${s.parallel > 1 ? "s" : ""}, ${s.kvUnified ? "unified KV cache" : "a KV cache per sequence"} (${kvType}), ubatch ${s.ubatch}` +
      ` (KV cells: ${s.kvCells.full} full-attention, ${s.kvCells.sliding} sliding-window${s.kvCells.streams > 1 ? ` × ${s.kvCells.streams} sequences` : ""})${s.pipelineParallel ? ", pipeline parallelism" : ""}` +
      `${plan.host.expertLayers ? `, experts of layers ${plan.host.expertLayers[0]}–${plan.host.expertLayers[1]} on the CPU (--n-cpu-moe ${s.cpuMoeLayers})` : ""}.`,
    "",
    "| GPU | layers | weights | KV cache | compute | runtime | total | capacity | headroom |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const g of plan.gpus) {
    const layers = g.layers ? `${g.layers[0]}–${g.layers[1]}${g.outputLayer ? " + output" : ""}` : g.outputLayer ? "output" : "none";
    lines.push(`| GPU${g.gpu} (${g.label}) | ${layers} | ${mib(g.weightsMiB)} | ${mib(g.kvMiB)} | ${mib(g.computeMiB)} | ${mib(g.overheadMiB)} | **${mib(g.totalMiB)}** | ${mib(g.capacityMiB)} | ${mib(g.headroomMiB)}${g.fits ? "" : " ✗"} |`);
  }
  const h = plan.host;
  lines.push(
    "",
    h.expertLayers
      ? `MiB. Host memory: ${mib(h.weightsMiB)} MiB of weights (token embeddings ${mib(h.tokenEmbeddingsMiB)}, experts ${mib(h.expertsMiB)}), ` +
          `${mib(h.computeMiB + h.outputMiB)} MiB of buffers: ${mib(h.requiredMiB)} MiB in all; llama.cpp reports a ${h.modelBuffer.name} model buffer of ${mib(h.modelBuffer.MiB)} MiB` +
          `${h.modelBuffer.name === "CPU_Mapped" ? " (the mapped span of the file)" : " (pinned)"}.`
      : `MiB. Token embeddings stay in host memory: ${mib(plan.hostWeightsMiB)} MiB.`,
  );
  const tightest = Math.min(...plan.gpus.map((g) => g.headroomMiB));
  lines.push(plan.fits ? `Fits, with ${mib(tightest)} MiB headroom on the fullest GPU.` : `Does not fit: ${mib(-tightest)} MiB short on the fullest GPU.`);
  return `${lines.join("\n")}\n`;
}
