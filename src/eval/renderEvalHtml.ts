/**
 * eval.html: one self-contained page (no scripts, no external assets) with a chart of accuracy and
 * its 95% interval per variant, beside the mean KL from the baseline, and the Markdown tables.
 */
import type { EvalReport } from "./evalReport.js";
import { renderEvalMarkdown } from "./renderEvalMarkdown.js";

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

interface Bar {
  label: string;
  value: number;
  low?: number;
  high?: number;
}

function barChart(params: { title: string; bars: Bar[]; max: number; format: (x: number) => string; color: string }): string {
  const { bars, max, format } = params;
  const width = 420;
  const rowHeight = 34;
  const labelWidth = 170;
  const plot = width - labelWidth - 70;
  const height = 30 + bars.length * rowHeight;
  const x = (v: number) => labelWidth + (Math.max(0, Math.min(max, v)) / max) * plot;
  const rows = bars.map((bar, i) => {
    const y = 24 + i * rowHeight;
    const whisker =
      bar.low !== undefined && bar.high !== undefined
        ? `<line x1="${x(bar.low)}" x2="${x(bar.high)}" y1="${y + 10}" y2="${y + 10}" stroke="#222" stroke-width="1.5"/>` +
          `<line x1="${x(bar.low)}" x2="${x(bar.low)}" y1="${y + 4}" y2="${y + 16}" stroke="#222"/>` +
          `<line x1="${x(bar.high)}" x2="${x(bar.high)}" y1="${y + 4}" y2="${y + 16}" stroke="#222"/>`
        : "";
    return (
      `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end" font-size="12">${escapeHtml(bar.label)}</text>` +
      `<rect x="${labelWidth}" y="${y}" width="${Math.max(0, x(bar.value) - labelWidth)}" height="20" fill="${params.color}"/>` +
      whisker +
      `<text x="${x(Math.max(bar.value, bar.high ?? bar.value)) + 6}" y="${y + 14}" font-size="12">${escapeHtml(format(bar.value))}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(params.title)}">` +
    `<text x="0" y="14" font-size="13" font-weight="bold">${escapeHtml(params.title)}</text>${rows.join("")}</svg>`
  );
}

function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  let table: string[][] = [];
  const flush = () => {
    if (table.length === 0) return;
    const [head, , ...body] = table;
    out.push(
      `<table><thead><tr>${head.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>` +
        body.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("") +
        "</tbody></table>",
    );
    table = [];
  };
  for (const line of markdown.split("\n")) {
    if (line.startsWith("|")) {
      table.push(line.slice(1, -1).split("|").map((c) => c.trim()));
      continue;
    }
    flush();
    if (line.startsWith("# ")) out.push(`<h1>${escapeHtml(line.slice(2))}</h1>`);
    else if (line.startsWith("## ")) out.push(`<h2>${escapeHtml(line.slice(3))}</h2>`);
    else if (line.trim() !== "") out.push(`<p>${escapeHtml(line)}</p>`);
  }
  flush();
  return out.join("\n");
}

export function renderEvalHtml(report: EvalReport): string {
  const variants = [{ label: report.model.file, r: report.cmmlu }, ...(report.baseline ? [{ label: `${report.baseline.file} (baseline)`, r: report.baseline.cmmlu }] : [])];
  const accuracy = barChart({
    title: "CMMLU accuracy (question-weighted, 95% CI)",
    bars: variants.map((v) => ({ label: v.label, value: v.r.accuracy, low: v.r.accuracy_ci95[0], high: v.r.accuracy_ci95[1] })),
    max: 1,
    format: (x) => `${(x * 100).toFixed(1)}%`,
    color: "#4c78a8",
  });
  const charts = [accuracy];
  if (report.divergence) {
    const kl = [
      { label: report.model.file, value: report.divergence.kl.mean },
      { label: `${report.baseline!.file} (baseline)`, value: 0 },
    ];
    charts.push(
      barChart({
        title: "mean KL from the baseline (nats)",
        bars: kl,
        max: Math.max(1e-9, report.divergence.kl.mean) * 1.25,
        format: (x) => x.toExponential(2),
        color: "#f58518",
      }),
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation of ${escapeHtml(report.model.file)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}.charts{display:flex;gap:2em;flex-wrap:wrap}</style></head>
<body>
<div class="charts">${charts.join("\n")}</div>
${markdownToHtml(renderEvalMarkdown(report))}
</body></html>
`;
}
