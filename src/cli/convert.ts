import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { convertParams } from "../stages/convert/params.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, interruptSignal, printJson } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

/** The command's own options; the rest are the convert stage's (src/stages/convert/params.ts). */
export const convertCliOptions = defineParams({
  options: {
    output: { kind: "string", short: "-o", flag: "--out", aliases: ["--output"], only: "cli", required: true, arg: "file", help: "output .gguf file (written atomically)" },
    json: { kind: "boolean", only: "cli", help: "machine-readable summary on stdout" },
  },
});

export function convertCommand(): Command {
  const command = new Command("convert")
    .description("convert a gpt-oss safetensors checkpoint to GGUF, exactly as llama.cpp's convert_hf_to_gguf.py does")
    .argument("<checkpoint>", "checkpoint directory (config.json, *.safetensors, tokenizer.json)");
  return addSchemaOptions({ command, schemas: [convertParams, convertCliOptions] }).action(
    action(async (dir: string, _opts: unknown, cmd: Command) => {
      const params = readSchemaOptions({ command: cmd, schema: convertParams });
      const opts = readSchemaOptions({ command: cmd, schema: convertCliOptions });
      const { convertCheckpoint } = await import("../convert/convertCheckpoint.js");
      const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
      const { formatBytes } = await import("../util/format.js");
      const { resolve } = await import("node:path");
      const { checkOutputFile } = await import("../util/checkOutputPath.js");
      await checkOutputFile({ path: opts.output, option: "-o", inputs: [dir] });
      // Ctrl-C / SIGTERM abort the writer, which removes its temporary file (it was left behind)
      const signal = interruptSignal();
      const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
      let summary: unknown;
      await runner.run([
        {
          title: `convert ${dir} → ${opts.output} (${params.outtype})`,
          run: async (report) => {
            const t0 = performance.now();
            const result = await convertCheckpoint({
              dir: resolve(dir),
              outPath: resolve(opts.output),
              outtype: params.outtype,
              signal,
              dequantizeExperts: params.dequantizeExperts,
              onProgress: (p) => report({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: p.tensor }),
            });
            summary = {
              output: result.path,
              fileBytes: result.fileBytes,
              seconds: (performance.now() - t0) / 1000,
              tensors: result.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, bytes: t.bytes })),
            };
            return `${result.tensors.length} tensors, ${formatBytes(result.fileBytes)}`;
          },
        },
      ]);
      if (opts.json) printJson(summary);
    }),
  );
}
