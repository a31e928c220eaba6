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
import { InvalidInputError } from "../../errors.js";
import { join, optionalBoolean, optionalEnum, optionalInteger, optionalString, optionalStringList, rejectUnknownKeys } from "../../pipeline/yamlFields.js";
import type { StageDefinition } from "../../pipeline/types.js";

export interface EvalStageParams {
  cmmluDir?: string;
  subjects?: string[];
  rows: string;
  perSubject?: number;
  sample: "first" | "random";
  seed: number;
  shots: number;
  text?: string;
  klTokens?: number;
  contextSize?: number;
  parallel?: number;
  gpu: boolean;
}

const KEYS = ["cmmlu_dir", "subjects", "rows", "per_subject", "sample", "seed", "shots", "text", "kl_tokens", "context_size", "parallel", "gpu"];

export const evalStage: StageDefinition<EvalStageParams> = {
  name: "eval",
  version: 1,
  description: "CMMLU-subset accuracy with 95% intervals; accuracy loss and KL divergence against a baseline GGUF",
  inputs: [
    { name: "model", kind: "gguf" },
    { name: "baseline", kind: "gguf", optional: true },
  ],
  outputs: [{ name: "eval", kind: "eval", exported: true }],
  parseParams(raw, where) {
    const { file, key } = where;
    rejectUnknownKeys(raw, KEYS, file, key);
    const rows = optionalString(raw, "rows", file, key) ?? "all";
    // same grammar as --rows, checked here so a typo fails before any stage runs
    if (rows !== "all" && !/^i\s*%\s*\d+\s*(==|!=)\s*\d+$/.test(rows)) {
      throw new InvalidInputError(file, `expected all, i%M==R or i%M!=R, got ${JSON.stringify(rows)}`, join(key, "rows"));
    }
    return {
      cmmluDir: optionalString(raw, "cmmlu_dir", file, key),
      subjects: optionalStringList(raw, "subjects", file, key),
      rows,
      perSubject: optionalInteger(raw, "per_subject", file, key, { min: 1 }),
      sample: optionalEnum(raw, "sample", ["first", "random"] as const, file, key) ?? "first",
      seed: optionalInteger(raw, "seed", file, key, { min: 0 }) ?? 0,
      shots: optionalInteger(raw, "shots", file, key, { min: 0, max: 5 }) ?? 0,
      text: optionalString(raw, "text", file, key),
      klTokens: optionalInteger(raw, "kl_tokens", file, key, { min: 1 }),
      contextSize: optionalInteger(raw, "context_size", file, key, { min: 16 }),
      parallel: optionalInteger(raw, "parallel", file, key, { min: 1, max: 64 }),
      gpu: optionalBoolean(raw, "gpu", file, key) ?? false,
    };
  },
  async load() {
    return (await import("./runEvalStage.js")).runEvalStage;
  },
};
