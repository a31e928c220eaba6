import { TOKENIZER_TRAINING_CORPUS } from "./corpus.js";
import { harmonyChatTemplate } from "./harmonyChatTemplate.js";
import { harmonySpecialTokens } from "./harmonySpecialTokens.js";
import { syntheticPreset, type SyntheticPresetName } from "./presets.js";
import { O200K_PRETOKENIZER_REGEX } from "../formats/tokenizer/splitO200k.js";
import { trainByteLevelBpe } from "./trainByteLevelBpe.js";

export interface SyntheticTokenizer {
  /** File name → contents: tokenizer.json, tokenizer_config.json, special_tokens_map.json, chat_template.jinja. */
  files: Record<string, string>;
  /** BPE tokens learned from the corpus (ids 0 … trainedTokenCount − 1, the first 256 are the bytes). */
  trainedTokenCount: number;
  /** `[PAD<id>]` placeholders between the trained tokens and the first special token. */
  fillerTokenCount: number;
  /** Merges in rank order. */
  merges: Array<[string, string]>;
  /** The harmony special tokens (added tokens), ids ascending. */
  specialTokens: Array<{ id: number; content: string }>;
  /** Ids the tokenizer defines: 0 … definedTokenCount − 1. Ids from here to vocab_size − 1 are undefined. */
  definedTokenCount: number;
}

/**
 * The synthetic checkpoint's tokenizer files: a real byte-level BPE trained on the built-in corpus, with
 * the o200k pre-tokenizer and gpt-oss's special tokens at the ids the preset puts them.
 *
 * Id layout (gpt-oss-20b numbers): 0–255 bytes, then the trained merges, then `[PAD<id>]` fillers up to
 * 199997, then the 21 harmony specials 199998–200018 as added tokens; 200019–201087 stay undefined, as in
 * openai/gpt-oss-20b, whose config.json vocab_size (201088) also exceeds its tokenizer (200019 tokens).
 *
 * Why fillers inside the BPE vocab rather than a gap: HF tokenizers assigns added tokens the ids right
 * after the model vocab, whatever the JSON says, so the specials only land on 199998… if the BPE vocab has
 * exactly 199998 entries. The fillers are unique, reachable by no merge (so encoding never produces
 * them), and spelled in printable ASCII, which is valid byte-level text: llama.cpp decodes every normal
 * token through the byte-level map when it loads a vocabulary and would abort on a character outside it.
 * `[PAD<id>]` is also how llama.cpp's converter names the undefined ids above the tokenizer, so a
 * converted GGUF reads uniformly. The undefined top range is left to converters exactly as with the
 * real checkpoint (llama.cpp pads it with `[PAD<id>]`, type UNUSED). Checked end to end: converted to
 * GGUF, llama.cpp loads such a vocab (pre-tokenizer "gpt-4o"), tokenizes exactly like this module's encoder
 * and tokenizers.js, and detokenizes a filler as its literal text.
 */
export function buildSyntheticTokenizer(params: { preset: SyntheticPresetName }): SyntheticTokenizer {
  const preset = syntheticPreset(params.preset);
  const firstSpecialId = preset.tokenizer.firstSpecialTokenId;
  const cached = cache.get(firstSpecialId);
  if (cached !== undefined) return cached;

  const { tokens: trained, merges } = trainByteLevelBpe({ text: TOKENIZER_TRAINING_CORPUS, maxMerges: firstSpecialId - 256 });
  const bpeTokens = [...trained];
  for (let id = trained.length; id < firstSpecialId; id++) bpeTokens.push(`[PAD${id}]`);
  if (new Set(bpeTokens).size !== bpeTokens.length) throw new Error("synthetic tokenizer: duplicate token strings");

  const specialTokens = harmonySpecialTokens({ firstId: firstSpecialId });
  const definedTokenCount = firstSpecialId + specialTokens.length;
  if (definedTokenCount > preset.vocabSize) {
    throw new RangeError(`preset ${preset.name}: ${definedTokenCount} tokens do not fit vocab_size ${preset.vocabSize}`);
  }
  const bos = "<|startoftext|>";
  const eos = "<|return|>";
  const pad = "<|endoftext|>";

  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map(({ id, content }) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: O200K_PRETOKENIZER_REGEX }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: VOCAB_PLACEHOLDER,
      merges,
    },
  };
  // The vocab is spliced in by hand: a JS object would list integer-like tokens ("0", "123") first,
  // and tokenizers writes the vocab in id order.
  const vocabText = `{\n${bpeTokens.map((token, id) => `      ${JSON.stringify(token)}: ${id}`).join(",\n")}\n    }`;
  const tokenizerText = JSON.stringify(tokenizerJson, null, 2).replace(JSON.stringify(VOCAB_PLACEHOLDER), () => vocabText);

  const addedTokensDecoder: Record<string, object> = {};
  for (const { id, content } of specialTokens) {
    addedTokensDecoder[String(id)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  }
  const tokenizerConfig = {
    added_tokens_decoder: addedTokensDecoder,
    bos_token: bos,
    chat_template: harmonyChatTemplate(),
    clean_up_tokenization_spaces: false,
    eos_token: eos,
    extra_special_tokens: {},
    model_input_names: ["input_ids", "attention_mask"],
    model_max_length: MODEL_MAX_LENGTH_PLACEHOLDER,
    pad_token: pad,
    tokenizer_class: "PreTrainedTokenizerFast",
  };
  // transformers writes its "no limit" sentinel int(1e30) as an exact integer; a JS number would print 1e+30.
  const tokenizerConfigText = JSON.stringify(tokenizerConfig, null, 2).replace(
    JSON.stringify(MODEL_MAX_LENGTH_PLACEHOLDER),
    "1000000000000000019884624838656",
  );

  const result: SyntheticTokenizer = {
    files: {
      "tokenizer.json": tokenizerText,
      "tokenizer_config.json": `${tokenizerConfigText}\n`,
      "special_tokens_map.json": `${JSON.stringify({ bos_token: bos, eos_token: eos, pad_token: pad }, null, 2)}\n`,
      "chat_template.jinja": harmonyChatTemplate(),
    },
    trainedTokenCount: trained.length,
    fillerTokenCount: firstSpecialId - trained.length,
    merges,
    specialTokens,
    definedTokenCount,
  };
  cache.set(firstSpecialId, result);
  return result;
}

const VOCAB_PLACEHOLDER = "\u0000vocab\u0000";
const MODEL_MAX_LENGTH_PLACEHOLDER = "\u0000model_max_length\u0000";
const cache = new Map<number, SyntheticTokenizer>();
