/**
 * The order llama_model_quantize writes tensors in: its std::map weights_map with
 * weight_name_comparer (src/llama-model-loader.h:54-65): by the layer number of `blk.N.` (tensors
 * outside blocks count as layer -1, so they come first), then by name, byte-wise. So blk.10 comes
 * after blk.9, unlike the converter's lexicographic order.
 */
function layerOf(name: string): number {
  // sscanf(name, "blk.%d.", &layer): a failed match leaves -1
  const m = /^blk\.([+-]?\d+)/.exec(name);
  return m ? Number(m[1]) : -1;
}

export function llamaQuantizeTensorOrder<T extends { name: string }>(tensors: readonly T[]): T[] {
  return [...tensors].sort((a, b) => {
    const la = layerOf(a.name);
    const lb = layerOf(b.name);
    if (la !== lb) return la - lb;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}
