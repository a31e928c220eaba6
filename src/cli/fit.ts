import { Command } from "commander";
import { defineParams, ParamProblem } from "../pipeline/paramSchema.js";
import { vramParams } from "../stages/vram/params.js";
import { parseMemorySize } from "../util/parseMemorySize.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, printJson } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

export const fitCliOptions = defineParams({
  options: {
    gpus: { kind: "string", required: true, only: "cli", arg: "spec", help: "your GPUs, e.g. 1x8GB, 1x12GB, 2x24GB, 1x80GB or 24GB,16GB" },
    model: { kind: "string", only: "cli", arg: "name|dir", default: "gpt-oss-20b", help: "gpt-oss-20b, gpt-oss-120b, demo (models/) or a checkpoint directory" },
    ctx: { ...vramParams.options.ctx, help: "tokens of context each sequence can use" },
    parallel: vramParams.options.parallel,
    ram: {
      kind: "custom",
      parse: (value) => (typeof value === "string" ? parseMemorySize(value) : undefined) ?? new ParamProblem("expected a memory size like 32GB or 65536MiB"),
      only: "cli",
      arg: "size",
      help: "host RAM llama.cpp may use for experts kept on the CPU (default: not limited; the RAM needed is shown)",
    },
    prefer: { kind: "enum", choices: ["quality", "speed"], default: "quality", only: "cli", help: "rank by measured quality cost first (then decode speed), or by decode speed first" },
    top: { kind: "integer", min: 1, max: 200, default: 10, only: "cli", arg: "n", help: "candidates listed" },
    overhead: { kind: "integer", min: 1, only: "cli", arg: "MiB", help: "runtime overhead per GPU (CUDA context, cuBLAS, pool); default measured on H200" },
    json: { kind: "boolean", only: "cli", help: "every candidate, machine-readable, on stdout" },
  },
});

export function fitCommand(): Command {
  const command = new Command("fit").description(
    "which gpt-oss variant to run on your GPUs: plans every quantization × expert policy × experts kept × KV type with the fewest experts on the CPU that fits, ranked by measured quality cost and decode speed",
  );
  return addSchemaOptions({ command, schemas: [fitCliOptions] }).action(
    action(async (_opts: unknown, cmd: Command) => {
      const opts = readSchemaOptions({ command: cmd, schema: fitCliOptions });
      const { parseGpuSpec } = await import("../vram/parseGpuSpec.js");
      const { loadModelShapes } = await import("../plan/loadModelShapes.js");
      const { fitVariants } = await import("../plan/fitVariants.js");
      const gpus = parseGpuSpec(opts.gpus);
      const model = await loadModelShapes({ model: opts.model });
      const result = fitVariants({
        model,
        request: { gpus, ctx: opts.ctx, parallel: opts.parallel, ramMiB: opts.ram as number | undefined, prefer: opts.prefer as "quality" | "speed", runtimeOverheadMiB: opts.overhead },
      });
      if (opts.json) {
        printJson(result);
        return;
      }
      const { renderFitResult } = await import("../plan/renderFitResult.js");
      const buildHint = `oss-prep build --fit ${opts.gpus} --model ${opts.model} --ctx ${opts.ctx} --parallel ${opts.parallel}${opts.ram ? ` --ram ${opts.ram}MiB` : ""}`;
      process.stdout.write(renderFitResult({ result, top: opts.top, gpuSpec: opts.gpus, buildHint }));
    }),
  );
}
