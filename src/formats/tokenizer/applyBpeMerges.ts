/**
 * Byte-level BPE's merge loop, as tokenizers runs it: repeatedly merge the adjacent pair of lowest
 * rank (every occurrence of it, left to right) until no adjacent pair has a rank. `ranks` maps
 * `"left right"` to the merge's position in tokenizer.json.
 */
export function applyBpeMerges(params: { symbols: string[]; ranks: ReadonlyMap<string, number> }): string[] {
  const { ranks } = params;
  let symbols = params.symbols;
  for (;;) {
    let bestRank = Infinity;
    let bestAt = -1;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        bestAt = i;
      }
    }
    if (bestAt < 0) return symbols;
    const left = symbols[bestAt];
    const right = symbols[bestAt + 1];
    const merged: string[] = [];
    for (let i = 0; i < symbols.length; i++) {
      if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
        merged.push(left + right);
        i++;
      } else {
        merged.push(symbols[i]);
      }
    }
    symbols = merged;
  }
}
