import { escapeHtml } from "../util/escapeHtml.js";
import { estimateTextWidth } from "../util/estimateTextWidth.js";
import { niceTicks } from "../util/niceTicks.js";
import { totalMemorySeries } from "./summarizeVramTrace.js";
import type { GpuMemorySample, VramReport } from "./types.js";

/**
 * One look per GPU: colour and dash both differ, so two GPUs holding nearly the same memory (a layer
 * split puts half the model on each) stay two lines, and the chart still reads in grey print.
 */
const GPU_STYLES = [
  { color: "#1f77b4", dash: "", width: 2.5 },
  { color: "#e6550d", dash: "7 4", width: 2 },
  { color: "#2ca02c", dash: "2 3", width: 2 },
  { color: "#9467bd", dash: "10 3 2 3", width: 2 },
  { color: "#8c564b", dash: "4 2", width: 2 },
  { color: "#e377c2", dash: "1 2", width: 2 },
  { color: "#7f7f7f", dash: "12 4", width: 2 },
  { color: "#bcbd22", dash: "6 2 1 2", width: 2 },
];
const TOTAL_STYLE = { color: "#222", dash: "", width: 1.25 };
const CARD_STYLE = { color: "#c00", dash: "6 3", width: 1.25 };

const WIDTH = 1000;
const LEFT = 78;
const RIGHT = 20;
const PLOT_HEIGHT = 300;
const FONT = 11;
const LABEL_ROW = 16;
/** A card line is drawn on the chart when the data reaches this share of the card; else it is noted. */
const CARD_ON_SCALE_SHARE = 0.6;

const mib = (v: number) => Math.round(v).toLocaleString("en-US");
const f = (v: number) => v.toFixed(1);
const textWidth = (text: string, size = FONT) => estimateTextWidth(text, size);

/**
 * The VRAM trace as an SVG figure: memory.used per GPU (and their sum) over time, the workload's
 * phases as shaded bands named above the plot, a y axis scaled to the memory actually used (a 12 GB
 * model on a 141 GB card would otherwise be a flat line at the bottom) with the card's total drawn as
 * a line when it is near the data and stated in words when it is far above it.
 */
