/**
 * Params of the `prune` stage and `oss-prep prune` (one schema: see src/pipeline/paramSchema.ts).
 * Options not given are left out of the params object (not kept as undefined), as the cache key has
 * always been computed. Counts that depend on the model are checked when the stage runs.
 */
import { defineParams, ParamProblem, type SchemaParams } from "../../pipeline/paramSchema.js";
import { parseKeepCount } from "../../prune/parseKeepCount.js";
import { PRUNE_CALIB_TOKENS_DEFAULT } from "../../prune/pruneDefaults.js";
import { parseParameterTarget } from "../../prune/parseParameterCount.js";
import { calibrationEngineOption, calibrationGgufOption, calibSeqlenOption, matmulBackendOption } from "../calibrationOptions.js";
import { EXPERT_SCORE_CHOICES, HEAD_SCORE_CHOICES } from "../../prune/pruneScores.js";

const keepCount = (value: unknown) => parseKeepCount(value) ?? new ParamProblem("expected a positive count (22) or a share (75%)");

export const pruneParams = defineParams({
  dropUndefined: true,
  options: {
    targetParams: {
      kind: "custom",
      parse: (value) => parseParameterTarget(value) ?? new ParamProblem("expected a parameter count (15e9, 15B, 900M) or a share of the model's (71.7%)"),
      arg: "n",
      help: "parameter target (15e9, 15B) or a share of the model's parameters (71.7%); picks the expert count closest to it (default 15e9 unless --experts-keep is given; heads alone: --experts-keep 100%)",
    },
    expertsKeep: { kind: "custom", parse: keepCount, arg: "n|p%", help: "experts kept per layer (≥ top-k), instead of a target" },
    headsKeep: { kind: "custom", parse: keepCount, arg: "n|p%", help: "query heads kept per layer: a multiple of the KV heads (every KV group keeps the same number)" },
    kvGroupsKeep: { kind: "custom", parse: keepCount, arg: "n|p%", help: "KV groups kept per layer, each with all its query heads (instead of --heads-keep)" },
    score: {
      kind: "enum",
      choices: EXPERT_SCORE_CHOICES,
      cliValues: { "reap-sum": "reap_sum" },
      default: "reap",
      arg: "method",
      help: "expert scoring: REAP, REAP summed over all tokens (REAP × routing frequency: the best on the fixture, docs/quality.md), routing frequency, mean output norm, or seeded random",
    },
    headScore: { kind: "enum", choices: HEAD_SCORE_CHOICES, arg: "method", help: "head scoring: FLAP fluctuation or seeded random (default flap; random with --score random)" },
    calib: { kind: "string", arg: "file", help: "calibration data: a .json of token id lists, or a text file (default: the CMMLU dev questions and the built-in text, half and half at most)" },
    cmmluDir: { kind: "string", arg: "dir", help: "local CMMLU copy for the default calibration (default: the Hub dataset, cached in the work dir)" },
    calibTokens: { kind: "integer", min: 1, arg: "n", default: PRUNE_CALIB_TOKENS_DEFAULT, help: "calibration token budget (docs/quality.md shows how the picks change with it)" },
    calibSeqlen: calibSeqlenOption,
    seed: { kind: "integer", min: 0, help: "seed of the random choices and of the CMMLU subject order" },
    biasCompensation: { kind: "boolean", negate: true, help: "do not add the removed heads' mean contribution to o_proj's bias" },
    backend: matmulBackendOption,
    engine: calibrationEngineOption,
    gguf: calibrationGgufOption,
  },
  check(params, ctx) {
    const both = (a: string, b: string) => ctx.fail(b, `give ${ctx.name(a)} or ${ctx.name(b)}, not both`);
    if (params.headsKeep && params.kvGroupsKeep) both("headsKeep", "kvGroupsKeep");
    if (params.targetParams !== undefined && params.expertsKeep) both("targetParams", "expertsKeep");
  },
});

export type PruneStageParams = SchemaParams<typeof pruneParams>;
