import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { vramParams } from "../stages/vram/params.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, printJson } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

export const planCliOptions = defineParams({
  options: {
    variant: { kind: "string", only: "cli", arg: "name", help: "variant (pipelines/<name>.yaml) whose quantization type plan is used; not needed with a .gguf" },
    model: { kind: "string", only: "cli", arg: "name|dir|file.gguf", default: "gpt-oss-20b", help: "a model of models/, a checkpoint directory, or a GGUF file" },
    gpus: { kind: "string", required: true, only: "cli", arg: "spec", help: "GPUs, e.g. 1x24GB, 2x24GB, 1x80GB, 2x81559MiB or 24GB,16GB" },
    // the same KV-cache size the vram stage measures with: one option, one range
    ctx: vramParams.options.ctx,
    parallel: { kind: "integer", min: 1, default: 1, only: "cli", help: "parallel sequences (llama-server's -np)" },
    runtime: {
      kind: "enum",
      choices: ["llama-server", "node-llama-cpp"],
      default: "llama-server",
      only: "cli",
      help: "llama-server: one KV cache shared by the sequences (--kv-unified); node-llama-cpp: --ctx tokens per sequence",
    },
    // the same placement options the vram stage measures with
    nCpuMoe: vramParams.options.nCpuMoe,
    cacheType: vramParams.options.cacheType,
    mmap: vramParams.options.mmap,
    ubatch: { kind: "integer", min: 1, only: "cli", help: "physical batch size (llama.cpp's n_ubatch)" },
    overhead: { kind: "integer", min: 1, only: "cli", arg: "MiB", help: "runtime overhead per GPU (CUDA context, cuBLAS, memory pool); default measured on H200" },
    json: { kind: "boolean", only: "cli", help: "machine-readable plan on stdout" },
  },
});

export function planCommand(): Command {
  const command = new Command("plan").description(
    "estimate the GPU memory a variant needs (weights + KV cache + compute buffers + runtime), per GPU, and whether it fits; no GPU or weights needed",
  );
  return addSchemaOptions({ command, schemas: [planCliOptions] }).action(
    action(async (_opts: unknown, cmd: Command) => {
      const opts = readSchemaOptions({ command: cmd, schema: planCliOptions });
      const { parseGpuSpec } = await import("../vram/parseGpuSpec.js");
      const gpus = parseGpuSpec(opts.gpus);
      const { resolvePlanInputs } = await import("../plan/resolvePlanInputs.js");
      const { planVram } = await import("../vram/planVram.js");
      const inputs = await resolvePlanInputs({ model: opts.model, variant: opts.variant });
      const nodeLlamaCpp = opts.runtime === "node-llama-cpp";
      const planParams = {
        model: inputs.model,
        tensors: inputs.tensors,
        gpus,
        ctx: opts.ctx,
        parallel: opts.parallel,
        kvUnified: !nodeLlamaCpp,
        // node-llama-cpp adds one token to the batch of models with sliding-window attention
        ubatch: opts.ubatch ?? (nodeLlamaCpp && inputs.model.slidingWindow > 0 ? 513 : 512),
        runtimeOverheadMiB: opts.overhead,
        cpuMoeLayers: opts.nCpuMoe,
        cacheTypeK: opts.cacheType,
        cacheTypeV: opts.cacheType,
        mmap: opts.mmap,
      };
      const plan = planVram(planParams);
      if (nodeLlamaCpp && plan.settings.cpuMoeLayers > 0) {
        const { UsageError } = await import("../errors.js");
        throw new UsageError("--n-cpu-moe: node-llama-cpp cannot keep experts on the CPU (it exposes no tensor overrides); plan for llama-server");
      }
      const { llamaServerArgs } = await import("../vram/llamaServerArgs.js");
      // the command line under which the estimate holds (node-llama-cpp: the same settings through its API)
      const command = nodeLlamaCpp ? undefined : `llama-server -m <model.gguf> ${llamaServerArgs(plan.settings).join(" ")}`;
      // does not fit: say what would, with this GGUF (the whole search over variants is `oss-prep fit`)
      let suggestions: import("../plan/suggestPlanAlternatives.js").PlanSuggestion[] = [];
      if (!plan.fits && !nodeLlamaCpp) {
        const { suggestPlanAlternatives } = await import("../plan/suggestPlanAlternatives.js");
        suggestions = suggestPlanAlternatives({ ...planParams, cpuMoeLayers: plan.settings.cpuMoeLayers });
      }
      if (opts.json) printJson({ model: inputs.description, ...plan, ...(command ? { command } : {}), ...(!plan.fits && { suggestions }) });
      else {
        const { renderVramPlan } = await import("../vram/renderVramPlan.js");
        process.stdout.write(renderVramPlan(plan, inputs.description));
        if (!plan.fits) {
          const mib = (x: number) => Math.round(x).toLocaleString("en-US");
          for (const s of suggestions) process.stdout.write(`It would fit with ${s.change}: ${mib(s.fullestGpuMiB)} MiB on the fullest GPU, ${mib(s.hostMiB)} MiB of host memory.\n`);
          process.stdout.write(`Every variant for these GPUs, ranked: oss-prep fit --gpus ${opts.gpus} --ctx ${opts.ctx} --parallel ${opts.parallel}${opts.model === "gpt-oss-20b" ? "" : ` --model ${opts.model}`}\n`);
        }
        if (command) process.stdout.write(`\nllama-server command line: ${command}\n`);
      }
    }),
  );
}
