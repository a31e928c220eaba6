import { renderBuildSummary } from "../pipeline/renderManifest.js";
import { formatBytes } from "../util/format.js";
import type { InspectReport } from "./inspectPath.js";

export function renderInspectReport(report: InspectReport): string {
  if (report.kind === "build") return renderBuildSummary(report.manifest, report.path);
  const lines: string[] = [];
  const shape = (s: number[]) => `[${s.join(", ")}]`;
  if (report.kind === "model") {
    lines.push(`model ${report.name} (${report.architecture}, family ${report.family}), ${report.source}; shapes from ${report.file ?? "its model file"}, no weights read`);
    for (const [k, v] of Object.entries(report.hyperparameters)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
    lines.push(`${report.parameters.toLocaleString("en-US")} parameters, ${report.activeParameters.toLocaleString("en-US")} active per token`);
    for (const [cls, n] of Object.entries(report.parametersByClass)) lines.push(`  ${cls.padEnd(11)} ${n.toLocaleString("en-US")}`);
    lines.push(`planned checkpoint: ${report.tensorCount} tensors, ${formatBytes(report.totalBytes)}; GGUF conversion: ${report.ggufTensorCount} tensors`, "");
    for (const t of report.tensors) lines.push(`${t.name.padEnd(56)} ${t.type.padEnd(5)} ${shape(t.shape).padEnd(22)} ${formatBytes(t.bytes)}`);
  } else if (report.kind === "checkpoint") {
    lines.push(`checkpoint ${report.path} (${report.architecture})`);
    for (const [k, v] of Object.entries(report.hyperparameters)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
    lines.push(`files: ${report.files.map((f) => `${f.name} (${formatBytes(f.bytes)})`).join(", ")}; total ${formatBytes(report.totalBytes)}`);
    lines.push(`${report.tensorCount} tensors, ${report.parameters.toLocaleString("en-US")} parameters`);
    for (const [cls, n] of Object.entries(report.parametersByClass)) lines.push(`  ${cls.padEnd(11)} ${n.toLocaleString("en-US")}`);
    lines.push("");
    for (const t of report.tensors) lines.push(`${t.name.padEnd(56)} ${t.type.padEnd(5)} ${shape(t.shape).padEnd(22)} ${formatBytes(t.bytes)}`);
  } else {
    lines.push(`GGUF v${report.version} ${report.path} (${report.architecture}), ${formatBytes(report.fileBytes)}, alignment ${report.alignment}`);
    lines.push(`${report.tensorCount} tensors, ${report.parameters.toLocaleString("en-US")} parameters, ${report.bitsPerWeight.toFixed(3)} bits per weight`);
    lines.push(`types: ${Object.entries(report.typeCounts).map(([t, n]) => `${t}×${n}`).join(", ")}`, "", "metadata:");
    for (const [k, v] of Object.entries(report.metadata)) lines.push(`  ${k} = ${JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x))}`);
    lines.push("");
    for (const t of report.tensors) {
      lines.push(`${t.name.padEnd(36)} ${t.type.padEnd(6)} ${shape(t.shape).padEnd(20)} ${formatBytes(t.bytes).padEnd(11)} ${t.bitsPerWeight!.toFixed(2)} bpw`);
    }
  }
  return `${lines.join("\n")}\n`;
}
