/** Which heads and experts of each layer survive, in the original model's indices. */

export interface LayerSelection {
  /** Kept experts, ascending: new expert i is old expert experts[i]. */
  experts: number[];
  /** Kept query heads, ascending (group-major, so new head i belongs to new KV group ⌊i / headsPerKvGroup⌋). */
  heads: number[];
  /** Kept KV heads (GQA groups), ascending. */
  kvGroups: number[];
  /**
   * o_proj bias to write instead of the original, [hidden]: FLAP's compensation (the removed heads'
   * mean contribution added to the bias), already rounded to the checkpoint's bias dtype.
   */
  oProjBias?: Float32Array;
}

export interface PruneSelection {
  layers: LayerSelection[];
}
