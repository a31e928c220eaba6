import { join } from "node:path";
import type { StageContext, StageResult } from "../../pipeline/types.js";
import { quantizeModel } from "../../quant/quantizeModel.js";
import { summarizeQuantization } from "../../quant/summarizeQuantization.js";
import type { QuantizeParams } from "./params.js";

export async function runQuantizeStage(ctx: StageContext<QuantizeParams>): Promise<StageResult> {
  const { type, experts } = ctx.params;
  const file = `${ctx.model.name}-${type}${experts === "requant" ? "-requant" : ""}.gguf`;
  const result = await quantizeModel({
    input: ctx.inputs.checkpoint.path,
    outPath: join(ctx.outDir, file),
    type,
    experts,
    name: ctx.model.name,
    signal: ctx.signal,
    onProgress: (p) => ctx.progress({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: p.tensor }),
  });
  const summary = summarizeQuantization(result);
  // the manifest keeps paths relative to the artifact
  const text = summary.text.replaceAll(result.path, file);
  return { outputs: { gguf: { kind: "gguf", path: file, files: [{ path: file, size: result.fileBytes, sha256: result.sha256 }] } }, summary: { ...summary, text, file } };
}
