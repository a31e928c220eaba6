import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, interruptSignal, printJson, resolveWorkDir } from "./common.js";
import { fitCliOptions } from "./fit.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

/**
 * The command's options. Stage params come from the pipeline file; --publish-to and --cmmlu-dir
 * override the publish and eval stages' and are validated by those stages' schemas.
 */
export const buildCliOptions = defineParams({
  options: {
    variant: { kind: "string", only: "cli", arg: "name", help: "variant to build (see `oss-prep list`), or a pipeline .yaml file (or --fit)" },
    fit: { kind: "string", only: "cli", arg: "gpus", help: "build what `oss-prep fit --gpus <gpus>` picks (with --ctx, --parallel, --ram, --prefer) instead of a --variant" },
    // the fit request, declared once with `oss-prep fit`
    ctx: { ...fitCliOptions.options.ctx, help: "with --fit: tokens of context each sequence can use" },
    parallel: { ...fitCliOptions.options.parallel, help: "with --fit: parallel sequences" },
    ram: { ...fitCliOptions.options.ram, help: "with --fit: host RAM for experts kept on the CPU" },
    prefer: { ...fitCliOptions.options.prefer, help: "with --fit: rank by quality (default) or decode speed" },
    model: { kind: "string", only: "cli", default: "gpt-oss-20b", arg: "name|dir", help: "model: a known name (gpt-oss-20b, demo) or a local checkpoint directory" },
    out: { kind: "string", short: "-o", only: "cli", arg: "dir", help: "directory for the artifacts and manifest.json (default: <work dir>/builds/<model>-<variant>)" },
    only: { kind: "list", only: "cli", arg: "stage", help: "run only these stages (ids or names); others are taken from the cache" },
    force: { kind: "boolean", only: "cli", help: "re-run the selected stages even when cached" },
    verify: { kind: "boolean", only: "cli", help: "re-hash every input and cached file instead of trusting size/mtime/inode (catches bit rot; reads everything once)" },
    publishTo: { kind: "string", only: "cli", arg: "org/name", help: "Hub repository for the publish stage (token from HF_TOKEN)" },
    cmmluDir: { kind: "string", only: "cli", arg: "dir", help: "local CMMLU copy (dev/, test/, subjects.json) for the eval stage and the prune calibration instead of the Hub dataset" },
    subjects: { kind: "list", only: "cli", arg: "names", help: "the eval stage's subjects or categories (as `oss-prep eval --subjects`)" },
    perSubject: { kind: "integer", min: 1, only: "cli", help: "the eval stage's questions per subject (as `oss-prep eval --per-subject`): a quicker eval" },
    strict: { kind: "boolean", only: "cli", help: "fail when an optional stage cannot run here (no GPU, offline, no repository) instead of skipping it" },
    workDir: { kind: "string", only: "cli", arg: "dir", help: "cache and work directory (default: $OSS_PREP_HOME or ~/.cache/oss-prep)" },
    json: { kind: "boolean", only: "cli", help: "print the build manifest as JSON on stdout" },
  },
});

export function buildCommand(): Command {
  const command = new Command("build").description("build a deployable variant: run the variant's pipeline stages, resuming from the cache");
  return addSchemaOptions({ command, schemas: [buildCliOptions] }).action(
    action(async (_opts: unknown, cmd: Command) => {
      const opts = readSchemaOptions({ command: cmd, schema: buildCliOptions });
      const { resolvePipeline } = await import("../pipeline/pipelineSpec.js");
      const { resolveModel } = await import("../pipeline/modelSpec.js");
      const { runBuild } = await import("../pipeline/runBuild.js");
      const { resolve } = await import("node:path");
      const { STAGES } = await import("../stages/index.js");
      const { UsageError } = await import("../errors.js");
      if ((opts.variant === undefined) === (opts.fit === undefined)) throw new UsageError("give --variant <name> or --fit <gpus> (e.g. --fit 1x12GB)");
      const workDir = resolveWorkDir(opts.workDir);
      let fitRecord: import("../pipeline/manifest.js").BuildFitRecord | undefined;
      let variant = opts.variant ?? "";
      if (opts.fit !== undefined) {
        const { pipelineForFit } = await import("../plan/pipelineForFit.js");
        const fitted = await pipelineForFit({
          model: opts.model,
          gpuSpec: opts.fit,
          request: { ctx: opts.ctx, parallel: opts.parallel, ramMiB: opts.ram as number | undefined, prefer: opts.prefer as "quality" | "speed" },
          workDir,
        });
        variant = fitted.pipelineFile;
        fitRecord = fitted.record;
        const { logInfo } = await import("../util/log.js");
        logInfo(`fit ${opts.fit}: ${fitted.record.choice}\n  why: ${fitted.record.reason}\n  run: ${fitted.record.commandLine}`);
      }
      const pipeline = await resolvePipeline(variant, STAGES);
      // command-line values for stage parameters, validated by the stage like the pipeline file's
      const override = async (stageNames: string | string[], flag: string, values: Record<string, unknown>) => {
        const names = ([] as string[]).concat(stageNames);
        const targets = pipeline.stages.filter((s) => names.includes(s.definition.name));
        if (targets.length === 0) throw new UsageError(`${flag}: variant ${pipeline.name} has no ${names.join(" or ")} stage`);
        for (const stage of targets) {
          stage.rawParams = { ...stage.rawParams, ...values };
          try {
            stage.params = stage.definition.parseParams(stage.rawParams, { file: flag, key: stage.id });
          } catch (error) {
            // a bad value on the command line is a usage error (exit 2), as for every other option
            throw new UsageError((error as Error).message);
          }
        }
      };
      // --publish-to means publish: the variants' pipelines dry-run by default
      if (opts.publishTo) await override("publish", "--publish-to", { repo: opts.publishTo, dry_run: false });
      // the CMMLU copy serves the eval and the prune calibration alike
      if (opts.cmmluDir) await override(["eval", "prune"], "--cmmlu-dir", { cmmlu_dir: resolve(opts.cmmluDir) });
      // the eval selection, as on `oss-prep eval` (validated by the eval stage's schema)
      if (opts.subjects) await override("eval", "--subjects", { subjects: opts.subjects });
      if (opts.perSubject !== undefined) await override("eval", "--per-subject", { per_subject: opts.perSubject });
      const model = await resolveModel(opts.model);
      const result = await runBuild({
        pipeline,
        model,
        workDir,
        fit: fitRecord,
        outDir: opts.out ? resolve(opts.out) : undefined,
        only: opts.only,
        force: opts.force,
        verify: opts.verify,
        strict: opts.strict,
        signal: interruptSignal(),
      });
      if (opts.json) printJson(result.manifest);
      else {
        const { renderBuildSummary } = await import("../pipeline/renderManifest.js");
        // the result on stdout (progress and logs went to stderr)
        process.stdout.write(renderBuildSummary(result.manifest, result.buildDir));
      }
    }),
  );
}
