import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError } from "../../errors.js";
import { packageRoot } from "../../util/paths.js";
import { GgufValueType, type GgufMetadata, type GgufValue } from "../gguf/ggufValue.js";
import { TokenType } from "./tokenType.js";
import { tokenizerToGgufMetadata } from "./tokenizerToGgufMetadata.js";

const FIXTURE_FILES = ["tokenizer.json", "tokenizer_config.json", "config.json", "generation_config.json"];

function metadataValue(metadata: GgufMetadata, key: string): GgufValue["value"] {
  const entry = metadata.get(key);
  if (entry === undefined) throw new Error(`missing ${key}`);
  return entry.value;
}

describe("tokenizerToGgufMetadata on the tiny gpt-oss fixture", () => {
  let metadata: GgufMetadata;
  let trainingReport: { special_token_ids: Record<string, number> };
  beforeAll(async () => {
    metadata = await tokenizerToGgufMetadata({ dir: tinyFixtureDir(), vocabSize: 4096 });
    trainingReport = JSON.parse(await readFile(join(tinyFixtureDir(), "training_report.json"), "utf8"));
  });

  it("writes llama.cpp's keys in llama.cpp's order", () => {
    expect([...metadata.keys()]).toEqual([
      "tokenizer.ggml.model",
      "tokenizer.ggml.pre",
      "tokenizer.ggml.tokens",
      "tokenizer.ggml.token_type",
      "tokenizer.ggml.merges",
      "tokenizer.ggml.bos_token_id",
      "tokenizer.ggml.eos_token_id",
      "tokenizer.ggml.padding_token_id",
      "tokenizer.chat_template",
    ]);
    expect(metadata.get("tokenizer.ggml.model")).toEqual({ type: GgufValueType.STRING, value: "gpt2" });
    expect(metadata.get("tokenizer.ggml.pre")).toEqual({ type: GgufValueType.STRING, value: "gpt-4o" });
  });

  it("lists 4096 tokens; the 16 specials are CONTROL, the rest NORMAL", () => {
    const tokens = metadata.get("tokenizer.ggml.tokens")!;
    const types = metadata.get("tokenizer.ggml.token_type")!;
    expect(tokens.type === GgufValueType.ARRAY && tokens.itemType).toBe(GgufValueType.STRING);
    expect(types.type === GgufValueType.ARRAY && types.itemType).toBe(GgufValueType.INT32);
    const tokenList = tokens.value as string[];
    const typeList = types.value as number[];
    expect(tokenList).toHaveLength(4096);
    expect(typeList).toHaveLength(4096);
    expect(tokenList.slice(0, 3)).toEqual(["!", '"', "#"]);
    for (const [text, id] of Object.entries(trainingReport.special_token_ids)) {
      expect(tokenList[id]).toBe(text);
      expect(typeList[id]).toBe(TokenType.CONTROL);
    }
    expect(typeList.filter((type) => type === TokenType.NORMAL)).toHaveLength(4096 - 16);
  });

  it("joins the [a, b] merge pairs with a space", () => {
    const merges = metadataValue(metadata, "tokenizer.ggml.merges") as string[];
    expect(merges).toHaveLength(3824);
    expect(merges.slice(0, 4)).toEqual(["ï ¼", "ä ¸", "ç ļ", "çļ Ħ"]);
  });

  it("takes bos/eos/pad from tokenizer_config.json's token names, as uint32", () => {
    const ids = trainingReport.special_token_ids;
    expect(metadata.get("tokenizer.ggml.bos_token_id")).toEqual({ type: GgufValueType.UINT32, value: ids["<|startoftext|>"] });
    expect(metadata.get("tokenizer.ggml.eos_token_id")).toEqual({ type: GgufValueType.UINT32, value: ids["<|return|>"] });
    expect(metadata.get("tokenizer.ggml.padding_token_id")).toEqual({ type: GgufValueType.UINT32, value: ids["<|endoftext|>"] });
  });

  it("carries tokenizer_config.json's chat template", async () => {
    const config = JSON.parse(await readFile(join(tinyFixtureDir(), "tokenizer_config.json"), "utf8"));
    expect(metadataValue(metadata, "tokenizer.chat_template")).toBe(config.chat_template);
  });
});

