import { InvalidInputError } from "../../errors.js";
import { TokenType } from "./tokenType.js";

/** An added token as the tokenizers library keeps it after loading tokenizer.json. */
interface AddedToken {
  content: string;
  special: boolean;
  normalized: boolean;
}

/**
 * Builds `tokenizer.ggml.tokens` and `tokenizer.ggml.token_type` the way llama.cpp's get_vocab_base does
 * from `AutoTokenizer.from_pretrained(dir)`:
 * - ids 0..vocabSize-1 (vocabSize is config.json's padded vocab_size); an id no token has becomes
 *   `[PAD{id}]` with type UNUSED;
 * - a model-vocabulary token is NORMAL;
 * - an added token is CONTROL when it is special or looks special (`<|…|>` etc.), otherwise
 *   USER_DEFINED with U+2581 (▁) replaced by a space. A non-normalized added token is first passed
 *   through encode→decode, which gives its content back unchanged: added tokens are matched whole and
 *   decoded verbatim, and transformers 5 ignores clean_up_tokenization_spaces for BPE tokenizers
 *   (transformers 4 would have applied it; checked against transformers 5.17, which the reference
 *   conversion uses).
 * - a special token that tokenizer_config.json or special_tokens_map.json names (bos_token, pad_token,
 *   additional_special_tokens, …) and that is only in the model vocabulary is made an added special
 *   token by transformers, so it is CONTROL too.
 *
 * The ids of added tokens are the ones the tokenizers library assigns while loading tokenizer.json, not the
 * `id` fields: a token whose content is already in the model vocabulary keeps that id, any other takes
 * the next id after the model vocabulary. Where that differs from the file's `id` we refuse the
 * tokenizer instead of picking one.
 */
export function buildTokenList(params: {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown> | undefined;
  specialTokensMap: Record<string, unknown> | undefined;
  vocabSize: number;
  tokenizerPath: string;
  tokenizerConfigPath: string;
  specialTokensMapPath: string;
  /** Where vocabSize came from, for error messages. */
  configPath: string;
}): { tokens: string[]; tokenTypes: number[] } {
  const { tokenizerJson, tokenizerConfig, specialTokensMap, vocabSize, tokenizerPath, tokenizerConfigPath, specialTokensMapPath, configPath } =
    params;
  if (!Number.isSafeInteger(vocabSize) || vocabSize <= 0) {
    throw new InvalidInputError(configPath, `vocab_size must be a positive integer, got ${vocabSize}`, "vocab_size");
  }

  const model = tokenizerJson.model;
  const modelVocab = typeof model === "object" && model !== null ? (model as Record<string, unknown>).vocab : undefined;
  if (typeof modelVocab !== "object" || modelVocab === null || Array.isArray(modelVocab)) {
    throw new InvalidInputError(tokenizerPath, "model.vocab must be an object mapping token text to id", "model.vocab");
  }

  // Model vocabulary: content → id and id → content. Two texts may claim one id; the converter would then
  // keep whichever its dict iteration saw last (an order the Rust side does not fix), so refuse that.
  const modelIdByContent = new Map<string, number>();
  const textById = new Map<number, string>();
  for (const content in modelVocab) {
    const id = (modelVocab as Record<string, unknown>)[content];
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) {
      throw new InvalidInputError(tokenizerPath, `token ${JSON.stringify(content)} has id ${JSON.stringify(id)}, expected a non-negative integer`, "model.vocab");
    }
    const previous = textById.get(id);
    if (previous !== undefined) {
      throw new InvalidInputError(tokenizerPath, `id ${id} is given to both ${JSON.stringify(previous)} and ${JSON.stringify(content)}`, "model.vocab");
    }
    modelIdByContent.set(content, id);
    textById.set(id, content);
  }

  const addedById = loadAddedTokens({ tokenizerJson, modelIdByContent, tokenizerPath });
  checkAddedTokensDecoder({ tokenizerConfig, addedById, tokenizerConfigPath });
  for (const [source, path] of [[tokenizerConfig, tokenizerConfigPath], [specialTokensMap, specialTokensMapPath]] as const) {
    addNamedSpecialTokens({ source, path, addedById, modelIdByContent });
  }

  // get_vocab(with_added_tokens=True): added tokens override model entries of the same content. The
  // loader already gave such a token the model's id, so overriding only ever adds ids or keeps the text.
  const addedIdByContent = new Map<string, number>();
  for (const [id, token] of addedById) {
    const modelText = textById.get(id);
    if (modelText !== undefined && modelText !== token.content) {
      throw new InvalidInputError(
        tokenizerPath,
        `added token ${JSON.stringify(token.content)} takes id ${id}, which the model vocabulary gives to ${JSON.stringify(modelText)}`,
        "added_tokens",
      );
    }
    textById.set(id, token.content);
    addedIdByContent.set(token.content, id);
  }

  let maxId = -1;
  for (const id of textById.keys()) if (id > maxId) maxId = id;
  if (maxId >= vocabSize) {
    throw new InvalidInputError(
      configPath,
      `vocab_size ${vocabSize} is smaller than the tokenizer's largest id ${maxId} (${tokenizerPath})`,
      "vocab_size",
    );
  }

  const tokens = new Array<string>(vocabSize);
  const tokenTypes = new Array<number>(vocabSize);
  for (let id = 0; id < vocabSize; id++) {
    let text = textById.get(id);
    if (text === undefined) {
      tokens[id] = `[PAD${id}]`;
      tokenTypes[id] = TokenType.UNUSED;
      continue;
    }
    const added = addedIdByContent.has(text) ? addedById.get(id) : undefined;
    if (added === undefined) {
      tokens[id] = text;
      tokenTypes[id] = TokenType.NORMAL;
      continue;
    }
    // llama.cpp assumes CONTROL and USER_DEFINED texts are pre-normalized, so the converter round-trips
    // non-normalized added tokens through encode/decode; for a whole added token that is the identity.
    if (added.special || looksSpecial(text)) {
      tokenTypes[id] = TokenType.CONTROL;
    } else {
      text = text.replaceAll("\u2581", " ");
      tokenTypes[id] = TokenType.USER_DEFINED;
    }
    tokens[id] = text;
  }
  return { tokens, tokenTypes };
}

