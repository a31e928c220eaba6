import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { StageContext, StageResult } from "../../pipeline/types.js";
import { formatParameterCount } from "../../prune/formatParameterCount.js";
import { renderPrunePlan } from "../../prune/renderPrunePlan.js";
import { PRUNING_REPORT_FILE } from "../../prune/pruneCheckpoint.js";
import { planPruningRequest, runPruning } from "../../prune/runPruning.js";
import type { PruneStageParams } from "./params.js";

export async function runPruneStage(ctx: StageContext<PruneStageParams>): Promise<StageResult> {
  const dir = ctx.inputs.checkpoint.path;
  const request = { ...ctx.params, gguf: ctx.params.gguf ?? ctx.inputs.gguf?.path };
  const plan = await planPruningRequest({ dir, request, source: { file: `pipeline stage "${ctx.stageId}"`, key: "with" } });
  const planText = renderPrunePlan(plan);
  for (const line of planText.trimEnd().split("\n")) ctx.log(line);
  const outDir = join(ctx.outDir, "checkpoint");
  await mkdir(outDir);
  const report = await runPruning({
    dir,
    outDir,
    plan,
    request,
    workDir: ctx.workDir,
    threads: ctx.threads,
    signal: ctx.signal,
    log: (m) => ctx.log(m),
    onProgress: (p) => {
      if (p.phase === "write") ctx.progress({ done: p.bytesWritten, total: p.totalBytes, unit: "bytes", detail: `write ${p.tensor}` });
      else if (p.calib.phase === "forward") ctx.progress({ done: p.calib.done, total: p.calib.total, unit: "tokens", detail: `calibrate: ${p.calib.detail}` });
      else ctx.progress({ done: p.calib.layer, total: p.calib.nLayers, unit: "layers", detail: `calibrate: ${p.calib.phase} ${p.calib.done}/${p.calib.total}` });
    },
  });
  const { original: o, pruned: p } = plan;
  const scoreKey = request.score === "random" ? undefined : request.score;
  return {
    outputs: { checkpoint: { kind: "checkpoint", path: "checkpoint" } },
    summary: {
      text: planText.trimEnd(),
      parameters: { before: plan.before.total, after: report.output.parameters, target: plan.targetParams ?? null },
      size: `${formatParameterCount(plan.before.total)} → ${formatParameterCount(report.output.parameters)}`,
      heads: `${o.nHeads} → ${p.nHeads} (${o.headsPerKvGroup} → ${p.headsPerKvGroup} per KV group, ${o.nKvHeads} → ${p.nKvHeads} KV groups)`,
      experts: `${o.nExperts} → ${p.nExperts} (top-k ${p.nExpertsUsed})`,
      method: report.method,
      calibration: report.calibration,
      notes: plan.notes,
      // kept indices and the scores that chose them, per layer (every score is in pruning.json)
      layers: report.layers.map((l) => ({
        layer: l.layer,
        experts_kept: l.experts.kept,
        ...(scoreKey && l.experts[scoreKey] && { [`experts_${scoreKey}`]: l.experts[scoreKey] }),
        heads_kept: l.heads.kept,
        ...(l.heads.flap && { heads_flap: l.heads.flap }),
      })),
      report: PRUNING_REPORT_FILE,
      tensor_bytes: report.output.tensor_bytes,
    },
  };
}
