#!/usr/bin/env node
// Regenerates the report screenshots in docs/img (or the folder given as the first argument):
// vram.html of two measured H200 runs (docs/vram-measured/Q5_K_M-ctx32768-{2,1}gpu) and eval.html of
// the tiny fixture's eval (test/fixtures/eval). It runs the browser test, test/reports/reportPages.test.ts,
// with REPORT_SCREENSHOTS set: the pictures come from the same pages, browser and 1280×800 window that
// the test's layout assertions check, and the test fails a screenshot of 300 KB or more.
// Chinese subject names need a CJK font on the system (Debian: apt-get install fonts-wqy-microhei);
// without one they show as boxes, the layout checks pass either way.
// Usage: node scripts/render-report-screenshots.mjs [DIR]
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const out = resolve(process.argv[2] ?? join(root, "docs", "img"));
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const run = spawnSync(process.execPath, [vitest, "run", "test/reports/reportPages.test.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, REPORT_SCREENSHOTS: out },
});
if (run.status === 0) console.log(`screenshots in ${out}`);
process.exit(run.status ?? 1);
