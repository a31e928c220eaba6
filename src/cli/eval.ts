import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { evalParams } from "../stages/eval/params.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, interruptSignal, printJson, resolveWorkDir } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

/** The command's own options; the rest are the eval stage's (src/stages/eval/params.ts). */
export const evalCliOptions = defineParams({
  options: {
    baseline: { kind: "string", only: "cli", arg: "model", help: "baseline .gguf or build directory to compare with (e.g. the BF16 conversion)" },
    divergence: { kind: "boolean", negate: true, default: true, only: "cli", help: "skip the divergence measurement" },
    threads: { kind: "integer", min: 1, only: "cli", help: "CPU threads (default: the machine's available parallelism)" },
    out: { kind: "string", short: "-o", only: "cli", arg: "dir", help: "write eval.json, eval.md and eval.html into this directory" },
    workDir: { kind: "string", only: "cli", arg: "dir", help: "cache and work directory, where the Hub dataset is cached (default: $OSS_PREP_HOME or ~/.cache/oss-prep)" },
    json: { kind: "boolean", only: "cli", help: "print the full report (eval.json) on stdout" },
  },
});

export function evalCommand(): Command {
  const command = new Command("eval")
    .description("evaluate a GGUF: CMMLU-subset accuracy with 95% intervals and, against --baseline, accuracy loss (paired test) and KL divergence")
    .argument("<model>", "model.gguf, or a build directory (its last exported GGUF)");
  return addSchemaOptions({ command, schemas: [evalParams, evalCliOptions] }).action(
    action(async (modelArg: string, _opts: unknown, cmd: Command) => {
      const p = readSchemaOptions({ command: cmd, schema: evalParams });
      const opts = readSchemaOptions({ command: cmd, schema: evalCliOptions });
      const { parseRowFilter } = await import("../eval/cmmlu/parseRowFilter.js");
      const rows = parseRowFilter({ text: p.rows });
      const { resolveGgufInput } = await import("../eval/resolveGgufInput.js");
      const modelPath = await resolveGgufInput({ path: modelArg });
      const baselinePath = opts.baseline ? await resolveGgufInput({ path: opts.baseline }) : undefined;
      const signal = interruptSignal();
      const { resolveCmmluDataset } = await import("../eval/cmmlu/resolveCmmluDataset.js");
      const dataset = await resolveCmmluDataset({ cmmluDir: p.cmmluDir, workDir: resolveWorkDir(opts.workDir), signal });
      const { runEval } = await import("../eval/runEval.js");
      const { logInfo } = await import("../util/log.js");
      const { createPassClock, formatProgress } = await import("../pipeline/progress.js");
      const clock = createPassClock();
      let lastPass = -1;
      let lastReport = 0;
      const report = await runEval({
        modelPath,
        baselinePath,
        dataset,
        selection: { subjects: p.subjects, rows, perSubject: p.perSubject, sample: p.sample, seed: p.seed },
        shots: p.shots,
        divergence: opts.divergence === false ? false : { textFile: p.text, maxTokens: p.klTokens },
        contextLimit: p.contextSize,
        parallel: p.parallel,
        gpu: p.gpu,
        threads: opts.threads,
        signal,
        onProgress: (p) => {
          const now = Date.now();
          const update = { done: p.done, total: p.total, unit: p.unit, pass: { index: p.pass, count: p.passes, name: p.phase } };
          const elapsed = clock(update);
          if (p.pass !== lastPass || p.done === p.total || now - lastReport > 5000) {
            logInfo(`${p.phase}: ${formatProgress(update, elapsed)}`);
            lastPass = p.pass;
            lastReport = now;
          }
        },
      });
      if (opts.out) {
        const { resolve } = await import("node:path");
        const { writeEvalReports } = await import("../eval/writeEvalReports.js");
        const files = await writeEvalReports({ report, dir: resolve(opts.out) });
        logInfo(`wrote ${files.join(", ")}`);
      }
      if (opts.json) printJson(report);
      else {
        const { renderEvalSummary } = await import("../eval/renderEvalMarkdown.js");
        process.stdout.write(renderEvalSummary(report));
      }
    }),
  );
}