/**
 * Replays how the tokenizers library loads `added_tokens`: in file order, skipping empty contents;
 * a content already known (added or model vocabulary) keeps its id, any other takes the next free id,
 * which starts at the model vocabulary's size. Returns id → token; each id must match the file's `id`.
 */
function loadAddedTokens(params: {
  tokenizerJson: Record<string, unknown>;
  modelIdByContent: Map<string, number>;
  tokenizerPath: string;
}): Map<number, AddedToken> {
  const { tokenizerJson, modelIdByContent, tokenizerPath } = params;
  const entries = tokenizerJson.added_tokens ?? [];
  if (!Array.isArray(entries)) {
    throw new InvalidInputError(tokenizerPath, "added_tokens must be a list", "added_tokens");
  }
  const addedIdByContent = new Map<string, number>();
  const addedById = new Map<number, AddedToken>();
  let nextId = modelIdByContent.size;
  entries.forEach((entry: unknown, index) => {
    const where = `added_tokens[${index}]`;
    const record = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const { id, content, special, normalized } = record;
    if (typeof content !== "string" || typeof special !== "boolean" || typeof normalized !== "boolean") {
      throw new InvalidInputError(tokenizerPath, "expected an object with string content and boolean special and normalized", where);
    }
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) {
      throw new InvalidInputError(tokenizerPath, `id ${JSON.stringify(id)} is not a non-negative integer`, where);
    }
    if (content === "") return;
    const loadedId = addedIdByContent.get(content) ?? modelIdByContent.get(content) ?? nextId++;
    if (loadedId !== id) {
      throw new InvalidInputError(
        tokenizerPath,
        `added token ${JSON.stringify(content)} has id ${id}, but the tokenizers library would load it at id ${loadedId} ` +
          "(an added token must repeat its model-vocabulary id or follow the vocabulary contiguously)",
        where,
      );
    }
    addedIdByContent.set(content, id);
    addedById.set(id, { content, special, normalized });
  });
  return addedById;
}

