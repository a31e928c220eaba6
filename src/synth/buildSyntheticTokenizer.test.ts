import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../test/shared.js";
import { buildSyntheticTokenizer } from "./buildSyntheticTokenizer.js";
import { byteLevelAlphabet } from "../formats/tokenizer/byteLevelAlphabet.js";
import { type ByteLevelBpeTokenizerJson, createByteLevelBpeEncoder } from "../formats/tokenizer/createByteLevelBpeEncoder.js";
import { TOKENIZER_TRAINING_CORPUS } from "./corpus.js";

interface TokenizerJson extends ByteLevelBpeTokenizerJson {
  [key: string]: unknown;
  added_tokens: Array<{ id: number; content: string }>;
  model: { vocab: Record<string, number>; merges: Array<[string, string] | string> } & Record<string, unknown>;
}

const parse = (text: string): TokenizerJson => JSON.parse(text) as TokenizerJson;

/** Inverse of the byte-level encoding: token strings back to UTF-8 text (special tokens verbatim). */
function decode(tokenizer: TokenizerJson, ids: number[]): string {
  const idToToken = new Map(Object.entries(tokenizer.model.vocab).map(([token, id]) => [id, token] as const));
  const special = new Map(tokenizer.added_tokens.map((t) => [t.id, t.content] as const));
  const { charToByte } = byteLevelAlphabet();
  let out = "";
  let bytes: number[] = [];
  const flush = () => {
    out += Buffer.from(bytes).toString("utf8");
    bytes = [];
  };
  for (const id of ids) {
    const content = special.get(id);
    if (content !== undefined) {
      flush();
      out += content;
      continue;
    }
    for (const char of idToToken.get(id)!) bytes.push(charToByte.get(char)!);
  }
  flush();
  return out;
}

describe("buildSyntheticTokenizer (demo)", () => {
  const built = buildSyntheticTokenizer({ preset: "demo" });
  const tokenizer = parse(built.files["tokenizer.json"]);
  const vocab = tokenizer.model.vocab;

  it("has a contiguous vocab of unique tokens: 256 bytes in code-point order, then the trained merges", () => {
    const entries = Object.entries(vocab).sort((a, b) => a[1] - b[1]);
    expect(entries.map(([, id]) => id)).toEqual(entries.map((_, i) => i));
    expect(entries.length).toBe(900);
    expect(built.trainedTokenCount).toBe(900);
    expect(built.fillerTokenCount).toBe(0);
    expect(entries.slice(0, 256).map(([token]) => token)).toEqual(byteLevelAlphabet().ordered);
    expect(vocab["!"]).toBe(0);
    expect(vocab.Ġ).toBe(220);
    expect(vocab.Ċ).toBe(198);
    // The file lists the vocab in id order, even integer-like tokens ("0", "123").
    const text = built.files["tokenizer.json"];
    expect(text.indexOf('"!": 0')).toBeLessThan(text.indexOf('"0": 15'));
  });

  it("has merges whose parts and results are all tokens, each result made by a merge", () => {
    expect(tokenizer.model.merges.length).toBe(644);
    for (const merge of tokenizer.model.merges) {
      const [left, right] = merge as [string, string];
      expect(vocab[left], left).toBeDefined();
      expect(vocab[right], right).toBeDefined();
      expect(vocab[left + right], left + right).toBeDefined();
    }
  });

  it("round-trips English, Chinese, code, emoji and special tokens", () => {
    const samples = [
      TOKENIZER_TRAINING_CORPUS,
      "The river town wakes up slowly; the teacher's questions aren't answers.",
      "问题：这个故事里的小镇叫什么名字？答案：故事里没有说。",
      "def f(x):\n    return x ** 2  # 🦙 unseen bytes fall back to single-byte tokens\r\n",
      "<|start|>user<|message|>Hello<|end|><|start|>assistant<|channel|>final<|message|>Hi<|return|>",
    ];
    for (const text of samples) {
      const ids = createByteLevelBpeEncoder({ tokenizer })(text);
      expect(decode(tokenizer, ids)).toBe(text);
      expect(Math.max(...ids)).toBeLessThan(built.definedTokenCount);
    }
  });

  it("compresses text like a trained BPE: frequent words are single tokens", () => {
    expect(createByteLevelBpeEncoder({ tokenizer })(" the")).toEqual([vocab.Ġthe]);
    const ids = createByteLevelBpeEncoder({ tokenizer })(TOKENIZER_TRAINING_CORPUS);
    expect(ids.length).toBeLessThan(Buffer.byteLength(TOKENIZER_TRAINING_CORPUS) / 2.5);
  });

  it("places the harmony special tokens after the BPE vocab, as added tokens", () => {
    const ids = Object.fromEntries(tokenizer.added_tokens.map((t) => [t.content, t.id]));
    expect(ids).toMatchObject({
      "<|startoftext|>": 900,
      "<|endoftext|>": 901,
      "<|reserved_902|>": 902,
      "<|return|>": 904,
      "<|constrain|>": 905,
      "<|channel|>": 907,
      "<|start|>": 908,
      "<|end|>": 909,
      "<|message|>": 910,
      "<|call|>": 914,
      "<|endofprompt|>": 920,
    });
    expect(tokenizer.added_tokens.map((t) => t.id)).toEqual(Array.from({ length: 21 }, (_, i) => 900 + i));
    expect(built.definedTokenCount).toBe(921);
    expect(createByteLevelBpeEncoder({ tokenizer })("<|start|>")).toEqual([908]);
  });

  it("has the structure of the fixture's tokenizer.json (pre-tokenizer, decoder, model options, added-token fields)", () => {
    const fixture = parse(readFileSync(join(tinyFixtureDir(), "tokenizer.json"), "utf8"));
    expect(Object.keys(tokenizer)).toEqual(Object.keys(fixture));
    for (const key of ["version", "truncation", "padding", "normalizer", "pre_tokenizer", "post_processor", "decoder"]) {
      expect(tokenizer[key], key).toEqual(fixture[key]);
    }
    const options = (model: Record<string, unknown>) => Object.fromEntries(Object.entries(model).filter(([k]) => k !== "vocab" && k !== "merges"));
    expect(options(tokenizer.model)).toEqual(options(fixture.model));
    expect(Object.keys(tokenizer.model)).toEqual(Object.keys(fixture.model));
    expect(Object.keys(tokenizer.added_tokens[0])).toEqual(Object.keys(fixture.added_tokens[0]));
    // The fixture's named specials are all present (its reserved ones are numbered differently).
    const ours = new Set(tokenizer.added_tokens.map((t) => t.content));
    for (const t of fixture.added_tokens) if (!t.content.startsWith("<|reserved")) expect(ours.has(t.content), t.content).toBe(true);
  });

  it("writes tokenizer_config.json, special_tokens_map.json and a harmony chat template", () => {
    const config = JSON.parse(built.files["tokenizer_config.json"]) as Record<string, unknown>;
    expect(Object.keys(config)).toEqual([
      "added_tokens_decoder",
      "bos_token",
      "chat_template",
      "clean_up_tokenization_spaces",
      "eos_token",
      "extra_special_tokens",
      "model_input_names",
      "model_max_length",
      "pad_token",
      "tokenizer_class",
    ]);
    expect(config).toMatchObject({ bos_token: "<|startoftext|>", eos_token: "<|return|>", pad_token: "<|endoftext|>" });
    expect(built.files["tokenizer_config.json"]).toContain('"model_max_length": 1000000000000000019884624838656,');
    const decoder = config.added_tokens_decoder as Record<string, { content: string; special: boolean }>;
    expect(Object.keys(decoder)).toEqual(Array.from({ length: 21 }, (_, i) => String(900 + i)));
    expect(decoder["904"]).toEqual({ content: "<|return|>", lstrip: false, normalized: false, rstrip: false, single_word: false, special: true });
    expect(config.chat_template).toBe(built.files["chat_template.jinja"]);
    expect(built.files["chat_template.jinja"]).toContain("<|channel|>");
    expect(JSON.parse(built.files["special_tokens_map.json"])).toEqual({
      bos_token: "<|startoftext|>",
      eos_token: "<|return|>",
      pad_token: "<|endoftext|>",
    });
  });
});

