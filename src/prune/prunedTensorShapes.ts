/**
 * The HF tensor list of a pruned checkpoint, from the unpruned list and the kept counts, without
 * reading a weight: what `plan --variant pruned-15b` needs to estimate the pruned model's memory
 * before pruning it. The axes are those writePrunedCheckpoint slices: the expert axis (first) of the
 * router and every expert tensor, the query-head rows of q_proj, the query-head columns of o_proj,
 * the sinks, and the KV-head rows of k_proj/v_proj when whole KV groups go.
 */
import type { HfTensorRef } from "../arch/gpt-oss/index.js";
import type { PrunedCounts } from "./planPruning.js";

export function prunedTensorShapes<T extends HfTensorRef>(params: { tensors: readonly T[]; original: PrunedCounts; pruned: PrunedCounts; headDim: number }): T[] {
  const { original, pruned, headDim } = params;
  return params.tensors.map((t) => {
    const shape = [...t.shape];
    const name = t.name;
    if (/\.mlp\.(router|experts)\./.test(name)) {
      shape[0] = (shape[0] / original.nExperts) * pruned.nExperts;
    } else if (/\.self_attn\.q_proj\.(weight|bias)$/.test(name)) {
      shape[0] = pruned.nHeads * headDim;
    } else if (/\.self_attn\.[kv]_proj\.(weight|bias)$/.test(name)) {
      shape[0] = pruned.nKvHeads * headDim;
    } else if (/\.self_attn\.o_proj\.weight$/.test(name)) {
      shape[1] = pruned.nHeads * headDim;
    } else if (/\.self_attn\.sinks$/.test(name)) {
      shape[0] = pruned.nHeads;
    } else {
      return t;
    }
    return { ...t, shape };
  });
}
