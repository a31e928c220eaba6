import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { vramParams } from "../stages/vram/params.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, printJson } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

/** The command's own options; the rest are the vram stage's in mode measure (src/stages/vram/params.ts). */
export const vramCliOptions = defineParams({
  options: {
    out: { kind: "string", short: "-o", only: "cli", arg: "dir", help: "where vram.json, vram.md, vram.html and runtime.log go (default: <build dir>/vram, or <model>.vram beside the .gguf)" },
    threads: { kind: "integer", min: 1, only: "cli", help: "CPU threads for the runtime (default: the machine's cores)" },
    json: { kind: "boolean", only: "cli", help: "print vram.json's summary on stdout" },
  },
});

export function vramCommand(): Command {
  const command = new Command("vram")
    .description("measure GPU memory phase by phase (load, context, single Q&A, summary, chat, 10×512 prompts, 1/4/8 concurrent) while a runtime serves the model")
    .argument("<input>", "a .gguf file or a build directory");
  return addSchemaOptions({ command, schemas: [vramParams, vramCliOptions] }).action(
    action(async (input: string, _opts: unknown, cmd: Command) => {
      const p = readSchemaOptions({ command: cmd, schema: vramParams });
      const opts = readSchemaOptions({ command: cmd, schema: vramCliOptions });
      const { resolve } = await import("node:path");
      const { resolveVramInput } = await import("../vram/resolveVramInput.js");
      const { listNvidiaGpus } = await import("../vram/listNvidiaGpus.js");
      const { machineThreads } = await import("../util/threads.js");
      const { logInfo } = await import("../util/log.js");
      const { ggufPath, buildDir } = await resolveVramInput(input);
      await listNvidiaGpus({ select: p.gpus }); // no GPU: say so before anything starts
      const { measureVram } = await import("../vram/measureVram.js");
      const { interruptSignal } = await import("./common.js");
      const outDir = resolve(opts.out ?? (buildDir ? resolve(buildDir, "vram") : ggufPath.replace(/\.gguf$/, ".vram")));
      const { report, files } = await measureVram({
        modelPath: ggufPath,
        gpus: p.gpus,
        ctx: p.ctx,
        parallel: p.parallel,
        threads: opts.threads ?? machineThreads(),
        serverCommand: p.server,
        cpuMoeLayers: p.nCpuMoe,
        cacheTypeK: p.cacheType,
        cacheTypeV: p.cacheType,
        mmap: p.mmap,
        outDir,
        signal: interruptSignal(),
        log: logInfo,
      });
      if (opts.json) {
        const { trace: _trace, ...summary } = report;
        printJson({ ...summary, files });
      } else {
        const { renderVramMarkdown } = await import("../vram/renderVramMarkdown.js");
        process.stdout.write(renderVramMarkdown(report));
        process.stdout.write(`\n${files.join("\n")}\n`);
      }
    }),
  );
}
