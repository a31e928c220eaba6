import { join } from "node:path";
import type { StageContext, StageResult } from "../../pipeline/types.js";
import { formatBytes } from "../../util/format.js";
import { convertCheckpoint } from "../../convert/convertCheckpoint.js";
import type { ConvertParams } from "./params.js";

export async function runConvertStage(ctx: StageContext<ConvertParams>): Promise<StageResult> {
  const file = `${ctx.model.name}-${ctx.params.outtype.toUpperCase()}${ctx.params.dequantizeExperts ? "-dequantized" : ""}.gguf`;
  const result = await convertCheckpoint({
    dir: ctx.inputs.checkpoint.path,
    outPath: join(ctx.outDir, file),
    outtype: ctx.params.outtype,
    dequantizeExperts: ctx.params.dequantizeExperts,
    name: ctx.model.name,
    signal: ctx.signal,
    onProgress: (p) => ctx.progress({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: p.tensor }),
  });
  const parameters = result.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const dataBytes = result.tensors.reduce((n, t) => n + t.bytes, 0);
  const bpw = (8 * dataBytes) / parameters;
  return {
    outputs: { gguf: { kind: "gguf", path: file, files: [{ path: file, size: result.fileBytes, sha256: result.sha256 }] } },
    summary: {
      outtype: ctx.params.outtype,
      experts: ctx.params.dequantizeExperts ? "dequantized" : "MXFP4 (copied)",
      fileBytes: result.fileBytes,
      parameters,
      bitsPerWeight: bpw,
      text: `${file}: ${formatBytes(result.fileBytes)}, ${result.tensors.length} tensors, ${bpw.toFixed(2)} bits per weight`,
    },
  };
}
