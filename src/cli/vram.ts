import { Command, InvalidArgumentError } from "commander";
import { action, parsePositiveInt, printJson } from "./common.js";

export function parseGpuList(value: string): number[] {
  const list = value.split(",").map((s) => s.trim());
  if (list.length === 0 || list.some((s) => !/^\d+$/.test(s))) throw new InvalidArgumentError(`expected GPU indices like 0 or 0,1, got ${JSON.stringify(value)}`);
  const indices = list.map(Number);
  if (new Set(indices).size !== indices.length) throw new InvalidArgumentError(`a GPU is named twice in ${JSON.stringify(value)}`);
  return indices;
}

export function vramCommand(): Command {
  return new Command("vram")
    .description("measure GPU memory phase by phase (load, context, single Q&A, summary, chat, 10×512 prompts, 1/4/8 concurrent) while a runtime serves the model")
    .argument("<input>", "a .gguf file or a build directory")
    .option("--gpus <list>", "GPU indices (nvidia-smi's), e.g. 0 or 0,1; layers are split across them (default: all)", parseGpuList)
    .option("--ctx <n>", "KV cache size in tokens (llama-server's -c; per sequence for node-llama-cpp)", parsePositiveInt("--ctx"), 4096)
    .option("--parallel <n>", "parallel sequences (the workload runs up to 8 at once)", parsePositiveInt("--parallel"), 8)
    .option("--server <command>", "an OpenAI-compatible server command instead of node-llama-cpp; {model} {port} {ctx} {parallel} {threads} are substituted")
    .option("--out <dir>", "where vram.json, vram.md, vram.html and runtime.log go (default: <build dir>/vram, or <model>.vram beside the .gguf)")
    .option("--threads <n>", "CPU threads for the runtime (default: the machine's cores)", parsePositiveInt("--threads"))
    .option("--json", "print vram.json's summary on stdout")
    .action(
      action(async (input: string, opts: { gpus?: number[]; ctx: number; parallel: number; server?: string; out?: string; threads?: number; json?: boolean }) => {
        const { resolve } = await import("node:path");
        const { resolveVramInput } = await import("../vram/resolveVramInput.js");
        const { listNvidiaGpus } = await import("../vram/listNvidiaGpus.js");
        const { machineThreads } = await import("../util/threads.js");
        const { logInfo } = await import("../util/log.js");
        const { ggufPath, buildDir } = await resolveVramInput(input);
        await listNvidiaGpus({ select: opts.gpus }); // no GPU: say so before anything starts
        const { measureVram } = await import("../vram/measureVram.js");
        const { interruptSignal } = await import("./common.js");
        const outDir = resolve(opts.out ?? (buildDir ? resolve(buildDir, "vram") : ggufPath.replace(/\.gguf$/, ".vram")));
        const { report, files } = await measureVram({
          modelPath: ggufPath,
          gpus: opts.gpus,
          ctx: opts.ctx,
          parallel: opts.parallel,
          threads: opts.threads ?? machineThreads(),
          serverCommand: opts.server,
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
