/**
 * The pruning planner: from the model's shapes and what the user asked for (a parameter target, keep
 * counts), the kept head and expert counts and the parameter table before and after. Counts only —
 * which heads and experts survive is decided later from calibration scores, per layer.
 *
 * The constraints are those of the formats that load the result: llama.cpp and transformers take one
 * `num_attention_heads`, `num_key_value_heads` and `num_local_experts` for every layer, and GQA maps
 * query heads G·g … G·g+G−1 to KV head g, so every kept KV group keeps the same number of query heads.
 */
import { type GptOssHyperparameters, type ParameterBreakdown, parameterBreakdown } from "../arch/gpt-oss/index.js";
import { formatParameterCount } from "./formatParameterCount.js";
import type { KeepCount } from "./parseKeepCount.js";
import { type PruneOptionSource, pruneOptionError } from "./pruneOptionError.js";

export type PrunableShape = Pick<
  GptOssHyperparameters,
  "nLayers" | "hidden" | "expertFfn" | "nHeads" | "nKvHeads" | "headDim" | "nExperts" | "nExpertsUsed" | "vocabSize"
>;

export interface PrunedCounts {
  /** Query heads per layer. */
  nHeads: number;
  /** KV heads (= GQA groups) per layer. */
  nKvHeads: number;
  /** Query heads per KV group. */
  headsPerKvGroup: number;
  /** Experts per layer. */
  nExperts: number;
  /** Experts each token is routed to (top-k); pruning never changes it. */
  nExpertsUsed: number;
}

export interface PrunePlan {
  original: PrunedCounts;
  pruned: PrunedCounts;
  /** The parameter target the expert count was chosen for, when there was one. */
  targetParams?: number;
  /** How the kept expert count was decided. */
  expertsChosenBy: "target" | "experts_keep" | "unchanged";
  before: ParameterBreakdown;
  after: ParameterBreakdown;
  /** For a target: the totals of the expert counts next to the chosen one (the planner picks the closest). */
  alternatives: Array<{ nExperts: number; total: number }>;
  /** Plain statements for the output: what heads can and cannot do, what was chosen and why. */
  notes: string[];
}

/** The target when nothing is asked for: the size the user asked for (issue 10), ~15B for gpt-oss-20b. */
export const DEFAULT_TARGET_PARAMS = 15e9;

export interface PlanPruningParams {
  shape: PrunableShape;
  /**
   * A parameter count, or a share of the model's own count (`{ percent: 71.7 }`: a pipeline that fits
   * every size of model). Default DEFAULT_TARGET_PARAMS unless expertsKeep is given (heads alone:
   * expertsKeep 100%).
   */
  targetParams?: number | { percent: number };
  expertsKeep?: KeepCount;
  headsKeep?: KeepCount;
  kvGroupsKeep?: KeepCount;
  /** Where the options came from, for error messages (absent: the command line). */
  source?: PruneOptionSource;
}

