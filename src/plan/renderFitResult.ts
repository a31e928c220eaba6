import { describeFitCandidate } from "./describeFitCandidate.js";
import type { FitCandidate, FitResult } from "./fitVariants.js";

const mib = (x: number) => Math.round(x).toLocaleString("en-US");
const kl = (c: FitCandidate) => (c.quality.complete ? c.quality.meanKl.toExponential(2) : `≥ ${c.quality.meanKl.toExponential(2)} (part not measured)`);

/** The answer in words and one Markdown table: the pick, its command line, the runners-up, what did not fit. */
export function renderFitResult(params: { result: FitResult; top: number; gpuSpec: string; buildHint?: string }): string {
  const { result, top } = params;
  const r = result.request;
  const lines: string[] = [];
  const ram = r.ramMiB !== undefined ? `, ${mib(r.ramMiB)} MiB host RAM` : "";
  lines.push(`${result.model} on ${params.gpuSpec}${ram}: ${r.ctx.toLocaleString("en-US")} tokens of context × ${r.parallel} sequence${r.parallel > 1 ? "s" : ""}, prefer ${r.prefer}.`);
  lines.push(`${result.ranked.length} of ${result.ranked.length + result.rejected.length} variants fit (${result.considered} placements planned).`, "");
  const best = result.ranked[0];
  if (!best) {
    const c = result.closest;
    lines.push("Nothing fits.");
    if (c) lines.push(`Closest: ${describeFitCandidate(c)} — ${c.reason}.`);
    lines.push("Fewer tokens of context, fewer parallel sequences, a bigger card or more GPUs would change that.");
    return `${lines.join("\n")}\n`;
  }
  lines.push(`Best: ${describeFitCandidate(best)}`, `  why: ${best.reason}`, `  run: ${best.commandLine}`);
  if (params.buildHint) lines.push(`  build: ${params.buildHint}`);
  lines.push(
    "",
    "| # | variant | experts on CPU | GPU MiB (per GPU) | host RAM MiB | decode time vs all-GPU (model) | quality cost: mean KL vs BF16 (fixture, measured) |",
    "|---:|---|---:|---|---:|---:|---|",
  );
  for (const [i, c] of result.ranked.slice(0, top).entries()) {
    const variant = `${c.quantType}${c.experts === "requant" ? " (experts requant)" : ""}${c.expertShare < 1 ? `, ${c.nExperts} experts` : ""}, KV ${c.kvCacheType}`;
    lines.push(`| ${i + 1} | ${variant} | ${c.cpuMoeLayers} | ${c.plan.gpus.map((g) => mib(g.totalMiB)).join(" + ")} | ${mib(c.plan.host.requiredMiB)} | ${c.decode.relativeTime.toFixed(2)}× | ${kl(c)} |`);
  }
  const better = result.rejected.filter((c) => c.quality.complete && c.quality.meanKl < best.quality.meanKl).slice(0, 3);
  if (better.length) {
    lines.push("", "Better quality that does not fit:");
    for (const c of better) lines.push(`- ${describeFitCandidate(c)}: ${c.reason}`);
  }
  lines.push(
    "",
    "Quality costs are measured on the 21M-parameter fixture (docs/quality.md, \"Cost of each knob\") and added across knobs; " +
      "the full-size costs are not measured. Decode time is a stated model (memory-bound, GPU bandwidth 10× host), not a measurement.",
  );
  return `${lines.join("\n")}\n`;
}
