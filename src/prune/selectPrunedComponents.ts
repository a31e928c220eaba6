/**
 * Per layer, the heads and experts to keep: the highest-scoring ones (ties to the lower index), or a
 * seeded random choice as the baseline. Heads respect GQA: whole KV groups are ranked by the summed
 * scores of their query heads, then each kept group keeps its best `headsPerKvGroup` heads.
 */
import type { PrunePlan } from "./planPruning.js";
import type { ExpertScoreMethod, HeadScoreMethod, PruneScores } from "./pruneScores.js";
import type { LayerSelection, PruneSelection } from "./pruneSelection.js";
import { mulberry32 } from "../util/mulberry32.js";

export interface SelectPrunedComponentsParams {
  plan: PrunePlan;
  nLayers: number;
  /** Calibration scores; required unless both methods are random (or nothing of that kind is pruned). */
  scores?: PruneScores;
  expertScore: ExpertScoreMethod;
  headScore: HeadScoreMethod;
  /** Seed of the random baselines. */
  seed?: number;
}

export function selectPrunedComponents(params: SelectPrunedComponentsParams): PruneSelection {
  const { plan, nLayers, scores, expertScore, headScore } = params;
  const seed = params.seed ?? 0;
  const { original, pruned } = plan;
  const layers: LayerSelection[] = [];
  for (let layer = 0; layer < nLayers; layer++) {
    const layerScores = scores?.layers[layer];
    const need = (what: string) => new Error(`selectPrunedComponents: ${what} scores of layer ${layer} are missing (run scoreForPruning first)`);

    let experts = range(original.nExperts);
    if (pruned.nExperts < original.nExperts) {
      let values: number[];
      if (expertScore === "random") values = randomValues(original.nExperts, seed, layer, 1);
      else if (!layerScores) throw need("expert");
      else values = layerScores.experts[expertScore];
      experts = topIndices(values, pruned.nExperts);
    }

    let heads = range(original.nHeads);
    let kvGroups = range(original.nKvHeads);
    if (pruned.nHeads < original.nHeads) {
      let values: number[];
      if (headScore === "random") values = randomValues(original.nHeads, seed, layer, 2);
      else if (!layerScores) throw need("head");
      else values = layerScores.heads.flap;
      const g = original.headsPerKvGroup;
      const groupScores = kvGroups.map((group) => values.slice(group * g, (group + 1) * g).reduce((a, b) => a + b, 0));
      kvGroups = topIndices(groupScores, pruned.nKvHeads);
      heads = kvGroups.flatMap((group) => topIndices(values.slice(group * g, (group + 1) * g), pruned.headsPerKvGroup).map((h) => group * g + h));
    }
    layers.push({ experts, heads, kvGroups });
  }
  return { layers };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Indices of the n largest values (ties: lower index first), returned ascending. */
function topIndices(values: readonly number[], n: number): number[] {
  const order = range(values.length).sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, n).sort((a, b) => a - b);
}

/** Deterministic uniform values per (seed, layer, kind): mulberry32 on a mixed seed. */
function randomValues(n: number, seed: number, layer: number, kind: number): number[] {
  const next = mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(layer + 1, 0xc2b2ae35) ^ Math.imul(kind, 0x27d4eb2f));
  return Array.from({ length: n }, next);
}
