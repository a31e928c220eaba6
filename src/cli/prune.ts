import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { pruneParams } from "../stages/prune/params.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, interruptSignal, printJson, resolveWorkDir } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

/** The command's own options; the rest are the prune stage's (src/stages/prune/params.ts). */
export const pruneCliOptions = defineParams({
  options: {
    out: { kind: "string", short: "-o", only: "cli", arg: "dir", help: "output checkpoint directory (must not exist; appears complete or not at all)" },
    workDir: { kind: "string", only: "cli", arg: "dir", help: "cache and work directory, where the Hub CMMLU dataset is cached (default: $OSS_PREP_HOME or ~/.cache/oss-prep)" },
    dryRun: { kind: "boolean", only: "cli", help: "print the plan (parameter table, chosen counts) and stop" },
    json: { kind: "boolean", only: "cli", help: "machine-readable plan or report on stdout" },
  },
});

export function pruneCommand(): Command {
  const command = new Command("prune")
    .description(
      "prune a gpt-oss checkpoint to a parameter target: experts per layer scored by REAP, query heads by FLAP (uniform per KV group); writes a checkpoint in the original layout",
    )
    .argument("<checkpoint>", "checkpoint directory (config.json, *.safetensors, tokenizer.json); with --dry-run also a model of models/ (its declared shapes)");
  return addSchemaOptions({ command, schemas: [pruneParams, pruneCliOptions] }).action(
    action(async (checkpoint: string, _opts: unknown, cmd: Command) => {
      const params = readSchemaOptions({ command: cmd, schema: pruneParams });
      const opts = readSchemaOptions({ command: cmd, schema: pruneCliOptions });
      const { UsageError } = await import("../errors.js");
      if (!opts.dryRun && !opts.out) throw new UsageError("--out: required (or --dry-run to print the plan only)");
      const { resolve } = await import("node:path");
      const { planPruningRequest } = await import("../prune/runPruning.js");
      const { renderPrunePlan } = await import("../prune/renderPrunePlan.js");
      const dir = resolve(checkpoint);
      // paths as given on the command line, made absolute (a pipeline's are taken as written)
      const request = { ...params, ...(params.calib && { calib: resolve(params.calib) }), ...(params.cmmluDir && { cmmluDir: resolve(params.cmmluDir) }), ...(params.gguf && { gguf: resolve(params.gguf) }) };
      const plan = await planPruningRequest({ dir, model: opts.dryRun ? checkpoint : undefined, request });
      if (opts.dryRun) {
        if (opts.json) printJson(plan);
        else process.stdout.write(renderPrunePlan(plan));
        return;
      }
      const { logInfo } = await import("../util/log.js");
      if (!opts.json) process.stdout.write(`${renderPrunePlan(plan)}\n`);
      else for (const line of renderPrunePlan(plan).trimEnd().split("\n")) logInfo(line);

      const outDir = resolve(opts.out!);
      const { existsSync } = await import("node:fs");
      const { mkdir, rename, rm } = await import("node:fs/promises");
      const { dirname, basename, join } = await import("node:path");
      if (existsSync(outDir)) throw new UsageError(`--out: ${outDir} already exists (remove it or choose another folder)`);
      const { checkOutputDirectory } = await import("../util/checkOutputPath.js");
      await checkOutputDirectory({ path: outDir, option: "--out", inputs: [checkpoint, ...(params.gguf ? [params.gguf] : [])] });
      await mkdir(dirname(outDir), { recursive: true });
      // Written into a sibling, renamed at the end: an interrupted prune leaves no half checkpoint at --out.
      const partial = join(dirname(outDir), `.${basename(outDir)}.partial-${process.pid}`);
      await mkdir(partial);
      const signal = interruptSignal();
      const { runPruning } = await import("../prune/runPruning.js");
      const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
      const { formatBytes } = await import("../util/format.js");
      const { formatParameterCount } = await import("../prune/formatParameterCount.js");
      const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
      let report: Awaited<ReturnType<typeof runPruning>> | undefined;
      try {
        await runner.run([
          {
            title: `prune ${checkpoint} → ${opts.out}`,
            run: async (progress) => {
              report = await runPruning({
                dir,
                outDir: partial,
                plan,
                request,
                workDir: resolveWorkDir(opts.workDir),
                signal,
                log: logInfo,
                onProgress: (p) => {
                  if (p.phase === "write") progress({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: p.tensor });
                  else if (p.calib.phase === "forward") progress({ done: p.calib.done, total: p.calib.total, unit: "tokens", detail: `calibrate: ${p.calib.detail}` });
                  else progress({ done: p.calib.layer, total: p.calib.nLayers, unit: "layers", detail: `calibrate: ${p.calib.phase} ${p.calib.done}/${p.calib.total}` });
                },
              });
              return `${formatParameterCount(report.output.parameters)} parameters, ${formatBytes(report.output.tensor_bytes)} of tensors`;
            },
          },
        ]);
        await rename(partial, outDir);
      } catch (error) {
        await rm(partial, { recursive: true, force: true });
        throw error;
      }
      if (opts.json) printJson(report);
      else process.stdout.write(`${report!.method.description}\nwrote ${outDir} (kept indices and scores in pruning.json)\n`);
    }),
  );
}