/** A digest of llama.cpp's own conversion of the fixture (scripts/reference/make_convert_reference.py). */
interface ReferenceKv {
  key: string;
  type: string;
  item_type?: string;
  value: unknown;
}

describe("tokenizerToGgufMetadata against llama.cpp's conversion of the fixture", () => {
  it("matches every tokenizer.* key of test/reference/llama-cpp-convert-bf16.json: order, types and values", async () => {
    const reference = JSON.parse(await readFile(join(packageRoot(), "test", "reference", "llama-cpp-convert-bf16.json"), "utf8"));
    const expected = (reference.kv as ReferenceKv[]).filter((kv) => kv.key.startsWith("tokenizer."));
    const metadata = await tokenizerToGgufMetadata({ dir: tinyFixtureDir(), vocabSize: 4096 });
    const actual = [...metadata].map(([key, value]): ReferenceKv => {
      const kv: ReferenceKv = { key, type: GgufValueType[value.type], value: value.value };
      if (value.type === GgufValueType.ARRAY) kv.item_type = GgufValueType[value.itemType];
      return kv;
    });
    expect(actual.map((kv) => kv.key)).toEqual(expected.map((kv) => kv.key));
    for (const [index, kv] of expected.entries()) {
      const mine = actual[index];
      expect({ key: mine.key, type: mine.type, item_type: mine.item_type }).toEqual({ key: kv.key, type: kv.type, item_type: kv.item_type });
      expect(mine.value, kv.key).toEqual(kv.value);
    }
  });
});

