import { byteLevelAlphabet } from "../formats/tokenizer/byteLevelAlphabet.js";
import { splitO200k } from "../formats/tokenizer/splitO200k.js";

/**
 * Train a byte-level BPE on `text` the way tokenizers' BpeTrainer does with a ByteLevel alphabet:
 * pre-tokenize with the o200k regex, map each piece's UTF-8 bytes to the byte-level alphabet, start from all
 * 256 byte tokens (ids 0–255 in code-point order, as in o200k), then repeatedly merge the most frequent
 * adjacent pair until `maxMerges` merges are made or no pair occurs at least `minPairCount` times.
 *
 * Ties are broken by the smaller (left id, right id), so the result is fully deterministic. As in
 * tokenizers, a merge whose result already exists as a token reuses that token (the merge is still listed),
 * so `tokens.length` can be less than 256 + merges.length.
 */
export function trainByteLevelBpe(params: { text: string; maxMerges: number; minPairCount?: number }): {
  /** Token strings in id order. */
  tokens: string[];
  /** Merges in rank order, as [left, right] token strings. */
  merges: Array<[string, string]>;
} {
  const { text, maxMerges } = params;
  const minPairCount = params.minPairCount ?? 2;
  const { byteToChar, ordered } = byteLevelAlphabet();

  const tokens = [...ordered];
  const idOf = new Map(tokens.map((token, id) => [token, id] as const));

  // Unique pieces with their counts, each as a sequence of token ids.
  const pieceCounts = new Map<string, number>();
  for (const piece of splitO200k({ text })) pieceCounts.set(piece, (pieceCounts.get(piece) ?? 0) + 1);
  const words: Array<{ ids: number[]; count: number }> = [];
  const encoder = new TextEncoder();
  for (const [piece, count] of pieceCounts) {
    const ids = [...encoder.encode(piece)].map((b) => idOf.get(byteToChar[b])!);
    words.push({ ids, count });
  }

  const merges: Array<[string, string]> = [];
  while (merges.length < maxMerges) {
    // Recounting every round is quadratic in principle, but the corpus has a few thousand distinct pieces:
    // a full training run takes well under a second.
    const pairCounts = new Map<number, number>();
    for (const { ids, count } of words) {
      for (let i = 0; i + 1 < ids.length; i++) {
        const key = ids[i] * PAIR_KEY_BASE + ids[i + 1];
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      }
    }
    let bestKey = -1;
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && key < bestKey)) {
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestKey < 0 || bestCount < minPairCount) break;

    const left = Math.floor(bestKey / PAIR_KEY_BASE);
    const right = bestKey % PAIR_KEY_BASE;
    const merged = tokens[left] + tokens[right];
    let mergedId = idOf.get(merged);
    if (mergedId === undefined) {
      mergedId = tokens.length;
      tokens.push(merged);
      idOf.set(merged, mergedId);
    }
    merges.push([tokens[left], tokens[right]]);
    for (const word of words) word.ids = mergePair(word.ids, left, right, mergedId);
  }
  return { tokens, merges };
}

/** Pairs are keyed as left * base + right; the base only has to exceed the largest id. */
const PAIR_KEY_BASE = 1 << 20;

function mergePair(ids: number[], left: number, right: number, mergedId: number): number[] {
  if (ids.length < 2) return ids;
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === left && ids[i + 1] === right) {
      out.push(mergedId);
      i++;
    } else {
      out.push(ids[i]);
    }
  }
  return out;
}
