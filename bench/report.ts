/**
 * docs/benchmarks.md is assembled from sections, each between `<!-- bench:NAME -->` markers, so
 * each suite rewrites only its own figures and hand-written text around them survives.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../src/util/atomic.js";
import { packageRoot } from "../src/util/paths.js";

export const benchmarksDoc = (): string => join(packageRoot(), "docs", "benchmarks.md");

export async function writeBenchSection(name: string, markdown: string): Promise<void> {
  const file = benchmarksDoc();
  let doc = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n\nFigures written by `npm run bench` (see each section for how to reproduce).\n";
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  await writeFileAtomic(file, doc);
}

export function table(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** Seconds with precision that shrinks as they grow (0.52, 12.3, 184). */
export const fmtSeconds = (s: number): string => (s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2));
export const fmtMiB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
/** A projected duration: seconds, minutes or hours. */
export const fmtDuration = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(0)} min` : `${s.toFixed(0)} s`);
