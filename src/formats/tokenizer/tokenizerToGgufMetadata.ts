import { join } from "node:path";
import { InvalidInputError } from "../../errors.js";
import { buildTokenList } from "./buildTokenList.js";
import { chatTemplateKeyValues } from "./chatTemplateKeyValues.js";
import { detectPreTokenizer } from "./detectPreTokenizer.js";
import { GgufValueType, type GgufMetadata } from "../gguf/ggufValue.js";
import { loadMerges } from "./loadMerges.js";
import { loadSpecialVocab } from "./loadSpecialVocab.js";
import { readCheckpointJson } from "./readCheckpointJson.js";

/** GGUF keys for special token ids, by SpecialVocab type (GGUFWriter.add_<type>_token_id). "cls" has none. */
const SPECIAL_TOKEN_ID_KEYS: Record<string, string> = {
  bos: "tokenizer.ggml.bos_token_id",
  eos: "tokenizer.ggml.eos_token_id",
  unk: "tokenizer.ggml.unknown_token_id",
  sep: "tokenizer.ggml.seperator_token_id", // sic: llama.cpp's spelling
  pad: "tokenizer.ggml.padding_token_id",
  mask: "tokenizer.ggml.mask_token_id",
  eot: "tokenizer.ggml.eot_token_id",
  eom: "tokenizer.ggml.eom_token_id",
};

/** GGUF keys for add_<type>_token flags (GGUFWriter.add_add_<type>_token); other types have no handler. */
const ADD_SPECIAL_TOKEN_KEYS: Record<string, string> = {
  bos: "tokenizer.ggml.add_bos_token",
  eos: "tokenizer.ggml.add_eos_token",
  sep: "tokenizer.ggml.add_sep_token",
};

/**
 * The tokenizer metadata llama.cpp's convert_hf_to_gguf.py writes for a GptOssForCausalLM checkpoint
 * (set_vocab → _set_vocab_gpt2), in its order and with its GGUF types, as an ordered GgufMetadata map
 * (iterate it to get [key, value] pairs in file order):
 *
 *   tokenizer.ggml.model        string   "gpt2"
 *   tokenizer.ggml.pre          string   "gpt-4o" (o200k split regex; anything else is refused)
 *   tokenizer.ggml.tokens       [string] vocabSize entries, `[PAD<id>]` for ids no token has
 *   tokenizer.ggml.token_type   [int32]  NORMAL / CONTROL / USER_DEFINED / UNUSED
 *   tokenizer.ggml.merges       [string] "a b", when the tokenizer has merges
 *   tokenizer.ggml.<type>_token_id  uint32, for each special token found (bos, eos, …)
 *   tokenizer.ggml.add_<type>_token bool, when tokenizer_config.json / the post-processor say so
 *   tokenizer.chat_template…    string(s), when a chat template is found
 *
 * `dir` is the Hugging Face checkpoint folder (tokenizer.json, tokenizer_config.json, config.json, and
 * optionally special_tokens_map.json, chat_template.jinja, merges.txt). generation_config.json plays no
 * part: llama.cpp reads it only for general.sampling.* metadata. `vocabSize` is the model's vocab_size as the converter's hparams
 * hold it (config.json's vocab_size; transformers' GptOssConfig default 201088 when absent) — the padded
 * embedding size, which may exceed the tokenizer's own count.
 */
export async function tokenizerToGgufMetadata(params: { dir: string; vocabSize: number }): Promise<GgufMetadata> {
  const { dir, vocabSize } = params;
  const tokenizerPath = join(dir, "tokenizer.json");
  const tokenizerConfigPath = join(dir, "tokenizer_config.json");
  const configPath = join(dir, "config.json");
  const specialTokensMapPath = join(dir, "special_tokens_map.json");

  const tokenizerJson = expectObject(await readCheckpointJson({ path: tokenizerPath }), tokenizerPath);
  const tokenizerConfig = optionalObject(await readCheckpointJson({ path: tokenizerConfigPath, optional: true }), tokenizerConfigPath);
  const config = optionalObject(await readCheckpointJson({ path: configPath, optional: true }), configPath);
  const specialTokensMap = optionalObject(await readCheckpointJson({ path: specialTokensMapPath, optional: true }), specialTokensMapPath);

  const pre = detectPreTokenizer({ tokenizerJson, tokenizerPath });
  const { tokens, tokenTypes } = buildTokenList({
    tokenizerJson,
    tokenizerConfig,
    specialTokensMap,
    vocabSize,
    tokenizerPath,
    tokenizerConfigPath,
    specialTokensMapPath,
    configPath,
  });
  const merges = await loadMerges({ dir, tokenizerJson, tokenizerPath });
  const special = await loadSpecialVocab({ dir, tokenizerJson, tokenizerConfig, config, tokenizerPath, configPath });

  // A Map, like GGUFWriter's kv dict: insertion order is file order, and a key set again keeps its place.
  const metadata: GgufMetadata = new Map();
  metadata.set("tokenizer.ggml.model", { type: GgufValueType.STRING, value: "gpt2" });
  metadata.set("tokenizer.ggml.pre", { type: GgufValueType.STRING, value: pre });
  metadata.set("tokenizer.ggml.tokens", { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: tokens });
  metadata.set("tokenizer.ggml.token_type", { type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value: tokenTypes });
  if (merges.length > 0) {
    metadata.set("tokenizer.ggml.merges", { type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value: merges });
  }
  for (const [type, id] of special.specialTokenIds) {
    const key = SPECIAL_TOKEN_ID_KEYS[type];
    if (key !== undefined) metadata.set(key, { type: GgufValueType.UINT32, value: id });
  }
  for (const [type, add] of special.addSpecialToken) {
    const key = ADD_SPECIAL_TOKEN_KEYS[type];
    if (key !== undefined) metadata.set(key, { type: GgufValueType.BOOL, value: add });
  }
  if (special.chatTemplate !== null) {
    for (const [key, value] of chatTemplateKeyValues({ chatTemplate: special.chatTemplate, sourcePath: tokenizerConfigPath })) {
      metadata.set(key, value);
    }
  }
  return metadata;
}

function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(path, "expected a JSON object at the top level");
  }
  return value as Record<string, unknown>;
}

function optionalObject(value: unknown, path: string): Record<string, unknown> | undefined {
  return value === undefined ? undefined : expectObject(value, path);
}
