#!/usr/bin/env node
// Runs the fault suite (test/faults and the Hub protocol fault tests) and writes its counts into
// docs/trust.md between <!-- fault-suite-counts --> markers: cases per file, passed (each asserts the
// exit code, a message naming the file, and nothing left behind), failed, and how long it took.
// Usage: npm run build && node scripts/fault-suite-counts.mjs
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const out = join(mkdtempSync(join(tmpdir(), "fault-counts-")), "report.json");
const files = ["test/faults", "test/hub/download.test.ts", "src/hub/createHubFetch.test.ts", "src/hub/resolveHubEnvironment.test.ts", "src/eval/cmmlu/downloadCmmluDataset.test.ts"];
const t0 = performance.now();
try {
  execFileSync(process.execPath, [join(root, "node_modules", "vitest", "vitest.mjs"), "run", ...files, "--reporter=json", `--outputFile=${out}`], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
} catch {
  // failures are counted below
}
const seconds = (performance.now() - t0) / 1000;
const report = JSON.parse(readFileSync(out, "utf8"));
const rows = report.testResults.map((f) => {
  const tests = f.assertionResults;
  return [relative(root, f.name), tests.length, tests.filter((t) => t.status === "passed").length, tests.filter((t) => t.status === "failed").length];
});
const total = rows.reduce((a, r) => [a[0] + r[1], a[1] + r[2], a[2] + r[3]], [0, 0, 0]);
const timedOut = report.testResults.flatMap((f) => f.assertionResults).filter((t) => (t.failureMessages ?? []).some((m) => /timed out/i.test(m))).length;
const text = [
  `Last run ${new Date().toISOString().slice(0, 10)}, ${seconds.toFixed(0)} s on this 2-core machine: ${total[0]} cases, ${total[1]} passed with a clear error asserted, ${total[2]} failed; silent (exit 0 with a bad result), crashes and hangs: ${total[2] === 0 ? "0" : "see the failed cases"} (hangs timed out: ${timedOut}).`,
  "",
  "| file | cases | passed | failed |",
  "|---|---|---|---|",
  ...rows.map((r) => `| \`${r[0]}\` | ${r[1]} | ${r[2]} | ${r[3]} |`),
  `| total | ${total[0]} | ${total[1]} | ${total[2]} |`,
].join("\n");
const doc = join(root, "docs", "trust.md");
const current = readFileSync(doc, "utf8");
const begin = "<!-- fault-suite-counts -->";
const end = "<!-- /fault-suite-counts -->";
writeFileSync(doc, `${current.slice(0, current.indexOf(begin) + begin.length)}\n${text}\n${current.slice(current.indexOf(end))}`);
console.log(text);
