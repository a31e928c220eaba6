import { formatBytes, formatSeconds } from "../util/format.js";
import type { AwqLayerReport } from "./awqTypes.js";
import type { QuantizeAwqResult } from "./quantizeAwq.js";

/** One line per layer: the α chosen per group with its output error relative to α = 0, and clipping's gain. */
export function formatAwqLayer(report: AwqLayerReport, nLayers: number): string {
  const pct = (after: number, before: number) => (before > 0 ? `${(((after - before) / before) * 100).toFixed(0)}%` : "–");
  const scales = report.scales.map((s) => `${s.group} α=${s.alpha.toFixed(2)} (${pct(s.loss, s.rtnLoss)})`);
  const clipping = report.clipping.map((c) => `${c.linear.replace("_proj", "")} ${pct(c.lossAfter, c.lossBefore)}`);
  return (
    `layer ${report.layer + 1}/${nLayers}: ` +
    (scales.length ? `${scales.join(", ")}` : "round-to-nearest") +
    (clipping.length ? `; clipping ${clipping.join(", ")}` : "") +
    ` — ${formatSeconds(report.searchSeconds)}`
  );
}

/** What `oss-prep awq` and the awq stage report: method, outputs, calibration, timings and per-layer α. */
export function summarizeAwq(result: QuantizeAwqResult): Record<string, unknown> & { text: string } {
  const { gguf } = result;
  const lines = [
    `${result.method === "awq" ? "AWQ" : "round-to-nearest (AWQ grid, α = 0)"}, int4 asymmetric, group ${result.groupSize}, experts ${result.experts === "keep" ? "kept (MXFP4, bit-exact)" : "AWQ-quantized"}` +
      (result.method === "awq" ? `, clipping ${result.clip ? "on" : "off"}` : ""),
    `calibration: ${result.calibration ? `${result.calibration.samples} × ${result.calibration.seqlen} tokens of ${result.calibration.source}` : "none"}; backend ${result.backend}`,
    `GGUF ${result.ggufFile}: ${formatBytes(gguf.fileBytes)}, ${gguf.bitsPerWeight.toFixed(3)} bits per weight (AWQ tensors Q4_1, experts ${result.experts === "keep" ? "MXFP4" : "Q4_1"}, token_embd/output Q8_0, norms/biases/router F32)`,
    `checkpoint ${result.checkpointDir}/: AutoAWQ GEMM layout (${result.checkpointFiles.length} files)`,
    `time: forward ${formatSeconds(result.seconds.forward)}, search ${formatSeconds(result.seconds.search)}, GGUF ${formatSeconds(result.seconds.gguf)}, total ${formatSeconds(result.seconds.total)}`,
    ...result.layers.map((l) => formatAwqLayer(l, result.layers.length)),
  ];
  const alphas = (group: string) => result.layers.map((l) => l.scales.find((s) => s.group === group)?.alpha ?? null);
  return {
    text: lines.join("\n"),
    // the model card's quantization tag
    type: `${result.method.toUpperCase()}-G${result.groupSize}`,
    method: result.method,
    clip: result.clip,
    group_size: result.groupSize,
    experts: result.experts,
    calibration: result.calibration,
    backend: result.backend,
    gguf: result.ggufFile,
    checkpoint: result.checkpointDir,
    fileBytes: gguf.fileBytes,
    bitsPerWeight: gguf.bitsPerWeight,
    alpha: { qkv: alphas("qkv"), o: alphas("o"), ...(result.experts === "awq" ? { mlp: alphas("mlp") } : {}) },
    seconds: result.seconds,
  };
}
