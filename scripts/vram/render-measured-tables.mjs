#!/usr/bin/env node
// Print the Markdown of docs/vram.md's measured sections from docs/vram-measured/*/vram.json:
// per configuration the phase × GPU table, llama.cpp's buffers, and the planner against the
// measurement. Run after `npx tsc -p tsconfig.json`: node scripts/vram/render-measured-tables.mjs
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
const root = new URL("../..", import.meta.url).pathname;
const { renderVramMarkdown } = await import(join(root, "dist/src/vram/renderVramMarkdown.js"));
const { planVram } = await import(join(root, "dist/src/vram/planVram.js"));
const { resolvePlanInputs } = await import(join(root, "dist/src/plan/resolvePlanInputs.js"));
const dir = join(root, "docs", "vram-measured");
const configs = readdirSync(dir).filter((d) => /-ctx\d+-\dgpu$/.test(d));
// folder prefix → the variant measured: Q5_K_M-…, MXFP4_MOE-…, pruned-Q5_K_M-… (pruned-15b)
const KINDS = [
  { prefix: "pruned-Q5_K_M", variant: "pruned-15b", title: "Pruned-15b Q5_K_M (experts kept)", label: "pruned-15b Q5_K_M" },
  { prefix: "Q5_K_M", variant: "gguf-q5", title: "Q5_K_M (experts kept)", label: "Q5_K_M" },
  { prefix: "MXFP4_MOE", variant: "gguf-mxfp4", title: "MXFP4_MOE", label: "MXFP4_MOE" },
];
const kindOf = (d) => {
  const kind = KINDS.find((k) => d.startsWith(`${k.prefix}-`));
  if (!kind) throw new Error(`docs/vram-measured/${d}: unknown variant prefix (expected ${KINDS.map((k) => k.prefix).join(", ")})`);
  return kind;
};
const order = (d) => [d.includes("2gpu") ? 1 : 0, KINDS.indexOf(kindOf(d)), Number(/ctx(\d+)/.exec(d)[1])];
configs.sort((a, b) => { const x = order(a), y = order(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
const out = [];
const comparison = [];
for (const d of configs) {
  const r = JSON.parse(readFileSync(join(dir, d, "vram.json"), "utf8"));
  const n = r.gpus.length;
  out.push(`### ${kindOf(d).title}, context ${r.settings.ctx}, ${n} GPU${n > 1 ? "s" : ""}`, "", renderVramMarkdown(r).replace(/^.*\n\n/, ""), "");
  const inputs = await resolvePlanInputs({ model: "gpt-oss-20b", variant: kindOf(d).variant });
  const plan = planVram({ model: inputs.model, tensors: inputs.tensors, gpus: r.gpus.map((g) => ({ label: g.name, memoryMiB: g.totalMiB })), ctx: r.settings.ctx, parallel: r.settings.parallel });
  const work = r.phases.filter((p) => p.workload);
  const measured = r.gpus.map((_, i) => Math.max(...work.map((p) => p.gpus[i].steadyMiB)) - r.baselineMiB[i]);
  const total = measured.reduce((a, b) => a + b, 0);
  const err = (p, m) => `${(((p - m) / m) * 100).toFixed(2)} %`;
  comparison.push([
    kindOf(d).label, r.settings.ctx, n,
    plan.gpus.map((g, i) => `${Math.round(g.totalMiB).toLocaleString("en-US")} / ${measured[i].toLocaleString("en-US")} (${err(g.totalMiB, measured[i])})`).join("; "),
    `${Math.round(plan.totalMiB).toLocaleString("en-US")} / ${total.toLocaleString("en-US")}`,
    err(plan.totalMiB, total),
  ]);
}
console.log(out.join("\n"));
console.log("### Planner against the measurement\n");
console.log("| variant | ctx | GPUs | per GPU: plan / measured MiB (error) | total: plan / measured MiB | error |");
console.log("|---|---:|---:|---|---:|---:|");
for (const row of comparison) console.log(`| ${row.join(" | ")} |`);
