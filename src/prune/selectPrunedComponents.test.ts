import { describe, expect, it } from "vitest";
import { planPruning } from "./planPruning.js";
import type { PruneScores } from "./pruneScores.js";
import { selectPrunedComponents } from "./selectPrunedComponents.js";

const SHAPE = { nLayers: 2, hidden: 64, expertFfn: 64, nHeads: 8, nKvHeads: 2, headDim: 4, nExperts: 4, nExpertsUsed: 2, vocabSize: 16 };

function scores(): PruneScores {
  const layer = (l: number) => ({
    layer: l,
    experts: { routedTokens: [5, 1, 9, 3], frequency: [0.5, 0.1, 0.9, 0.3], reap: [1, 4, 2, 3], reap_topk: [1, 4, 2, 3], reap_sum: [0.5, 0.4, 1.8, 0.9], norm: [3, 3, 1, 2] },
    // group 0 = heads 0-3 (sum 10), group 1 = heads 4-7 (sum 26)
    heads: { flap: [1, 4, 3, 2, 8, 5, 7, 6] },
    oProjInputMean: new Float64Array(32),
  });
  return { sequences: 1, tokens: 10, layers: [layer(0), layer(1)], seconds: 0 };
}

describe("selectPrunedComponents", () => {
  it("keeps the best experts by the chosen score (ties to the lower index), ascending", () => {
    const plan = planPruning({ shape: SHAPE, expertsKeep: { count: 2 } });
    const pick = (expertScore: "reap" | "frequency" | "norm") => selectPrunedComponents({ plan, nLayers: 2, scores: scores(), expertScore, headScore: "flap" }).layers[0].experts;
    expect(pick("reap")).toEqual([1, 3]);
    expect(pick("frequency")).toEqual([0, 2]);
    expect(pick("norm")).toEqual([0, 1]);
  });

  it("heads: uniform per KV group, the best heads of each group", () => {
    const plan = planPruning({ shape: SHAPE, headsKeep: { count: 4 }, expertsKeep: { count: 4 } });
    const layer = selectPrunedComponents({ plan, nLayers: 2, scores: scores(), expertScore: "reap", headScore: "flap" }).layers[1];
    expect(layer).toEqual({ experts: [0, 1, 2, 3], heads: [1, 2, 4, 6], kvGroups: [0, 1] });
  });

  it("KV groups: the group with the larger summed score survives with all its heads", () => {
    const plan = planPruning({ shape: SHAPE, kvGroupsKeep: { count: 1 }, expertsKeep: { count: 4 } });
    const layer = selectPrunedComponents({ plan, nLayers: 2, scores: scores(), expertScore: "reap", headScore: "flap" }).layers[0];
    expect(layer.kvGroups).toEqual([1]);
    expect(layer.heads).toEqual([4, 5, 6, 7]);
  });

  it("random: seeded, deterministic, uniform per group, different per layer and seed; needs no scores", () => {
    const plan = planPruning({ shape: { ...SHAPE, nExperts: 32, nHeads: 64, nKvHeads: 8 }, expertsKeep: { count: 8 }, headsKeep: { count: 16 } });
    const run = (seed: number) => selectPrunedComponents({ plan, nLayers: 2, expertScore: "random", headScore: "random", seed });
    expect(run(3)).toEqual(run(3));
    const [a, b] = run(3).layers;
    expect(a.experts).toHaveLength(8);
    expect(a.experts).not.toEqual(b.experts);
    expect(run(4).layers[0].experts).not.toEqual(a.experts);
    for (let g = 0; g < 8; g++) expect(a.heads.filter((h) => Math.floor(h / 8) === g)).toHaveLength(2);
  });

  it("scores are required for a scored method", () => {
    const plan = planPruning({ shape: SHAPE, expertsKeep: { count: 2 } });
    expect(() => selectPrunedComponents({ plan, nLayers: 2, expertScore: "reap", headScore: "flap" })).toThrow(/expert scores of layer 0 are missing/);
  });
});
