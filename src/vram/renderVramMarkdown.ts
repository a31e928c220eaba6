import type { VramReport } from "./types.js";

const mib = (v: number) => Math.round(v).toLocaleString("en-US");

/**
 * The measurement as Markdown: one table of phase × GPU (steady / peak MiB, as nvidia-smi reports
 * memory.used) with latency and generation speed, then llama.cpp's own buffer breakdown when the
 * runtime printed it. The model card (publish stage) embeds this.
 */
export function renderVramMarkdown(report: VramReport, options: { heading?: string } = {}): string {
  const gpuHeads = report.gpus.map((g) => `GPU${g.index}`);
  const multi = report.gpus.length > 1;
  const lines: string[] = [];
  if (options.heading !== undefined) lines.push(options.heading, "");
  const gpuNames = [...new Set(report.gpus.map((g) => `${g.name} (${mib(g.totalMiB)} MiB)`))].join(", ");
  lines.push(
    `${report.model.name} on ${report.gpus.length} × ${gpuNames}, ${report.runtime.version}` +
      `${report.runtime.command ? ` (\`${report.runtime.command.replace(/`/g, "'")}\`)` : ""}; ` +
      `context ${report.settings.ctx}, ${report.settings.parallel} sequences, layer split. ` +
      `Memory in MiB as nvidia-smi reports it (memory.used, sampled every ${report.sampling.intervalMs} ms, ${report.sampling.achievedHz} Hz achieved): steady / peak.`,
    "",
  );
  const head = ["phase", ...gpuHeads, ...(multi ? ["total"] : []), "latency", "tokens/s"];
  lines.push(`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const p of report.phases) {
    const cells = p.gpus.map((g) => `${mib(g.steadyMiB)} / ${mib(g.peakMiB)}`);
    if (multi) cells.push(`${mib(p.total.steadyMiB)} / ${mib(p.total.peakMiB)}`);
    const w = p.workload;
    const latency = w ? `${(w.meanLatencyMs / 1000).toFixed(2)} s` : p.durationMs ? `${(p.durationMs / 1000).toFixed(1)} s` : "";
    const speed = w ? `${w.generatedTokensPerSecond.toFixed(1)}${w.promptTokensPerSecond ? ` (prompt ${Math.round(w.promptTokensPerSecond)})` : ""}` : "";
    lines.push(`| ${p.label} | ${cells.join(" | ")} | ${latency} | ${speed} |`);
  }
  lines.push("");
  lines.push("Latency: mean per request (workload phases) or the phase's duration (loading). tokens/s: generated tokens over the phase's wall time, all sequences together; prompt tokens/s from the runtime's timings.");
  const gpuBuffers = report.breakdown.filter((b) => /^(CUDA\d+|ROCm\d+|Vulkan\d+)$/.test(b.device));
  if (report.breakdown.length > 0) {
    lines.push("", "llama.cpp's own accounting (MiB):", "", "| device | model | KV cache | compute | output |", "|---|---:|---:|---:|---:|");
    for (const b of report.breakdown) lines.push(`| ${b.device} | ${b.modelMiB.toFixed(1)} | ${b.kvMiB.toFixed(1)} | ${b.computeMiB.toFixed(1)} | ${b.outputMiB.toFixed(1)} |`);
    if (gpuBuffers.length > 0) {
      const sum = gpuBuffers.reduce((s, b) => s + b.modelMiB + b.kvMiB + b.computeMiB + b.outputMiB, 0);
      const steady = report.phases.find((p) => p.name === "context-created");
      if (steady) {
        const overhead = steady.total.steadyMiB - report.baselineMiB.reduce((a, b) => a + b, 0) - sum;
        lines.push("", `GPU buffers together: ${mib(sum)} MiB; the rest of the memory the runtime holds after creating its context (CUDA context, kernels, cuBLAS, memory pool): ${mib(overhead)} MiB.`);
      }
    }
  }
  if (report.warnings.length > 0) lines.push("", ...report.warnings.map((w) => `> warning: ${w}`));
  return `${lines.join("\n")}\n`;
}
