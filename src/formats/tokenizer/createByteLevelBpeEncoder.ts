import { InvalidInputError } from "../../errors.js";
import { applyBpeMerges } from "./applyBpeMerges.js";
import { byteLevelAlphabet } from "./byteLevelAlphabet.js";
import { splitO200k } from "./splitO200k.js";

/** The parts of a tokenizer.json that encoding needs. */
export interface ByteLevelBpeTokenizerJson {
  added_tokens?: Array<{ id: number; content: string }>;
  pre_tokenizer?: unknown;
  model?: { type?: string; vocab?: Record<string, number>; merges?: Array<[string, string] | string>; ignore_merges?: boolean };
}

/**
 * The one text → token ids encoder for gpt-oss's byte-level BPE tokenizer.json, as tokenizers encodes:
 * added tokens matched literally first (longest first), the rest split with the o200k regex, each
 * piece's UTF-8 bytes mapped to the byte-level alphabet and BPE-merged lowest rank first (or taken
 * whole when the model sets ignore_merges and the piece is in the vocabulary). Merge ranks are built
 * once and pieces memoised, so a multi-MB calibration file tokenizes in seconds.
 *
 * Used by calibration (AWQ, pruning) and to check that the synthetic tokenizer really tokenizes,
 * without depending on a tokenizers implementation. `file` names the tokenizer in errors.
 */
export function createByteLevelBpeEncoder(params: { tokenizer: ByteLevelBpeTokenizerJson; file?: string }): (text: string) => number[] {
  const file = params.file ?? "tokenizer.json";
  const model = params.tokenizer.model;
  if ((model?.type !== undefined && model.type !== "BPE") || !model?.vocab || !Array.isArray(model.merges)) {
    throw new InvalidInputError(file, "expected a BPE model with vocab and merges", "model");
  }
  const vocab = new Map(Object.entries(model.vocab));
  const ranks = new Map<string, number>();
  model.merges.forEach((merge, rank) => {
    const [left, right] = typeof merge === "string" ? merge.split(" ") : merge;
    ranks.set(`${left} ${right}`, rank);
  });
  const ignoreMerges = model.ignore_merges === true;
  const added = [...(params.tokenizer.added_tokens ?? [])].sort((a, b) => b.content.length - a.content.length);
  const addedFirstChars = new Set(added.map((t) => t.content[0]));
  const { byteToChar } = byteLevelAlphabet();
  const encoder = new TextEncoder();
  const memo = new Map<string, number[]>();

  const encodePiece = (piece: string): number[] => {
    const known = memo.get(piece);
    if (known) return known;
    const whole = [...encoder.encode(piece)].map((b) => byteToChar[b]);
    const wholeId = ignoreMerges ? vocab.get(whole.join("")) : undefined;
    let ids: number[];
    if (wholeId !== undefined) {
      ids = [wholeId];
    } else {
      ids = applyBpeMerges({ symbols: whole, ranks }).map((symbol) => {
        const id = vocab.get(symbol);
        if (id === undefined) throw new InvalidInputError(file, `merges produce ${JSON.stringify(symbol)}, which is not in the vocabulary`, "model.merges");
        return id;
      });
    }
    // bounded: a hostile or huge text cannot grow the memo without limit
    if (memo.size < 1 << 20) memo.set(piece, ids);
    return ids;
  };

  return (text: string): number[] => {
    const ids: number[] = [];
    const plain = (segment: string) => {
      for (const piece of splitO200k({ text: segment })) for (const id of encodePiece(piece)) ids.push(id);
    };
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      if (!addedFirstChars.has(text[i])) continue;
      const match = added.find((t) => text.startsWith(t.content, i));
      if (!match) continue;
      if (i > start) plain(text.slice(start, i));
      ids.push(match.id);
      i += match.content.length - 1;
      start = i + 1;
    }
    if (start < text.length) plain(text.slice(start));
    return ids;
  };
}
