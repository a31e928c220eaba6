import { Command, Option } from "commander";
import { action, interruptSignal, parsePositiveInt, printJson } from "./common.js";

export function awqCommand(): Command {
  return new Command("awq")
    .description("AWQ 4-bit: calibrate gpt-oss in TypeScript, search per-channel scales and clipping, write a GGUF (Q4_1 carrying the AWQ grid) and an AutoAWQ GEMM checkpoint")
    .argument("<checkpoint>", "original gpt-oss checkpoint directory (bf16 dense layers, MXFP4 experts)")
    .addOption(new Option("--group <size>", "input channels per quantization group").choices(["32", "64"]).default("32"))
    .addOption(new Option("--experts <policy>", "keep: MXFP4 experts copied bit-exactly; awq: dequantized and AWQ-quantized too").choices(["keep", "awq"]).default("keep"))
    .addOption(new Option("--method <method>", "awq, or rtn: round-to-nearest on the same grid (α = 0, no clipping), the baseline").choices(["awq", "rtn"]).default("awq"))
    .option("--calib <file>", "calibration text (.txt, .jsonl with a text field, .json array); default the built-in set")
    .option("--samples <n>", "calibration sequences", parsePositiveInt("--samples"), 16)
    .option("--seqlen <n>", "tokens per calibration sequence", parsePositiveInt("--seqlen"), 512)
    .option("--no-clip", "skip the clipping search after the scale search")
    .addOption(new Option("--backend <backend>", "matrix products: onnxruntime-node (ort), plain TypeScript, or ort when it loads").choices(["auto", "ort", "plain"]).default("auto"))
    .requiredOption("-o, --output <dir>", "folder for <name>-awq-g32.gguf and the <name>-awq-g32/ checkpoint")
    .option("--json", "machine-readable summary on stdout")
    .action(
      action(
        async (
          checkpoint: string,
          opts: { group: string; experts: "keep" | "awq"; method: "awq" | "rtn"; calib?: string; samples: number; seqlen: number; clip: boolean; backend: "auto" | "ort" | "plain"; output: string; json?: boolean },
        ) => {
          const { resolve } = await import("node:path");
          const { mkdir } = await import("node:fs/promises");
          const { quantizeAwq } = await import("../awq/quantizeAwq.js");
          const { formatAwqLayer, summarizeAwq } = await import("../awq/summarizeAwq.js");
          const { logInfo } = await import("../util/log.js");
          const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
          const outDir = resolve(opts.output);
          await mkdir(outDir, { recursive: true });
          const signal = interruptSignal();
          let nLayers = 0;
          let report: ((update: import("../pipeline/types.js").ProgressUpdate) => void) | undefined;
          const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
          const live = !(runner instanceof PlainStepRunner);
          let result: Awaited<ReturnType<typeof quantizeAwq>> | undefined;
          await runner.run([
            {
              title: `awq ${checkpoint} → ${opts.output} (${opts.method}, group ${opts.group}, experts ${opts.experts})`,
              run: async (update) => {
                report = update;
                result = await quantizeAwq({
                  dir: resolve(checkpoint),
                  outDir,
                  groupSize: Number(opts.group),
                  experts: opts.experts,
                  method: opts.method,
                  clip: opts.clip,
                  calibFile: opts.calib ? resolve(opts.calib) : undefined,
                  samples: opts.samples,
                  seqlen: opts.seqlen,
                  backend: opts.backend,
                  signal,
                  log: logInfo,
                  onProgress: (p) => {
                    if (p.phase === "forward") {
                      nLayers = p.nLayers;
                      report?.({ done: p.layer, total: p.nLayers, unit: "layers", detail: `layer ${p.layer + 1}: ${p.detail}` });
                    } else if (p.phase === "layer") {
                      nLayers = p.nLayers;
                      // a line per finished layer in plain logs; the live task list shows the latest (the summary lists them all)
                      const line = formatAwqLayer(p.report, p.nLayers);
                      if (live) report?.({ done: p.layer + 1, total: p.nLayers, unit: "layers", detail: line });
                      else {
                        logInfo(line);
                        report?.({ done: p.layer + 1, total: p.nLayers, unit: "layers" });
                      }
                    } else {
                      report?.({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: `GGUF ${p.tensor}` });
                    }
                  },
                });
                return `${nLayers} layers, ${result.gguf.bitsPerWeight.toFixed(3)} bits per weight`;
              },
            },
          ]);
          const summary = summarizeAwq(result!);
          if (opts.json) {
            const { text: _text, ...rest } = summary;
            printJson({ ...rest, outDir, layers: result!.layers });
          } else process.stdout.write(`${summary.text}\n`);
        },
      ),
    );
}
