import { Command } from "commander";
import { action, printJson } from "./common.js";

export function listCommand(): Command {
  return new Command("list")
    .description("list known models and variants")
    .option("--json", "machine-readable output")
    .action(
      action(async (opts: { json?: boolean }) => {
        const { listModelSpecs, describeSource } = await import("../pipeline/modelSpec.js");
        const { listPipelineSpecs } = await import("../pipeline/pipelineSpec.js");
        const models = await listModelSpecs();
        const { STAGES } = await import("../stages/index.js");
        const pipelines = await listPipelineSpecs(STAGES);
        if (opts.json) {
          printJson({
            models: models.map((m) => ({ name: m.name, description: m.description, source: m.source })),
            variants: pipelines.map((p) => ({ name: p.name, description: p.description, stages: p.stages.map((s) => s.id) })),
          });
          return;
        }
        // one column width for every name, so descriptions line up whatever the longest name is
        const width = Math.max(...models.map((m) => m.name.length), ...pipelines.map((p) => p.name.length), "./dir".length);
        const lines = ["Models:"];
        for (const m of models) lines.push(`  ${m.name.padEnd(width)}  ${describeSource(m.source)}${m.description ? ` — ${m.description}` : ""}`);
        lines.push(`  ${"./dir".padEnd(width)}  any local checkpoint directory (--model ./path)`, "", "Variants:");
        for (const p of pipelines) {
          lines.push(`  ${p.name.padEnd(width)}  ${p.stages.map((s) => s.id).join(" → ")}${p.description ? `\n  ${"".padEnd(width)}  ${p.description}` : ""}`);
        }
        process.stdout.write(`${lines.join("\n")}\n`);
      }),
    );
}