describe("tokenizerToGgufMetadata on edited copies of the fixture", () => {
  let work: string;
  let caseNumber = 0;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "oss-prep-tokenizer-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** A copy of the fixture's tokenizer files; `edit` may change tokenizer.json before it is written. */
  async function fixtureCopy(edit?: (tokenizer: Record<string, any>) => void): Promise<string> {
    const dir = join(work, `case-${caseNumber++}`);
    await mkdir(dir);
    for (const name of FIXTURE_FILES) await copyFile(join(tinyFixtureDir(), name), join(dir, name));
    if (edit !== undefined) {
      const tokenizer = JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8"));
      edit(tokenizer);
      await writeFile(join(dir, "tokenizer.json"), JSON.stringify(tokenizer));
    }
    return dir;
  }

  it("pads ids past the tokenizer to config.json's vocab_size with [PAD<id>] UNUSED tokens", async () => {
    const metadata = await tokenizerToGgufMetadata({ dir: await fixtureCopy(), vocabSize: 4100 });
    const tokens = metadataValue(metadata, "tokenizer.ggml.tokens") as string[];
    const types = metadataValue(metadata, "tokenizer.ggml.token_type") as number[];
    expect(tokens).toHaveLength(4100);
    expect(tokens.slice(4094)).toEqual(["<|call|>", "<|reserved_6|>", "[PAD4096]", "[PAD4097]", "[PAD4098]", "[PAD4099]"]);
    expect(types.slice(4096)).toEqual([TokenType.UNUSED, TokenType.UNUSED, TokenType.UNUSED, TokenType.UNUSED]);
  });

  it("refuses a vocab_size smaller than the tokenizer", async () => {
    await expect(tokenizerToGgufMetadata({ dir: await fixtureCopy(), vocabSize: 4000 })).rejects.toThrow(/vocab_size 4000 is smaller than the tokenizer's largest id 4095/);
  });

  it("refuses an unknown pre-tokenizer regex, naming tokenizer.json and showing the pattern", async () => {
    const dir = await fixtureCopy((tokenizer) => {
      tokenizer.pre_tokenizer.pretokenizers[0].pattern.Regex = "\\p{L}+|\\p{N}+";
    });
    const error = await tokenizerToGgufMetadata({ dir, vocabSize: 4096 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).file).toBe(join(dir, "tokenizer.json"));
    expect((error as Error).message).toContain("unknown pre-tokenizer");
    expect((error as Error).message).toContain(JSON.stringify("\\p{L}+|\\p{N}+"));
  });

  it("refuses a GPT-2 style ByteLevel-only pre-tokenizer", async () => {
    const dir = await fixtureCopy((tokenizer) => {
      tokenizer.pre_tokenizer = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
    });
    await expect(tokenizerToGgufMetadata({ dir, vocabSize: 4096 })).rejects.toThrow(/tokenizer\.json: pre_tokenizer: unknown pre-tokenizer/);
  });

  it("refuses a missing tokenizer.json, naming it", async () => {
    const dir = await fixtureCopy();
    await rm(join(dir, "tokenizer.json"));
    const error = await tokenizerToGgufMetadata({ dir, vocabSize: 4096 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(`${join(dir, "tokenizer.json")}: file not found`);
  });

  it("refuses malformed JSON, naming the file", async () => {
    const dir = await fixtureCopy();
    await writeFile(join(dir, "tokenizer_config.json"), '{"bos_token": "<|startoftext|>",');
    const error = await tokenizerToGgufMetadata({ dir, vocabSize: 4096 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).file).toBe(join(dir, "tokenizer_config.json"));
    expect((error as Error).message).toContain("malformed JSON");
  });

  it("refuses an added token whose id the tokenizers library would not load it at", async () => {
    const dir = await fixtureCopy((tokenizer) => {
      tokenizer.added_tokens[0].id = 5000;
    });
    await expect(tokenizerToGgufMetadata({ dir, vocabSize: 8192 })).rejects.toThrow(/added_tokens\[0\].*would load it at id 4080/);
  });

  it("prefers chat_template in tokenizer_config.json over chat_template.jinja", async () => {
    const dir = await fixtureCopy();
    await writeFile(join(dir, "chat_template.jinja"), "jinja template\r\n");
    const metadata = await tokenizerToGgufMetadata({ dir, vocabSize: 4096 });
    expect(metadataValue(metadata, "tokenizer.chat_template")).toMatch(/^\{% for m in messages %\}/);
    const config = JSON.parse(await readFile(join(dir, "tokenizer_config.json"), "utf8"));
    delete config.chat_template;
    await writeFile(join(dir, "tokenizer_config.json"), JSON.stringify(config));
    const fromJinja = await tokenizerToGgufMetadata({ dir, vocabSize: 4096 });
    // Read like Python's text mode: CRLF becomes LF.
    expect(metadataValue(fromJinja, "tokenizer.chat_template")).toBe("jinja template\n");
  });

  it("builds the real model's 201088-entry table (199998 BPE tokens, 21 added, padding) quickly", async () => {
    const dir = await fixtureCopy((tokenizer) => {
      const vocab: Record<string, number> = {};
      for (let id = 0; id < 199998; id++) vocab[`t${id.toString(36)}`] = id;
      tokenizer.model.vocab = vocab;
      tokenizer.model.merges = [["t", "0"]];
      tokenizer.added_tokens = Array.from({ length: 21 }, (_, index) => ({
        id: 199998 + index,
        content: `<|reserved_${199998 + index}|>`,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      }));
    });
    // The fixture's tokenizer_config.json describes the fixture's ids; drop it for this synthetic vocabulary.
    await rm(join(dir, "tokenizer_config.json"));
    const metadata = await tokenizerToGgufMetadata({ dir, vocabSize: 201088 });
    const tokens = metadataValue(metadata, "tokenizer.ggml.tokens") as string[];
    const types = metadataValue(metadata, "tokenizer.ggml.token_type") as number[];
    expect(tokens).toHaveLength(201088);
    expect([tokens[199997], tokens[199998], tokens[200018], tokens[200019], tokens[201087]]).toEqual([
      `t${(199997).toString(36)}`,
      "<|reserved_199998|>",
      "<|reserved_200018|>",
      "[PAD200019]",
      "[PAD201087]",
    ]);
    expect([types[0], types[199998], types[200019]]).toEqual([TokenType.NORMAL, TokenType.CONTROL, TokenType.UNUSED]);
    // config.json of the fixture gives eos 4084 and pad 4081; with no tokenizer_config.json those are used.
    expect(metadataValue(metadata, "tokenizer.ggml.eos_token_id")).toBe(4084);
  });
});
