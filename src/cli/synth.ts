import { Command } from "commander";
import { action, interruptSignal, parseNonNegativeInt, printJson } from "./common.js";

export function synthCommand(): Command {
  return new Command("synth")
    .description("write a synthetic gpt-oss checkpoint with the real layout and deterministic random weights (benchmarks, offline demos)")
    .requiredOption("--preset <name>", "a model of models/ that declares config: (gpt-oss-20b: the real shapes, 13.8 GB; demo: tiny; see `oss-prep list`)")
    .option("--out <dir>", "new directory to write (renamed into place when complete); required unless --dry-run")
    .option("--seed <n>", "seed of the pseudo-random values", parseNonNegativeInt("--seed"), 0)
    .option("--dry-run", "print the planned shards, tensor count and sizes, write nothing")
    .option("--json", "machine-readable summary on stdout")
    .action(
      action(async (opts: { preset: string; out?: string; seed: number; dryRun?: boolean; json?: boolean }) => {
        const { formatBytes } = await import("../util/format.js");
        if (opts.dryRun) {
          const { planSyntheticCheckpoint } = await import("../synth/planSyntheticCheckpoint.js");
          const plan = planSyntheticCheckpoint({ preset: opts.preset });
          const summary = {
            preset: opts.preset,
            tensors: plan.tensors.length,
            parameters: plan.parameterCount,
            tensorBytes: plan.totalBytes,
            shards: plan.shards.map((s) => ({ file: s.fileName, tensors: s.tensors.length, bytes: s.dataBytes })),
          };
          if (opts.json) printJson(summary);
          else {
            const lines = [
              `synthetic ${opts.preset}: ${plan.tensors.length} tensors, ${plan.parameterCount.toLocaleString("en-US")} parameters, ${formatBytes(plan.totalBytes)} of tensor data in ${plan.shards.length} shards (nothing written)`,
              ...summary.shards.map((s) => `  ${s.file}  ${String(s.tensors).padStart(5)} tensors  ${formatBytes(s.bytes)}`),
            ];
            process.stdout.write(lines.join("\n") + "\n");
          }
          return;
        }
        if (!opts.out) {
          const { UsageError } = await import("../errors.js");
          throw new UsageError("--out: required (or --dry-run to print the plan only)");
        }
        const out = opts.out;
        const { synthesizeCheckpoint } = await import("../synth/synthesizeCheckpoint.js");
        const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
        const signal = interruptSignal();
        const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
        let summary: Record<string, unknown> = {};
        await runner.run([
          {
            title: `synthesize ${opts.preset} (seed ${opts.seed}) → ${out}`,
            run: async (report) => {
              signal.throwIfAborted();
              const result = await synthesizeCheckpoint({
                preset: opts.preset,
                outDir: out,
                seed: opts.seed,
                onProgress: (p) => {
                  signal.throwIfAborted();
                  report({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: p.tensor });
                },
              });
              summary = {
                outDir: result.outDir,
                files: result.files,
                bytes: result.fileBytes,
                parameters: result.plan.parameterCount,
                seconds: result.seconds,
              };
              return `${result.files.length} files, ${formatBytes(result.fileBytes)}, ${result.plan.parameterCount.toLocaleString("en-US")} parameters`;
            },
          },
        ]);
        if (opts.json) printJson(summary);
      }),
    );
}
