import { resolve } from "node:path";
import type { StageContext, StageResult } from "../../pipeline/types.js";
import { quantizeAwq } from "../../awq/quantizeAwq.js";
import { formatAwqLayer, summarizeAwq } from "../../awq/summarizeAwq.js";
import { hashFile } from "../../util/hashFile.js";
import type { AwqStageParams } from "./params.js";

export async function runAwqStage(ctx: StageContext<AwqStageParams>): Promise<StageResult> {
  const p = ctx.params;
  const calibFile = p.calib ? resolve(p.calib) : undefined;
  const result = await quantizeAwq({
    dir: ctx.inputs.checkpoint.path,
    outDir: ctx.outDir,
    groupSize: p.group,
    experts: p.experts,
    method: p.method,
    clip: p.clip,
    gramRank: p.gramRank,
    // a synthetic checkpoint's random weights come from no Hub model
    baseModel: ctx.model.source.kind === "synth" ? undefined : (ctx.model.baseModel ?? undefined),
    calibFile,
    samples: p.calibSamples,
    seqlen: p.calibSeqlen,
    backend: p.backend,
    engine: p.engine,
    ggufPath: p.gguf ? resolve(p.gguf) : ctx.inputs.gguf?.path,
    threads: ctx.threads,
    fileStem: ctx.model.name,
    name: ctx.model.name,
    signal: ctx.signal,
    log: (m) => ctx.log(m),
    onProgress: (progress) => {
      if (progress.phase === "forward") ctx.progress({ done: progress.layer, total: progress.nLayers, unit: "layers", detail: progress.detail });
      else if (progress.phase === "layer") ctx.log(formatAwqLayer(progress.report, progress.nLayers));
      else ctx.progress({ done: progress.bytesWritten, total: progress.totalBytes, unit: "bytes", detail: `GGUF ${progress.tensor}` });
    },
  });
  const summary = summarizeAwq(result);
  if (calibFile) summary.calib_sha256 = await hashFile({ path: calibFile });
  return {
    outputs: {
      gguf: { kind: "gguf", path: result.ggufFile, files: [{ path: result.ggufFile, size: result.gguf.fileBytes, sha256: result.gguf.sha256 }] },
      checkpoint: { kind: "checkpoint", path: result.checkpointDir },
    },
    summary,
  };
}
