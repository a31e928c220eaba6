/**
 * Pipeline stage `prune`: checkpoint → pruned checkpoint in the original layout (experts by REAP or a
 * baseline, query heads by FLAP, uniform per KV group), with `pruning.json` (plan, kept indices and
 * scores per layer) inside it and the plan, kept indices and scores in the manifest.
 *
 * Params: target_params (15e9, "15B"; default 15e9 unless experts_keep is given), experts_keep,
 * heads_keep, kv_groups_keep (a count or a share: 22, "75%"), score (reap | reap_sum | frequency | norm |
 * random; reap_sum = REAP × routing frequency, the best selection measured on the fixture),
 * head_score (flap | random), calib (token-id .json or text file; default CMMLU dev questions),
 * cmmlu_dir, calib_tokens, calib_length, seed, bias_compensation, backend (ort | plain).
 * Counts that depend on the model (GQA uniformity, top-k, reachable target) are checked when the
 * stage runs, with the stage and key named.
 */
import { InvalidInputError } from "../../errors.js";
import { join, optionalBoolean, optionalEnum, optionalInteger, optionalString, rejectUnknownKeys } from "../../pipeline/yamlFields.js";
import type { StageDefinition } from "../../pipeline/types.js";
import { type KeepCount, parseKeepCount } from "../../prune/parseKeepCount.js";
import { parseParameterCount } from "../../prune/parseParameterCount.js";
import type { PruneRequest } from "../../prune/runPruning.js";

const KEYS = [
  "target_params",
  "experts_keep",
  "heads_keep",
  "kv_groups_keep",
  "score",
  "head_score",
  "calib",
  "cmmlu_dir",
  "calib_tokens",
  "calib_length",
  "seed",
  "bias_compensation",
  "backend",
];

export type PruneStageParams = PruneRequest;

export const pruneStage: StageDefinition<PruneStageParams> = {
  name: "prune",
  version: 1,
  description: "prune experts (REAP) and attention heads (FLAP, uniform per KV group) to a parameter target; writes a checkpoint in the original layout",
  inputs: [{ name: "checkpoint", kind: "checkpoint" }],
  outputs: [{ name: "checkpoint", kind: "checkpoint", exported: true }],
  parseParams(raw, where) {
    const { file, key } = where;
    rejectUnknownKeys(raw, KEYS, file, key);
    const keep = (name: string): KeepCount | undefined => {
      if (raw[name] === undefined) return undefined;
      const parsed = parseKeepCount(raw[name]);
      if (!parsed) throw new InvalidInputError(file, `expected a positive count (22) or a share ("75%"), got ${JSON.stringify(raw[name])}`, join(key, name));
      return parsed;
    };
    let targetParams: number | undefined;
    if (raw.target_params !== undefined) {
      targetParams = parseParameterCount(raw.target_params);
      if (targetParams === undefined) throw new InvalidInputError(file, `expected a parameter count (15e9, "15B"), got ${JSON.stringify(raw.target_params)}`, join(key, "target_params"));
    }
    const params: PruneStageParams = {
      targetParams,
      expertsKeep: keep("experts_keep"),
      headsKeep: keep("heads_keep"),
      kvGroupsKeep: keep("kv_groups_keep"),
      score: optionalEnum(raw, "score", ["reap", "reap_sum", "frequency", "norm", "random"] as const, file, key) ?? "reap",
      headScore: optionalEnum(raw, "head_score", ["flap", "random"] as const, file, key),
      calib: optionalString(raw, "calib", file, key),
      cmmluDir: optionalString(raw, "cmmlu_dir", file, key),
      calibTokens: optionalInteger(raw, "calib_tokens", file, key, { min: 1 }),
      calibLength: optionalInteger(raw, "calib_length", file, key, { min: 1 }),
      seed: optionalInteger(raw, "seed", file, key, { min: 0 }),
      biasCompensation: optionalBoolean(raw, "bias_compensation", file, key),
      backend: optionalEnum(raw, "backend", ["ort", "plain"] as const, file, key),
    };
    if (params.headsKeep && params.kvGroupsKeep) throw new InvalidInputError(file, "give heads_keep or kv_groups_keep, not both", join(key, "kv_groups_keep"));
    if (params.targetParams !== undefined && params.expertsKeep) throw new InvalidInputError(file, "give target_params or experts_keep, not both", join(key, "experts_keep"));
    // undefined values would still change the canonical JSON of the cache key between equivalent files
    return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as PruneStageParams;
  },
  async load() {
    return (await import("./runPruneStage.js")).runPruneStage;
  },
};
