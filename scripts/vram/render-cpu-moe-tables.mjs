#!/usr/bin/env node
// docs/vram.md's "Experts in host memory: measured" tables from docs/vram-measured/cpu-moe/<run>/vram.json
// (scripts/vram/device-run-cpu-moe.sh): per run, llama.cpp's own buffers next to the planner's figures for
// the same settings, and nvidia-smi's steady level next to the planner's total. Run after
// `npx tsc -p tsconfig.json`: node scripts/vram/render-cpu-moe-tables.mjs
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
const root = new URL("../..", import.meta.url).pathname;
const dist = (p) => import(join(root, "dist/src", p));
const { planVram } = await dist("vram/planVram.js");
const { planInputsForChoice } = await dist("plan/planInputsForChoice.js");
const { loadModelShapes } = await dist("plan/loadModelShapes.js");
const { planSyntheticCheckpoint } = await dist("synth/planSyntheticCheckpoint.js");

const dir = join(root, "docs", "vram-measured", "cpu-moe");
const runs = readdirSync(dir).filter((d) => existsSync(join(dir, d, "vram.json")));
const choice = { quantize: { type: "Q5_K_M", experts: "keep" } };
const inputs20 = planInputsForChoice({ shapes: await loadModelShapes({ model: "gpt-oss-20b" }), choice });
// the 4-layer gpt-oss-120b of `synth --preset gpt-oss-120b --layers 4`
const s120 = planSyntheticCheckpoint({ preset: "gpt-oss-120b", layers: 4 });
const shapes120 = { name: "gpt-oss-120b (4 layers)", hp: s120.preset.hp, tensors: s120.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, file: s120.weightMap[t.name] })) };
const inputs120 = planInputsForChoice({ shapes: shapes120, choice });

const f = (v, digits = 2) => (v === undefined ? "–" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const order = (d) => [d.startsWith("120b") ? 1 : 0, Number(/-n(\d+)/.exec(d)?.[1] ?? 0), Number(/-c(\d+)/.exec(d)?.[1] ?? 0), d];
runs.sort((a, b) => { const x = order(a), y = order(b); for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1; return 0; });

const buffers = ["| run | CUDA0 model | CUDA0 KV | CUDA0 compute | host model | CUDA_Host compute | CUDA_Host output |", "|---|---:|---:|---:|---:|---:|---:|"];
const totals = ["| run | llama-server flags | plan / measured GPU0 MiB (error) | server RSS: loading peak / serving (anon + file) | plan: host weights / required / mapped | decode tokens/s (1 sequence) |", "|---|---|---:|---:|---:|---:|"];
for (const d of runs) {
  const r = JSON.parse(readFileSync(join(dir, d, "vram.json"), "utf8"));
  const s = r.settings;
  const inputs = d.startsWith("120b") ? inputs120 : inputs20;
  const plan = planVram({
    ...inputs,
    gpus: r.gpus.map((g) => ({ label: g.name, memoryMiB: g.totalMiB })),
    ctx: s.ctx,
    parallel: s.parallel,
    cpuMoeLayers: s.cpuMoeLayers ?? 0,
    cacheTypeK: s.cacheTypeK ?? "f16",
    cacheTypeV: s.cacheTypeV ?? "f16",
    mmap: s.mmap ?? true,
  });
  const b = Object.fromEntries(r.breakdown.map((x) => [x.device, x]));
  const g = plan.gpus[0];
  const hostModel = b.CPU_Mapped?.modelMiB ?? b.CUDA_Host?.modelMiB;
  const both = (plan, measured) => `${f(plan)} / ${f(measured)}`;
  buffers.push(`| ${d} | ${both(g.weightsMiB, b.CUDA0?.modelMiB)} | ${both(g.kvMiB, b.CUDA0?.kvMiB)} | ${both(g.computeMiB, b.CUDA0?.computeMiB)} | ${both(plan.host.modelBuffer.MiB, hostModel)} (${plan.host.modelBuffer.name}) | ${both(plan.host.computeMiB, b.CUDA_Host?.computeMiB)} | ${both(plan.host.outputMiB, b.CUDA_Host?.outputMiB)} |`);
  const work = r.phases.filter((p) => p.workload);
  const measured = Math.max(...work.map((p) => p.gpus[0].steadyMiB)) - r.baselineMiB[0];
  const rssFile = join(dir, `${d}.rss`);
  let rss = "–";
  if (existsSync(rssFile)) {
    const kb = (line, key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(line)?.[1] ?? 0) / 1024;
    const lines = readFileSync(rssFile, "utf8").split("\n").filter(Boolean);
    const peak = Math.max(0, ...lines.map((l) => kb(l, "VmRSS")));
    const last = lines[lines.length - 1] ?? "";
    rss = `${f(peak, 0)} / ${f(kb(last, "VmRSS"), 0)} (${f(kb(last, "RssAnon"), 0)} + ${f(kb(last, "RssFile"), 0)})`;
  }
  const single = r.phases.find((p) => p.name === "concurrent-1")?.workload?.generatedTokensPerSecond;
  const flags = (r.runtime.command ?? "").replace(/^.*?--no-webui -lv 4 ?/, "");
  totals.push(`| ${d} | ${flags ? `\`${flags}\`` : "–"} | ${Math.round(g.totalMiB).toLocaleString("en-US")} / ${measured.toLocaleString("en-US")} (${(((g.totalMiB - measured) / measured) * 100).toFixed(2)} %) | ${rss} | ${f(plan.host.weightsMiB, 0)} / ${f(plan.host.requiredMiB, 0)} / ${f(plan.host.modelBuffer.MiB, 0)} | ${single ?? "–"} |`);
}
console.log("llama.cpp's buffers (MiB), planned / reported:\n");
console.log(buffers.join("\n"));
console.log(`\nWhole GPU (nvidia-smi, steady while serving, baseline subtracted; ${runs.length ? JSON.parse(readFileSync(join(dir, runs[0], "vram.json"), "utf8")).gpus[0].name : ""}) and host (MiB):\n`);
console.log(totals.join("\n"));
