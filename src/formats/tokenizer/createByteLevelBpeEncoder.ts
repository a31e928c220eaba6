import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import { byteLevelAlphabet } from "./byteLevelAlphabet.js";
import { O200K_PRETOKENIZER_REGEX, splitO200k } from "./splitO200k.js";
import { applyBpeMerges } from "./applyBpeMerges.js";

interface TokenizerJson {
  added_tokens?: Array<{ id: number; content: string }>;
  pre_tokenizer?: unknown;
  model?: { type?: string; vocab?: Record<string, number>; merges?: Array<[string, string] | string>; ignore_merges?: boolean };
}

/**
 * A text → token ids encoder for a checkpoint's tokenizer.json, as tokenizers encodes for gpt-oss:
 * added tokens matched literally first, the rest split with the o200k regex, each piece's UTF-8 bytes
 * mapped to the byte-level alphabet and BPE-merged lowest rank first (or taken whole when the model
 * sets ignore_merges and the piece is in the vocabulary). The merge ranks are built once and pieces
 * are memoised, so a multi-MB calibration file tokenizes in seconds. Other tokenizer kinds are refused:
 * oss-prep only calibrates gpt-oss.
 */
export async function createByteLevelBpeEncoder(params: { dir: string }): Promise<(text: string) => number[]> {
  const file = join(params.dir, "tokenizer.json");
  let tokenizer: TokenizerJson;
  try {
    tokenizer = JSON.parse(await readFile(file, "utf8")) as TokenizerJson;
  } catch (error) {
    throw new InvalidInputError(file, `cannot read the tokenizer: ${(error as Error).message}`);
  }
  const model = tokenizer.model;
  if (model?.type !== "BPE" || !model.vocab || !Array.isArray(model.merges)) throw new InvalidInputError(file, "expected a BPE model with vocab and merges", "model");
  if (!JSON.stringify(tokenizer.pre_tokenizer ?? null).includes(JSON.stringify(O200K_PRETOKENIZER_REGEX))) {
    throw new InvalidInputError(file, "pre-tokenizer is not gpt-oss's (o200k regex split + byte-level); calibration tokenizes only gpt-oss text", "pre_tokenizer");
  }
  const vocab = new Map(Object.entries(model.vocab));
  const ranks = new Map<string, number>();
  model.merges.forEach((merge, rank) => {
    const [left, right] = typeof merge === "string" ? merge.split(" ") : merge;
    ranks.set(`${left} ${right}`, rank);
  });
  const ignoreMerges = model.ignore_merges === true;
  const added = [...(tokenizer.added_tokens ?? [])].sort((a, b) => b.content.length - a.content.length);
  const addedFirstChars = new Set(added.map((t) => t.content[0]));
  const { byteToChar } = byteLevelAlphabet();
  const encoder = new TextEncoder();
  const memo = new Map<string, number[]>();

  const encodePiece = (piece: string): number[] => {
    const known = memo.get(piece);
    if (known) return known;
    const whole = [...encoder.encode(piece)].map((b) => byteToChar[b]);
    let ids: number[];
    if (ignoreMerges && vocab.has(whole.join(""))) {
      ids = [vocab.get(whole.join(""))!];
    } else {
      const symbols = applyBpeMerges({ symbols: whole, ranks });
      ids = symbols.map((symbol) => {
        const id = vocab.get(symbol);
        if (id === undefined) throw new InvalidInputError(file, `merges produce ${JSON.stringify(symbol)}, which is not in the vocabulary`, "model.merges");
        return id;
      });
    }
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
