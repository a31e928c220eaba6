import { Command, Option } from "commander";
import { action, printJson } from "./common.js";

// Literal copies of QUANTIZE_TYPE_NAMES / EXPERT_POLICIES: importing them would load the quantizer for --help.
const TYPES = ["Q5_K_M", "Q4_K_M", "Q5_K_S", "Q4_K_S", "Q6_K", "Q8_0", "MXFP4_MOE", "F16", "BF16"];

export function quantizeCommand(): Command {
  return new Command("quantize")
    .description("quantize a gpt-oss checkpoint or GGUF to a GGUF identical to llama.cpp's llama-quantize output, in one streaming pass")
    .argument("<input>", "checkpoint directory, or a gpt-oss .gguf (F32/F16/BF16, MXFP4 experts or not)")
    .requiredOption("--type <type>", `quantization type: ${TYPES.join(", ")}`)
    .addOption(
      new Option("--experts <policy>", "keep: copy the MXFP4 experts bit-exactly; requant: dequantize and quantize them by the recipe (llama-quantize --allow-requantize)")
        .choices(["keep", "requant"])
        .default("keep"),
    )
    .option("--imatrix <file>", "importance matrix (llama.cpp imatrix GGUF) passed to the kernels")
    .requiredOption("-o, --output <file>", "output .gguf file (written atomically)")
    .option("--json", "machine-readable summary on stdout")
    .action(
      action(async (input: string, opts: { type: string; experts: string; imatrix?: string; output: string; json?: boolean }) => {
        const { resolve } = await import("node:path");
        const { quantizeTypeFromName } = await import("../quant/recipe/quantizeTypes.js");
        quantizeTypeFromName(opts.type); // a usage error before any work
        const { quantizeModel } = await import("../quant/quantizeModel.js");
        const { summarizeQuantization } = await import("../quant/summarizeQuantization.js");
        const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
        const { formatBytes } = await import("../util/format.js");
        const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
        let summary: ReturnType<typeof summarizeQuantization> | undefined;
        await runner.run([
          {
            title: `quantize ${input} → ${opts.output} (${opts.type.toUpperCase()}, experts ${opts.experts})`,
            run: async (report) => {
              const result = await quantizeModel({
                input: resolve(input),
                outPath: resolve(opts.output),
                type: opts.type,
                experts: opts.experts,
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
