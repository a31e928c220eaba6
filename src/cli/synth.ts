import { Command, Option } from "commander";
import { action, interruptSignal, parseNonNegativeInt, printJson } from "./common.js";

export function synthCommand(): Command {
  return new Command("synth")
    .description("write a synthetic gpt-oss checkpoint with the real layout and deterministic random weights (benchmarks, offline demos)")
    .addOption(new Option("--preset <name>", "gpt-oss-20b: the real shapes, 13.8 GB; demo: tiny").choices(["gpt-oss-20b", "demo"]).makeOptionMandatory())
    .requiredOption("--out <dir>", "new directory to write (renamed into place when complete)")
    .option("--seed <n>", "seed of the pseudo-random values", parseNonNegativeInt("--seed"), 0)
    .option("--json", "machine-readable summary on stdout")
    .action(
      action(async (opts: { preset: "gpt-oss-20b" | "demo"; out: string; seed: number; json?: boolean }) => {
        const { synthesizeCheckpoint } = await import("../synth/synthesizeCheckpoint.js");
        const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
        const { formatBytes } = await import("../util/format.js");
        const signal = interruptSignal();
        const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
        let summary: Record<string, unknown> = {};
        await runner.run([
          {
            title: `synthesize ${opts.preset} (seed ${opts.seed}) → ${opts.out}`,
            run: async (report) => {
              signal.throwIfAborted();
              const result = await synthesizeCheckpoint({
                preset: opts.preset,
                outDir: opts.out,
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
