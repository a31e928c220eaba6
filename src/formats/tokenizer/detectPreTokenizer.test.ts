import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyFixtureDir } from "../../../test/shared.js";
import { InvalidInputError } from "../../errors.js";
import { detectPreTokenizer } from "./detectPreTokenizer.js";

function fixtureTokenizer(): Record<string, any> {
  return JSON.parse(readFileSync(join(tinyFixtureDir(), "tokenizer.json"), "utf8"));
}

function refusal(tokenizerJson: Record<string, unknown>): InvalidInputError {
  try {
    detectPreTokenizer({ tokenizerJson, tokenizerPath: "/ckpt/tokenizer.json" });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected a refusal");
}

describe("detectPreTokenizer", () => {
  it("recognises gpt-oss's Sequence[Split(o200k), ByteLevel(use_regex=false)] as gpt-4o", () => {
    expect(detectPreTokenizer({ tokenizerJson: fixtureTokenizer(), tokenizerPath: "tokenizer.json" })).toBe("gpt-4o");
  });

  it("refuses a regex that differs by one character, quoting it", () => {
    const tokenizer = fixtureTokenizer();
    const pattern = tokenizer.pre_tokenizer.pretokenizers[0].pattern.Regex.replace("{1,3}", "{1,4}");
    tokenizer.pre_tokenizer.pretokenizers[0].pattern.Regex = pattern;
    const error = refusal(tokenizer);
    expect(error.file).toBe("/ckpt/tokenizer.json");
    expect(error.key).toBe("pre_tokenizer");
    expect(error.message).toContain(JSON.stringify(pattern));
  });

  it("refuses a ByteLevel step that would apply GPT-2's regex too (use_regex missing means true)", () => {
    const tokenizer = fixtureTokenizer();
    delete tokenizer.pre_tokenizer.pretokenizers[1].use_regex;
    expect(refusal(tokenizer).message).toMatch(/unknown pre-tokenizer: expected ByteLevel\(add_prefix_space=false, use_regex=false\)/);
  });

  it("refuses an inverted or merged split", () => {
    const tokenizer = fixtureTokenizer();
    tokenizer.pre_tokenizer.pretokenizers[0].behavior = "MergedWithPrevious";
    expect(refusal(tokenizer).message).toContain('behavior "MergedWithPrevious"');
  });

  it("refuses a normalizer and a non-BPE model", () => {
    const withNormalizer = fixtureTokenizer();
    withNormalizer.normalizer = { type: "NFC" };
    expect(refusal(withNormalizer).key).toBe("normalizer");
    const wordPiece = fixtureTokenizer();
    wordPiece.model.type = "WordPiece";
    expect(refusal(wordPiece).key).toBe("model.type");
  });
});
