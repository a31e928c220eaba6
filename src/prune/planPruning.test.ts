import { describe, expect, it } from "vitest";
import { parameterBreakdown } from "../arch/gpt-oss/index.js";
import { InvalidInputError, UsageError } from "../errors.js";
import { parseKeepCount } from "./parseKeepCount.js";
import { parseParameterCount } from "./parseParameterCount.js";
import { planPruning } from "./planPruning.js";
import { renderPrunePlan } from "./renderPrunePlan.js";

/** openai/gpt-oss-20b's shapes (config.json). */
const GPT_OSS_20B = { nLayers: 24, hidden: 2880, expertFfn: 2880, nHeads: 64, nKvHeads: 8, headDim: 64, nExperts: 32, nExpertsUsed: 4, vocabSize: 201088 };
/** ../shared/fixtures/tiny-gpt-oss. */
const FIXTURE = { nLayers: 8, hidden: 288, expertFfn: 288, nHeads: 16, nKvHeads: 2, headDim: 32, nExperts: 8, nExpertsUsed: 2, vocabSize: 4096 };

/** Independent count: every tensor of a pruned layer written out by hand (MXFP4 blocks count 32 per block). */
function countByHand(s: typeof FIXTURE, heads: number, kv: number, experts: number): number {
  const { nLayers: L, hidden: H, expertFfn: F, headDim: D, vocabSize: V } = s;
  const attention = heads * D * H + heads * D + 2 * (kv * D * H + kv * D) + H * heads * D + H + heads;
  const router = experts * H + experts;
  const expertTensors = experts * (2 * F * H + 2 * F) + experts * (H * F + H);
  return 2 * V * H + L * (attention + router + expertTensors + 2 * H) + H;
}

describe("planPruning: exact parameter counts", () => {
  it("gpt-oss-20b: 20,914,757,184 before; 22 experts → 14,940,024,144 (23 → 15.54B, 24 → 16.13B)", () => {
    expect(parameterBreakdown(GPT_OSS_20B).total).toBe(20_914_757_184);
    const keep = (n: number) => planPruning({ shape: GPT_OSS_20B, expertsKeep: { count: n } }).after.total;
    expect(keep(22)).toBe(14_940_024_144);
    expect(keep(23)).toBe(15_537_497_448);
    expect(keep(24)).toBe(16_134_970_752);
    for (const n of [4, 22, 32]) expect(keep(n)).toBe(countByHand(GPT_OSS_20B, 64, 8, n));
  });

  it("gpt-oss-20b: a quarter of the heads is 141,582,720 parameters (0.68%); the 15e9 target picks 22 experts with or without them", () => {
    const headsOnly = planPruning({ shape: GPT_OSS_20B, headsKeep: { count: 48 }, expertsKeep: { count: 32 } });
    expect(headsOnly.before.attention - headsOnly.after.attention).toBe(141_582_720);
    expect(headsOnly.after.total).toBe(countByHand(GPT_OSS_20B, 48, 8, 32));
    const target = planPruning({ shape: GPT_OSS_20B, targetParams: 15e9 });
    expect(target.pruned).toMatchObject({ nExperts: 22, nHeads: 64 });
    expect(target.after.total).toBe(14_940_024_144);
    const both = planPruning({ shape: GPT_OSS_20B, targetParams: 15e9, headsKeep: { percent: 75 } });
    expect(both.pruned).toMatchObject({ nExperts: 22, nHeads: 48, nKvHeads: 8, headsPerKvGroup: 6 });
    expect(both.after.total).toBe(14_798_441_424);
    expect(both.alternatives.map((a) => a.nExperts)).toEqual([21, 22, 23]);
    // the plain statement the user needs: heads cannot reach the target, experts do
    const text = renderPrunePlan(both);
    expect(text).toMatch(/head pruning alone cannot reach ~15\.00B/);
    expect(text).toMatch(/removes 141\.58M parameters \(0\.68% of the model\)/);
    expect(text).toMatch(/\| total \| 20,914,757,184 \(20\.91B\) \| 14,798,441,424 \(14\.80B\)/);
  });

  it("without an expert count, the target is 15e9 (heads alone: experts_keep 100%)", () => {
    expect(planPruning({ shape: GPT_OSS_20B })).toMatchObject({ targetParams: 15e9, expertsChosenBy: "target", pruned: { nExperts: 22 } });
    expect(planPruning({ shape: GPT_OSS_20B, headsKeep: { count: 48 } })).toMatchObject({ targetParams: 15e9, pruned: { nExperts: 22, nHeads: 48 } });
    expect(planPruning({ shape: GPT_OSS_20B, headsKeep: { count: 48 }, expertsKeep: { percent: 100 } })).toMatchObject({ expertsChosenBy: "experts_keep", pruned: { nExperts: 32 } });
  });

  it("fixture: 21,024,992 before; experts 8 → 6 and heads 16 → 12 (2 groups × 6) gives 16,434,352", () => {
    const plan = planPruning({ shape: FIXTURE, expertsKeep: { count: 6 }, headsKeep: { count: 12 } });
    expect(plan.before.total).toBe(21_024_992);
    expect(plan.pruned).toEqual({ nHeads: 12, nKvHeads: 2, headsPerKvGroup: 6, nExperts: 6, nExpertsUsed: 2 });
    expect(plan.after.total).toBe(16_434_352);
    expect(plan.after.total).toBe(countByHand(FIXTURE, 12, 2, 6));
    // shares: 75% of 16 heads and of 8 experts are the same counts
    expect(planPruning({ shape: FIXTURE, expertsKeep: { percent: 75 }, headsKeep: { percent: 75 } }).after.total).toBe(16_434_352);
  });

  it("fixture: whole KV groups", () => {
    const plan = planPruning({ shape: FIXTURE, kvGroupsKeep: { count: 1 }, expertsKeep: { count: 8 } });
    expect(plan.pruned).toMatchObject({ nHeads: 8, nKvHeads: 1, headsPerKvGroup: 8 });
    expect(plan.after.total).toBe(countByHand(FIXTURE, 8, 1, 8));
  });
});

