/**
 * The o200k pre-tokenizer regex exactly as gpt-oss's tokenizer.json spells it (after JSON decoding); the
 * same string llama.cpp quotes as the "original regex from tokenizer.json" for its GPT4O pre-type
 * (src/llama-vocab.cpp). Written verbatim into the synthetic tokenizer.json so converters recognise it.
 */
export const O200K_PRETOKENIZER_REGEX =
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
  "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
  "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * The same pattern for JavaScript: Node 20's RegExp has no inline `(?i:…)` group, so the case-insensitive
 * contraction suffixes are spelled out with character classes — the rewrite llama.cpp itself uses for
 * its std::regex fallback. Everything else (\p{…} classes, the (?!\S) lookahead) is native with the u flag.
 */
const CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const O200K_JS_SOURCE = O200K_PRETOKENIZER_REGEX.split("(?i:'s|'t|'re|'ve|'m|'ll|'d)").join(CONTRACTIONS);

/**
 * Split text into pre-tokens the way tokenizers' Split(o200k, behavior "Isolated") does: every regex match
 * is one piece, and the text between matches (the pattern's last branch `\s+` plus the catch-all classes
 * make that empty in practice) is kept as pieces of its own, so the pieces always concatenate to the input.
 */
export function splitO200k(params: { text: string }): string[] {
  const { text } = params;
  const pattern = new RegExp(O200K_JS_SOURCE, "gu");
  const pieces: string[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    if (index > last) pieces.push(text.slice(last, index));
    if (match[0].length > 0) pieces.push(match[0]);
    last = index + match[0].length;
  }
  if (last < text.length) pieces.push(text.slice(last));
  return pieces;
}
