/**
 * eval.html: one self-contained page (no script, no external asset). The title and what was measured
 * come first, then the charts — accuracy with its 95% interval per subject and overall, for the model
 * and the baseline, against the 25% a guess gets; the divergence from the baseline — then the tables of
 * eval.md as HTML tables (the same Markdown, converted, so page and file cannot disagree).
 */
import { markdownToHtml } from "../util/markdownToHtml.js";
import { renderReportPage } from "../util/renderReportPage.js";
import type { EvalReport } from "./evalReport.js";
import { renderAccuracyChartSvg } from "./renderAccuracyChartSvg.js";
import { renderDivergenceChartSvg } from "./renderDivergenceChartSvg.js";
import { renderEvalMarkdown } from "./renderEvalMarkdown.js";

/** CMMLU questions have four choices. */
const CHANCE = 0.25;

export function renderEvalHtml(report: EvalReport): string {
  const variants = [
    { name: report.model.file, color: "#4c78a8", r: report.cmmlu },
    ...(report.baseline ? [{ name: `${report.baseline.file} (baseline)`, color: "#a8a8a8", r: report.baseline.cmmlu }] : []),
  ];
  const bySubject = (r: EvalReport["cmmlu"]) => new Map(r.by_subject.map((s) => [s.subject, s]));
  const subjects = variants.map((v) => bySubject(v.r));
  const rows = [
    {
      label: `all ${report.cmmlu.questions} questions`,
      emphasis: true,
      bars: variants.map((v) => ({ value: v.r.accuracy, ci95: v.r.accuracy_ci95 })),
    },
    ...report.cmmlu.by_subject.map((s) => ({
      label: s.subject,
      bars: subjects.flatMap((m) => {
        const row = m.get(s.subject);
        return row ? [{ value: row.accuracy, ci95: row.accuracy_ci95 }] : [];
      }),
    })),
  ];
  const charts = [
    renderAccuracyChartSvg({
      title: "CMMLU accuracy (question-weighted, 95% CI)",
      series: variants.map((v) => ({ name: v.name, color: v.color })),
      rows,
      chance: CHANCE,
    }),
  ];
  if (report.divergence) {
    charts.push(renderDivergenceChartSvg({ divergence: report.divergence, title: "Divergence: mean KL from the baseline and percentiles of KL(baseline ‖ model) per position" }));
  }
  // the Markdown's title and method paragraphs, then the charts, then its sections from "## Summary" on
  const markdown = renderEvalMarkdown(report);
  const split = markdown.indexOf("\n## ");
  const intro = split < 0 ? markdown : markdown.slice(0, split);
  const sections = split < 0 ? "" : markdown.slice(split);
  const body = [markdownToHtml(intro), ...charts.map((svg) => `<figure>${svg}</figure>`), markdownToHtml(sections)].join("\n");
  return renderReportPage({ title: `Evaluation of ${report.model.file}`, body });
}
