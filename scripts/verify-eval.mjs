#!/usr/bin/env node
// Full reproduction of ../shared/fixtures/tiny-gpt-oss/cmmlu_reference.json (1340 + 1340 + 335 + 335
// questions, plus the bare-letter method on the 0-shot trained cell) with our BF16 GGUF of the
// fixture. Usage: npm run verify:eval [-- --gguf FILE] [-- --json OUT]. Exit 1 when a bound fails.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { gguf: { type: "string" }, json: { type: "string" }, "no-letter": { type: "boolean" } } });
const dist = resolve(import.meta.dirname, "..", "dist", "src");
const { sharedDir } = await import(join(dist, "util", "paths.js"));
const { convertCheckpoint } = await import(join(dist, "stages", "convert", "convertCheckpoint.js"));
const { verifyEvalReference } = await import(join(dist, "stages", "eval", "verify", "verifyEvalReference.js"));
const { machineThreads } = await import(join(dist, "util", "threads.js"));

const fixture = join(sharedDir(), "fixtures", "tiny-gpt-oss");
const tmp = await mkdtemp(join(tmpdir(), "oss-prep-verify-eval-"));
try {
  let gguf = values.gguf;
  if (!gguf) {
    gguf = join(tmp, "tiny-gpt-oss-bf16.gguf");
    await convertCheckpoint({ dir: fixture, outPath: gguf, outtype: "bf16" });
  }
  console.log(`model ${gguf}, ${machineThreads()} threads`);
  console.log("| cell | method | questions | accuracy (95% CI) | reference | agreement | bound | seconds | prompt tok/s |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  let last = 0;
  const results = await verifyEvalReference({
    gguf,
    cmmluDir: join(sharedDir(), "cmmlu"),
    referenceFile: join(fixture, "cmmlu_reference.json"),
    withLetter: !values["no-letter"],
    onProgress: (cell, done, total) => {
      if (Date.now() - last > 15000) {
        process.stderr.write(`${cell}: ${done}/${total}\n`);
        last = Date.now();
      }
    },
    onCell: (r) => {
      const ok = [r.accuracy_ok, r.agreement_ok].filter((x) => x !== null);
      const bound = ok.length === 0 ? "–" : ok.every(Boolean) ? "ok" : "FAIL";
      console.log(
        `| ${r.cell} | ${r.method} | ${r.questions} | ${pct(r.accuracy)} (${pct(r.accuracy_ci95[0])} – ${pct(r.accuracy_ci95[1])}) | ${pct(r.reference_accuracy)} | ` +
          `${pct(r.agreement)} | ${bound} | ${r.seconds.toFixed(1)} | ${r.prompt_tokens_per_second.toFixed(0)} |`,
      );
    },
  });
  if (values.json) await writeFile(values.json, `${JSON.stringify(results, null, 2)}\n`);
  const failed = results.filter((r) => r.accuracy_ok === false || r.agreement_ok === false);
  console.log(failed.length === 0 ? "all acceptance bounds hold" : `FAILED: ${failed.map((r) => r.cell).join(", ")}`);
  process.exitCode = failed.length === 0 ? 0 : 1;
} finally {
  await rm(tmp, { recursive: true, force: true });
}
