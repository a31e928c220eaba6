import { Command, Option } from "commander";
import { action, parsePositiveInt, printJson } from "./common.js";

export function planCommand(): Command {
  return new Command("plan")
    .description("estimate the GPU memory a variant needs (weights + KV cache + compute buffers + runtime), per GPU, and whether it fits; no GPU or weights needed")
    .option("--variant <name>", "variant (pipelines/<name>.yaml) whose quantization type plan is used; not needed with a .gguf")
    .option("--model <name|dir|file.gguf>", "a model of models/, a checkpoint directory, or a GGUF file", "gpt-oss-20b")
    .requiredOption("--gpus <spec>", "GPUs, e.g. 1x24GB, 2x24GB, 1x80GB, 2x81559MiB or 24GB,16GB")
    .option("--ctx <n>", "KV cache size in tokens (llama-server's -c)", parsePositiveInt("--ctx"), 4096)
    .option("--parallel <n>", "parallel sequences (llama-server's -np)", parsePositiveInt("--parallel"), 1)
    .addOption(new Option("--runtime <name>", "llama-server: one KV cache shared by the sequences (--kv-unified); node-llama-cpp: --ctx tokens per sequence").choices(["llama-server", "node-llama-cpp"]).default("llama-server"))
    .option("--ubatch <n>", "physical batch size (llama.cpp's n_ubatch)", parsePositiveInt("--ubatch"))
    .option("--overhead <MiB>", "runtime overhead per GPU (CUDA context, cuBLAS, memory pool); default measured on H200", parsePositiveInt("--overhead"))
    .option("--json", "machine-readable plan on stdout")
    .action(
      action(async (opts: { variant?: string; model: string; gpus: string; ctx: number; parallel: number; runtime: string; ubatch?: number; overhead?: number; json?: boolean }) => {
        const { parseGpuSpec } = await import("../vram/parseGpuSpec.js");
        const gpus = parseGpuSpec(opts.gpus);
        const { resolvePlanInputs } = await import("../plan/resolvePlanInputs.js");
        const { planVram } = await import("../vram/planVram.js");
        const inputs = await resolvePlanInputs({ model: opts.model, variant: opts.variant });
        const nodeLlamaCpp = opts.runtime === "node-llama-cpp";
        const plan = planVram({
          model: inputs.model,
          tensors: inputs.tensors,
          gpus,
          ctx: opts.ctx,
          parallel: opts.parallel,
          kvUnified: !nodeLlamaCpp,
          // node-llama-cpp adds one token to the batch of models with sliding-window attention
          ubatch: opts.ubatch ?? (nodeLlamaCpp && inputs.model.slidingWindow > 0 ? 513 : 512),
          runtimeOverheadMiB: opts.overhead,
        });
        if (opts.json) printJson({ model: inputs.description, ...plan });
        else {
          const { renderVramPlan } = await import("../vram/renderVramPlan.js");
          process.stdout.write(renderVramPlan(plan, inputs.description));
        }
      }),
    );
}
