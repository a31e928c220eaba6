import { Command } from "commander";
import { action, printJson } from "./common.js";

export function inspectCommand(): Command {
  return new Command("inspect")
    .description("show what a checkpoint directory, a GGUF file or a build directory contains, or what a model of models/ is made of (no weights)")
    .argument("<path>", "checkpoint dir | file.gguf | build dir | model name (see `oss-prep list`)")
    .option("--json", "machine-readable output")
    .action(
      action(async (path: string, opts: { json?: boolean }) => {
        const { inspectPath } = await import("../inspect/inspectPath.js");
        const report = await inspectPath({ path });
        if (opts.json) printJson(report);
        else {
          const { renderInspectReport } = await import("../inspect/renderInspectReport.js");
          process.stdout.write(renderInspectReport(report));
        }
      }),
    );
}