export function planPruning(params: PlanPruningParams): PrunePlan {
  const { shape, source } = params;
  const fail = (option: Parameters<typeof pruneOptionError>[0]["option"], problem: string) => pruneOptionError({ option, problem, source });
  const groupSize = shape.nHeads / shape.nKvHeads;
  const original: PrunedCounts = {
    nHeads: shape.nHeads,
    nKvHeads: shape.nKvHeads,
    headsPerKvGroup: groupSize,
    nExperts: shape.nExperts,
    nExpertsUsed: shape.nExpertsUsed,
  };
  // heads cannot reach the target: without an expert count, the target decides the experts
  const asked = params.targetParams ?? (params.expertsKeep ? undefined : DEFAULT_TARGET_PARAMS);
  const targetParams = asked !== undefined && typeof asked === "object" ? Math.round((parameterBreakdown(shape).total * asked.percent) / 100) : asked;
  if (params.headsKeep && params.kvGroupsKeep) throw fail("kv_groups_keep", "give heads_keep or kv_groups_keep, not both");
  if (params.targetParams !== undefined && params.expertsKeep) throw fail("experts_keep", "give target_params or experts_keep, not both");

  const heads = resolveHeads();
  const before = parameterBreakdown(shape);
  const totalWith = (nExperts: number) => parameterBreakdown({ ...shape, nHeads: heads.nHeads, nKvHeads: heads.nKvHeads, nExperts }).total;

  let nExperts = shape.nExperts;
  let expertsChosenBy: PrunePlan["expertsChosenBy"] = "unchanged";
  const alternatives: PrunePlan["alternatives"] = [];
  if (params.expertsKeep) {
    nExperts = "count" in params.expertsKeep ? params.expertsKeep.count : Math.max(1, Math.round((shape.nExperts * params.expertsKeep.percent) / 100));
    if (nExperts > shape.nExperts) throw fail("experts_keep", `cannot keep ${nExperts} experts: the model has ${shape.nExperts} per layer`);
    if (nExperts < shape.nExpertsUsed) {
      throw fail(
        "experts_keep",
        `top-k ${shape.nExpertsUsed} (num_experts_per_tok) is larger than the ${nExperts} kept experts: every token is routed to ${shape.nExpertsUsed} experts, so keep at least ${shape.nExpertsUsed}`,
      );
    }
    expertsChosenBy = "experts_keep";
  } else if (targetParams !== undefined) {
    const target = targetParams;
    if (!Number.isFinite(target) || target <= 0) throw fail("target_params", `expected a positive parameter count, got ${target}`);
    if (target >= before.total) {
      throw fail("target_params", `${formatParameterCount(target)} is not below the model's ${formatParameterCount(before.total)} (${before.total}): nothing to prune`);
    }
    const smallest = totalWith(shape.nExpertsUsed);
    if (target < smallest) {
      throw fail(
        "target_params",
        `${formatParameterCount(target)} is below what pruning can reach: ${formatParameterCount(smallest)} (${smallest}) with ${heads.nHeads} query heads and ${shape.nExpertsUsed} experts per layer, the top-k every token is routed to`,
      );
    }
    let best = shape.nExperts;
    for (let e = shape.nExperts; e >= shape.nExpertsUsed; e--) {
      // strictly closer only: a tie keeps more experts
      if (Math.abs(totalWith(e) - target) < Math.abs(totalWith(best) - target)) best = e;
    }
    nExperts = best;
    expertsChosenBy = "target";
    for (let e = Math.max(shape.nExpertsUsed, best - 1); e <= Math.min(shape.nExperts, best + 1); e++) alternatives.push({ nExperts: e, total: totalWith(e) });
  }

  const pruned: PrunedCounts = { ...heads, nExperts, nExpertsUsed: shape.nExpertsUsed };
  const after = parameterBreakdown({ ...shape, nHeads: pruned.nHeads, nKvHeads: pruned.nKvHeads, nExperts });
  return {
    original,
    pruned,
    targetParams,
    expertsChosenBy,
    before,
    after,
    alternatives,
    notes: explain({ shape, original, pruned, before, after, targetParams }),
  };

  function resolveHeads(): { nHeads: number; nKvHeads: number; headsPerKvGroup: number } {
    if (params.kvGroupsKeep) {
      const keep = params.kvGroupsKeep;
      const groups = "count" in keep ? keep.count : Math.max(1, Math.round((shape.nKvHeads * keep.percent) / 100));
      if (groups > shape.nKvHeads) throw fail("kv_groups_keep", `cannot keep ${groups} KV groups: the model has ${shape.nKvHeads} (num_key_value_heads)`);
      return { nHeads: groups * groupSize, nKvHeads: groups, headsPerKvGroup: groupSize };
    }
    if (params.headsKeep) {
      const keep = params.headsKeep;
      if ("percent" in keep) {
        // a share is approximate: round to the nearest count every group can keep
        const perGroup = Math.max(1, Math.round((groupSize * keep.percent) / 100));
        return { nHeads: perGroup * shape.nKvHeads, nKvHeads: shape.nKvHeads, headsPerKvGroup: perGroup };
      }
      const n = keep.count;
      if (n > shape.nHeads) throw fail("heads_keep", `cannot keep ${n} query heads: the model has ${shape.nHeads} (num_attention_heads)`);
      if (n % shape.nKvHeads !== 0) {
        const valid = Array.from({ length: groupSize }, (_, i) => (i + 1) * shape.nKvHeads);
        throw fail(
          "heads_keep",
          `keeping ${n} of ${shape.nHeads} query heads breaks GQA uniformity: each of the ${shape.nKvHeads} KV groups (${groupSize} query heads each) must keep the same number of query heads, so keep a multiple of ${shape.nKvHeads} (${listValues(valid)}), or drop whole KV groups instead`,
        );
      }
      return { nHeads: n, nKvHeads: shape.nKvHeads, headsPerKvGroup: n / shape.nKvHeads };
    }
    return { nHeads: shape.nHeads, nKvHeads: shape.nKvHeads, headsPerKvGroup: groupSize };
  }
}

