import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { quantizeParams } from "../stages/quantize/params.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, interruptSignal, printJson } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

/** The command's own options; the rest are the quantize stage's (src/stages/quantize/params.ts). */
export const quantizeCliOptions = defineParams({
  options: {
    imatrix: { kind: "string", only: "cli", arg: "file", help: "importance matrix (llama.cpp imatrix GGUF) passed to the kernels" },
    output: { kind: "string", short: "-o", flag: "--out", aliases: ["--output"], only: "cli", required: true, arg: "file", help: "output .gguf file (written atomically)" },
    json: { kind: "boolean", only: "cli", help: "machine-readable summary on stdout" },
  },
});

export function quantizeCommand(): Command {
  const command = new Command("quantize")
    .description("quantize a gpt-oss checkpoint or GGUF to a GGUF identical to llama.cpp's llama-quantize output, in one streaming pass")
    .argument("<input>", "checkpoint directory, or a gpt-oss .gguf (F32/F16/BF16, MXFP4 experts or not)");
  return addSchemaOptions({ command, schemas: [quantizeParams, quantizeCliOptions] }).action(
    action(async (input: string, _opts: unknown, cmd: Command) => {
      // a usage error before any work
      const { type, experts } = readSchemaOptions({ command: cmd, schema: quantizeParams });
      const opts = readSchemaOptions({ command: cmd, schema: quantizeCliOptions });
      const { resolve } = await import("node:path");
      const { quantizeModel } = await import("../quant/quantizeModel.js");
      const { summarizeQuantization } = await import("../quant/summarizeQuantization.js");
      const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
      const { formatBytes } = await import("../util/format.js");
      const { checkOutputFile } = await import("../util/checkOutputPath.js");
      await checkOutputFile({ path: opts.output, option: "-o", inputs: [input, ...(opts.imatrix ? [opts.imatrix] : [])] });
      const signal = interruptSignal();
      const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
      let summary: ReturnType<typeof summarizeQuantization> | undefined;
      await runner.run([
        {
          title: `quantize ${input} → ${opts.output} (${type}, experts ${experts})`,
          run: async (report) => {
            const result = await quantizeModel({
              input: resolve(input),
              outPath: resolve(opts.output),
              type,
              experts,
              signal,
              // kept as given: llama-quantize records the argument in quantize.imatrix.file
              imatrixPath: opts.imatrix,
              onProgress: (p) => report({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: p.tensor }),
            });
            summary = summarizeQuantization(result);
            return `${formatBytes(result.fileBytes)}, ${result.bitsPerWeight.toFixed(3)} bits per weight`;
          },
        },
      ]);
      if (opts.json) {
        const { text: _text, ...rest } = summary!;
        printJson(rest);
      } else process.stdout.write(`${summary!.text}\n`);
    }),
  );
}
