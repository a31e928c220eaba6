import { renderVramMarkdown } from "./renderVramMarkdown.js";
import type { VramReport } from "./types.js";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * A self-contained HTML page: memory over time per GPU (and in total) as an SVG line chart with the
 * phases as shaded bands, then the Markdown table as preformatted text. No script, no external assets.
 */
export function renderVramHtml(report: VramReport): string {
  const width = 1000;
  const height = 420;
  const left = 70;
  const right = 20;
  const top = 40;
  const bottom = 50;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const tMax = Math.max(1, ...report.trace.tMs.map((ts) => ts[ts.length - 1] ?? 0));
  const totals = totalSeries(report);
  const yMax = Math.max(1, ...report.trace.usedMiB.flat(), ...totals.map((p) => p.v), ...report.gpus.map((g) => g.totalMiB)) * 1.05;
  const x = (t: number) => left + (t / tMax) * plotW;
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  report.phases.forEach((p, i) => {
    const x0 = x(Math.max(0, p.startMs - report.trace.t0));
    const x1 = x(Math.min(tMax, p.startMs + p.durationMs - report.trace.t0));
    parts.push(`<rect x="${x0.toFixed(1)}" y="${top}" width="${Math.max(0.5, x1 - x0).toFixed(1)}" height="${plotH}" fill="${i % 2 ? "#f2f2f2" : "#e6eef7"}"><title>${escapeHtml(p.label)}</title></rect>`);
    parts.push(`<text x="${((x0 + x1) / 2).toFixed(1)}" y="${top - 6}" font-size="9" text-anchor="middle" transform="rotate(-20 ${((x0 + x1) / 2).toFixed(1)} ${top - 6})">${escapeHtml(p.name)}</text>`);
  });
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ccc" stroke-width="0.5"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(v) + 3).toFixed(1)}" font-size="10" text-anchor="end">${Math.round(v).toLocaleString("en-US")}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const t = (tMax / 5) * i;
    parts.push(`<text x="${x(t).toFixed(1)}" y="${top + plotH + 16}" font-size="10" text-anchor="middle">${(t / 1000).toFixed(1)} s</text>`);
  }
  const line = (pts: Array<{ t: number; v: number }>, color: string, dash = "") =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ""} points="${pts.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ")}"/>`;
  report.trace.gpus.forEach((_g, i) => {
    parts.push(line(report.trace.tMs[i].map((t, j) => ({ t, v: report.trace.usedMiB[i][j] })), COLORS[i % COLORS.length]));
  });
  if (report.trace.gpus.length > 1) parts.push(line(totals, "#000", "4 3"));
  const legend = [...report.trace.gpus.map((g, i) => [`GPU${g}`, COLORS[i % COLORS.length]]), ...(report.trace.gpus.length > 1 ? [["total", "#000"]] : [])];
  legend.forEach(([name, color], i) => {
    parts.push(`<rect x="${left + 10 + i * 80}" y="${height - 18}" width="12" height="3" fill="${color}"/><text x="${left + 26 + i * 80}" y="${height - 13}" font-size="11">${name}</text>`);
  });
  parts.push(`<text x="14" y="${top + plotH / 2}" font-size="11" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">memory.used (MiB)</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join("")}</svg>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>VRAM: ${escapeHtml(report.model.name)}</title></head><body style="font-family:sans-serif;max-width:1040px;margin:auto">
<h1>VRAM: ${escapeHtml(report.model.name)}</h1>
${svg}
<pre>${escapeHtml(renderVramMarkdown(report))}</pre>
</body></html>
`;
}

function totalSeries(report: VramReport): Array<{ t: number; v: number }> {
  if (report.trace.gpus.length < 2) return [];
  const points: Array<{ t: number; g: number; v: number }> = [];
  report.trace.gpus.forEach((_, i) => { report.trace.tMs[i].forEach((t, j) => { points.push({ t, g: i, v: report.trace.usedMiB[i][j] }); }); });
  points.sort((a, b) => a.t - b.t);
  const latest = new Map<number, number>();
  const out: Array<{ t: number; v: number }> = [];
  for (const p of points) {
    latest.set(p.g, p.v);
    if (p.g === 0 && latest.size === report.trace.gpus.length) out.push({ t: p.t, v: [...latest.values()].reduce((a, b) => a + b, 0) });
  }
  return out;
}
