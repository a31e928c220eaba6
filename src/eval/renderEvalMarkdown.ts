/** eval.md: the report as Markdown tables (also the CLI's human output). */
import type { Interval } from "./accuracyStatistics.js";
import type { EvalReport } from "./evalReport.js";

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "–");
const ci = (i: Interval) => `${pct(i[0])} – ${pct(i[1])}`;
const pp = (x: number) => (Number.isFinite(x) ? `${(Math.abs(x) < 5e-4 ? 0 : x * 100).toFixed(1)} pp` : "–");
const sci = (x: number) => (Number.isFinite(x) ? x.toExponential(3) : "–");

/** The short table for the build summary and the CLI. */
export function renderEvalSummary(report: EvalReport): string {
  const rows = [
    "| variant | questions | accuracy (95% CI) | subject mean (95% CI) |",
    "|---|---|---|---|",
    `| ${report.model.file} | ${report.cmmlu.questions} | ${pct(report.cmmlu.accuracy)} (${ci(report.cmmlu.accuracy_ci95)}) | ${pct(report.cmmlu.subject_mean)} (${ci(report.cmmlu.subject_mean_ci95)}) |`,
  ];
  if (report.baseline) {
    const b = report.baseline.cmmlu;
    rows.push(`| ${report.baseline.file} (baseline) | ${b.questions} | ${pct(b.accuracy)} (${ci(b.accuracy_ci95)}) | ${pct(b.subject_mean)} (${ci(b.subject_mean_ci95)}) |`);
  }
  const lines = [rows.join("\n")];
  if (report.comparison) {
    const l = report.comparison.accuracy_loss;
    lines.push(
      `accuracy loss vs baseline: ${pp(l.loss)} (95% CI ${pp(l.ci95[0])} … ${pp(l.ci95[1])}, McNemar p = ${l.pValue.toPrecision(3)}), same prediction on ${pct(report.comparison.agreement)} of questions`,
    );
  }
  if (report.divergence) {
    const d = report.divergence;
    lines.push(`mean KL ${sci(d.kl.mean)} (p99 ${sci(d.kl.p99)}), top-1 agreement ${pct(d.top1_agreement)}, PPL ratio ${d.perplexity.ratio.toFixed(4)} over ${d.positions} positions`);
  }
  // a blank line after the table, or Markdown reads the next lines as more rows
  return `${lines.join("\n\n")}\n`;
}

export function renderEvalMarkdown(report: EvalReport): string {
  const out: string[] = [];
  const s = report.selection;
  out.push(`# Evaluation of ${report.model.file}`, "");
  out.push(
    `CMMLU, ${s.questions} questions from ${s.subjects.length} subjects (rows ${s.rows}, ` +
      `${s.per_subject === null ? "all" : `${s.sample} ${s.per_subject}`} per subject), ${report.method.shots}-shot; ` +
      `data: ${s.origin === "local" ? s.source : s.origin}.`,
    "",
    `Scoring: ${report.method.scoring} — ${report.method.scoring_description}.`,
    `Intervals: ${report.method.intervals}.`,
    `Runtime: ${report.runtime.engine} (llama.cpp ${report.runtime.llama_cpp}), ${report.model.device}, ${report.runtime.threads} threads.`,
    "",
    "## Summary",
    "",
    renderEvalSummary(report),
  );
  const variants = [{ name: report.model.file, r: report.cmmlu }, ...(report.baseline ? [{ name: `${report.baseline.file} (baseline)`, r: report.baseline.cmmlu }] : [])];
  out.push("## By category", "", "| variant | category | subjects | questions | accuracy (95% CI) | subject mean (95% CI) |", "|---|---|---|---|---|---|");
  for (const { name, r } of variants) {
    for (const c of r.by_category) {
      out.push(`| ${name} | ${c.category} | ${c.subjects} | ${c.questions} | ${pct(c.accuracy)} (${ci(c.accuracy_ci95)}) | ${pct(c.subject_mean)} (${ci(c.subject_mean_ci95)}) |`);
    }
  }
  out.push("", "## By subject", "");
  const header = report.baseline ? "| subject | category | questions | accuracy (95% CI) | baseline | Δ |" : "| subject | category | questions | accuracy (95% CI) |";
  out.push(header, report.baseline ? "|---|---|---|---|---|---|" : "|---|---|---|---|");
  report.cmmlu.by_subject.forEach((subject, i) => {
    const row = `| ${subject.subject} (${subject.zh}) | ${subject.category} | ${subject.questions} | ${pct(subject.accuracy)} (${ci(subject.accuracy_ci95)}) |`;
    if (!report.baseline) out.push(row);
    else {
      const b = report.baseline.cmmlu.by_subject[i];
      out.push(`${row} ${pct(b.accuracy)} | ${pp(subject.accuracy - b.accuracy)} |`);
    }
  });
  if (report.divergence) {
    const d = report.divergence;
    out.push(
      "",
      "## Divergence from the baseline",
      "",
      `Text: ${d.text}; ${d.sequences} sequences, ${d.positions} positions (${d.scored_positions} with a next token). KL(baseline ‖ model) in nats.`,
      "",
      "| statistic | value |",
      "|---|---|",
      `| mean KL | ${sci(d.kl.mean)} ± ${sci(d.kl.stderr)} |`,
      `| max / 99.9% / 99% / 95% / 90% KL | ${[d.kl.max, d.kl.p99_9, d.kl.p99, d.kl.p95, d.kl.p90].map(sci).join(" / ")} |`,
      `| median / 10% / 5% / 1% / min KL | ${[d.kl.median, d.kl.p10, d.kl.p5, d.kl.p1, d.kl.min].map(sci).join(" / ")} |`,
      `| top-1 agreement | ${pct(d.top1_agreement)} |`,
      `| PPL baseline / model / ratio | ${d.perplexity.baseline.toFixed(4)} / ${d.perplexity.model.toFixed(4)} / ${d.perplexity.ratio.toFixed(5)} |`,
      `| mean ln(PPL ratio) | ${sci(d.perplexity.mean_log_ratio)} |`,
      `| mean Δp / RMS Δp | ${pp(d.delta_p.mean)} / ${pp(d.delta_p.rms)} |`,
      `| Δp 1% / 5% / 95% / 99% | ${[d.delta_p.p1, d.delta_p.p5, d.delta_p.p95, d.delta_p.p99].map(pp).join(" / ")} |`,
    );
  }
  out.push("", "## Throughput", "", "| variant | questions/s | prompt tokens/s | runtime tokens/s | seconds |", "|---|---|---|---|---|");
  for (const { name, r } of variants) {
    const t = r.throughput;
    out.push(`| ${name} | ${t.questionsPerSecond.toFixed(2)} | ${t.promptTokensPerSecond.toFixed(0)} | ${t.evaluatedTokensPerSecond.toFixed(0)} | ${t.seconds.toFixed(1)} |`);
  }
  out.push("", "Per-question predictions: eval.json → cmmlu.predictions.", "");
  return out.join("\n");
}