/**
 * transformers re-adds the tokens that tokenizer_config.json's added_tokens_decoder describes
 * differently from tokenizer.json, which moves or retypes them in ways that differ between transformers
 * versions. gpt-oss checkpoints agree between the two files; refuse any that do not rather than guess.
 */
function checkAddedTokensDecoder(params: {
  tokenizerConfig: Record<string, unknown> | undefined;
  addedById: Map<number, AddedToken>;
  tokenizerConfigPath: string;
}): void {
  const { tokenizerConfig, addedById, tokenizerConfigPath } = params;
  const decoder = tokenizerConfig?.added_tokens_decoder;
  if (typeof decoder !== "object" || decoder === null) return;
  for (const [idText, entry] of Object.entries(decoder as Record<string, unknown>)) {
    const where = `added_tokens_decoder.${idText}`;
    const record = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const known = addedById.get(Number(idText));
    if (known === undefined || known.content !== record.content) {
      throw new InvalidInputError(
        tokenizerConfigPath,
        `describes ${JSON.stringify(record.content)} at id ${idText}, but tokenizer.json's added tokens ${known === undefined ? "have no such id" : `give it ${JSON.stringify(known.content)}`}`,
        where,
      );
    }
    if ((record.special !== undefined && record.special !== known.special) || (record.normalized !== undefined && record.normalized !== known.normalized)) {
      throw new InvalidInputError(
        tokenizerConfigPath,
        `special/normalized flags of ${JSON.stringify(known.content)} differ from tokenizer.json's added_tokens`,
        where,
      );
    }
  }
}

/**
 * transformers makes every special token named in tokenizer_config.json / special_tokens_map.json an
 * added special token when loading. One already added changes nothing; one that is only in the model
 * vocabulary becomes special at its model id (so llama.cpp types it CONTROL); one that is nowhere would be
 * appended after the vocabulary — that we refuse, since the ids it would take depend on loading order.
 */
function addNamedSpecialTokens(params: {
  source: Record<string, unknown> | undefined;
  path: string;
  addedById: Map<number, AddedToken>;
  modelIdByContent: Map<string, number>;
}): void {
  const { source, path, addedById, modelIdByContent } = params;
  if (source === undefined) return;
  const addedContents = new Set<string>();
  for (const token of addedById.values()) addedContents.add(token.content);
  const named: Array<[string, unknown]> = [];
  for (const name of ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]) {
    named.push([name, source[name]]);
  }
  for (const listName of ["additional_special_tokens", "extra_special_tokens"]) {
    const list = source[listName];
    if (Array.isArray(list)) list.forEach((value, index) => { named.push([`${listName}[${index}]`, value]); });
  }
  for (const [name, value] of named) {
    const content = typeof value === "string" ? value : typeof value === "object" && value !== null ? (value as Record<string, unknown>).content : undefined;
    if (typeof content !== "string" || content === "" || addedContents.has(content)) continue;
    const modelId = modelIdByContent.get(content);
    if (modelId === undefined) {
      throw new InvalidInputError(
        path,
        `special token ${JSON.stringify(content)} is not in tokenizer.json; transformers would append it to the vocabulary when loading, which this converter does not reproduce`,
        name,
      );
    }
    addedById.set(modelId, { content, special: true, normalized: false });
    addedContents.add(content);
  }
}

/**
 * llama.cpp's does_token_look_special: some models mark control tokens as not special, so texts of the
 * forms below are made CONTROL anyway.
 */
function looksSpecial(text: string): boolean {
  if (text === "<pad>" || text === "<mask>" || text === "<2mass>" || text === "[@BOS@]") return true;
  if (text.startsWith("<|") && text.endsWith("|>")) return true;
  if (text.startsWith("<\uff5c") && text.endsWith("\uff5c>")) return true; // deepseek-coder's fullwidth bars
  if (text.startsWith("<unused") && text.endsWith(">")) return true;
  return false;
}
