import { applyBpeMerges } from "./applyBpeMerges.js";
import { byteLevelAlphabet } from "./byteLevelAlphabet.js";
import { splitO200k } from "./splitO200k.js";

/** The parts of a tokenizer.json that encoding needs. */
export interface ByteLevelBpeTokenizerJson {
  added_tokens: Array<{ id: number; content: string }>;
  model: { vocab: Record<string, number>; merges: Array<[string, string] | string> };
}

/**
 * Encode text with a byte-level BPE tokenizer.json the way tokenizers does for gpt-oss: added (special)
 * tokens are matched literally first, the rest is split with the o200k regex, each piece's UTF-8 bytes are
 * mapped to the byte-level alphabet, and merges are applied lowest rank first until none applies.
 *
 * A small independent encoder, used to check that the synthetic tokenizer really tokenizes (every merge
 * result is in the vocab, text round-trips) without depending on a tokenizers implementation.
 */
export function encodeByteLevelBpe(params: { text: string; tokenizer: ByteLevelBpeTokenizerJson }): number[] {
  const { text, tokenizer } = params;
  const { vocab } = tokenizer.model;
  const ranks = new Map<string, number>();
  tokenizer.model.merges.forEach((merge, rank) => {
    const [left, right] = typeof merge === "string" ? merge.split(" ") : merge;
    ranks.set(`${left} ${right}`, rank);
  });
  const { byteToChar } = byteLevelAlphabet();
  const encoder = new TextEncoder();

  const ids: number[] = [];
  for (const segment of splitOnAddedTokens(text, tokenizer.added_tokens)) {
    if (typeof segment === "number") {
      ids.push(segment);
      continue;
    }
    for (const piece of splitO200k({ text: segment })) {
      const symbols = applyBpeMerges({ symbols: [...encoder.encode(piece)].map((b) => byteToChar[b]), ranks });
      for (const symbol of symbols) {
        const id = vocab[symbol];
        if (id === undefined) throw new Error(`token ${JSON.stringify(symbol)} produced by the merges is not in the vocab`);
        ids.push(id);
      }
    }
  }
  return ids;
}

/** Text segments and added-token ids, in order; the longest added token wins at each position. */
function splitOnAddedTokens(text: string, addedTokens: Array<{ id: number; content: string }>): Array<string | number> {
  const sorted = [...addedTokens].sort((a, b) => b.content.length - a.content.length);
  const out: Array<string | number> = [];
  let plainStart = 0;
  let i = 0;
  while (i < text.length) {
    const match = sorted.find((t) => text.startsWith(t.content, i));
    if (match === undefined) {
      i++;
      continue;
    }
    if (i > plainStart) out.push(text.slice(plainStart, i));
    out.push(match.id);
    i += match.content.length;
    plainStart = i;
  }
  if (plainStart < text.length) out.push(text.slice(plainStart));
  return out;
}