export function renderVramChartSvg(report: VramReport): string {
  const { trace } = report;
  const series = trace.gpus.map((gpu, i) => ({
    name: `GPU${gpu}`,
    caption: `GPU${gpu}${report.gpus[i] ? ` · ${report.gpus[i].name}` : ""}`,
    style: GPU_STYLES[i % GPU_STYLES.length],
    points: trace.tMs[i].map((t, j) => ({ t, v: trace.usedMiB[i][j] })),
  }));
  if (trace.gpus.length > 1) {
    // in time order, as totalMemorySeries pairs each GPU's reading with the others' latest
    const samples: GpuMemorySample[] = trace.gpus
      .flatMap((gpu, i) => trace.tMs[i].map((t, j) => ({ t, gpu, usedMiB: trace.usedMiB[i][j], totalMiB: 0 })))
      .sort((a, b) => a.t - b.t);
    const total = totalMemorySeries(samples, trace.gpus).map((s) => ({ t: s.t, v: s.usedMiB }));
    // drawn first, under the GPUs' lines
    series.unshift({ name: "total", caption: "total (all GPUs)", style: TOTAL_STYLE, points: total });
  }
  const tMax = Math.max(1, ...trace.tMs.map((ts) => ts[ts.length - 1] ?? 0), ...report.phases.map((p) => p.startMs + p.durationMs - trace.t0));
  const dataMax = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.v)));
  const cardTotals = [...new Set(report.gpus.map((g) => g.totalMiB))].sort((a, b) => a - b);
  const cardsOnScale = cardTotals.filter((total) => dataMax >= CARD_ON_SCALE_SHARE * total);
  const cardsOffScale = cardTotals.filter((total) => dataMax < CARD_ON_SCALE_SHARE * total);
  // 2% headroom so the highest reading does not run along the frame
  const yTicks = niceTicks({ max: Math.max(dataMax, ...cardsOnScale) * 1.02 });

  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (t: number) => LEFT + (Math.min(Math.max(t, 0), tMax) / tMax) * plotWidth;
  const labels = layoutPhaseLabels({
    phases: report.phases.map((p) => ({ name: p.name, x0: x(p.startMs - trace.t0), x1: x(p.startMs + p.durationMs - trace.t0) })),
    minX: LEFT,
    maxX: LEFT + plotWidth,
  });
  const rows = Math.max(1, ...labels.map((l) => l.row + 1));
  const top = 8 + rows * LABEL_ROW + 10;
  const bottom = top + PLOT_HEIGHT;
  const y = (v: number) => bottom - (v / yTicks.top) * PLOT_HEIGHT;
  // GPUs first, then their sum and the card; wrapped onto more lines where eight GPUs need them
  const legendItems = [...series.filter((s) => s.name !== "total"), ...series.filter((s) => s.name === "total")].map((s) => ({ name: s.name, caption: s.caption, style: s.style }));
  if (cardsOnScale.length > 0) legendItems.push({ name: "card total", caption: "card total", style: CARD_STYLE });
  const legend: Array<(typeof legendItems)[number] & { x: number; line: number }> = [];
  let legendX = LEFT;
  let legendLine = 0;
  for (const item of legendItems) {
    const itemWidth = 34 + textWidth(item.caption, FONT + 1);
    if (legendX > LEFT && legendX + itemWidth > WIDTH - RIGHT) [legendX, legendLine] = [LEFT, legendLine + 1];
    legend.push({ ...item, x: legendX, line: legendLine });
    legendX += itemWidth + 24;
  }
  const legendBottom = bottom + 60 + legendLine * 20;
  const height = legendBottom + 10 + 22 * cardsOffScale.length;

  const parts: string[] = [];
  report.phases.forEach((p, i) => {
    const x0 = x(p.startMs - trace.t0);
    const x1 = x(p.startMs + p.durationMs - trace.t0);
    const tip = `${p.label}: ${(p.durationMs / 1000).toFixed(1)} s`;
    parts.push(`<rect class="phase-band" x="${f(x0)}" y="${top}" width="${f(Math.max(0.5, x1 - x0))}" height="${PLOT_HEIGHT}" fill="${i % 2 ? "#f4f4f4" : "#e8eff8"}"><title>${escapeHtml(tip)}</title></rect>`);
  });
  for (const label of labels) {
    const baseline = top - 14 - label.row * LABEL_ROW;
    // rows above the first reach the plot by a leader; the labels' white halo keeps text readable where one passes behind
    parts.push(`<line x1="${f(label.anchor)}" x2="${f(label.anchor)}" y1="${f(baseline + 3)}" y2="${top}" stroke="#999" stroke-width="0.75"/>`);
  }
  for (const label of labels) {
    const baseline = top - 14 - label.row * LABEL_ROW;
    parts.push(
      `<text class="phase-label" x="${f(label.left)}" y="${f(baseline)}" font-size="${FONT}" paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round">${escapeHtml(label.name)}<title>${escapeHtml(report.phases[label.index].label)}</title></text>`,
    );
  }
  parts.push(`<g class="axis" data-axis="y">`);
  for (const v of yTicks.ticks) {
    parts.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#bbb" stroke-width="0.5"/>`);
    parts.push(`<text class="tick" data-value="${v}" x="${LEFT - 6}" y="${f(y(v) + 4)}" font-size="${FONT}" text-anchor="end">${mib(v)}</text>`);
  }
  parts.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${top}" y2="${bottom}" stroke="#333"/>`);
  parts.push(`<text x="16" y="${f(top + PLOT_HEIGHT / 2)}" font-size="${FONT + 1}" text-anchor="middle" transform="rotate(-90 16 ${f(top + PLOT_HEIGHT / 2)})">memory.used (MiB)</text></g>`);
  const xStep = niceTicks({ max: tMax / 1000, maxTicks: 12 }).step;
  parts.push(`<g class="axis" data-axis="x"><line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  for (let i = 0; i * xStep <= tMax / 1000 + 1e-9; i++) {
    const s = Number((i * xStep).toPrecision(12));
    parts.push(`<line x1="${f(x(s * 1000))}" x2="${f(x(s * 1000))}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/>`);
    parts.push(`<text class="tick" data-value="${s}" x="${f(x(s * 1000))}" y="${bottom + 17}" font-size="${FONT}" text-anchor="middle">${s} s</text>`);
  }
  parts.push(`<text x="${f(LEFT + plotWidth / 2)}" y="${bottom + 36}" font-size="${FONT + 1}" text-anchor="middle">time since the first sample (s)</text></g>`);

  for (const total of cardsOnScale) {
    parts.push(
      `<g data-role="card-total" data-value="${total}"><line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${f(y(total))}" y2="${f(y(total))}" stroke="${CARD_STYLE.color}" stroke-width="${CARD_STYLE.width}" stroke-dasharray="${CARD_STYLE.dash}"/>` +
        `<text x="${LEFT + plotWidth - 4}" y="${f(y(total) - 4)}" font-size="${FONT}" text-anchor="end" fill="${CARD_STYLE.color}" paint-order="stroke" stroke="#fff" stroke-width="3">card total ${mib(total)} MiB</text></g>`,
    );
  }
  // under the legend, where it cannot sit on a line of the plot
  cardsOffScale.forEach((total, i) => {
    const note = `Card total: ${mib(total)} MiB per GPU, above this scale (the highest reading is ${((dataMax / total) * 100).toFixed(1)}% of it).`;
    parts.push(`<text data-role="card-total" data-value="${total}" x="${LEFT}" y="${legendBottom + 24 + i * 16}" font-size="${FONT + 1}" fill="${CARD_STYLE.color}">${escapeHtml(note)}</text>`);
  });

  for (const s of series) {
    const points = s.points.map((p) => `${f(x(p.t))},${f(y(p.v))}`).join(" ");
    parts.push(
      `<polyline data-series="${escapeHtml(s.name)}" fill="none" stroke="${s.style.color}" stroke-width="${s.style.width}"${s.style.dash ? ` stroke-dasharray="${s.style.dash}"` : ""} stroke-linejoin="round" points="${points}"/>`,
    );
  }

  for (const item of legend) {
    const ly = bottom + 60 + item.line * 20;
    parts.push(
      `<g data-legend="${escapeHtml(item.name)}"><line x1="${f(item.x)}" x2="${f(item.x + 28)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${item.style.color}" stroke-width="${item.style.width}"${item.style.dash ? ` stroke-dasharray="${item.style.dash}"` : ""}/>` +
        `<text x="${f(item.x + 34)}" y="${ly}" font-size="${FONT + 1}">${escapeHtml(item.caption)}</text></g>`,
    );
  }

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" data-chart="vram" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="system-ui, sans-serif" role="img" aria-label="GPU memory over time">` +
    `${parts.join("")}</svg>`
  );
}

interface PlacedLabel {
  index: number;
  name: string;
  /** Where the label's leader meets the plot: the middle of its phase. */
  anchor: number;
  left: number;
  /** 0 is the row nearest the plot. */
  row: number;
}

/**
 * Phase names side by side above the plot, each centred on its phase where it fits and moved inwards at
 * the edges; a name that would touch the previous one in a row goes up a row. Short phases (a 0.4 s
 * request in a 15 s trace) get a row of their own instead of a name written over their neighbour's.
 */
function layoutPhaseLabels(params: { phases: Array<{ name: string; x0: number; x1: number }>; minX: number; maxX: number }): PlacedLabel[] {
  const gap = 8;
  const rowEnds: number[] = [];
  return params.phases.map((phase, index) => {
    const width = textWidth(phase.name);
    const anchor = (phase.x0 + phase.x1) / 2;
    const left = Math.max(params.minX, Math.min(params.maxX - width, anchor - width / 2));
    let row = rowEnds.findIndex((end) => end + gap <= left);
    if (row < 0) row = rowEnds.push(-Infinity) - 1;
    rowEnds[row] = left + width;
    return { index, name: phase.name, anchor, left, row };
  });
}
