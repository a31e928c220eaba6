import { escapeHtml } from "../util/escapeHtml.js";
import { estimateTextWidth } from "../util/estimateTextWidth.js";

export interface AccuracyChartRow {
  label: string;
  /** One bar per series, in the order of `series`. */
  bars: Array<{ value: number; ci95?: readonly [number, number] }>;
  /** Drawn in bold with a rule under it: the overall row above the subjects. */
  emphasis?: boolean;
}

const WIDTH = 1000;
const RIGHT = 64;
const FONT = 12;
const BAR = 12;
const BAR_GAP = 2;
const ROW_GAP = 10;
const TICKS = [0, 0.25, 0.5, 0.75, 1];
const CHANCE_COLOR = "#c00";

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const f = (v: number) => v.toFixed(1);

/**
 * Horizontal bars of accuracy with their 95% intervals, one group per row (a subject, or all questions)
 * and one bar per variant, on a 0–100% axis with the 25% a four-choice guess gets marked as a line:
 * a bar near it means the model knows nothing there, whatever the table's decimals suggest.
 */
export function renderAccuracyChartSvg(params: { title: string; series: Array<{ name: string; color: string }>; rows: AccuracyChartRow[]; chance: number }): string {
  const { series, rows, chance } = params;
  const left = Math.min(360, Math.max(120, ...rows.map((r) => estimateTextWidth(r.label, FONT) + 14)));
  const plotWidth = WIDTH - left - RIGHT;
  const x = (v: number) => left + Math.max(0, Math.min(1, v)) * plotWidth;
  const legendY = 40;
  const top = series.length > 1 ? 74 : 50;
  const rowHeight = series.length * BAR + (series.length - 1) * BAR_GAP + ROW_GAP;
  const bottom = top + rows.length * rowHeight + 4;
  const height = bottom + 44;
  const parts: string[] = [`<text x="0" y="18" font-size="15" font-weight="bold">${escapeHtml(params.title)}</text>`];

  if (series.length > 1) {
    let lx = left;
    for (const s of series) {
      parts.push(`<g data-legend="${escapeHtml(s.name)}"><rect x="${f(lx)}" y="${legendY - 10}" width="14" height="10" fill="${s.color}"/><text x="${f(lx + 20)}" y="${legendY}" font-size="${FONT}">${escapeHtml(s.name)}</text></g>`);
      lx += 20 + estimateTextWidth(s.name, FONT) + 24;
    }
  }

  parts.push(`<g class="axis" data-axis="x">`);
  for (const v of TICKS) {
    parts.push(`<line x1="${f(x(v))}" x2="${f(x(v))}" y1="${top}" y2="${bottom}" stroke="#ddd"/>`);
    parts.push(`<line x1="${f(x(v))}" x2="${f(x(v))}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/>`);
    parts.push(`<text class="tick" data-value="${v}" x="${f(x(v))}" y="${bottom + 17}" font-size="${FONT - 1}" text-anchor="middle">${v * 100}%</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  parts.push(`<text x="${f(left + plotWidth / 2)}" y="${bottom + 36}" font-size="${FONT}" text-anchor="middle">accuracy (bars) with its 95% interval (whiskers)</text></g>`);

  parts.push(`<g class="axis" data-axis="y"><line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#333"/>`);
  rows.forEach((row, i) => {
    const y0 = top + i * rowHeight;
    const middle = y0 + (rowHeight - ROW_GAP) / 2;
    parts.push(`<text class="tick" x="${left - 8}" y="${f(middle + 4)}" font-size="${FONT}" text-anchor="end"${row.emphasis ? ' font-weight="bold"' : ""}>${escapeHtml(row.label)}</text>`);
    if (row.emphasis && i < rows.length - 1) parts.push(`<line x1="8" x2="${WIDTH - 8}" y1="${f(y0 + rowHeight - ROW_GAP / 2)}" y2="${f(y0 + rowHeight - ROW_GAP / 2)}" stroke="#999"/>`);
  });
  parts.push("</g>");

  rows.forEach((row, i) => {
    row.bars.forEach((bar, k) => {
      const y = top + i * rowHeight + k * (BAR + BAR_GAP);
      const color = series[k]?.color ?? "#888";
      const tip = `${row.label}, ${series[k]?.name ?? ""}: ${pct(bar.value)}${bar.ci95 ? ` (95% CI ${pct(bar.ci95[0])} – ${pct(bar.ci95[1])})` : ""}`;
      parts.push(`<rect class="bar" x="${left}" y="${y}" width="${f(Math.max(0, x(bar.value) - left))}" height="${BAR}" fill="${color}"><title>${escapeHtml(tip)}</title></rect>`);
      if (bar.ci95) {
        const [lo, hi] = bar.ci95;
        const cy = y + BAR / 2;
        parts.push(
          `<path d="M${f(x(lo))},${cy}H${f(x(hi))}M${f(x(lo))},${cy - 4}V${cy + 4}M${f(x(hi))},${cy - 4}V${cy + 4}" stroke="#222" stroke-width="1.2" fill="none"/>`,
        );
      }
      const end = Math.max(bar.value, bar.ci95?.[1] ?? bar.value);
      parts.push(`<text x="${f(x(end) + 5)}" y="${y + BAR - 2}" font-size="${FONT - 2}">${pct(bar.value)}</text>`);
    });
  });

  // over the bars, so it stays visible where a bar crosses it
  parts.push(
    `<g data-role="chance" data-value="${chance}"><line x1="${f(x(chance))}" x2="${f(x(chance))}" y1="${top - 8}" y2="${bottom}" stroke="${CHANCE_COLOR}" stroke-width="1.5" stroke-dasharray="5 3"/>` +
      `<text x="${f(x(chance) + 4)}" y="${top - 4}" font-size="${FONT - 1}" fill="${CHANCE_COLOR}">chance: ${chance * 100}% (a guess among 4 choices)</text></g>`,
  );

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" data-chart="accuracy" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="system-ui, sans-serif" role="img" aria-label="${escapeHtml(params.title)}">` +
    `${parts.join("")}</svg>`
  );
}
