/**
 * Pipeline stage `prune`: checkpoint → pruned checkpoint in the original layout (experts by REAP or a
 * baseline, query heads by FLAP, uniform per KV group), with `pruning.json` (plan, kept indices and
 * scores per layer) inside it and the plan, kept indices and scores in the manifest.
 *
 * Params: target_params (15e9, "15B"; default 15e9 unless experts_keep is given), experts_keep,
 * heads_keep, kv_groups_keep (a count or a share: 22, "75%"), score (reap | reap_sum | frequency | norm |
 * random; reap_sum = REAP × routing frequency, the best selection measured on the fixture),
 * head_score (flap | random), calib (token-id .json or text file; default CMMLU dev questions + the
 * built-in text), cmmlu_dir, calib_tokens, calib_seqlen, seed, bias_compensation, backend (auto | ort | plain),
 * engine (llama | ts), gguf. Scores come from llama.cpp's forward pass on the `gguf` input when wired
 * (the pipeline's bf16 conversion of the same checkpoint), else on a temporary conversion.
 * Counts that depend on the model (GQA uniformity, top-k, reachable target) are checked when the
 * stage runs, with the stage and key named.
 */
import { defineStage } from "../../pipeline/defineStage.js";
import { type PruneStageParams, pruneParams } from "./params.js";

export const pruneStage = defineStage<PruneStageParams>({
  name: "prune",
  version: 1,
  description: "prune experts (REAP) and attention heads (FLAP, uniform per KV group) to a parameter target; writes a checkpoint in the original layout",
  // gguf: the checkpoint's own conversion (a pipeline's bf16 baseline), read by the llama engine
  // instead of converting a temporary copy; without it the stage converts one
  inputs: [
    { name: "checkpoint", kind: "checkpoint" },
    { name: "gguf", kind: "gguf", optional: true },
  ],
  outputs: [{ name: "checkpoint", kind: "checkpoint", exported: true }],
  params: pruneParams,
  async load() {
    return (await import("./runPruneStage.js")).runPruneStage;
  },
});
