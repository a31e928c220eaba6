import { Command, InvalidArgumentError, Option } from "commander";
import { action, interruptSignal, parsePositiveInt, printJson, resolveWorkDir } from "./common.js";

interface PruneOptions {
  out?: string;
  targetParams?: number;
  expertsKeep?: KeepCountOption;
  headsKeep?: KeepCountOption;
  kvGroupsKeep?: KeepCountOption;
  score: "reap" | "reap-sum" | "frequency" | "norm" | "random";
  headScore?: "flap" | "random";
  calib?: string;
  cmmluDir?: string;
  calibTokens?: number;
  calibLength?: number;
  seed?: number;
  biasCompensation: boolean;
  backend: "ort" | "plain";
  workDir?: string;
  dryRun?: boolean;
  json?: boolean;
}

type KeepCountOption = { count: number } | { percent: number };

// Parsers inlined (not imported from src/prune) so that --help loads nothing beyond commander.
function parseKeep(value: string): KeepCountOption {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (percent && Number(percent[1]) > 0 && Number(percent[1]) <= 100) return { percent: Number(percent[1]) };
  const n = Number(value);
  if (/^\d+$/.test(value.trim()) && Number.isSafeInteger(n) && n > 0) return { count: n };
  throw new InvalidArgumentError(`expected a positive count (22) or a share (75%), got ${JSON.stringify(value)}`);
}

function parseTarget(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?(?:[eE]\+?\d+)?)\s*([kKmMbBtT]?)\s*$/.exec(value);
  const scale = match ? { "": 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[match[2].toLowerCase() as "" | "k" | "m" | "b" | "t"] : NaN;
  const n = match ? Number(match[1]) * scale : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a parameter count (15e9, 15B, 900M), got ${JSON.stringify(value)}`);
  return Math.round(n);
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

export function pruneCommand(): Command {
  return new Command("prune")
    .description(
      "prune a gpt-oss checkpoint to a parameter target: experts per layer scored by REAP, query heads by FLAP (uniform per KV group); writes a checkpoint in the original layout",
    )
    .argument("<checkpoint>", "checkpoint directory (config.json, *.safetensors, tokenizer.json); with --dry-run also a model of models/ (its declared shapes)")
    .option("-o, --out <dir>", "output checkpoint directory (must not exist; appears complete or not at all)")
    .option("--target-params <n>", "parameter target (15e9, 15B); picks the expert count closest to it (default 15e9 unless --experts-keep is given; heads alone: --experts-keep 100%)", parseTarget)
    .option("--experts-keep <n|p%>", "experts kept per layer (≥ top-k), instead of a target", parseKeep)
    .option("--heads-keep <n|p%>", "query heads kept per layer: a multiple of the KV heads (every KV group keeps the same number)", parseKeep)
    .option("--kv-groups-keep <n|p%>", "KV groups kept per layer, each with all its query heads (instead of --heads-keep)", parseKeep)
    .addOption(new Option("--score <method>", "expert scoring: REAP, REAP summed over all tokens (REAP × routing frequency: the best on the fixture, docs/quality.md), routing frequency, mean output norm, or seeded random").choices(["reap", "reap-sum", "frequency", "norm", "random"]).default("reap"))
    .addOption(new Option("--head-score <method>", "head scoring: FLAP fluctuation or seeded random (default flap; random with --score random)").choices(["flap", "random"]))
    .option("--calib <file>", "calibration data: a .json of token id lists, or a text file (default: the CMMLU dev questions)")
    .option("--cmmlu-dir <dir>", "local CMMLU copy for the default calibration (default: the Hub dataset, cached in the work dir)")
    .option("--calib-tokens <n>", "calibration token budget (default 16384; the TypeScript forward pass takes minutes per layer at real size on a small CPU)", parsePositiveInt("--calib-tokens"))
    .option("--calib-length <n>", "longest calibration sequence (default 512)", parsePositiveInt("--calib-length"))
    .option("--seed <n>", "seed of the random choices and of the CMMLU subject order", parseSeed)
    .option("--no-bias-compensation", "do not add the removed heads' mean contribution to o_proj's bias")
    .addOption(new Option("--backend <name>", "matrix products of the calibration pass").choices(["ort", "plain"]).default("ort"))
    .option("--work-dir <dir>", "cache and work directory, where the Hub CMMLU dataset is cached (default: $OSS_PREP_HOME or ~/.cache/oss-prep)")
    .option("--dry-run", "print the plan (parameter table, chosen counts) and stop")
    .option("--json", "machine-readable plan or report on stdout")
    .action(
      action(async (checkpoint: string, opts: PruneOptions) => {
        const { UsageError } = await import("../errors.js");
        if (opts.headsKeep && opts.kvGroupsKeep) throw new UsageError("--kv-groups-keep: give --heads-keep or --kv-groups-keep, not both");
        if (opts.targetParams !== undefined && opts.expertsKeep) throw new UsageError("--experts-keep: give --target-params or --experts-keep, not both");
        if (!opts.dryRun && !opts.out) throw new UsageError("--out: required (or --dry-run to print the plan only)");
        const { resolve } = await import("node:path");
        const { planPruningRequest } = await import("../prune/runPruning.js");
        const { renderPrunePlan } = await import("../prune/renderPrunePlan.js");
        const dir = resolve(checkpoint);
        const request = {
          targetParams: opts.targetParams,
          expertsKeep: opts.expertsKeep,
          headsKeep: opts.headsKeep,
          kvGroupsKeep: opts.kvGroupsKeep,
          score: opts.score === "reap-sum" ? ("reap_sum" as const) : opts.score,
          headScore: opts.headScore,
          calib: opts.calib ? resolve(opts.calib) : undefined,
          cmmluDir: opts.cmmluDir ? resolve(opts.cmmluDir) : undefined,
          calibTokens: opts.calibTokens,
          calibLength: opts.calibLength,
          seed: opts.seed,
          biasCompensation: opts.biasCompensation,
          backend: opts.backend,
        };
        const plan = await planPruningRequest({ dir, model: opts.dryRun ? checkpoint : undefined, request });
        if (opts.dryRun) {
          if (opts.json) printJson(plan);
          else process.stdout.write(renderPrunePlan(plan));
          return;
        }
        const { logInfo } = await import("../util/log.js");
        if (!opts.json) process.stdout.write(renderPrunePlan(plan) + "\n");
        else for (const line of renderPrunePlan(plan).trimEnd().split("\n")) logInfo(line);

        const outDir = resolve(opts.out!);
        const { existsSync } = await import("node:fs");
        const { mkdir, rename, rm } = await import("node:fs/promises");
        const { dirname, basename, join } = await import("node:path");
        if (existsSync(outDir)) throw new UsageError(`--out: ${outDir} already exists (remove it or choose another folder)`);
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