describe("planPruning: bad requests are clear errors", () => {
  const fixture = (request: Omit<Parameters<typeof planPruning>[0], "shape">) => () => planPruning({ shape: FIXTURE, ...request });
  it("a head count that breaks GQA uniformity", () => {
    expect(fixture({ headsKeep: { count: 13 } })).toThrow(UsageError);
    expect(fixture({ headsKeep: { count: 13 } })).toThrow(/^--heads-keep: keeping 13 of 16 query heads breaks GQA uniformity: each of the 2 KV groups .* keep a multiple of 2/);
    expect(() => planPruning({ shape: GPT_OSS_20B, headsKeep: { count: 50 } })).toThrow(/multiple of 8 \(8, 16, 24, …, 64\)/);
  });
  it("more heads, groups or experts than the model has", () => {
    expect(fixture({ headsKeep: { count: 32 } })).toThrow(/cannot keep 32 query heads: the model has 16/);
    expect(fixture({ kvGroupsKeep: { count: 3 } })).toThrow(/^--kv-groups-keep: cannot keep 3 KV groups: the model has 2/);
    expect(fixture({ expertsKeep: { count: 9 } })).toThrow(/cannot keep 9 experts: the model has 8/);
  });
  it("top-k larger than the kept experts", () => {
    expect(fixture({ expertsKeep: { count: 1 } })).toThrow(/^--experts-keep: top-k 2 \(num_experts_per_tok\) is larger than the 1 kept experts/);
    expect(() => planPruning({ shape: GPT_OSS_20B, expertsKeep: { percent: 10 } })).toThrow(/top-k 4 .* the 3 kept experts/);
  });
  it("a target below what pruning can reach, or not below the model", () => {
    expect(fixture({ targetParams: 1e6 })).toThrow(/^--target-params: 1\.00M is below what pruning can reach: 9\.03M \(9025712\) with 16 query heads and 2 experts per layer/);
    expect(() => planPruning({ shape: GPT_OSS_20B, targetParams: 4e9 })).toThrow(/below what pruning can reach: 4\.19B/);
    expect(() => planPruning({ shape: GPT_OSS_20B, targetParams: 21e9 })).toThrow(/21\.00B is not below the model's 20\.91B .*nothing to prune/);
  });
  it("conflicting options", () => {
    expect(fixture({ headsKeep: { count: 12 }, kvGroupsKeep: { count: 1 } })).toThrow(/give heads_keep or kv_groups_keep, not both/);
    expect(fixture({ targetParams: 18e6, expertsKeep: { count: 6 } })).toThrow(/give target_params or experts_keep, not both/);
  });
  it("from a pipeline file: InvalidInputError naming the file and key", () => {
    const error = (() => {
      try {
        planPruning({ shape: FIXTURE, headsKeep: { count: 13 }, source: { file: "pipelines/x.yaml", key: "stages[1].with" } });
      } catch (e) {
        return e as InvalidInputError;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error!.file).toBe("pipelines/x.yaml");
    expect(error!.key).toBe("stages[1].with.heads_keep");
  });
});

describe("keep counts and parameter counts as written", () => {
  it("parseKeepCount", () => {
    expect(parseKeepCount("22")).toEqual({ count: 22 });
    expect(parseKeepCount(22)).toEqual({ count: 22 });
    expect(parseKeepCount("75%")).toEqual({ percent: 75 });
    for (const bad of ["0", "-1", "1.5", "0%", "101%", "x", 2.5, null]) expect(parseKeepCount(bad)).toBeUndefined();
  });
  it("parseParameterCount", () => {
    expect(parseParameterCount("15e9")).toBe(15e9);
    expect(parseParameterCount(15e9)).toBe(15e9);
    expect(parseParameterCount("15B")).toBe(15e9);
    expect(parseParameterCount("14.5b")).toBe(14.5e9);
    expect(parseParameterCount("900M")).toBe(9e8);
    for (const bad of ["", "15GB", "-1", "x", 0]) expect(parseParameterCount(bad)).toBeUndefined();
  });
});
