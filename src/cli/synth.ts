import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, interruptSignal, printJson } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

export const synthCliOptions = defineParams({
  options: {
    preset: { kind: "string", required: true, only: "cli", arg: "name", help: "a model of models/ that declares config: (gpt-oss-20b: the real shapes, 13.8 GB; demo: tiny; see `oss-prep list`)" },
    out: { kind: "string", short: "-o", only: "cli", arg: "dir", help: "new directory to write (renamed into place when complete); required unless --dry-run" },
    seed: { kind: "integer", min: 0, default: 0, only: "cli", help: "seed of the pseudo-random values" },
    layers: { kind: "integer", min: 1, only: "cli", arg: "N", help: "write only the first N layers (real widths; for a benchmark that must fit a small disk)" },
    dryRun: { kind: "boolean", only: "cli", help: "print the planned shards, tensor count and sizes, write nothing" },
    json: { kind: "boolean", only: "cli", help: "machine-readable summary on stdout" },
  },
});

export function synthCommand(): Command {
  const command = new Command("synth").description(
    "write a synthetic gpt-oss checkpoint with the real layout and deterministic random weights (benchmarks, offline demos)",
  );
  return addSchemaOptions({ command, schemas: [synthCliOptions] }).action(
    action(async (_opts: unknown, cmd: Command) => {
        const opts = readSchemaOptions({ command: cmd, schema: synthCliOptions });
        const { formatBytes } = await import("../util/format.js");
        if (opts.dryRun) {
          const { planSyntheticCheckpoint } = await import("../synth/planSyntheticCheckpoint.js");
          const plan = planSyntheticCheckpoint({ preset: opts.preset, layers: opts.layers });
          const summary = {
            preset: opts.preset,
            layers: plan.preset.numHiddenLayers,
            tensors: plan.tensors.length,
            parameters: plan.parameterCount,
            tensorBytes: plan.totalBytes,
            shards: plan.shards.map((s) => ({ file: s.fileName, tensors: s.tensors.length, bytes: s.dataBytes })),
          };
          if (opts.json) printJson(summary);
          else {
            const lines = [
              `synthetic ${opts.preset}${opts.layers ? ` (first ${plan.preset.numHiddenLayers} layers)` : ""}: ${plan.tensors.length} tensors, ${plan.parameterCount.toLocaleString("en-US")} parameters, ${formatBytes(plan.totalBytes)} of tensor data in ${plan.shards.length} shards (nothing written)`,
              ...summary.shards.map((s) => `  ${s.file}  ${String(s.tensors).padStart(5)} tensors  ${formatBytes(s.bytes)}`),
            ];
            process.stdout.write(`${lines.join("\n")}\n`);
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
            title: `synthesize ${opts.preset}${opts.layers ? `, ${opts.layers} layers` : ""} (seed ${opts.seed}) → ${out}`,
            run: async (report) => {
              signal.throwIfAborted();
              const result = await synthesizeCheckpoint({
                preset: opts.preset,
                outDir: out,
                seed: opts.seed,
                layers: opts.layers,
                onProgress: (p) => {
                  signal.throwIfAborted();
                  report({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: p.tensor });
                },
              });
              summary = {
                outDir: result.outDir,
                layers: result.plan.preset.numHiddenLayers,
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
