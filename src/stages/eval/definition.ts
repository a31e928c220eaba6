/**
 * Pipeline stage `eval`: CMMLU-subset accuracy of the GGUF `model` input and, when a different
 * `baseline` GGUF is wired in (`inputs: { baseline: <stage id> }`), the accuracy loss against it and
 * the divergence of the next-token distributions. Writes eval.json, eval.md and eval.html
 * (exported into the build directory and linked from the manifest).
 *
 * Params (all optional): cmmlu_dir (local copy; default the Hub dataset, cached in the work dir),
 * subjects (names or categories), rows (all | i%M==R | i%M!=R), per_subject, sample (first|random),
 * seed, shots (0…5), text (divergence text file), kl_tokens, context_size, parallel, gpu.
 */
import { defineStage } from "../../pipeline/defineStage.js";
import { type EvalStageParams, evalParams } from "./params.js";

export const evalStage = defineStage<EvalStageParams>({
  name: "eval",
  version: 1,
  description: "CMMLU-subset accuracy with 95% intervals; accuracy loss and KL divergence against a baseline GGUF",
  inputs: [
    { name: "model", kind: "gguf" },
    { name: "baseline", kind: "gguf", optional: true },
  ],
  outputs: [{ name: "eval", kind: "eval", exported: true }],
  params: evalParams,
  async load() {
    return (await import("./runEvalStage.js")).runEvalStage;
  },
});
