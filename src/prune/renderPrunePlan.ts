/** The plan as the user reads it: counts, the parameter table before and after, and the plain notes. */
import { formatParameterCount } from "./formatParameterCount.js";
import type { PrunePlan } from "./planPruning.js";

const ROWS = [
  ["embeddings", "embeddings (embed_tokens)"],
  ["output", "output (lm_head)"],
  ["attention", "attention (q, k, v, o, sinks)"],
  ["router", "router"],
  ["experts", "experts"],
  ["norms", "norms"],
  ["total", "total"],
] as const;

export function renderPrunePlan(plan: PrunePlan): string {
  const { original: o, pruned: p, before, after } = plan;
  const arrow = (a: number, b: number) => (a === b ? `${a} (unchanged)` : `${a} → ${b}`);
  const lines: string[] = [];
  lines.push(`query heads per layer: ${arrow(o.nHeads, p.nHeads)}; KV heads: ${arrow(o.nKvHeads, p.nKvHeads)}; query heads per KV group: ${arrow(o.headsPerKvGroup, p.headsPerKvGroup)}`);
  lines.push(`experts per layer: ${arrow(o.nExperts, p.nExperts)}; top-k: ${p.nExpertsUsed}${plan.expertsChosenBy === "target" ? " (expert count chosen for the target)" : ""}`);
  lines.push("");
  lines.push("| parameters | before | after | removed |");
  lines.push("|---|---:|---:|---:|");
  for (const [key, label] of ROWS) {
    const b = before[key];
    const a = after[key];
    const removed = b - a;
    const cell = (n: number) => `${n.toLocaleString("en-US")} (${formatParameterCount(n)})`;
    const pct = (100 * removed) / before.total;
    lines.push(`| ${label} | ${cell(b)} | ${cell(a)} | ${removed === 0 ? "0" : `${cell(removed)}, ${pct < 0.01 ? "<0.01" : pct.toFixed(2)}% of the model`} |`);
  }
  if (plan.alternatives.length > 1) {
    lines.push("");
    lines.push(`Expert counts around the target ${formatParameterCount(plan.targetParams!)}: ${plan.alternatives.map((a) => `${a.nExperts} → ${formatParameterCount(a.total)}`).join(", ")}.`);
  }
  if (plan.notes.length > 0) {
    lines.push("");
    for (const note of plan.notes) lines.push(note);
  }
  return `${lines.join("\n")}\n`;
}
