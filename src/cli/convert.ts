import { Command, Option } from "commander";
import { action, printJson } from "./common.js";

export function convertCommand(): Command {
  return new Command("convert")
    .description("convert a gpt-oss safetensors checkpoint to GGUF, exactly as llama.cpp's convert_hf_to_gguf.py does")
    .argument("<checkpoint>", "checkpoint directory (config.json, *.safetensors, tokenizer.json)")
    .addOption(new Option("--outtype <type>", "type of the non-expert weights").choices(["bf16", "f16", "f32"]).default("bf16"))
    .option("--dequantize-experts", "write the MXFP4 experts at the outtype instead of copying them")
    .requiredOption("-o, --output <file>", "output .gguf file (written atomically)")
    .option("--json", "machine-readable summary on stdout")
    .action(
      action(async (dir: string, opts: { outtype: "bf16" | "f16" | "f32"; dequantizeExperts?: boolean; output: string; json?: boolean }) => {
        const { convertCheckpoint } = await import("../convert/convertCheckpoint.js");
        const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
        const { formatBytes } = await import("../util/format.js");
        const { resolve } = await import("node:path");
        const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
        let summary: unknown;
        await runner.run([
          {
            title: `convert ${dir} → ${opts.output} (${opts.outtype})`,
            run: async (report) => {
              const t0 = performance.now();
              const result = await convertCheckpoint({
                dir: resolve(dir),
                outPath: resolve(opts.output),
                outtype: opts.outtype,
                dequantizeExperts: opts.dequantizeExperts,
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
