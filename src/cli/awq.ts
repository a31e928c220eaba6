import { Command } from "commander";
import { defineParams } from "../pipeline/paramSchema.js";
import { awqParams } from "../stages/awq/params.js";
import { addSchemaOptions } from "./addSchemaOptions.js";
import { action, interruptSignal, printJson } from "./common.js";
import { readSchemaOptions } from "./readSchemaOptions.js";

/** The command's own options; the rest are the awq stage's (src/stages/awq/params.ts). */
export const awqCliOptions = defineParams({
  options: {
    output: { kind: "string", short: "-o", flag: "--out", aliases: ["--output"], only: "cli", required: true, arg: "dir", help: "folder for <name>-awq-g32.gguf and the <name>-awq-g32/ checkpoint" },
    json: { kind: "boolean", only: "cli", help: "machine-readable summary on stdout" },
  },
});

export function awqCommand(): Command {
  const command = new Command("awq")
    .description("AWQ 4-bit: calibrate gpt-oss (llama.cpp or TypeScript forward pass), search per-channel scales and clipping, write a GGUF (Q4_1 carrying the AWQ grid) and an AutoAWQ GEMM checkpoint")
    .argument("<checkpoint>", "original gpt-oss checkpoint directory (bf16 dense layers, MXFP4 experts)");
  return addSchemaOptions({ command, schemas: [awqParams, awqCliOptions] }).action(
    action(async (checkpoint: string, _opts: unknown, cmd: Command) => {
      const params = readSchemaOptions({ command: cmd, schema: awqParams });
      const opts = readSchemaOptions({ command: cmd, schema: awqCliOptions });
      const { resolve } = await import("node:path");
      const { mkdir } = await import("node:fs/promises");
      const { quantizeAwq } = await import("../awq/quantizeAwq.js");
      const { formatAwqLayer, summarizeAwq } = await import("../awq/summarizeAwq.js");
      const { logInfo } = await import("../util/log.js");
      const { PlainStepRunner, defaultStepRunner } = await import("../pipeline/progress.js");
      const { checkOutputDirectory } = await import("../util/checkOutputPath.js");
      await checkOutputDirectory({ path: opts.output, option: "-o", inputs: [checkpoint, ...(params.gguf ? [params.gguf] : []), ...(params.calib ? [params.calib] : [])] });
      const outDir = resolve(opts.output);
      // a folder this run creates goes again if the run fails (one that existed is left as it was)
      const created = await mkdir(outDir, { recursive: true });
      const signal = interruptSignal();
      let nLayers = 0;
      let report: ((update: import("../pipeline/types.js").ProgressUpdate) => void) | undefined;
      const runner = opts.json ? new PlainStepRunner() : defaultStepRunner();
      const live = !(runner instanceof PlainStepRunner);
      let result: Awaited<ReturnType<typeof quantizeAwq>> | undefined;
      const { rm } = await import("node:fs/promises");
      try {
        await runner.run([
        {
          title: `awq ${checkpoint} → ${opts.output} (${params.method}, group ${params.group}, experts ${params.experts})`,
          run: async (update) => {
            report = update;
            result = await quantizeAwq({
              dir: resolve(checkpoint),
              outDir,
              groupSize: params.group,
              experts: params.experts,
              method: params.method,
              clip: params.clip,
              gramRank: params.gramRank,
              calibFile: params.calib ? resolve(params.calib) : undefined,
              samples: params.calibSamples,
              seqlen: params.calibSeqlen,
              backend: params.backend,
              engine: params.engine,
              ggufPath: params.gguf ? resolve(params.gguf) : undefined,
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
      } catch (error) {
        if (created) await rm(created, { recursive: true, force: true });
        throw error;
      }
      const summary = summarizeAwq(result!);
      if (opts.json) {
        const { text: _text, ...rest } = summary;
        printJson({ ...rest, outDir, layers: result!.layers });
      } else process.stdout.write(`${summary.text}\n`);
    }),
  );
}
