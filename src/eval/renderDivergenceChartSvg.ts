import { escapeHtml } from "../util/escapeHtml.js";
import type { DivergenceReport } from "./evalReport.js";

const WIDTH = 1000;
const LEFT = 120;
const RIGHT = 80;
const FONT = 12;
const ROW = 22;
const COLOR = "#f58518";

const f = (v: number) => v.toFixed(1);

/**
 * The distribution of KL(baseline ‖ model) over positions as points on a log axis: mean, median and the
 * upper percentiles. KL per position spans orders of magnitude (most positions ~1e-3, a few near 1), so a
 * linear axis or a lone mean would hide either the typical position or the tail.
 */
export function renderDivergenceChartSvg(params: { divergence: DivergenceReport; title: string }): string {
  const kl = params.divergence.kl;
  const all = [
    { label: "mean", value: kl.mean },
    { label: "median", value: kl.median },
    { label: "90th percentile", value: kl.p90 },
    { label: "95th percentile", value: kl.p95 },
    { label: "99th percentile", value: kl.p99 },
    { label: "99.9th percentile", value: kl.p99_9 },
    { label: "max", value: kl.max },
  ];
  // zero (identical distributions) has no place on a log axis: said under the chart instead
  const points = all.filter((p) => Number.isFinite(p.value) && p.value > 0);
  const zeros = all.filter((p) => !(p.value > 0)).map((p) => p.label);
  const lo = Math.floor(Math.log10(Math.min(1, ...points.map((p) => p.value))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(1e-300, ...points.map((p) => p.value)))));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (v: number) => LEFT + ((Math.log10(v) - lo) / (hi - lo)) * plotWidth;
  const top = 36;
  const bottom = top + Math.max(1, points.length) * ROW + 6;
  const height = bottom + (zeros.length > 0 ? 62 : 44);
  const parts: string[] = [`<text x="0" y="18" font-size="15" font-weight="bold">${escapeHtml(params.title)}</text>`];

  parts.push(`<g class="axis" data-axis="x">`);
  for (let e = lo; e <= hi; e++) {
    const label = e >= -4 && e <= 4 ? String(Number((10 ** e).toPrecision(1))) : `1e${e}`;
    parts.push(`<line x1="${f(x(10 ** e))}" x2="${f(x(10 ** e))}" y1="${top}" y2="${bottom}" stroke="#ddd"/>`);
    parts.push(`<line x1="${f(x(10 ** e))}" x2="${f(x(10 ** e))}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/>`);
    parts.push(`<text class="tick" data-value="${10 ** e}" x="${f(x(10 ** e))}" y="${bottom + 17}" font-size="${FONT - 1}" text-anchor="middle">${label}</text>`);
  }
  parts.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  parts.push(`<text x="${f(LEFT + plotWidth / 2)}" y="${bottom + 36}" font-size="${FONT}" text-anchor="middle">KL per position (nats, log scale)</text></g>`);

  parts.push(`<g class="axis" data-axis="y"><line x1="${LEFT}" x2="${LEFT}" y1="${top}" y2="${bottom}" stroke="#333"/>`);
  points.forEach((p, i) => {
    parts.push(`<text class="tick" x="${LEFT - 8}" y="${top + i * ROW + ROW / 2 + 4}" font-size="${FONT}" text-anchor="end">${escapeHtml(p.label)}</text>`);
  });
  parts.push("</g>");
  points.forEach((p, i) => {
    const cy = top + i * ROW + ROW / 2;
    parts.push(`<line x1="${LEFT}" x2="${f(x(p.value))}" y1="${cy}" y2="${cy}" stroke="${COLOR}" stroke-opacity="0.35" stroke-width="2"/>`);
    parts.push(`<circle cx="${f(x(p.value))}" cy="${cy}" r="5" fill="${COLOR}"><title>${escapeHtml(`${p.label}: ${p.value.toExponential(3)} nats`)}</title></circle>`);
    parts.push(`<text x="${f(x(p.value) + 9)}" y="${cy + 4}" font-size="${FONT - 1}">${p.value.toExponential(2)}</text>`);
  });
  if (zeros.length > 0) {
    parts.push(`<text x="${LEFT}" y="${bottom + 54}" font-size="${FONT - 1}" fill="#555">KL is 0 at the ${escapeHtml(zeros.join(", "))}: not drawn on a log scale.</text>`);
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" data-chart="divergence" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="system-ui, sans-serif" role="img" aria-label="${escapeHtml(params.title)}">` +
    `${parts.join("")}</svg>`
  );
}
