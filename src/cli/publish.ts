import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { publishParams } from "../stages/publish/params.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, interruptSignal, printJson } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

/** The command's own options; the rest are the publish stage's (src/stages/publish/params.ts). */
export const publishCliOptions = defineParams({
  options: {
    hubUrl: { kind: "string", only: "cli", arg: "url", help: "Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)" },
    token: { kind: "string", only: "cli", arg: "token", help: "write token (default: $HF_TOKEN, else the token `hf auth login` stored); never printed or stored" },
    json: { kind: "boolean", only: "cli", help: "machine-readable result on stdout (with the model card)" },
  },
});

export function publishCommand(): Command {
  const command = new Command("publish")
    .description("publish a build to a Hugging Face Hub repository: its GGUF files, manifest.json and a generated model card")
    .argument("<build dir>", "a build directory (holds manifest.json)");
  return addSchemaOptions({ command, schemas: [publishParams, publishCliOptions] }).action(
    action(async (buildDir: string, _opts: unknown, cmd: Command) => {
      const { repo: repoOption, private: isPrivate, dryRun } = readSchemaOptions({ command: cmd, schema: publishParams });
      const opts = { ...readSchemaOptions({ command: cmd, schema: publishCliOptions }), repo: repoOption!, private: isPrivate, dryRun };
      const { resolve } = await import("node:path");
      const { resolveHubEnvironment } = await import("../hub/resolveHubEnvironment.js");
      const { readBuildForPublish } = await import("../publish/readBuildForPublish.js");
      const { publishToHub } = await import("../hub/publishToHub.js");
      const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
      const { formatBytes } = await import("../util/format.js");
      const { logWarn } = await import("../util/log.js");

      const hub = resolveHubEnvironment({ token: opts.token, hubUrl: opts.hubUrl });
      const signal = interruptSignal();
      const { STAGES } = await import("../stages/index.js");
      const build = await readBuildForPublish({ buildDir: resolve(buildDir), repo: opts.repo, endpoint: hub.endpoint, stages: STAGES, signal });
      let result: Awaited<ReturnType<typeof publishToHub>> | undefined;
      const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
      await runner.run([
        {
          title: `${opts.dryRun ? "dry run: publish" : "publish"} ${build.manifest.variant} of ${build.manifest.model.name} → ${hub.endpoint}/${opts.repo}`,
          run: async (report) => {
            result = await publishToHub({
              repo: opts.repo,
              files: build.files,
              hub,
              private: opts.private,
              dryRun: opts.dryRun,
              commitTitle: `oss-prep: ${build.manifest.variant} of ${build.manifest.model.name}`,
              commitDescription: `Published by oss-prep ${build.manifest.tools.ossPrep} from a build made ${build.manifest.createdAt}.`,
              signal,
              onProgress: (p) => report({ done: p.doneBytes, total: p.totalBytes, unit: "bytes", detail: `${p.phase}${p.file ? ` ${p.file}` : ""}` }),
              onWarning: (m) => logWarn(m),
            });
            const uploads = result.files.filter((f) => f.action === "upload");
            return `${opts.dryRun ? "would upload" : "uploaded"} ${uploads.length} files (${formatBytes(uploads.reduce((n, f) => n + f.size, 0))}), ${result.files.length - uploads.length} unchanged`;
          },
        },
      ]);
      if (!result) return;
      if (opts.json) {
        printJson({ ...result, readme: build.card });
        return;
      }
      const lines = result.files.map((f) => `${(f.action === "upload" ? (opts.dryRun ? "would upload" : "uploaded") : "unchanged").padEnd(13)} ${f.reason.padEnd(8)} ${formatBytes(f.size).padStart(11)}  ${f.path}`);
      if (result.created) lines.unshift(`${opts.dryRun ? "would create" : "created"} ${result.url}${opts.private ? " (private)" : ""}`);
      if (result.commit) lines.push(`commit ${result.commit.oid}: ${result.commit.url}`);
      else if (!opts.dryRun) lines.push(`nothing to upload: ${result.url} already has this build`);
      if (opts.dryRun) lines.push("", "README.md (model card):", "", build.card);
      process.stdout.write(`${lines.join("\n")}\n`);
    }),
  );
}
