/** Write eval.json, eval.md and eval.html into a directory (atomically, each file). */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import type { EvalReport } from "./evalReport.js";
import { renderEvalHtml } from "./renderEvalHtml.js";
import { renderEvalMarkdown } from "./renderEvalMarkdown.js";

export const EVAL_REPORT_FILES = ["eval.json", "eval.md", "eval.html"] as const;

export async function writeEvalReports(params: { report: EvalReport; dir: string }): Promise<string[]> {
  const { report, dir } = params;
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, "eval.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(join(dir, "eval.md"), renderEvalMarkdown(report));
  await writeFileAtomic(join(dir, "eval.html"), renderEvalHtml(report));
  return EVAL_REPORT_FILES.map((f) => join(dir, f));
}
