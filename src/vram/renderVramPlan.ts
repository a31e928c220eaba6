import type { VramPlan } from "./planVram.js";

const mib = (v: number) => Math.round(v).toLocaleString("en-US");

/** The plan as a Markdown table: one row per GPU, then the verdict. */
export function renderVramPlan(plan: VramPlan, description: string): string {
  const s = plan.settings;
  const lines = [
    `${description}: context ${s.ctx}, ${s.parallel} sequence${s.parallel > 1 ? "s" : ""}, ${s.kvUnified ? "unified KV cache" : "a KV cache per sequence"}, ubatch ${s.ubatch}` +
      ` (KV cells: ${s.kvCells.full} full-attention, ${s.kvCells.sliding} sliding-window${s.kvCells.streams > 1 ? ` × ${s.kvCells.streams} sequences` : ""})${s.pipelineParallel ? ", pipeline parallelism" : ""}.`,
    "",
    "| GPU | layers | weights | KV cache | compute | runtime | total | capacity | headroom |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const g of plan.gpus) {
    const layers = g.layers ? `${g.layers[0]}–${g.layers[1]}${g.outputLayer ? " + output" : ""}` : g.outputLayer ? "output" : "none";
    lines.push(`| GPU${g.gpu} (${g.label}) | ${layers} | ${mib(g.weightsMiB)} | ${mib(g.kvMiB)} | ${mib(g.computeMiB)} | ${mib(g.overheadMiB)} | **${mib(g.totalMiB)}** | ${mib(g.capacityMiB)} | ${mib(g.headroomMiB)}${g.fits ? "" : " ✗"} |`);
  }
  lines.push("", `MiB. Token embeddings stay in host memory: ${mib(plan.hostWeightsMiB)} MiB.`);
  const tightest = Math.min(...plan.gpus.map((g) => g.headroomMiB));
  lines.push(plan.fits ? `Fits, with ${mib(tightest)} MiB headroom on the fullest GPU.` : `Does not fit: ${mib(-tightest)} MiB short on the fullest GPU.`);
  return `${lines.join("\n")}\n`;
}
