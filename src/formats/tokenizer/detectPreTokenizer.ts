import { InvalidInputError } from "../../errors.js";

/**
 * The o200k split regex exactly as it appears in tokenizer.json (after JSON decoding) for
 * openai/gpt-oss and Xenova/gpt-4o. llama.cpp names this pre-tokenizer "gpt-4o" and quotes the same
 * string as the "original regex from tokenizer.json" for LLAMA_VOCAB_PRE_TYPE_GPT4O in src/llama-vocab.cpp.
 */
export const O200K_SPLIT_REGEX =
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
  "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
  "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * Returns the value of `tokenizer.ggml.pre` for a tokenizer.json.
 *
 * llama.cpp's converter identifies the pre-tokenizer by tokenizing a check text and hashing the ids
 * (get_vocab_base_pre); that needs the full tokenizer and only knows published vocabularies. We instead
 * recognise the one structure gpt-oss uses — a BPE model with no normalizer and a pre-tokenizer that is
 * Sequence[Split(o200k regex, Isolated), ByteLevel(use_regex=false)] — and refuse anything else rather
 * than guess, since a wrong `pre` silently changes how llama.cpp splits text.
 */
export function detectPreTokenizer(params: { tokenizerJson: Record<string, unknown>; tokenizerPath: string }): "gpt-4o" {
  const { tokenizerJson, tokenizerPath } = params;
  const model = tokenizerJson.model as Record<string, unknown> | undefined;
  if (!isObject(model) || model.type !== "BPE") {
    throw new InvalidInputError(
      tokenizerPath,
      `unsupported tokenizer model ${describe(isObject(model) ? model.type : model)}; expected a byte-level BPE ("BPE")`,
      "model.type",
    );
  }
  const normalizer = tokenizerJson.normalizer;
  if (normalizer !== null && normalizer !== undefined) {
    throw new InvalidInputError(
      tokenizerPath,
      `unsupported normalizer ${describe(normalizer)}; the gpt-4o (o200k) tokenizer has none`,
      "normalizer",
    );
  }
  const preTokenizer = tokenizerJson.pre_tokenizer;
  const steps = isObject(preTokenizer) && preTokenizer.type === "Sequence" ? preTokenizer.pretokenizers : undefined;
  if (!Array.isArray(steps) || steps.length !== 2 || !isObject(steps[0]) || !isObject(steps[1])) {
    throw unknown(tokenizerPath, `expected Sequence[Split(regex), ByteLevel], found ${describe(preTokenizer)}`);
  }
  const [split, byteLevel] = steps as [Record<string, unknown>, Record<string, unknown>];
  const pattern = isObject(split.pattern) ? split.pattern.Regex : undefined;
  if (split.type !== "Split" || typeof pattern !== "string") {
    throw unknown(tokenizerPath, `expected a Split with a Regex pattern first, found ${describe(split)}`);
  }
  if (pattern !== O200K_SPLIT_REGEX) {
    throw unknown(tokenizerPath, `split regex is not the o200k (gpt-4o) pattern: ${JSON.stringify(pattern)}`);
  }
  if (split.behavior !== "Isolated" || split.invert !== false) {
    throw unknown(
      tokenizerPath,
      `o200k split must be behavior "Isolated", invert false; found behavior ${describe(split.behavior)}, invert ${describe(split.invert)}`,
    );
  }
  if (byteLevel.type !== "ByteLevel" || byteLevel.use_regex !== false || byteLevel.add_prefix_space !== false) {
    throw unknown(
      tokenizerPath,
      `expected ByteLevel(add_prefix_space=false, use_regex=false) after the split, found ${describe(byteLevel)}`,
    );
  }
  return "gpt-4o";
}

function unknown(tokenizerPath: string, detail: string): InvalidInputError {
  return new InvalidInputError(tokenizerPath, `unknown pre-tokenizer: ${detail}`, "pre_tokenizer");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Short JSON rendering for error messages; long structures are cut so the message stays one line. */
function describe(value: unknown): string {
  const text = value === undefined ? "undefined" : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
