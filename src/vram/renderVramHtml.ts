import { escapeHtml } from "../util/escapeHtml.js";
import { markdownToHtml } from "../util/markdownToHtml.js";
import { renderReportPage } from "../util/renderReportPage.js";
import { renderVramChartSvg } from "./renderVramChartSvg.js";
import { renderVramMarkdown } from "./renderVramMarkdown.js";
import type { VramReport } from "./types.js";

/**
 * vram.html: the memory-over-time chart, then the tables of vram.md as HTML tables (the same Markdown,
 * converted, so the page and the model card cannot disagree). A pure function of the report; one
 * self-contained page with no script.
 */
export function renderVramHtml(report: VramReport): string {
  const title = `VRAM: ${report.model.name}`;
  const caption =
    `memory.used per GPU${report.trace.gpus.length > 1 ? " and their sum" : ""} as nvidia-smi sampled it ` +
    `(${report.sampling.samples} readings, ${report.sampling.achievedHz} Hz), with the workload's phases as bands; hover a band for its full name.`;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<figure>${renderVramChartSvg(report)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`,
    markdownToHtml(renderVramMarkdown(report)),
  ].join("\n");
  return renderReportPage({ title, body });
}
