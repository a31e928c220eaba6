import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { renderVramHtml } from "./renderVramHtml.js";
import { renderVramMarkdown } from "./renderVramMarkdown.js";
import type { VramReport } from "./types.js";

/** vram.json (everything, the raw trace included), vram.md (the table) and vram.html (the chart). */
export async function writeVramReports(params: { report: VramReport; outDir: string }): Promise<string[]> {
  const files = ["vram.json", "vram.md", "vram.html"].map((f) => join(params.outDir, f));
  await writeFileAtomic(files[0], `${JSON.stringify(params.report, null, 1)}\n`);
  await writeFileAtomic(files[1], renderVramMarkdown(params.report));
  await writeFileAtomic(files[2], renderVramHtml(params.report));
  return files;
}