describe("buildSyntheticTokenizer (gpt-oss-20b)", () => {
  const built = buildSyntheticTokenizer({ preset: "gpt-oss-20b" });
  const tokenizer = parse(built.files["tokenizer.json"]);

  it("fills the BPE vocab to 199998 with unique [PAD<id>] tokens so the specials land on the real ids", () => {
    const vocab = tokenizer.model.vocab;
    const tokens = Object.keys(vocab);
    expect(tokens.length).toBe(199998);
    expect(new Set(Object.values(vocab)).size).toBe(199998);
    expect(vocab["[PAD900]"]).toBe(900);
    expect(vocab["[PAD199997]"]).toBe(199997);
    expect(built.trainedTokenCount + built.fillerTokenCount).toBe(199998);
    // Fillers are printable ASCII, i.e. valid byte-level text, and no merge can produce them.
    const { charToByte } = byteLevelAlphabet();
    expect([..."[PAD199997]"].every((c) => charToByte.has(c))).toBe(true);
    expect(tokenizer.model.merges.some((m) => (m as string[]).join("").startsWith("[PAD"))).toBe(false);
  });

  it("has gpt-oss's special token ids and leaves 200019…201087 undefined, like the real tokenizer", () => {
    const ids = Object.fromEntries(tokenizer.added_tokens.map((t) => [t.content, t.id]));
    expect(ids).toMatchObject({
      "<|startoftext|>": 199998,
      "<|endoftext|>": 199999,
      "<|reserved_200000|>": 200000,
      "<|reserved_200001|>": 200001,
      "<|return|>": 200002,
      "<|constrain|>": 200003,
      "<|reserved_200004|>": 200004,
      "<|channel|>": 200005,
      "<|start|>": 200006,
      "<|end|>": 200007,
      "<|message|>": 200008,
      "<|call|>": 200012,
      "<|endofprompt|>": 200018,
    });
    expect(built.definedTokenCount).toBe(200019);
    const text = "<|start|>user<|message|>The river town wakes up slowly.<|end|>";
    expect(decode(tokenizer, createByteLevelBpeEncoder({ tokenizer })(text))).toBe(text);
  });
});