function listValues(values: number[]): string {
  return values.length <= 6 ? values.join(", ") : `${values.slice(0, 3).join(", ")}, …, ${values[values.length - 1]}`;
}

function explain(p: {
  shape: PrunableShape;
  original: PrunedCounts;
  pruned: PrunedCounts;
  before: ParameterBreakdown;
  after: ParameterBreakdown;
  targetParams?: number;
}): string[] {
  const { shape, original, pruned, before, after } = p;
  const share = (n: number) => `${((100 * n) / before.total).toFixed(2)}%`;
  const notes: string[] = [];
  const attentionRemoved = before.attention - after.attention;
  // the most head pruning could ever remove: one query head left in one KV group
  const minimalAttention = parameterBreakdown({ ...shape, nHeads: 1, nKvHeads: 1 }).attention;
  const headsCeiling = before.attention - minimalAttention;
  if (pruned.nHeads !== original.nHeads) {
    const groups =
      pruned.nKvHeads !== original.nKvHeads
        ? `${pruned.nKvHeads} of ${original.nKvHeads} KV groups with all ${pruned.headsPerKvGroup} query heads each`
        : `${pruned.headsPerKvGroup} of ${original.headsPerKvGroup} per KV group in all ${pruned.nKvHeads} groups`;
    notes.push(`Attention heads: keeping ${pruned.nHeads} of ${original.nHeads} query heads (${groups}) removes ${formatParameterCount(attentionRemoved)} parameters (${share(attentionRemoved)} of the model).`);
  }
  if (p.targetParams !== undefined || pruned.nHeads !== original.nHeads) {
    let reach = "cannot make the model much smaller";
    if (p.targetParams !== undefined) {
      const needed = before.total - p.targetParams;
      reach =
        needed > headsCeiling
          ? `cannot reach ~${formatParameterCount(p.targetParams)}`
          : `would have to remove ${((100 * needed) / before.attention).toFixed(0)}% of the attention parameters to reach ~${formatParameterCount(p.targetParams)}`;
    }
    notes.push(
      `Attention is ${formatParameterCount(before.attention)} of ${formatParameterCount(before.total)} parameters (${share(before.attention)}): removing every head but one would remove only ${formatParameterCount(headsCeiling)} (${share(headsCeiling)}), so head pruning alone ${reach}. The experts hold ${formatParameterCount(before.experts)} (${share(before.experts)}): expert pruning is what brings the size down.`,
    );
  }
  if (pruned.nExperts !== original.nExperts) {
    const removed = before.experts + before.router - after.experts - after.router;
    notes.push(
      `Experts: keeping ${pruned.nExperts} of ${original.nExperts} per layer (top-k ${pruned.nExpertsUsed} unchanged) removes ${formatParameterCount(removed)} parameters (${share(removed)}), router rows included.`,
    );
  }
  if (p.targetParams !== undefined) {
    const off = after.total - p.targetParams;
    notes.push(`Target ${formatParameterCount(p.targetParams)}: the closest reachable size is ${formatParameterCount(after.total)} (${off >= 0 ? "+" : "−"}${formatParameterCount(Math.abs(off))}) with ${pruned.nExperts} experts per layer.`);
  }
  return notes;
}
