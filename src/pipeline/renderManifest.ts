import type { BuildManifest } from "./manifest.js";
import { formatBytes, formatSeconds } from "../util/format.js";

/** A human summary of a build manifest: stages with timings and memory, artifacts, warnings. */
export function renderBuildSummary(manifest: BuildManifest, buildDir?: string): string {
  const lines: string[] = [];
  lines.push(`variant ${manifest.variant} of ${manifest.model.name} (${describeSource(manifest.model.source)})`);
  lines.push(`tools: oss-prep ${manifest.tools.ossPrep}, node ${manifest.tools.node}, node-llama-cpp ${manifest.tools.nodeLlamaCpp} (llama.cpp ${manifest.tools.llamaCpp})`);
  lines.push("", "stage            status   time        peak RSS    outputs");
  for (const s of manifest.stages) {
    const outputs = s.outputs.map((o) => `${o.path} (${formatBytes(o.files.reduce((n, f) => n + f.size, 0))})`).join(", ");
    lines.push(
      `${s.id.padEnd(16)} ${(s.cached ? "cached" : "ran").padEnd(8)} ${formatSeconds(s.seconds).padEnd(11)} ${formatBytes(s.peakRssBytes).padEnd(11)} ${outputs}`,
    );
    if (s.summary?.text) lines.push(`  ${String(s.summary.text).split("\n").join("\n  ")}`);
  }
  for (const skip of manifest.skipped ?? []) lines.push(`${skip.id.padEnd(16)} skipped  ${skip.reason}`);
  if (manifest.warnings.length) lines.push("", "warnings:", ...manifest.warnings.map((w) => `  - ${w}`));
  if (buildDir) lines.push("", `artifacts and manifest.json in ${buildDir}`);
  return `${lines.join("\n")}\n`;
}

/** The model source in words (the manifest keeps the JSON): hub repo@revision, a synthetic preset, a local folder. */
function describeSource(source: Record<string, unknown>): string {
  if (source.kind === "hub") return `${source.repo}@${source.revision ?? "main"} from the Hub`;
  if (source.kind === "synth") return `synthetic, preset ${source.preset}, seed ${source.seed ?? 0}: random weights`;
  if (source.kind === "local") return `local checkpoint ${source.path}`;
  return String(source.kind ?? "unknown source");
}
