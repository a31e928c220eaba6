import { Command, Option } from "commander";
import { UsageError } from "../errors.js";
import { action, interruptSignal, parsePositiveInt, printJson, resolveWorkDir } from "./common.js";

interface EvalOptions {
  baseline?: string;
  cmmluDir?: string;
  subjects?: string[];
  rows: string;
  perSubject?: number;
  sample: "first" | "random";
  seed: number;
  shots: string;
  text?: string;
  klTokens?: number;
  divergence: boolean;
  contextSize?: number;
  parallel?: number;
  gpu?: boolean;
  threads?: number;
  out?: string;
  workDir?: string;
  json?: boolean;
}

function parseShots(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 5) throw new UsageError(`--shots: expected 0…5 (CMMLU has 5 dev questions per subject), got ${JSON.stringify(value)}`);
  return n;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--seed: expected a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

export function evalCommand(): Command {
  return new Command("eval")
    .description("evaluate a GGUF: CMMLU-subset accuracy with 95% intervals and, against --baseline, accuracy loss (paired test) and KL divergence")
    .argument("<model>", "model.gguf, or a build directory (its last exported GGUF)")
    .option("--baseline <model>", "baseline .gguf or build directory to compare with (e.g. the BF16 conversion)")
    .option("--cmmlu-dir <dir>", "local CMMLU copy (dev/, test/, subjects.json); default: the Hub dataset haonan-li/cmmlu, cached")
    .option("--subjects <names...>", "subjects or categories (STEM, Humanities, Social Science, Other, China specific); default all 67")
    .option("--rows <rule>", "test rows per subject by 0-based file index: all, i%M==R or i%M!=R (tiny fixture: trained i%5!=0, held out i%5==0)", "all")
    .option("--per-subject <n>", "questions per subject after --rows", parsePositiveInt("--per-subject"))
    .addOption(new Option("--sample <how>", "which questions per subject: the first N, or a seeded random N").choices(["first", "random"]).default("first"))
    .option("--seed <n>", "seed for --sample random", parseSeed, 0)
    .option("--shots <k>", "dev examples in the prompt (0…5, file order; dropped longest first if the context overflows)", "0")
    .option("--text <file>", "text to measure divergence from the baseline on (default: the selected CMMLU prompts)")
    .option("--kl-tokens <n>", "token budget for the divergence measurement (default 8192)", parsePositiveInt("--kl-tokens"))
    .option("--no-divergence", "skip the divergence measurement")
    .option("--context-size <n>", "most tokens per evaluated sequence (default 4096, at most the model's)", parsePositiveInt("--context-size"))
    .option("--parallel <n>", "questions evaluated side by side in one batch (default 1, fastest on CPU)", parsePositiveInt("--parallel"))
    .option("--gpu", "offload to CUDA/Metal/Vulkan when present (default: CPU)")
    .option("--threads <n>", "CPU threads (default: the machine's available parallelism)", parsePositiveInt("--threads"))
    .option("--out <dir>", "write eval.json, eval.md and eval.html into this directory")
    .option("--work-dir <dir>", "cache and work directory, where the Hub dataset is cached (default: $OSS_PREP_HOME or ~/.cache/oss-prep)")
    .option("--json", "print the full report (eval.json) on stdout")
    .action(
      action(async (modelArg: string, opts: EvalOptions) => {
        const shots = parseShots(opts.shots);
        const { parseRowFilter } = await import("../eval/cmmlu/parseRowFilter.js");
        const rows = parseRowFilter({ text: opts.rows });
        const { resolveGgufInput } = await import("../eval/resolveGgufInput.js");
        const modelPath = await resolveGgufInput({ path: modelArg });
        const baselinePath = opts.baseline ? await resolveGgufInput({ path: opts.baseline }) : undefined;
        const signal = interruptSignal();
        const { resolveCmmluDataset } = await import("../eval/cmmlu/resolveCmmluDataset.js");
        const dataset = await resolveCmmluDataset({ cmmluDir: opts.cmmluDir, workDir: resolveWorkDir(opts.workDir), signal });
        const { runEval } = await import("../eval/runEval.js");
        const { logInfo } = await import("../util/log.js");
        let lastPhase = "";
        let lastReport = 0;
        const report = await runEval({
          modelPath,
          baselinePath,
          dataset,
          selection: { subjects: opts.subjects, rows, perSubject: opts.perSubject, sample: opts.sample, seed: opts.seed },
          shots,
          divergence: opts.divergence === false ? false : { textFile: opts.text, maxTokens: opts.klTokens },
          contextLimit: opts.contextSize,
          parallel: opts.parallel,
          gpu: opts.gpu,
          threads: opts.threads,
          signal,
          onProgress: (phase, done, total) => {
            const now = Date.now();
            if (phase !== lastPhase || done === total || now - lastReport > 5000) {
              logInfo(`${phase}: ${done}/${total}`);
              lastPhase = phase;
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
