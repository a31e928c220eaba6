import { Command } from "commander";
import { action, interruptSignal, printJson, resolveWorkDir } from "./common.js";

export function buildCommand(): Command {
  return new Command("build")
    .description("build a deployable variant: run the variant's pipeline stages, resuming from the cache")
    .requiredOption("--variant <name>", "variant to build (see `oss-prep list`), or a pipeline .yaml file")
    .option("--model <name|dir>", "model: a known name (gpt-oss-20b, demo) or a local checkpoint directory", "gpt-oss-20b")
    .option("--out <dir>", "directory for the artifacts and manifest.json (default: <work dir>/builds/<model>-<variant>)")
    .option("--only <stage...>", "run only these stages (ids or names); others are taken from the cache")
    .option("--force", "re-run the selected stages even when cached")
    .option("--publish-to <org/name>", "Hub repository for the publish stage (token from HF_TOKEN)")
    .option("--cmmlu-dir <dir>", "local CMMLU copy (dev/, test/, subjects.json) for the eval stage instead of the Hub dataset")
    .option("--strict", "fail when an optional stage cannot run here (no GPU, offline, no repository) instead of skipping it")
    .option("--work-dir <dir>", "cache and work directory (default: $OSS_PREP_HOME or ~/.cache/oss-prep)")
    .option("--json", "print the build manifest as JSON on stdout")
    .action(
      action(async (opts: { variant: string; model: string; out?: string; only?: string[]; force?: boolean; publishTo?: string; cmmluDir?: string; strict?: boolean; workDir?: string; json?: boolean }) => {
        const { resolvePipeline } = await import("../pipeline/pipelineSpec.js");
        const { resolveModel } = await import("../pipeline/modelSpec.js");
        const { runBuild } = await import("../pipeline/runBuild.js");
        const { resolve } = await import("node:path");
        const { STAGES } = await import("../stages/index.js");
        const pipeline = await resolvePipeline(opts.variant, STAGES);
        // command-line values for stage parameters, validated by the stage like the pipeline file's
        const override = async (stageName: string, flag: string, values: Record<string, unknown>) => {
          const { UsageError } = await import("../errors.js");
          const targets = pipeline.stages.filter((s) => s.definition.name === stageName);
          if (targets.length === 0) throw new UsageError(`${flag}: variant ${pipeline.name} has no ${stageName} stage`);
          for (const stage of targets) {
            stage.rawParams = { ...stage.rawParams, ...values };
            stage.params = stage.definition.parseParams(stage.rawParams, { file: flag, key: stage.id });
          }
        };
        if (opts.publishTo) await override("publish", "--publish-to", { repo: opts.publishTo });
        if (opts.cmmluDir) await override("eval", "--cmmlu-dir", { cmmlu_dir: resolve(opts.cmmluDir) });
        const model = await resolveModel(opts.model);
        const result = await runBuild({
          pipeline,
          model,
          workDir: resolveWorkDir(opts.workDir),
          outDir: opts.out ? resolve(opts.out) : undefined,
          only: opts.only,
          force: opts.force,
          strict: opts.strict,
          signal: interruptSignal(),
        });
        if (opts.json) printJson(result.manifest);
        else {
          const { renderBuildSummary } = await import("../pipeline/renderManifest.js");
          process.stderr.write(renderBuildSummary(result.manifest, result.buildDir));
        }
      }),
    );
}
