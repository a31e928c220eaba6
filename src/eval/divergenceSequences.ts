/**
 * The token sequences divergence is measured on: a text file cut into chunks of `chunkTokens` (as
 * llama-perplexity cuts its input), or a list of prompts taken round-robin over groups (subjects)
 * so that a token budget covers every group. Both models must tokenize the text identically.
 */
import { InvalidInputError } from "../errors.js";

export function divergenceSequencesFromText(params: {
  text: string;
  file: string;
  tokenize: (text: string) => number[];
  chunkTokens: number;
  maxTokens: number;
}): number[][] {
  const tokens = params.tokenize(params.text);
  if (tokens.length < 2) throw new InvalidInputError(params.file, "the text has fewer than 2 tokens; nothing to compare");
  const limit = Math.min(tokens.length, params.maxTokens);
  const sequences: number[][] = [];
  for (let start = 0; start < limit; start += params.chunkTokens) {
    const chunk = tokens.slice(start, Math.min(limit, start + params.chunkTokens));
    if (chunk.length >= 2) sequences.push(chunk);
  }
  return sequences;
}

export function divergenceSequencesFromPrompts(params: {
  /** Prompts in groups (e.g. per subject), each group in order. */
  groups: readonly (readonly string[])[];
  tokenize: (text: string) => number[];
  chunkTokens: number;
  maxTokens: number;
}): number[][] {
  const sequences: number[][] = [];
  let total = 0;
  const longest = Math.max(0, ...params.groups.map((g) => g.length));
  for (let i = 0; i < longest && total < params.maxTokens; i++) {
    for (const group of params.groups) {
      if (i >= group.length || total >= params.maxTokens) continue;
      const tokens = params.tokenize(group[i]).slice(0, Math.min(params.chunkTokens, params.maxTokens - total));
      if (tokens.length < 2) continue;
      sequences.push(tokens);
      total += tokens.length;
    }
  }
  return sequences;
}

/** Both models must see the same token ids, or position-by-position comparison means nothing. */
export function checkSameTokenization(params: {
  texts: readonly string[];
  model: { path: string; tokenize: (text: string) => number[] };
  baseline: { path: string; tokenize: (text: string) => number[] };
}): void {
  for (const text of params.texts) {
    const a = params.model.tokenize(text);
    const b = params.baseline.tokenize(text);
    if (a.length !== b.length || a.some((t, i) => t !== b[i])) {
      throw new InvalidInputError(params.model.path, `tokenizes text differently from the baseline ${params.baseline.path}; divergence needs the same tokenizer`);
    }
  }
}
