import { describe, expect, it } from "vitest";
import { O200K_PRETOKENIZER_REGEX, splitO200k } from "./splitO200k.js";

describe("splitO200k", () => {
  it("splits like the o200k pre-tokenizer", () => {
    expect(splitO200k({ text: "I'll go, they've 12345 apples!!\n\n  ok  你好，世界" })).toEqual([
      "I'll",
      " go",
      ",",
      " they've",
      " ",
      "123",
      "45",
      " apples",
      "!!\n\n",
      " ",
      " ok",
      " ",
      " 你好",
      "，世界",
    ]);
    // Case-insensitive contractions, camel case split before an upper-case run, digits in threes.
    expect(splitO200k({ text: "WE'LL HTMLParser x2024" })).toEqual(["WE'LL", " HTMLParser", " x", "202", "4"]);
  });

  it("always reassembles to its input", () => {
    const text = "\t tabs\t\tand\r\n CRLF 🦙🦙 ... 3.14 ---=== `code` 'quoted' done";
    expect(splitO200k({ text }).join("")).toBe(text);
  });

  it("keeps the regex exactly as tokenizer.json and llama.cpp spell it", () => {
    expect(O200K_PRETOKENIZER_REGEX).toBe(
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
    );
  });
});
